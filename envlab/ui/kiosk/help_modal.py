"""The help as a kiosk's learner needs it: the course's keys, without those the kiosk has locked."""

from __future__ import annotations

from textual.widgets import Markdown

from envlab.ui.screens.help_modal import HelpModal, help_text

#: What a kiosk adds to the help, in each language (English is the fallback).
KIOSK_HELP = {
    "en": "## On this kiosk\n\n**Ctrl+D** when you are done: the containers of your lessons are removed and "
          "your progress is kept under your name. After a while with no key, a countdown ends your session "
          "unless you press a key. **F1** shows this help.",
    "ja": "## このキオスクでは\n\n終わったら **Ctrl+D**: レッスンのコンテナは削除され、"
          "進捗はあなたの名前で保存されます。"
          "しばらくキーを押さないとカウントダウンが始まり、キーを押さなければセッションが終わります。"
          "**F1** でこのヘルプを表示します。",
}
#: Lines of the course's help about what a kiosk does not offer a learner (quitting, the command palette,
#: preparing images: the operator's).
_LOCKED = ("| q |", "| P |", "Everywhere:", "どの画面でも:")


def kiosk_help_text(lang: str) -> str:
    """The course's help in ``lang`` less its lines on quitting and the palette, and what the kiosk adds."""
    lines = [line for line in help_text(lang).splitlines() if not line.startswith(_LOCKED)]
    return "\n".join(lines).rstrip() + "\n\n" + KIOSK_HELP.get(lang, KIOSK_HELP["en"]) + "\n"


class KioskHelpModal(HelpModal):
    """:class:`HelpModal` with :func:`kiosk_help_text`."""

    def on_mount(self) -> None:
        self.query_one(Markdown).update(kiosk_help_text(self.envlab.lang))

    def _language_changed(self, lang: str) -> None:
        self.query_one(Markdown).update(kiosk_help_text(lang))
