"""lmtask.data.code.notcode: prose and tables are told apart from code, and the built-in
code-language detector says so (its answers stay as they are)."""

from __future__ import annotations

import pytest

from lmtask.data.code.notcode import looks_like_table, not_code
from lmtask.ladder import classifier_for
from lmtask.ladder.cascade import NotCodeWarning

PROSE = ("The committee met on Tuesday to discuss the budget, and it agreed to publish the "
         "report by the end of the month.")  # fmt: skip
TABLE = "name,age,city\nAda,36,London\nLinus,28,Helsinki\n"
CODE = [
    "def f(x):\n    return x + 1\n",
    "SELECT name, age FROM people WHERE city = 'London';\n",
    "import os\nimport sys\nfrom pathlib import Path\n",
    "# Install\n\nRun the installer and it will set up the tool for you in a minute.\n",
    "\tfmt.Println(a, b)\n\tfmt.Println(c, d)\n",
    "x, y\nz, w\n# comment",
    "- item one of the list that is long enough to be a sentence of prose\n",
]


@pytest.mark.parametrize("text", [PROSE, TABLE, "a\tb\n1\t2\n", PROSE + "\n\n" + PROSE])
def test_prose_and_tables_are_not_code(text):
    assert not_code(text)


@pytest.mark.parametrize("text", [*CODE, "", "   \n"])
def test_code_and_markdown_are_code(text):
    assert not not_code(text)


def test_a_table_needs_the_same_separators_on_every_line():
    assert looks_like_table(TABLE) and not looks_like_table("a,b\nc\n")
    assert not looks_like_table("a,b,\nc,d,\n")  # trailing separators: a list, not a table


def test_the_code_detector_warns_and_keeps_its_answers():
    clf = classifier_for(None, task="code-language")
    texts = [CODE[0], PROSE, TABLE]
    with pytest.warns(NotCodeWarning, match="2 of 3 text.*read as prose or a table"):
        preds = clf.predict(texts)
    assert all(p.label for p in preds)  # a guess, said to be one; not taken away
    assert clf.input_notes([CODE[0]]) == [] and clf.describe()["method"] == "cascade"
