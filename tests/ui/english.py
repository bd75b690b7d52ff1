"""Finds English a Japanese screen shows that no one chose to show: the measure behind the Japanese walk of
tests/ui/test_geometry.py.

A word of Latin letters on a screen drawn in Japanese is fine when it comes from somewhere that meant it:

- the Japanese of the interface's own texts and of the engine's (``Docker``, ``Enter``, ``envlab images
  import`` are written into them on purpose);
- what a lesson provides, in Japanese or as data that has no language: names of hosts and services, commands,
  files, code, the Kubernetes manifests it shows (its English texts do not count);
- what the containers printed (here: what the fake runtime was scripted to answer), and the command lines
  the panes show (``$ …``): code.

Letters among digits or the characters paths and tags are made of are data, not words (``sha256:9f2c…``,
``envlab-fix/os-skew:latest``, ``dev-laptop``, ``3.11``, ``t=2s``), and a word a table cell cut with ``…`` is
fine when an allowed word starts with it. Any other word is an English text of envlab's that was never
translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import yaml
from textual.geometry import Region
from textual.screen import ModalScreen, Screen

from envlab.engine.inspect import DEFAULT_ENV
from envlab.engine.wording import WORDS
from envlab.lessons.catalog import Catalog
from envlab.lessons.schema import lesson_schema
from envlab.lessons.text import SUPPORTED_LANGUAGES
from envlab.ui.strings import KEY_LABELS, STRINGS
from tests.ui.geometry import visible_text

#: A word: two letters or more (a lone letter is a key, a unit or a variable).
WORD = re.compile(r"[A-Za-z][A-Za-z']*[A-Za-z]")
#: A command as a pane shows it (``$ docker build …``, up to the pane's border): code, whoever wrote it.
COMMAND = re.compile(r"(?<![!-~])\$ [^│┃║]*")
#: A run of printable ASCII on a screen (a word, a path, a tag, a digest), and whether a ``…`` ends it.
RUN = re.compile(r"[!-~]+?(…)?(?=[^!-~]|$)")
#: What makes a run data rather than words: a digit, or a character paths, tags, names and settings are made
#: of (``envlab-fix/os-skew:latest``, ``dev-laptop``, ``PIP_NO_INPUT=1``).
DATA = re.compile(r"[0-9/:=_@$]|\.\w|\w-\w")
#: A value a text is given when it is said: not a word of the text.
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def words(text: str) -> set[str]:
    """The words of ``text`` (lower case) outside data."""
    return {word.lower() for word, _cut in _words(text)}


def _words(text: str) -> Iterator[tuple[str, bool]]:
    """Each word of ``text`` that is not part of data, and whether a ``…`` cut it."""
    for run in RUN.finditer(text):
        if DATA.search(run.group().rstrip(".,;:!?)…")):
            continue  # a path, a tag, a name, a digest, a version, a time
        found = WORD.findall(run.group())
        for index, word in enumerate(found):
            yield word, run.group(1) is not None and index == len(found) - 1


def _settings(schema: Any) -> Iterator[str]:
    """Every value the lesson schema enumerates (``pass``, ``fail``, ``swarm``…): settings, not texts."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("enum", "const"):
                yield from (str(v) for v in (value if isinstance(value, list) else [value]))
            else:
                yield from _settings(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _settings(item)


SETTINGS = frozenset(_settings(lesson_schema()))


def _lesson_texts(data: Any, lang: str) -> Iterator[str]:
    """Every string of a lesson file's data a learner in ``lang`` may see: a text given in several languages
    only in ``lang``; names, commands and files as they are; not the field names, nor the settings the schema
    enumerates."""
    if isinstance(data, dict):
        if data and set(data) <= set(SUPPORTED_LANGUAGES) and all(isinstance(v, str) for v in data.values()):
            yield data.get(lang, "")
            return
        for key, value in data.items():
            if not str(key).islower():
                yield str(key)  # a name of the lesson's own (``PIP_NO_INPUT``), not a field's (``exit_code``)
            yield from _lesson_texts(value, lang)
    elif isinstance(data, list):
        for item in data:
            yield from _lesson_texts(item, lang)
    elif isinstance(data, str) and data not in SETTINGS:
        yield data


def allowed_words(catalog: Catalog, lang: str, *, output: Iterable[str] = (), shown: Iterable[str] = ()
                  ) -> set[str]:
    """The words a screen in ``lang`` may show: the interface's and the engine's texts in ``lang``, what the
    catalog's lessons give in ``lang`` or without a language, ``output`` (what containers printed) and the
    lesson's files a screen shows as they are (``shown``: the Kubernetes manifests)."""
    found: set[str] = set()
    for table in (STRINGS, KEY_LABELS, WORDS):
        for texts in table.values():
            found |= words(PLACEHOLDER.sub(" ", texts.get(lang, "")))
    for loaded in catalog.lessons:
        data = yaml.safe_load(loaded.path.read_text(encoding="utf-8"))
        for text in _lesson_texts(data, lang):
            found |= words(text)
    found |= words(" ".join(DEFAULT_ENV))  # the variables the drift inspector compares unless told otherwise
    for line in output:
        found |= words(line)
    for text in shown:
        found |= words(text)
    return found


def untranslated(screen: Screen[object], allowed: set[str]) -> list[str]:
    """The words on ``screen`` that are not in ``allowed``, each once, in the order they are drawn. A modal
    screen is read where its own widgets are (the screen below shows through, cut at their edges)."""
    if isinstance(screen, ModalScreen):
        regions = [child.region for child in screen.children if child.display and child.region.area]
    else:
        regions = [Region(0, 0, screen.size.width, screen.size.height)]
    text = COMMAND.sub(" ", "\n".join(visible_text(screen, region) for region in regions))
    found = [word for word, cut in _words(text) if word.lower() not in allowed
             and not (cut and any(known.startswith(word.lower()) for known in allowed))]
    return list(dict.fromkeys(found))
