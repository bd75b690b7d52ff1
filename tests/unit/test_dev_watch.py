"""What `envlab dev` watches (bounded, symlinks never followed) and what counts as a setup change."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from envlab.lessons import watch
from envlab.lessons.catalog import load_checked
from envlab.lessons.revision import setup_digest
from envlab.lessons.watch import watch_lesson, watched_folders
from tests.helpers import CURRICULUM


def copy(tmp_path: Path) -> Path:
    shutil.copytree(CURRICULUM / "assets" / "tiny-drift", tmp_path / "assets" / "tiny-drift")
    shutil.copy(CURRICULUM / "tiny-drift.yaml", tmp_path / "tiny-drift.yaml")
    return tmp_path / "tiny-drift.yaml"


def digest_after(path: Path, old: str, new: str) -> str:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return setup_digest(load_checked(path))


def test_text_checks_and_pane_titles_are_not_a_setup_change(tmp_path: Path) -> None:
    path = copy(tmp_path)
    before = setup_digest(load_checked(path))
    assert digest_after(path, "The `old` host has no greeting file.", "Edited.") == before
    assert digest_after(path, "contains: hello", "contains: hel+o") == before
    assert digest_after(path, "  - name: old\n", "  - name: old\n    title: the old one\n") == before


def test_a_host_the_fix_or_an_asset_is_a_setup_change(tmp_path: Path) -> None:
    path = copy(tmp_path)
    seen = {setup_digest(load_checked(path))}
    seen.add(digest_after(path, 'content: "hello\\n"', 'content: "hi\\n"'))
    seen.add(digest_after(path, "COPY greeting", "COPY ./greeting"))
    (tmp_path / "assets" / "tiny-drift" / "greeting").write_text("changed\n", encoding="utf-8")
    seen.add(setup_digest(load_checked(path)))
    assert len(seen) == 4


def test_the_watch_never_enters_a_symlink_and_stops_at_the_entry_bound(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy(tmp_path)
    assets = tmp_path / "assets" / "tiny-drift"
    (assets / "app" / "lib").mkdir(parents=True)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    (outside / "deep").mkdir(parents=True)
    (assets / "link").symlink_to(outside, target_is_directory=True)
    watched = watched_folders(path, None, "tiny-drift")
    assert set(watched.folders) == {tmp_path.resolve(), assets.resolve(), assets.resolve() / "app",
                                    assets.resolve() / "app" / "lib"}
    assert not watched.truncated
    monkeypatch.setattr(watch, "MAX_ENTRIES", 2)
    bounded = watched_folders(path, None, "tiny-drift")
    assert bounded.truncated and len(bounded.folders) < len(watched.folders)


def test_a_save_is_seen_a_new_folder_is_watched_and_the_stop_ends_it(tmp_path: Path) -> None:
    path = copy(tmp_path)
    stop, ready = threading.Event(), threading.Event()
    batches: list[set[Path]] = []
    seen = threading.Condition()

    def watching() -> None:
        for batch in watch_lesson(path, None, "tiny-drift", stop=stop, ready=ready):
            with seen:
                batches.append(batch)
                seen.notify_all()

    def wait_for(wanted: Path, timeout: float = 10) -> bool:
        with seen:
            return seen.wait_for(lambda: any(wanted in b for b in batches), timeout=timeout)

    thread = threading.Thread(target=watching, daemon=True)
    thread.start()
    assert ready.wait(10)
    (tmp_path / "notes.txt").write_text("not the lesson", encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert wait_for(path.resolve()), batches
    assert not any(tmp_path.resolve() / "notes.txt" in b for b in batches), "another file of the folder"
    folder = tmp_path.resolve() / "assets" / "tiny-drift" / "more"
    folder.mkdir()
    assert wait_for(folder), batches
    # A file in the new folder is seen once the folders are found again (written until then: the walk
    # after the folder's creation may still be under way).
    assert any((folder / "file").write_text(str(n), encoding="utf-8") or wait_for(folder / "file", 0.5)
               for n in range(20)), batches
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


def test_a_save_made_before_the_watch_began_is_caught_up_once_it_has(tmp_path: Path) -> None:
    path = copy(tmp_path)
    read_at = path.stat().st_mtime_ns
    path.write_text(path.read_text(encoding="utf-8") + "\n# saved before the folders were watched\n", encoding="utf-8")
    stop, ready = threading.Event(), threading.Event()
    batches: list[set[Path]] = []

    def watching() -> None:
        for batch in watch_lesson(path, None, "tiny-drift", stop=stop, ready=ready, since=read_at):
            batches.append(batch)
            stop.set()

    thread = threading.Thread(target=watching, daemon=True)
    thread.start()
    thread.join(10)
    assert batches == [{path.resolve()}]


def test_no_save_since_the_version_was_read_means_nothing_to_catch_up(tmp_path: Path) -> None:
    path = copy(tmp_path)
    stop, ready = threading.Event(), threading.Event()
    batches: list[set[Path]] = []

    def watching() -> None:
        batches.extend(watch_lesson(path, None, "tiny-drift", stop=stop, ready=ready, since=path.stat().st_mtime_ns))

    thread = threading.Thread(target=watching, daemon=True)
    thread.start()
    assert ready.wait(10)
    stop.set()
    thread.join(5)
    assert batches == []
