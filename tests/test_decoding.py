"""Text files as text (lmtask.data.decoding): encodings, byte-order marks, binary files."""

from __future__ import annotations

import pytest

from lmtask.data import read_table
from lmtask.data.decoding import read_text
from lmtask.errors import InputError


def test_utf8_bom_is_dropped_and_other_encodings_read(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"\xef\xbb\xbftext,label\nhi,a\n")
    assert read_table(p).texts == ["hi"]
    p.write_text("text,label\nñandú,a\n", encoding="utf-16")
    assert read_table(p, encoding="utf-16").texts == ["ñandú"]  # NUL bytes, but text


def test_binary_and_wide_files_are_named(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"PK\x03\x04\x14\x00\x00\x00")  # a zip file
    with pytest.raises(InputError, match=r"x.txt is a binary file \(it holds NUL bytes\)"):
        read_text(p)
    p.write_text("hello\n", encoding="utf-16")
    with pytest.raises(InputError, match=r"UTF-16 text.*encoding='utf-16'"):
        read_text(p)
    with pytest.raises(InputError, match="file not found"):
        read_text(tmp_path / "missing.txt")
