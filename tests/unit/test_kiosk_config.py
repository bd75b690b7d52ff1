"""The kiosk's TOML file: a valid one read whole, and every kind of problem said at its line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from envlab.cli.main import main
from envlab.kiosk.config import EX_CONFIG, KioskConfig, KioskConfigError, load_config
from envlab.kiosk.pin import PinHash, PinHashError, hash_pin
from envlab.kiosk.toml_positions import key_of, positions

PIN = "2468"
HASH = hash_pin(PIN)
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "kiosk-sample.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    """What loading ``text`` says is wrong, one ``file:line:col: ...`` line each."""
    with pytest.raises(KioskConfigError) as caught:
        load_config(write(tmp_path, text), display="kiosk.toml")
    assert caught.value.exit_code == EX_CONFIG
    return caught.value.message.splitlines()


def test_a_valid_file_is_read_whole_and_its_folders_made_absolute(tmp_path: Path) -> None:
    (tmp_path / "packs" / "ours").mkdir(parents=True)
    config = load_config(write(tmp_path, f"""
        # the room's kiosks
        lessons = ["packs/ours"]
        chapters = [1, 2]
        languages = ["ja", "en"]
        idle_timeout = 120
        countdown = 15.5
        fix_it_shell = false
        pin_hash = "{HASH}"
    """))
    assert config.lessons == [str(tmp_path / "packs" / "ours")]
    assert (config.chapters, config.languages) == ([1, 2], ["ja", "en"])
    assert (config.idle_timeout, config.countdown, config.fix_it_shell) == (120.0, 15.5, False)
    assert config.pin_matches(PIN) and not config.pin_matches("1357")


def test_only_the_pin_is_required(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, f'pin_hash = "{HASH}"\n'))
    assert config == KioskConfig(pin_hash=HASH)
    assert (config.lessons, config.chapters, config.languages) == ([], [], ["en", "ja"])
    assert (config.idle_timeout, config.countdown, config.fix_it_shell) == (300.0, 30.0, True)


def test_the_sample_in_the_docs_is_valid_and_its_pin_documented() -> None:
    config = load_config(SAMPLE)
    assert config.pin_matches("1234")  # the sample says which PIN its hash is of: change it


def test_toml_that_does_not_parse_is_said_where_it_breaks(tmp_path: Path) -> None:
    assert problems(tmp_path, f"""
        pin_hash = "{HASH}"
        idle_timeout = = 3
    """) == ["kiosk.toml:2:16: not valid TOML: invalid value"]
    assert problems(tmp_path, 'languages = ["en"\n') == ["kiosk.toml:2:1: not valid TOML: unclosed array"]


def test_a_value_of_the_wrong_type_or_range_is_said_at_the_value(tmp_path: Path) -> None:
    assert problems(tmp_path, f"""
        pin_hash = "{HASH}"
        idle_timeout = "300"
        countdown = -1
        fix_it_shell = "yes"
    """) == [
        "kiosk.toml:2:16: idle_timeout: input should be a valid number",
        "kiosk.toml:3:13: countdown: input should be greater than 0",
        "kiosk.toml:4:16: fix_it_shell: input should be a valid boolean",
    ]


def test_a_bad_element_of_a_list_is_said_at_the_element(tmp_path: Path) -> None:
    assert problems(tmp_path, f"""
        pin_hash = "{HASH}"
        languages = [
          "en",
          "fr",  # not offered
        ]
        chapters = [1, 0]
    """) == [
        "kiosk.toml:4:3: languages[1]: input should be 'en' or 'ja'",
        "kiosk.toml:6:16: chapters[1]: input should be greater than or equal to 1",
    ]


def test_an_unknown_field_is_said_at_its_key(tmp_path: Path) -> None:
    assert problems(tmp_path, f"""
        pin_hash = "{HASH}"
        idle_timout = 60
        [operator]
        pin = "1234"
    """) == [
        "kiosk.toml:2:1: idle_timout: unknown field (docs/kiosk.md lists the fields)",
        "kiosk.toml:3:2: operator: unknown field (docs/kiosk.md lists the fields)",
    ]


def test_a_missing_pin_a_plain_pin_and_a_missing_folder(tmp_path: Path) -> None:
    assert problems(tmp_path, "idle_timeout = 60\n") == ["kiosk.toml:1:1: pin_hash: field required"]
    assert problems(tmp_path, 'pin_hash = "1234"\n') == [
        "kiosk.toml:1:12: pin_hash: not a PIN hash: make one with `envlab kiosk --hash-pin`"]
    found = problems(tmp_path, f'pin_hash = "{HASH}"\nlessons = [".", "no-such-pack"]\n')
    assert found == [f"kiosk.toml:2:17: lessons[1]: no folder at {tmp_path / 'no-such-pack'}"]


def test_a_chapter_or_language_twice_is_said_at_its_second_mention(tmp_path: Path) -> None:
    assert problems(tmp_path, f"""
        pin_hash = "{HASH}"
        chapters = [1, 2, 1]
        languages = ["en",
                     "en"]
    """) == ["kiosk.toml:2:19: chapters[2]: 1 is given twice", "kiosk.toml:4:14: languages[1]: 'en' is given twice"]


def test_a_file_that_is_not_text_or_not_there(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_bytes(b'pin_hash = "x"\nlanguages = ["\xff"]\n')
    with pytest.raises(KioskConfigError, match=r"kiosk\.toml:2:15: not UTF-8 text"):
        load_config(tmp_path / "kiosk.toml", display="kiosk.toml")
    with pytest.raises(KioskConfigError, match=r"none\.toml:1:1: cannot read it: No such file"):
        load_config(tmp_path / "none.toml", display="none.toml")
    (tmp_path / "deep.toml").write_text("a = " + "[" * 3000 + "]" * 3000)
    with pytest.raises(KioskConfigError, match="nested too deeply"):
        load_config(tmp_path / "deep.toml")


def test_positions_follow_strings_tables_and_inline_tables() -> None:
    text = 'a = """x\n"""\n"b c" = { d = [1, \'2\'] }\n[t]\ne = 1 # note\n[[u]]\n[[u]]\nf = 2\n'
    where = positions(text)
    assert where[("b c",)] == (3, 9) and where[(key_of("b c"),)] == (3, 1)
    assert where[("b c", "d", 1)] == (3, 19)
    assert where[("t", "e")] == (5, 5)
    assert where[("u", 1, "f")] == (8, 5)


def test_a_pin_hash_is_salted_and_refuses_an_unreasonable_cost() -> None:
    assert hash_pin(PIN) != hash_pin(PIN)
    assert PinHash.parse(HASH).matches(PIN)
    costly = HASH.replace("n=16384", f"n={2**30}")
    with pytest.raises(PinHashError, match="out of range"):
        PinHash.parse(costly)
    with pytest.raises(ValueError, match="4 to 64"):
        hash_pin("12")


def test_hash_pin_prints_the_line_for_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", _Pipe("97531\n"))
    assert main(["kiosk", "--hash-pin"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith('pin_hash = "scrypt$') and "97531" not in line
    assert load_config(write(tmp_path, line)).pin_matches("97531")


def test_the_command_says_each_problem_and_exits_ex_config(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'pin_hash = "{HASH}"\ncountdown = 0\n')
    assert main(["kiosk", "--check", str(path)]) == EX_CONFIG
    err = capsys.readouterr().err
    assert f"{path}:2:13: countdown: input should be greater than 0" in err.replace("\n", "")
    assert "Traceback" not in err


def test_check_refuses_a_chapter_with_no_lesson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'pin_hash = "{HASH}"\nchapters = [1, 98]\n')
    assert main(["kiosk", "--check", str(path)]) == 1
    assert "no lesson is in chapter 98" in capsys.readouterr().err
    path = write(tmp_path, f'pin_hash = "{HASH}"\nchapters = [1]\n')
    assert main(["kiosk", "--check", str(path)]) == 0
    assert "lesson(s) offered" in capsys.readouterr().out


class _Pipe:
    """Standard input that is not a terminal, holding ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        line, _, self.text = self.text.partition("\n")
        return line + "\n"
