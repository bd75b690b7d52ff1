"""What a lesson's Dockerfile may say, decided before anything is built.

envlab builds lesson images with no network (see docs/authoring.md, "What a lesson may do"), so an
instruction that fetches would only fail late and obscurely; and the engine itself fetches for ``ADD
<url>``, ``FROM`` and ``COPY --from`` whatever the build's network is. So a lesson Dockerfile:

- starts ``FROM`` a Debian base envlab prepares (``debian:<suite>`` or ``debian:<suite>-slim``), an
  earlier stage, or ``scratch``; the Debian packages it needs are declared in ``build.packages``, and
  envlab rewrites such a ``FROM`` to the image it made with them (:func:`rewrite_from`);
- ``ADD``s and ``COPY``s only literal paths of its context (no URL, no git source, no variable that
  could name one, no ``--from`` of an image);
- has no ``RUN`` that fetches (apt, curl, wget, git clone, pip without ``--no-index``).

The parser follows the classic builder's: a ``\\`` at the end of a line continues it, comment and empty
lines inside a continuation are skipped, and the first word names the instruction. Parser directives
(``# escape=``) are refused, so this reading and the engine's cannot differ.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from envlab.lessons.base import Build
from envlab.lessons.model import DriftLesson, Fix, ScenarioLesson
from envlab.lessons.parse_cache import Loc

#: The bases envlab can make present without a registry (`envlab images prepare` bootstraps them).
DEBIAN_BASE = re.compile(r"^(?:library/)?debian:[a-z]+(?:-slim)?$")
_STAGE = re.compile(r"^[a-z][a-z0-9_.-]*$", re.IGNORECASE)
_DIRECTIVE = re.compile(r"^\s*#\s*escape\s*=", re.IGNORECASE)
_REMOTE = re.compile(r"://|^git@|^[\w.-]+@[\w.-]+:")
_APT_FETCHES = {"update", "install", "upgrade", "dist-upgrade", "full-upgrade", "download", "source",
                "build-dep", "reinstall"}
_GIT_FETCHES = {"clone", "fetch", "pull", "submodule", "ls-remote"}
_PIP_FETCHES = {"install", "download", "wheel"}
_WRAPPERS = {"sudo", "env", "exec", "nohup", "time", "command", "nice", "xargs"}
_SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"}
PACKAGES_HINT = "declare the Debian packages in build.packages (envlab installs them; builds have no network)"
VENDOR_HINT = "vendor the file into the assets folder and COPY it (builds have no network)"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword (upper case), its arguments, the lines it spans (1-based)."""

    keyword: str
    args: str
    line: int
    end: int


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, continuation lines joined, comments skipped."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = last = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # skipped inside a continuation too, as the classic builder does
        if not pending:
            start = number
        last = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        found.append(_instruction(" ".join(pending), start, number))
        pending = []
    if pending:
        found.append(_instruction(" ".join(pending), start, last))
    return found


def _instruction(joined: str, line: int, end: int) -> Instruction:
    keyword, _, args = joined.strip().partition(" ")
    return Instruction(keyword.upper(), args.strip(), line, end)


@dataclass(frozen=True)
class Stage:
    """A ``FROM``: the image it names, its stage name, and whether that image is an earlier stage."""

    image: str
    name: str | None
    earlier: bool


def _from(args: str) -> tuple[str, str | None] | str:
    """``(image, stage name)`` of a ``FROM``'s arguments, or why they are refused."""
    words = args.split()
    if any(word.startswith("--") for word in words):
        return "FROM takes no flags (a --platform could make the engine pull another image)"
    if len(words) == 1:
        return words[0], None
    if len(words) == 3 and words[1].upper() == "AS" and _STAGE.match(words[2]):
        return words[0], words[2].lower()
    return "FROM takes an image and an optional 'AS name' (letters, digits, '.', '_', '-')"


def problems(text: str) -> list[tuple[int, str]]:
    """Everything a lesson Dockerfile may not say, as ``(line, message)``, in line order."""
    found: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if _DIRECTIVE.match(raw):
            found.append((number, "parser directives (# escape=) are not supported in lesson Dockerfiles"))
    stages: list[str | None] = []
    no_index: dict[str | None, bool] = {}
    current: str | None = None
    for ins in instructions(text):
        keyword, args = ins.keyword, ins.args
        if keyword == "ONBUILD":  # a trigger runs in a later stage: judge what it would do there
            keyword, _, args = args.partition(" ")
            keyword, args = keyword.upper(), args.strip()
            if keyword in ("FROM", "ONBUILD"):
                found.append((ins.line, f"ONBUILD {keyword} is not allowed"))
                continue
        if keyword == "FROM":
            parsed = _from(args)
            if isinstance(parsed, str):
                found.append((ins.line, parsed))
                stages.append(None)
                continue
            image, name = parsed
            earlier = image.lower() in stages
            if not (earlier or image == "scratch" or DEBIAN_BASE.match(image)):
                found.append((ins.line, f"FROM {image}: a lesson image starts from a Debian base envlab prepares "
                                        "(debian:<suite>-slim), an earlier stage or scratch"))
            no_index[name] = no_index.get(image.lower(), False) if earlier else False
            current = name
            stages.append(name)
        elif not stages:
            if keyword != "ARG":
                found.append((ins.line, f"{keyword} before the first FROM"))
        elif keyword == "ENV" and _sets_no_index(args):
            no_index[current] = True
        elif keyword in ("ADD", "COPY"):
            found += [(ins.line, message) for message in _copy_problems(keyword, args, stages)]
        elif keyword == "RUN":
            found += [(ins.line, message) for message in _run_problems(_command(args), no_index.get(current, False))]
    return sorted(dict.fromkeys(found))


def _words(args: str) -> list[str]:
    """Arguments in JSON (exec) form or shell form."""
    if args.startswith("["):
        try:
            parsed = json.loads(args)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(w, str) for w in parsed):
            return parsed
    return args.split()


def _copy_problems(keyword: str, args: str, stages: list[str | None]) -> Iterator[str]:
    flags: list[str] = []
    while args.startswith("--"):
        flag, _, args = args.partition(" ")
        flags.append(flag)
        args = args.lstrip()
    for flag in flags:
        name, _, value = flag[2:].partition("=")
        if name == "from":
            known = value.lower() in stages or (value.isdigit() and int(value) < len(stages) - 1)
            if not known:
                yield (f"{keyword} --from={value}: only an earlier stage may be copied from "
                       "(another image would be pulled)")
        elif name not in ("chown", "chmod"):
            yield f"{keyword} --{name}: not supported by envlab's builder"
    sources = _words(args)[:-1]
    for source in sources:
        if keyword == "ADD" and _REMOTE.search(source):
            yield f"ADD {source}: ADD from a URL or git source is fetched by the engine; {VENDOR_HINT}"
        elif "$" in source:
            yield f"{keyword} {source}: sources must be literal paths (a variable could name a URL)"


def _command(args: str) -> str:
    words = _words(args)
    return " ".join(shlex.quote(w) for w in words) if args.startswith("[") else args


def _sets_no_index(args: str) -> bool:
    words = args.split()
    if len(words) == 2 and "=" not in words[0]:  # legacy `ENV NAME value`
        pairs = {words[0]: words[1]}
    else:
        pairs = dict(w.split("=", 1) for w in words if "=" in w)
    return pairs.get("PIP_NO_INDEX", "").strip("\"'").lower() in ("1", "true", "yes", "on")


def _run_problems(command: str, no_index: bool, depth: int = 0) -> Iterator[str]:
    """Why a RUN command fetches, for each simple command in it that does (``sh -c`` looked into)."""
    for words in _simple_commands(command):
        while words and (("=" in words[0] and not words[0].startswith("=")) or words[0] in _WRAPPERS
                         or (words[0].startswith("-") and len(words) > 1)):
            words = words[1:]  # VAR=value, sudo, env -i ... before the real command
        if not words:
            continue
        name = words[0].rsplit("/", 1)[-1]
        rest = words[1:]
        if name in ("apt", "apt-get", "aptitude") and _APT_FETCHES & set(rest):
            yield f"RUN {name} fetches packages: {PACKAGES_HINT}"
        elif name in ("curl", "wget"):
            yield f"RUN {name}: downloads during the build; {VENDOR_HINT}"
        elif name == "git" and _GIT_FETCHES & set(rest):
            yield f"RUN git {next(w for w in rest if w in _GIT_FETCHES)}: {VENDOR_HINT}"
        elif _is_pip(name, rest) and not no_index and "--no-index" not in rest:
            yield ("RUN pip install without --no-index: vendor the wheels into the assets folder and "
                   "`pip install --no-index --find-links` them")
        elif name in ("sh", "bash", "dash") and "-c" in rest and depth < 3:
            index = rest.index("-c")
            if index + 1 < len(rest):
                yield from _run_problems(rest[index + 1], no_index, depth + 1)


def _is_pip(name: str, rest: list[str]) -> bool:
    if re.fullmatch(r"python[0-9.]*", name) and rest[:2] == ["-m", "pip"]:
        name, rest = "pip", rest[2:]
    subcommand = next((w for w in rest if not w.startswith("-")), "")
    return re.fullmatch(r"pip[0-9.]*", name) is not None and subcommand in _PIP_FETCHES


def _simple_commands(command: str) -> list[list[str]]:
    """The words of each simple command in a shell command line (quotes removed)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: the shell would refuse it; still look at its words
        tokens = re.findall(r"[^\s;&|()'\"`]+|[;&|()]+", command)
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS or set(token) <= set(";&|()"):
            commands.append([])
        else:
            commands[-1].append(token.strip("`"))
    return [c for c in commands if c]


def debian_bases(text: str) -> list[str]:
    """The Debian bases a Dockerfile's ``FROM`` lines name (not earlier stages), each once, in order."""
    return list(dict.fromkeys(stage.image for stage in stages_of(text)
                              if not stage.earlier and DEBIAN_BASE.match(stage.image)))


def stages_of(text: str) -> list[Stage]:
    """Every well-formed ``FROM`` of a Dockerfile."""
    found: list[Stage] = []
    names: set[str] = set()
    for ins in instructions(text):
        parsed = _from(ins.args) if ins.keyword == "FROM" else None
        if isinstance(parsed, tuple):
            image, name = parsed
            found.append(Stage(image, name, image.lower() in names))
            if name:
                names.add(name)
    return found


def rewrite_from(text: str, derived: Mapping[str, str]) -> str:
    """``text`` with each ``FROM <base>`` whose base is a key of ``derived`` starting from its value instead.

    Only validated values are written: the derived tag envlab computed, and the stage name the
    :data:`_STAGE` pattern accepted. A continued ``FROM`` keeps its line count (the rest become empty
    lines), so the engine's line numbers still match the lesson's file.
    """
    lines = text.splitlines()
    names: set[str] = set()
    for ins in instructions(text):
        parsed = _from(ins.args) if ins.keyword == "FROM" else None
        if not isinstance(parsed, tuple):
            continue
        image, name = parsed
        if image.lower() not in names and image in derived:
            lines[ins.line - 1] = f"FROM {derived[image]}" + (f" AS {name}" if name else "")
            for index in range(ins.line, ins.end):
                lines[index] = ""
        if name:
            names.add(name)
    return "\n".join(lines) + "\n"


def builds_of(lesson: DriftLesson | ScenarioLesson) -> list[tuple[Loc, Build]]:
    """Every image build a lesson declares, with where it is declared."""
    if isinstance(lesson, DriftLesson):
        return [(("fix", "build"), lesson.fix.build)] if isinstance(lesson.fix, Fix) else []
    topology = lesson.topology
    found: list[tuple[Loc, Build]] = [(("topology", "services", i, "build"), s.build)
                                      for i, s in enumerate(topology.services) if s.build is not None]
    if topology.balancer is not None:
        found.append((("topology", "balancer", "build"), topology.balancer.build))
    return found
