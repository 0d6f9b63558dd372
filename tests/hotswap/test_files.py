"""Output files: atomic for regular files, written through for FIFOs and ``-``, modes
from the umask, nothing half-written on failure, and JSON without NaN or Infinity."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from hotswap.files import OutputError, json_text, write_pieces, write_text


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path: Path, umask_022: None):
    target = tmp_path / "sub" / "out.json"
    write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"]  # no temp file left


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask_022: None):
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o600)
    write_text(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_fifo_is_written_through_not_replaced(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_text(fifo, "through\n")
    reader.join(timeout=10)
    assert got == [b"through\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_dash_is_standard_output(capfd: pytest.CaptureFixture[str]):
    write_text("-", "to stdout\n")
    assert capfd.readouterr().out == "to stdout\n"


def test_a_symlink_is_followed_and_kept(tmp_path: Path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_failed_write_leaves_the_old_file_whole_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OutputError, match=r"out.txt: cannot write: No space left on device$"):
        write_text(target, "new" * 1000)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


@pytest.mark.parametrize("error", [RuntimeError("a run failed"), KeyboardInterrupt()])
def test_output_stopped_while_it_is_made_leaves_the_old_file_whole_and_no_temp(tmp_path: Path, error: BaseException):
    target = tmp_path / "runs.json"
    target.write_text("old")

    def pieces():
        yield b"[{"
        raise error

    with pytest.raises(type(error)):
        write_pieces(target, pieces())
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["runs.json"]


@pytest.mark.parametrize("make", ["folder", "under-a-file"])
def test_an_unwritable_target_is_one_line(tmp_path: Path, make: str):
    if make == "folder":
        target = tmp_path / "dir"
        target.mkdir()
    else:
        (tmp_path / "file").write_text("")
        target = tmp_path / "file" / "out.json"
    with pytest.raises(OutputError) as caught:
        write_text(target, "x")
    assert str(caught.value).startswith(f"{target}: cannot write: ") and "\n" not in str(caught.value)


def _strict(text: str) -> object:
    def refuse(name: str) -> object:
        raise AssertionError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def test_json_text_writes_null_and_says_why():
    data = _strict(json_text({"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": -float("inf")}}))
    assert data == {
        "a": None,
        "b": [1.5, None],
        "c": {"d": None},
        "nonFinite": [
            {"field": "a", "value": "nan", "reason": "not a finite number: written as null"},
            {"field": "b[1]", "value": "inf", "reason": "not a finite number: written as null"},
            {"field": "c.d", "value": "-inf", "reason": "not a finite number: written as null"},
        ],
    }


def test_json_text_of_finite_data_is_plain_json():
    data = {"a": 1.25, "b": [None, "x"]}
    assert json_text(data) == json.dumps(data, indent=2)


def test_json_text_refuses_a_non_finite_value_it_cannot_annotate():
    with pytest.raises(ValueError, match=r"\[0\] is nan"):
        json_text([float("nan")])
