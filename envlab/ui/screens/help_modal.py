"""Help: what envlab is for and every key, in one place."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# envlab

Learn why *it works on my machine* happens: each lesson runs the same app on hand-configured
**bare hosts** and as a **containerized fix**, on real containers, side by side.

## Home
| Key | |
|---|---|
| Enter | open the lesson under the cursor |
| c | continue where you left off |
| l | switch language (English / 日本語) |
| x | reset the progress of the lesson under the cursor |
| q | quit (everything envlab started is removed) |

## Lesson
| Key | |
|---|---|
| n / p | next / previous step of the guide |
| r | run every setup (again) and watch the panes |
| h | show the next hint |
| i | inspect the drift between the running setups |
| f | fix it yourself: a shell inside the broken host (type `exit` to come back) |
| v | verify your fix with the lesson's checks |
| t | take the quiz |
| x | reset: tear everything down and run again |
| l | switch language |
| Esc | back to the chapters (the containers are removed) |

Everywhere: **Ctrl+P** opens the command palette, **F1** this help, **Ctrl+Q** quits.
Your progress is saved as you go; `envlab progress export FILE` carries it to another machine.
"""


class HelpModal(ModalScreen[None]):
    """The keys and what each screen is for."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
