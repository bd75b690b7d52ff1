"""`envlab test --junit FILE`: the proofs as JUnit XML, the format CI systems read.

One ``<testsuite>`` for the run, one ``<testcase>`` per lesson and round (``classname`` the lesson's id,
``name`` the round), a ``<failure>`` carrying every reason a round was not proven. Written with the standard
library's ElementTree, which escapes whatever a lesson's texts hold; the file is written whole or not at all.
"""

from __future__ import annotations

import datetime
import os
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

from envlab.engine.prove import Proof


def junit_xml(proofs: list[Proof], *, suite: str = "envlab lesson proofs") -> ET.ElementTree:
    """The proofs as one JUnit test suite."""
    cases = [(proof, rnd) for proof in proofs for rnd in proof.rounds]
    failures = sum(not rnd.ok for _proof, rnd in cases)
    root = ET.Element("testsuites", name=suite, tests=str(len(cases)), failures=str(failures))
    element = ET.SubElement(
        root, "testsuite", name=suite, tests=str(len(cases)), failures=str(failures), errors="0", skipped="0",
        time=f"{sum(rnd.duration for _proof, rnd in cases):.3f}", hostname=socket.gethostname(),
        timestamp=datetime.datetime.now(datetime.UTC).replace(tzinfo=None).isoformat(timespec="seconds"))
    for proof, rnd in cases:
        case = ET.SubElement(element, "testcase", classname=proof.lesson, name=f"round {rnd.number}",
                             time=f"{rnd.duration:.3f}")
        if not rnd.ok:
            reasons = rnd.failures or ["not proven"]
            failure = ET.SubElement(case, "failure", message=_printable(reasons[0]), type="NotProven")
            failure.text = _printable("\n".join(reasons))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(proofs: list[Proof], path: Path) -> None:
    """Write :func:`junit_xml` to ``path`` atomically (a partial file is never left under its name)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        junit_xml(proofs).write(partial, encoding="utf-8", xml_declaration=True)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _printable(text: str) -> str:
    """XML 1.0 cannot hold most control characters, which a container's output may: show them instead."""
    return "".join(c if _allowed(c) else f"\\x{ord(c):02x}" for c in text)


def _allowed(c: str) -> bool:
    code = ord(c)
    return c in "\t\n\r" or (code >= 0x20 and not 0xD800 <= code <= 0xDFFF and c not in "\ufffe\uffff")
