"""`envlab test --junit`: the proofs as JUnit XML that a CI system reads, whatever a lesson's output held."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from envlab.engine.junit import write_junit
from envlab.engine.prove import Proof, Round


def test_every_round_is_a_testcase_and_a_failure_carries_its_reasons(tmp_path: Path) -> None:
    proofs = [
        Proof("os-skew", [Round(1, ok=True, duration=2.5), Round(2, ok=True, duration=2.25)]),
        Proof("hostile", [Round(1, ok=False, duration=1.0,
                                failures=["prod-server: expected to fail, it passed", "bell \x07 <b>&</b>"])]),
    ]
    path = tmp_path / "proofs.xml"
    write_junit(proofs, path)
    root = ET.parse(path).getroot()  # well-formed, control characters and markup included
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("os-skew", "round 1"), ("os-skew", "round 2"), ("hostile", "round 1")]
    assert cases[0].find("failure") is None and cases[0].get("time") == "2.500"
    failure = cases[2].find("failure")
    assert failure is not None and failure.get("message") == "prod-server: expected to fail, it passed"
    assert failure.text == "prod-server: expected to fail, it passed\nbell \\x07 <b>&</b>"
    assert list(tmp_path.iterdir()) == [path]  # no partial file left


def test_an_unwritable_file_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "proofs.xml"
    with pytest.raises(OSError):
        write_junit([Proof("x", [Round(1, ok=True)])], target)
    assert list(tmp_path.iterdir()) == []
