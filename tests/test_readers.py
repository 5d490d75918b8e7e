"""Readers for CSV, TSV, JSONL, Parquet, HF dataset folders and TXT, and their errors."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from lmtask.data import LabeledData, check_labels, read_lines, read_table, write_jsonl
from lmtask.errors import InputError

HAVE_PYARROW = importlib.util.find_spec("pyarrow") is not None
HAVE_DATASETS = importlib.util.find_spec("datasets") is not None


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def test_csv_guesses_columns(tmp_path: Path) -> None:
    p = write(
        tmp_path, "d.csv", "id,review,sentiment\n1,Great food,positive\n2,Cold soup,negative\n"
    )
    data = read_table(p)
    assert data.texts == ["Great food", "Cold soup"]
    assert data.labels == ["positive", "negative"]
    assert (data.text_column, data.label_column) == ("review", "sentiment")
    assert data.guessed == [
        "using column 'review' as the text (pass text_column to choose)",
        "using column 'sentiment' as the label (pass label_column to choose)",
    ]
    assert data.source == str(p) and len(data) == 2
    assert data.label_counts() == {"positive": 1, "negative": 1}


def test_csv_quoting_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    content = '\ufefftext,label\r\n"Hello, world\nsecond line",a\r\n\r\n"say ""hi""", b \r\n'
    data = read_table(write(tmp_path, "d.csv", content))
    assert data.texts == ["Hello, world\nsecond line", 'say "hi"']
    assert data.labels == ["a", "b"]  # labels are stripped, texts kept as they are


def test_explicit_columns_and_no_guess_messages(tmp_path: Path) -> None:
    p = write(tmp_path, "d.csv", "a,b,c\nx,one,p\ny,two,q\n")
    data = read_table(p, text_column="b", label_column="c")
    assert data.texts == ["one", "two"] and data.labels == ["p", "q"]
    assert data.guessed == []


def test_guess_longest_string_column_and_unlabelled(tmp_path: Path) -> None:
    p = write(
        tmp_path, "d.csv", "score,short,long\n0.5,ab,a much longer text\n1.5,cd,another one\n"
    )
    data = read_table(p)
    assert data.text_column == "long" and data.labels is None
    assert "the longest of 2 text columns" in data.guessed[0]
    assert "unlabelled" in data.guessed[1]


def test_only_string_column_is_the_text(tmp_path: Path) -> None:
    p = write(tmp_path, "d.csv", "n,words\n1,hello there\n2,good bye\n")
    data = read_table(p)
    assert data.text_column == "words" and data.labels is None


def test_tsv(tmp_path: Path) -> None:
    p = write(tmp_path, "d.tsv", "sentence\tclass\na, b\tx\nc\ty\n")
    data = read_table(p)
    assert data.texts == ["a, b", "c"] and data.labels == ["x", "y"]


def test_tsv_quotes_are_text_unless_the_file_quotes_the_csv_way(tmp_path: Path) -> None:
    """Plain TSV has no quoting: a tweet that starts with a quote, or has one quote, is read
    as written (CSV quoting used to drop its quotes or swallow the lines after it). A file
    written with CSV quoting (pandas' to_csv(sep="\\t")) is still read the CSV way."""
    plain = 'text\tlabel\n"Best" coffee ever\tgreat\n"hmm\tother\nok"\tother\n'
    data = read_table(write(tmp_path, "plain.tsv", plain))
    assert data.texts == ['"Best" coffee ever', '"hmm', 'ok"']
    assert data.labels == ["great", "other", "other"]
    quoted = 'text\tlabel\n"He said ""hi"""\tx\n"tab\there"\ty\n"two\nlines"\tx\n'
    data = read_table(write(tmp_path, "quoted.tsv", quoted))
    assert data.texts == ['He said "hi"', "tab\there", "two\nlines"]
    assert data.labels == ["x", "y", "x"]
    one_column = 'text\n"line one\nline two"\nplain\n'  # pandas, one column
    assert read_table(write(tmp_path, "one.tsv", one_column)).texts == [
        "line one\nline two",
        "plain",
    ]
    with pytest.raises(InputError, match="not valid CSV"):
        read_table(write(tmp_path, "huge.tsv", "text\tlabel\n" + "x" * 200_000 + "\ty\n"))


def test_jsonl_with_int_labels(tmp_path: Path) -> None:
    rows = [{"text": "good", "label": 1}, {"text": "bad", "label": 0, "extra": [1]}]
    p = write(tmp_path, "d.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    data = read_table(p)
    assert data.texts == ["good", "bad"] and data.labels == ["1", "0"]


def test_txt_one_text_per_line(tmp_path: Path) -> None:
    p = write(tmp_path, "d.txt", "first line\n\n  indented code\nlast")
    for data in (read_table(p), read_lines(p)):
        assert data.texts == ["first line", "  indented code", "last"]
        assert data.labels is None


@pytest.mark.skipif(not HAVE_PYARROW, reason="pyarrow is not installed (pip install pyarrow)")
def test_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "d.parquet"
    pq.write_table(pa.table({"content": ["x y", "z"], "category": ["a", None]}), p)
    with pytest.raises(InputError, match=r"1 row\(s\) have an empty label .*\(row 2\)"):
        read_table(p)
    pq.write_table(pa.table({"content": ["x y", "z"], "category": ["a", "b"]}), p)
    data = read_table(p)
    assert data.texts == ["x y", "z"] and data.labels == ["a", "b"]


@pytest.mark.skipif(not HAVE_DATASETS, reason="datasets is not installed (pip install datasets)")
def test_hf_dataset_folder(tmp_path: Path) -> None:
    import datasets

    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])}
    )
    ds = datasets.Dataset.from_dict({"text": ["meh", "yay"], "label": [0, 1]}, features=features)
    ds.save_to_disk(str(tmp_path / "ds"))
    data = read_table(tmp_path / "ds")
    assert data.texts == ["meh", "yay"] and data.labels == ["neg", "pos"]  # class names, not ids
    datasets.DatasetDict({"train": ds, "test": ds}).save_to_disk(str(tmp_path / "dd"))
    with pytest.raises(InputError, match=r"several splits \(test, train\).*dd/test"):
        read_table(tmp_path / "dd")
    assert read_table(tmp_path / "dd" / "train").labels == ["neg", "pos"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"file not found: .*nope\.csv"):
        read_table(tmp_path / "nope.csv")


def test_unknown_extension_and_plain_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"don't know how to read 'd.xlsx'.*\.csv"):
        read_table(write(tmp_path, "d.xlsx", "x"))
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match="not a saved Hugging Face dataset"):
        read_table(tmp_path / "folder")


def test_unknown_column_lists_available(tmp_path: Path) -> None:
    p = write(tmp_path, "d.csv", "text,label\na,b\n")
    with pytest.raises(InputError, match=r"column 'txt' not found .*'text', 'label'.*text_column"):
        read_table(p, text_column="txt")
    with pytest.raises(InputError, match=r"column 'lab' not found .*label_column"):
        read_table(p, label_column="lab")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "is empty"),
        ("header.csv", "text,label\n", "has no rows"),
        ("empty.jsonl", "\n\n", "has no rows"),
        ("empty.txt", "\n  \n", "is empty"),
    ],
)
def test_empty_inputs(tmp_path: Path, name: str, content: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_table(write(tmp_path, name, content))


def test_empty_labels_report_count_and_lines(tmp_path: Path) -> None:
    rows = "".join(f"text {i},{'' if i in (2, 5, 6) else 'x'}\n" for i in range(8))
    p = write(tmp_path, "d.csv", "text,label\n" + rows)
    with pytest.raises(
        InputError, match=r"3 row\(s\) have an empty label .*line 4, line 7, line 8"
    ):
        read_table(p)


def test_empty_text_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "d.jsonl", '{"text": "a", "label": "x"}\n{"text": " ", "label": "y"}\n')
    with pytest.raises(InputError, match=r"1 row\(s\) have an empty text .*line 2"):
        read_table(p)


def test_wrong_field_count(tmp_path: Path) -> None:
    p = write(tmp_path, "d.csv", "text,label\nhello, world,x\n")
    with pytest.raises(InputError, match="line 2 has 3 fields but the header has 2; quote"):
        read_table(p)


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, "d.csv", "text,label\nfine,a\ncaf\xe9,b\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"line 3 is not valid utf-8 \(byte 0xe9\).*encoding="):
        read_table(p)
    assert read_table(p, encoding="latin-1").texts == ["fine", "café"]
    bad_jsonl = write(tmp_path, "d.jsonl", b'{"text": "a"}\n{"text": "\xff"}\n')
    with pytest.raises(InputError, match="line 2 is not valid utf-8"):
        read_table(bad_jsonl)
    with pytest.raises(InputError, match="line 1 is not valid utf-8"):
        read_table(write(tmp_path, "d.txt", b"\xff\n"))
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_table(p, encoding="klingon")


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    p = write(tmp_path, "d.jsonl", '{"text": "a"}\n\n{"text": "b",}\n')
    with pytest.raises(InputError, match=r"line 3 is not valid JSON"):
        read_table(p)
    with pytest.raises(InputError, match=r"line 1 is a JSON list, not an object"):
        read_table(write(tmp_path, "e.jsonl", '["a", "b"]\n'))


def test_no_text_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no text column found"):
        read_table(write(tmp_path, "d.csv", "a,b\n1,2\n3,4\n"))


def test_same_text_and_label_column(tmp_path: Path) -> None:
    p = write(tmp_path, "d.csv", "text,label\na,b\n")
    with pytest.raises(InputError, match="both 'text'"):
        read_table(p, text_column="text", label_column="text")


def test_txt_has_no_labels(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="has no labels"):
        read_table(write(tmp_path, "d.txt", "a\n"), label_column="label")


def test_check_labels() -> None:
    data = LabeledData(texts=["a"] * 6, labels=["pos", "pos", "neg", "x", "pos", "y"], source="d")
    check_labels(LabeledData(texts=["a"], labels=["pos"], source="d"), ["pos", "neg"])
    with pytest.raises(InputError) as e:
        check_labels(data, ["pos", "neg", "X"])
    msg = str(e.value)
    assert "2 label(s) are not labels of the task" in msg
    assert "'y' (1 row)" in msg and "'x'" in msg and "did you mean 'X'" in msg
    with pytest.raises(InputError, match="has no labels; pass label_column"):
        check_labels(LabeledData(texts=["a"], labels=None, source="d"), ["pos"])


def test_write_jsonl_roundtrip_is_atomic(tmp_path: Path) -> None:
    data = LabeledData(texts=["é\nx", "b"], labels=["1", "2"], source="mem")
    out = write_jsonl(data, tmp_path / "sub" / "out.jsonl")
    back = read_table(out)
    assert back.texts == data.texts and back.labels == data.labels
    assert [p.name for p in out.parent.iterdir()] == ["out.jsonl"]  # no temp file left
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_txt_line_is_not_cut_at_unicode_line_separators(tmp_path):
    from lmtask.data import read_table

    path = tmp_path / "t.txt"
    path.write_text("one\u2028still one\r\ntwo\x85also two\n\nthree\n", encoding="utf-8")
    assert read_table(path).texts == ["one\u2028still one", "two\x85also two", "three"]


def test_texts_only_ignores_a_half_empty_label_column(tmp_path):
    """classify and distill want texts: a label column with blanks must not stop them."""
    p = tmp_path / "part.csv"
    p.write_text("text,label\nI love it,\nI hate it,\nok then,positive\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty label"):
        read_table(p)
    data = read_table(p, need_labels=False)
    assert data.texts == ["I love it", "I hate it", "ok then"] and data.labels is None
    assert data.label_column is None and not any("label" in g for g in data.guessed[1:])


def test_a_header_naming_a_column_twice_is_refused(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("text,label,text\nfirst,a,second\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"names column\(s\) 'text' more than once"):
        read_table(p)


@pytest.mark.parametrize(
    ("content", "line"),
    [('text,id\n"a",1\n"b,2\n"c",3\n', 4), ('text,id\n"a",1\n"b,2\n', 3)],
)
def test_a_quote_left_open_is_an_error_not_rows_merged(tmp_path, content, line):
    path = tmp_path / "q.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=f"line {line} is not valid CSV.*a quote left open"):
        read_table(path, need_labels=False)
    path.write_text('text,id\nsay "hi" now,1\n"multi\nline, with a comma",2\n')
    assert read_table(path, need_labels=False).texts == [
        'say "hi" now',
        "multi\nline, with a comma",
    ]
