"""``lmtask batch`` on the local engine: counts, resume after a crash, inputs, bad inputs, CLI.

The classifier is the shipped n-gram code-language detector (no language model, fast); one
test runs a tiny random-weight language model to check that batching changes no score.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lmtask.batch import MANIFEST, run_batch
from lmtask.batch import local as local_engine
from lmtask.batch.rows import predict_table
from lmtask.cli import app
from lmtask.errors import InputError
from lmtask.ladder import ClassifierSpec, classifier_for
from lmtask.tasks import builtin_detector
from tests.helpers import assert_one_line_error

SNIPPETS = [
    "SELECT name FROM users WHERE id = {i};",
    "def main_{i}(): return sorted(xs, key=len)",
    'fn main() {{ println!("{i}"); }}',
    "console.log('row {i}');",
    "public class A{i} {{ public static void main(String[] a) {{}} }}",
    "",  # an empty text: a row error, not a job failure
    "<div class='x{i}'><p>hello</p></div>",
]
SPEC = ClassifierSpec(task="code-language")


def texts(shard: int, n: int) -> list[str]:
    return [SNIPPETS[(shard + k) % len(SNIPPETS)].format(i=shard * 100 + k) for k in range(n)]


def write_shards(folder, sizes=(7, 5, 6), kind="csv"):
    """Shards with an id column and a ``code`` text column; returns every row in order."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for s, n in enumerate(sizes):
        part = [{"id": f"{s}-{k}", "code": t} for k, t in enumerate(texts(s, n))]
        rows += part
        path = folder / f"shard-{s}.{kind}"
        if kind == "csv":
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, ["id", "code"])
                w.writeheader()
                w.writerows(part)
        elif kind == "jsonl":
            path.write_text("".join(json.dumps(r) + "\n" for r in part))
        else:
            pq.write_table(pa.Table.from_pylist(part), path)
    return rows


def read_out(out) -> pa.Table:
    files = sorted(out.glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files])


def expected(rows) -> list:
    clf = classifier_for(None, task="code-language")
    return clf.predict([r["code"] for r in rows if r["code"]])


def test_counts_columns_and_predictions(tmp_path):
    rows = write_shards(tmp_path / "in")
    res = run_batch(str(tmp_path / "in"), tmp_path / "out", SPEC, batch_size=4)
    assert (res.rows_in, res.rows_out, res.shards_done, res.shards_skipped) == (18, 18, 3, 0)
    table = read_out(tmp_path / "out")
    assert table.column("id").to_pylist() == [r["id"] for r in rows]  # order kept
    assert table.column("code").to_pylist() == [r["code"] for r in rows]
    errors = table.column("error").to_pylist()
    assert res.rows_error == sum(e is not None for e in errors) == 3  # one per shard
    assert {e for e in errors if e} == {"empty text"}
    ok = [i for i, r in enumerate(rows) if r["code"]]
    want = expected(rows)
    assert [table.column("label")[i].as_py() for i in ok] == [p.label for p in want]
    got_cpp = [table.column("p_C++")[i].as_py() for i in ok]
    assert got_cpp == [p.scores["C++"] for p in want]
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["status"] == "complete" and manifest["rows_out"] == 18
    assert manifest["classifier"]["method"] == "cascade"
    assert manifest["output"]["probability_columns"]["C#"] == "p_C#"
    assert [len(e["files"]) for e in manifest["shards"].values()] == [1, 1, 1]


def test_resume_after_a_crash_skips_finished_shards(tmp_path, monkeypatch):
    write_shards(tmp_path / "in", sizes=(4, 4, 4))
    out = tmp_path / "out"
    real = local_engine.predict_table
    calls = {"n": 0}

    def crash_in_second_shard(clf, table, *a):
        calls["n"] += 1
        if calls["n"] == 2:  # shard 0 is one batch of 4; this is shard 1
            raise KeyboardInterrupt  # as a kill would: nothing after this runs
        return real(clf, table, *a)

    monkeypatch.setattr(local_engine, "predict_table", crash_in_second_shard)
    with pytest.raises(KeyboardInterrupt):
        run_batch(str(tmp_path / "in"), out, SPEC, batch_size=4)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["status"] == "running" and list(manifest["shards"]) == ["0"]
    first = (out / "part-00000-000.parquet").stat().st_mtime_ns
    # leftovers of the killed shard: a part file moved in but never recorded
    pq.write_table(pa.table({"id": ["junk"]}), out / "part-00001-000.parquet")

    read = []
    real_read = local_engine.read_shard
    monkeypatch.setattr(local_engine, "predict_table", real)
    monkeypatch.setattr(
        local_engine, "read_shard", lambda s, *a: read.append(s.index) or real_read(s, *a)
    )
    res = run_batch(str(tmp_path / "in"), out, SPEC, batch_size=4)
    assert read == [1, 2] and (res.shards_done, res.shards_skipped) == (2, 1)
    assert (out / "part-00000-000.parquet").stat().st_mtime_ns == first
    fresh = run_batch(str(tmp_path / "in"), tmp_path / "fresh", SPEC)
    assert read_out(out).equals(read_out(tmp_path / "fresh"))
    assert res.rows_in == res.rows_out == fresh.rows_out == 12


def test_parquet_folder_and_artifact_classifier(tmp_path):
    rows = write_shards(tmp_path / "in", kind="parquet")
    from lmtask.artifacts import save

    saved = save(SPEC.build(), tmp_path / "pair")  # the task's default, saved
    artifact = ClassifierSpec(artifact=str(saved))
    res = run_batch(str(tmp_path / "in"), tmp_path / "a", artifact)
    run_batch(str(tmp_path / "in" / "*.parquet"), tmp_path / "b", SPEC)  # a glob
    assert res.rows_out == len(rows)
    assert read_out(tmp_path / "a").equals(read_out(tmp_path / "b"))
    assert res.manifest["classifier"]["spec"]["artifact"] == artifact.artifact


def test_saved_folders_named_in_method_options_travel_as_absolute_paths(tmp_path, monkeypatch):
    """A Ray actor may run in another folder: ``fast=runs/ng`` must still find the artifact."""
    import shutil

    from lmtask.batch.classifier import portable

    shutil.copytree(builtin_detector("code-language"), tmp_path / "runs" / "ng")
    monkeypatch.chdir(tmp_path)
    spec = ClassifierSpec(task="code-language", method="cascade:fast=runs/ng:threshold=0.9",
                          options={"slow": "runs/ng", "weight": 2.0})  # fmt: skip
    moved = portable(spec)
    here = str(tmp_path / "runs" / "ng")
    assert moved.method == f"cascade:fast={here}:threshold=0.9"
    assert moved.options == {"slow": here, "weight": 2.0}
    (tmp_path / "ngram").mkdir()  # a folder named like a method: the name wins
    assert portable(ClassifierSpec(task="code-language", method="cascade:fast=ngram")).method == (
        "cascade:fast=ngram"
    )
    (tmp_path / "enc").mkdir()  # a model folder, say
    model = portable(ClassifierSpec(labels="a,b", method="setfit:model=enc")).method
    assert model == f"setfit:model={tmp_path / 'enc'}"
    monkeypatch.chdir(tmp_path / "runs")  # elsewhere, the moved spec still builds
    clf = moved.build()
    assert clf.predict(["fn main() { let x = 1; }"])[0].label == "Rust"


def test_jsonl_single_file_and_row_errors_from_the_classifier(tmp_path):
    write_shards(tmp_path / "in", sizes=(6,), kind="jsonl")
    res = run_batch(str(tmp_path / "in" / "shard-0.jsonl"), tmp_path / "out", SPEC)
    assert res.rows_out == 6 and res.manifest["input"]["text_column"] == "code"

    class Picky:
        labels = ("a", "b")

        def predict(self, texts):
            from lmtask.prediction import Prediction

            if any("bad" in t for t in texts):
                raise ValueError("cannot take\na bad text")
            return [Prediction("a", {"a": 0.9, "b": 0.1}) for _ in texts]

    out = predict_table(Picky(), pa.table({"text": ["ok", "bad one", None, "fine"]}), "text")
    assert out.column("label").to_pylist() == ["a", None, None, "a"]
    assert out.column("error").to_pylist() == [None, "ValueError: cannot take a bad text",
                                               "empty text", None]  # fmt: skip
    assert out.column("p_b").to_pylist() == [0.1, None, None, 0.1]


@pytest.mark.usefixtures("one_thread")
def test_a_language_model_gives_the_same_scores_in_batches(tmp_path, tiny_factory):
    from lmtask.batch.classifier import describe
    from lmtask.batch.io import scan_inputs
    from lmtask.batch.manifest import open_run
    from lmtask.methods import build_and_fit

    rows = write_shards(tmp_path / "in", sizes=(5, 4))
    clf = build_and_fit("zero-shot", None, labels="SQL,Rust,other", model=tiny_factory())
    run = open_run(tmp_path / "out", scan_inputs(str(tmp_path / "in")), describe(SPEC, clf))
    assert local_engine.run_local(run, clf, batch_size=3) == 2
    table = read_out(tmp_path / "out")
    ok = [i for i, r in enumerate(rows) if r["code"]]
    want = clf.predict_proba([rows[i]["code"] for i in ok])
    got = np.array([[table.column(f"p_{lb}")[i].as_py() for lb in clf.labels] for i in ok])
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.usefixtures("one_thread")
def test_batch_calibration_gets_whole_chunks(tmp_path, tiny_factory, monkeypatch):
    """A short last chunk joins the one before (a chunk under BATCH_MIN would fall back to
    contextual calibration); a --batch-size under BATCH_MIN is refused before any row runs."""
    from lmtask.batch.classifier import describe
    from lmtask.batch.io import scan_inputs
    from lmtask.batch.manifest import open_run
    from lmtask.batch.runner import _check_batch_calibration
    from lmtask.methods import build_and_fit

    write_shards(tmp_path / "in", sizes=(40,))
    clf = build_and_fit("zero-shot:calibrate:batch", None, labels="SQL,Rust,other",
                        model=tiny_factory())  # fmt: skip
    calls: list[int] = []
    real = clf.predict
    monkeypatch.setattr(clf, "predict", lambda texts, **k: calls.append(len(texts)) or real(texts))
    info = describe(SPEC, clf)
    run = open_run(tmp_path / "out", scan_inputs(str(tmp_path / "in")), info)
    local_engine.run_local(run, clf, batch_size=16)
    assert len(calls) == 2  # rows 0-15, then 16-39 (empty texts are not sent)
    with pytest.raises(InputError, match="--batch-size 16 or more, not 8"):
        _check_batch_calibration(info, 8)
    _check_batch_calibration(describe(SPEC, build_and_fit("zero-shot", None, labels="a,b",
                                                          model=tiny_factory())), 8)  # fmt: skip
    words = build_and_fit("zero-shot:calibrate:words", None, labels="a,b", model=tiny_factory())
    with pytest.raises(InputError, match="calibration=batch or words"):
        _check_batch_calibration(describe(SPEC, words), 8)


def test_bad_inputs_are_one_line_errors(tmp_path):
    write_shards(tmp_path / "in", sizes=(3, 3))
    with pytest.raises(InputError, match="input not found"):
        run_batch(str(tmp_path / "missing"), tmp_path / "o1", SPEC)
    with pytest.raises(InputError, match=r"column 'body' not found.*'id', 'code'"):
        run_batch(str(tmp_path / "in"), tmp_path / "o2", SPEC, text_column="body")
    (tmp_path / "in" / "shard-2.csv").write_text("id,text\n1,hello\n")
    with pytest.raises(InputError, match=r"mixed schemas: shard shard-2\.csv lacks 'code'"):
        run_batch(str(tmp_path / "in"), tmp_path / "o3", SPEC)
    (tmp_path / "in" / "shard-2.csv").write_text("id,code,label\n1,x,y\n")
    with pytest.raises(InputError, match="mixed schemas"):
        run_batch(str(tmp_path / "in"), tmp_path / "o3", SPEC)
    (tmp_path / "in" / "shard-2.csv").unlink()
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "a.csv").write_text("code,label\nx = 1,Python\n")
    with pytest.raises(InputError, match=r"already has column.*'label'"):
        run_batch(str(tmp_path / "lab"), tmp_path / "o4", SPEC)
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "notes.txt").write_text("hi\n")
    with pytest.raises(InputError, match="no CSV, JSONL or Parquet files"):
        run_batch(str(tmp_path / "none"), tmp_path / "o5", SPEC)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "a.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        run_batch(str(tmp_path / "broken"), tmp_path / "o6", SPEC)
    (tmp_path / "quote").mkdir()  # a quote left open: an error, not two rows merged
    (tmp_path / "quote" / "a.csv").write_text('id,code\n1,"a"\n2,"b,2\n3,"c"\n')
    with pytest.raises(InputError, match=r"line 4 is not valid CSV.*a quote left open"):
        run_batch(str(tmp_path / "quote"), tmp_path / "o7", SPEC)
    (tmp_path / "js").mkdir()  # JSONL: lines counted from 1, and a column of mixed kinds
    (tmp_path / "js" / "a.jsonl").write_text('{"code": "a"}\n{"code": broken\n')
    with pytest.raises(InputError, match=r"line 2 is not valid JSON"):
        run_batch(str(tmp_path / "js"), tmp_path / "o8", SPEC)
    (tmp_path / "js" / "a.jsonl").write_text('{"code": "a"}\n\n{"code": 5}\n')
    with pytest.raises(InputError, match=r"'code' holds text \(line 1\) and numbers \(line 3\)"):
        run_batch(str(tmp_path / "js"), tmp_path / "o9", SPEC)
    run_batch(str(tmp_path / "in"), tmp_path / "done", SPEC)
    (tmp_path / "in" / "shard-1.csv").write_text("id,code\n9,x\n")  # the input changed
    with pytest.raises(InputError, match="holds a run with another input"):
        run_batch(str(tmp_path / "in"), tmp_path / "done", SPEC)
    with pytest.raises(InputError, match="ray_address is for the ray engine only"):
        run_batch(str(tmp_path / "in"), tmp_path / "o7", SPEC, ray_address="1.2.3.4:6379")


def test_cli(tmp_path):
    write_shards(tmp_path / "in")
    runner = CliRunner()
    args = ["batch", str(tmp_path / "in"), "--task", "code-language", "--out", str(tmp_path / "o")]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "18 rows in, 18 rows out (3 with an error) in 3 shard(s) (3 done now)" in r.stdout
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and "(0 done now, 3 finished before)" in r.stdout
    bad = runner.invoke(app, [*args[:-1], str(tmp_path / "o2"), "--text-column", "body"])
    assert_one_line_error(bad, "--text-column", "'id', 'code'")
    bad = runner.invoke(app, ["batch", str(tmp_path / "in"), "--out", str(tmp_path / "o3")])
    assert_one_line_error(bad, "name a classifier")
    bad = runner.invoke(app, [*args, "--engine", "ray", "--ray-address", "127.0.0.1:1"])
    assert_one_line_error(bad, "cannot reach a Ray cluster at 127.0.0.1:1")
    bad = runner.invoke(app, [*args, "--concurrency", "2"])
    assert_one_line_error(bad, "--concurrency is for the ray engine only")


def test_a_run_made_with_another_default_calibration_is_not_resumed(tmp_path):
    """The same spec can make other answers after an upgrade (the ad-hoc default calibration
    changed from contextual to background): resuming would mix the two, so it is refused."""
    write_shards(tmp_path / "in", sizes=(4,))
    out = tmp_path / "out"
    run_batch(str(tmp_path / "in"), out, SPEC)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["status"] = "running"
    manifest["classifier"]["description"]["calibration"] = "contextual"
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(InputError, match=r"another classifier calibration .*'contextual'"):
        run_batch(str(tmp_path / "in"), out, SPEC)


@pytest.mark.parametrize(
    "key, was, said",
    [("dtype", "float16", "model dtype"), ("pins", {"background": "english:000000000000"},
     "word lists")],
)  # fmt: skip
def test_a_run_made_with_another_dtype_or_word_list_is_not_resumed(tmp_path, key, was, said):
    """A machine that now picks another dtype under --dtype auto, or a later lmtask with
    another background word list, makes other answers from the same spec: refused too. A
    manifest from before the key was recorded resumes as before."""
    write_shards(tmp_path / "in", sizes=(4,))
    out = tmp_path / "out"
    run_batch(str(tmp_path / "in"), out, SPEC)
    manifest = json.loads((out / MANIFEST).read_text())
    assert key in manifest["classifier"]
    manifest["status"] = "running"
    manifest["classifier"][key] = was
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(InputError, match=f"another classifier {said}"):
        run_batch(str(tmp_path / "in"), out, SPEC)
    del manifest["classifier"][key]
    (out / MANIFEST).write_text(json.dumps(manifest))
    run_batch(str(tmp_path / "in"), out, SPEC)  # an older run's manifest: resumed
