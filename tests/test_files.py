"""Atomic writes and output-path checks (detector.files)."""

from __future__ import annotations

import os

import pytest

from detector.errors import ProvenanceError
from detector.files import atomic_path, atomic_write, check_output_path


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_failed_write_keeps_the_old_file_whole(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("precious")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("disk full")
    assert target.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_temporary_names_are_unique(tmp_path):
    target = tmp_path / "x.npz"
    with atomic_path(target) as a, atomic_path(target) as b:
        assert a != b and a.parent == b.parent == tmp_path


def test_check_output_path(tmp_path):
    existing = tmp_path / "r.pdf"
    existing.write_text("x")
    with pytest.raises(ProvenanceError, match="already exists.*`force`"):
        check_output_path(existing)
    assert check_output_path(existing, force=True) == existing
    with pytest.raises(ProvenanceError, match="is a directory"):
        check_output_path(tmp_path, force=True)
    nested = check_output_path(tmp_path / "a" / "b" / "c.json")
    assert nested.parent.is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_is_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ProvenanceError, match="not writable"):
            check_output_path(locked / "out.json")
    finally:
        locked.chmod(0o700)


def test_written_files_get_the_usual_mode(tmp_path):
    fresh = atomic_write(tmp_path / "new.json", "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "kept.txt"
    kept.write_text("x")
    kept.chmod(0o640)
    atomic_write(kept, "y")
    assert kept.stat().st_mode & 0o777 == 0o640
