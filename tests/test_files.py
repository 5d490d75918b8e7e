"""lmtask.data.files: folders and globs as one text per file."""

from __future__ import annotations

import pytest

from lmtask.data.files import is_file_set, read_files
from lmtask.errors import InputError


def test_folder_and_glob(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("print(1)\n")
    (tmp_path / "src" / "b.c").write_text("int main(void) { return 0; }\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("hidden\n")
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    found, notes = read_files(str(tmp_path))
    assert [p.name for p, _ in found] == ["a.py", "b.c"]  # hidden skipped, sorted
    assert len(notes) == 1 and "img.png" in notes[0] and "binary" in notes[0]
    found, _ = read_files(str(tmp_path / "**" / "*.py"))
    assert [(p.name, t) for p, t in found] == [("a.py", "print(1)\n")]
    assert is_file_set(str(tmp_path)) and is_file_set("src/*.py") and not is_file_set("a.csv")
    with pytest.raises(InputError, match="no files match"):
        read_files(str(tmp_path / "*.rs"))
