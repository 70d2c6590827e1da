"""written_atomically: whole or nothing, the old content kept until the new is complete."""

import os
import stat

import pytest

from mnist1d_core.files import written_atomically


def test_a_file_appears_whole_with_the_usual_permissions(tmp_path):
    target = tmp_path / "data.bin"
    with written_atomically(target) as partial:
        partial.write_bytes(b"new")
        assert not target.exists()
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["data.bin"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


def test_a_failure_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), written_atomically(target) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["data.bin"]


def test_a_folder_replaces_an_empty_one_or_vanishes_on_failure(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    with written_atomically(target) as partial:
        partial.mkdir()
        (partial / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
    with pytest.raises(RuntimeError), written_atomically(tmp_path / "other") as partial:
        partial.mkdir()
        (partial / "b.txt").write_text("b")
        raise RuntimeError("interrupted")
    assert sorted(os.listdir(tmp_path)) == ["export"]
