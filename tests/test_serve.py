"""lmtask.serve: API shapes, every error code, auth, batching equals one at a time."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from fastapi.testclient import TestClient

import lmtask
from lmtask.ladder import ClassifierSpec
from lmtask.serve import ServeConfig, ServedModel, create_app, wait_until_loaded
from lmtask.serve.batcher import Batcher, QueueFull

CODE = {
    "Python": "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n",
    "SQL": "SELECT name, COUNT(*)\nFROM users\nWHERE age > 30\nGROUP BY name;\n",
    "Go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
}


def client_for(models, **config) -> TestClient:
    app = create_app(models, ServeConfig(**{"max_wait_ms": 2, "text_model": None, **config}))
    client = TestClient(app)
    client.__enter__()
    wait_until_loaded(app)
    return client


@pytest.fixture(scope="module")
def code_client():
    c = client_for([ClassifierSpec(task="code-language")])
    yield c
    c.__exit__(None, None, None)


@pytest.fixture(scope="module")
def lm_client(tiny_factory):
    """A zero-shot classifier on a tiny random model (tokens, window cuts) + generation."""
    from lmtask.methods import build

    lm = tiny_factory("qwen2", max_pos=96)
    clf = build("zero-shot", task=None, labels="positive,negative", model=lm)
    app = create_app([ServedModel.from_classifier("tiny", clf)],
                     ServeConfig(max_wait_ms=20, text_model=None), text_model=lm)  # fmt: skip
    with TestClient(app) as c:
        wait_until_loaded(app)
        yield c, clf


def test_classify_one_text_and_a_list(code_client):
    r = code_client.post("/v1/classify", json={"input": CODE["SQL"]})
    assert r.status_code == 200
    body = r.json()
    assert body["model"] == "code-language" and body["usage"]["texts"] == 1
    (d,) = body["data"]
    assert d["index"] == 0 and d["label"] == "SQL" and len(d["scores"]) == 25
    assert abs(sum(d["scores"].values()) - 1) < 1e-6
    r = code_client.post("/v1/classify", json={"input": list(CODE.values())})
    assert [d["label"] for d in r.json()["data"]] == list(CODE)
    assert [d["index"] for d in r.json()["data"]] == [0, 1, 2]
    raw = code_client.post("/v1/classify", json={"input": CODE["Go"], "raw_scores": True}).json()
    assert max(raw["data"][0]["scores"].values()) <= 0  # log-probabilities


def test_served_scores_equal_the_library_and_batching_changes_nothing(code_client):
    from lmtask.ladder import classifier_for

    texts = [*CODE.values(), 'fn main() { println!("hi"); }', "<div class='a'>hi</div>"]
    want = classifier_for(None, task="code-language").predict(texts)
    results: dict[int, dict] = {}

    def one(i: int) -> None:  # many clients at once: their texts share batches
        results[i] = code_client.post("/v1/classify", json={"input": texts[i]}).json()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(texts))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    for i, p in enumerate(want):
        got = results[i]["data"][0]
        assert got["label"] == p.label
        assert got["scores"] == pytest.approx(p.scores, abs=1e-9)


def test_lm_classifier_counts_tokens_and_batches_like_one_at_a_time(lm_client):
    client, clf = lm_client
    texts = ["good day", "a rather long and winding sentence about nothing much", "bad"]
    single = [clf.predict([t])[0] for t in texts]
    out = {}

    def one(i: int) -> None:
        out[i] = client.post("/v1/classify", json={"input": texts[i]}).json()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    for i, p in enumerate(single):
        assert out[i]["data"][0]["label"] == p.label
        assert out[i]["data"][0]["scores"] == pytest.approx(p.scores, abs=1e-4)
        assert out[i]["usage"]["tokens"] >= len(texts[i].split())
    long = client.post("/v1/classify", json={"input": "word " * 400}).json()
    assert long["warnings"] and "cut" in long["warnings"][0]
    assert not out[0]["warnings"]


def test_models_info_health_metrics_docs(code_client):
    models = code_client.get("/v1/models").json()["data"]
    assert models[0]["name"] == "code-language" and models[0]["method"] == "cascade"
    assert len(models[0]["labels"]) == 25 and models[0]["loaded"]
    info = code_client.get("/info").json()
    assert info["max_queue"] == 256 and info["max_input_chars"] == 20000
    assert code_client.get("/healthz").json() == {"status": "ok"}
    metrics = code_client.get("/metrics").text
    assert 'lmtask_requests_total{route="/v1/classify",status="200"}' in metrics
    assert "lmtask_batch_texts_bucket" in metrics
    assert code_client.get("/openapi.json").json()["paths"]["/v1/classify"]
    docs = code_client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert code_client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200  # offline


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"input": CODE["Go"], "model": "nope"}, 404, "no model named 'nope'"),
        ({}, 422, "body.input: Field required"),
        ({"input": 3}, 422, "body.input"),
        ({"input": []}, 422, "at least one text"),
        ({"input": "x", "colour": 1}, 422, "body.colour"),
        ({"input": "x" * 20001}, 413, "at most 20000"),
        ({"input": ["x"] * 257}, 413, "at most 256 per request"),
    ],
)
def test_bad_requests_get_the_right_code(code_client, body, status, fragment):
    r = code_client.post("/v1/classify", json=body)
    assert r.status_code == status, r.text
    assert fragment in r.json()["detail"]


def test_invalid_json_and_a_body_over_the_limit(code_client):
    r = code_client.post(
        "/v1/classify", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
    big = json.dumps({"input": "a" * 5_000_000})
    r = code_client.post("/v1/classify", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "bytes" in r.json()["detail"]


def test_api_key_guards_every_route_but_healthz():
    c = client_for([ClassifierSpec(task="code-language")], api_key="s3cret")
    try:
        assert c.get("/healthz").status_code == 200
        for path in ("/v1/models", "/info", "/metrics", "/openapi.json"):
            assert c.get(path).status_code == 401, path
        r = c.post("/v1/classify", json={"input": "x"}, headers={"Authorization": "Bearer no"})
        assert r.status_code == 401
        ok = {"Authorization": "Bearer s3cret"}
        assert c.post("/v1/classify", json={"input": "x"}, headers=ok).status_code == 200
        assert c.get("/").status_code == 200  # the page shell holds no data
    finally:
        c.__exit__(None, None, None)


def test_no_cors_unless_asked(code_client):
    pre = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    r = code_client.options("/v1/classify", headers=pre)
    assert "access-control-allow-origin" not in r.headers
    c = client_for([ClassifierSpec(task="code-language")], cors_origins=["http://ok.example"])
    try:
        r = c.options("/v1/classify", headers={**pre, "Origin": "http://ok.example"})
        assert r.headers["access-control-allow-origin"] == "http://ok.example"
    finally:
        c.__exit__(None, None, None)


def test_health_is_503_while_loading_and_when_loading_failed(tmp_path):
    gate = threading.Event()

    class Slow(ServedModel):
        def load(self, config, on_batch=None):
            gate.wait(10)
            super().load(config, on_batch)

    slow = Slow.from_spec(ClassifierSpec(task="code-language"))
    app = create_app([slow], ServeConfig(text_model=None))
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 503
        r = c.post("/v1/classify", json={"input": "x"})
        assert r.status_code == 503 and "still loading" in r.json()["detail"]
        gate.set()
        wait_until_loaded(app)
        assert c.get("/healthz").status_code == 200
    bad = create_app([ClassifierSpec(artifact=str(tmp_path / "missing"))], ServeConfig())
    with TestClient(bad) as c:
        wait_until_loaded(bad)
        r = c.get("/healthz")
        assert r.status_code == 503 and "missing" in json.dumps(r.json())


def test_full_queue_answers_429_at_once_with_retry_after():
    gate = threading.Event()

    def slow(texts):
        gate.wait(10)
        from lmtask.prediction import Prediction

        return [Prediction("a", {"a": 1.0}) for _ in texts]

    async def scenario():
        b = Batcher(slow, max_queue=4, max_wait_ms=0)
        b.start()
        first = asyncio.ensure_future(b.submit(["x"], [1]))  # taken by the worker, blocks
        await asyncio.sleep(0.2)
        waiting = [asyncio.ensure_future(b.submit(["y"] * 2, [1, 1])) for _ in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(QueueFull) as e:
            await b.submit(["z"], [1])
        assert e.value.retry_after >= 1
        gate.set()
        done = await asyncio.gather(first, *waiting)
        b.stop()
        return done

    assert [len(r.predictions) for r in asyncio.run(scenario())] == [1, 2, 2]


def test_server_429_through_http():
    import time

    from lmtask.prediction import Prediction

    gate, busy = threading.Event(), threading.Event()

    class Stub:  # any object with predict/describe serves
        def predict(self, texts):
            busy.set()
            gate.wait(10)
            return [Prediction("a", {"a": 1.0}) for _ in texts]

        def describe(self):
            return {"method": "stub", "labels": ["a"]}

    c = client_for([ServedModel.from_classifier("stub", Stub())], max_queue=2, max_wait_ms=0)
    batcher = c.app.state.models[0].batcher
    codes: list[int] = []

    def post() -> None:
        codes.append(c.post("/v1/classify", json={"input": ["t", "t"]}).status_code)

    try:
        first = threading.Thread(target=post)
        first.start()
        assert busy.wait(10)  # the worker holds the first request
        second = threading.Thread(target=post)
        second.start()
        deadline = time.monotonic() + 10
        while batcher.waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        r = c.post("/v1/classify", json={"input": ["t"]})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "queue is full" in r.json()["detail"]
        gate.set()
        first.join()
        second.join()
        assert codes == [200, 200]
    finally:
        gate.set()
        c.__exit__(None, None, None)


def test_a_cancelled_request_is_dropped_before_its_batch_runs():
    seen: list[list[str]] = []
    gate = threading.Event()

    def record(texts):
        gate.wait(10)
        seen.append(list(texts))
        from lmtask.prediction import Prediction

        return [Prediction("a", {"a": 1.0}) for _ in texts]

    async def scenario():
        b = Batcher(record, max_wait_ms=0, batching=False)
        b.start()
        first = asyncio.ensure_future(b.submit(["first"], [1]))
        await asyncio.sleep(0.2)
        gone = asyncio.ensure_future(b.submit(["gone"], [1]))
        kept = asyncio.ensure_future(b.submit(["kept"], [1]))
        await asyncio.sleep(0.05)
        gone.cancel()
        gate.set()
        await asyncio.gather(first, kept)
        b.stop()

    asyncio.run(scenario())
    assert seen == [["first"], ["kept"]]


@pytest.mark.parametrize("calibration", ["batch", "words"])
def test_requests_are_kept_apart_for_a_batch_dependent_classifier(tiny_factory, calibration):
    """With batch (or words) calibration, requests batched together are each calibrated on
    their own texts: a request gets the answers it would get alone, whoever else is in the
    batch."""
    clf = lmtask.ZeroShot(labels="spam,ham", model=tiny_factory(), calibrate=True,
                          calibration=calibration)  # fmt: skip
    mine = [f"message {w} {x}" for w in ("one", "two", "three", "four") for x in "abcde"]
    other = [f"buy cheap {w} now" for w in ("pills", "gold", "cars", "shoes") for _ in "abcde"]
    alone = clf.predict(mine)
    sizes: list[int] = []

    async def scenario():
        b = Batcher(clf.predict, predict_each=clf.predict_each, max_wait_ms=200,
                    on_batch=lambda stats: sizes.append(stats.texts))  # fmt: skip
        b.start()
        got = await asyncio.gather(b.submit(mine, [3] * len(mine)),
                                   b.submit(other, [4] * len(other)))  # fmt: skip
        b.stop()
        return got

    together, _ = asyncio.run(scenario())
    assert sizes == [len(mine) + len(other)]  # one batch held both requests
    assert [p.label for p in together.predictions] == [p.label for p in alone]
    for p, q in zip(together.predictions, alone, strict=True):
        assert p.scores == pytest.approx(q.scores, rel=1e-5)
    assert not together.contextual


@pytest.mark.parametrize("calibration", ["batch", "words"])
def test_a_request_too_small_for_batch_calibration_is_told_so(tiny_factory, calibration):
    """Under BATCH_MIN texts the classifier uses contextual calibration; the reply says so."""
    from lmtask.engine.calibration import BATCH_MIN

    clf = lmtask.ZeroShot(labels="spam,ham", model=tiny_factory(), calibrate=True,
                          calibration=calibration)  # fmt: skip
    app = create_app([ServedModel.from_classifier("cal", clf)],
                     ServeConfig(max_wait_ms=0, text_model=None))  # fmt: skip
    with TestClient(app) as c:
        wait_until_loaded(app)
        small = c.post("/v1/classify", json={"input": ["buy now", "hello"]}).json()
        big = c.post("/v1/classify", json={"input": [f"text {i}" for i in range(BATCH_MIN)]})
    assert any(f"calibration={calibration} needs" in w and "was used for these 2" in w
               for w in small["warnings"])  # fmt: skip
    assert big.status_code == 200 and big.json()["warnings"] == []


def test_generate_whole_and_streamed(lm_client):
    client, _ = lm_client
    body = {"task": "summarize", "input": "The cat sat on the mat.", "max_new_tokens": 5}
    whole = client.post("/v1/generate", json=body)
    assert whole.status_code == 200 and isinstance(whole.json()["output"], str)
    with client.stream("POST", "/v1/generate", json={**body, "stream": True}) as r:
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1]["done"] and events[-1]["output"] == whole.json()["output"]
    assert "".join(e.get("text", "") for e in events[:-1]).strip() == whole.json()["output"]
    r = client.post("/v1/generate", json={"task": "answer", "input": "ctx"})
    assert r.status_code == 422 and "question" in r.json()["detail"]


def test_generate_is_404_without_a_text_model(code_client):
    r = code_client.post("/v1/generate", json={"input": "hello"})
    assert r.status_code == 404 and "does not generate" in r.json()["detail"]


def test_table_upload_and_reports(code_client, tmp_path):
    import csv
    import io

    csv_text = "code,label\n" + "".join(
        '"' + v.replace('"', '""') + f'",{k}\n' for k, v in CODE.items()
    )
    r = code_client.post("/v1/classify/table", json={"content": csv_text, "text_column": "code"})
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0])[:3] == ["code", "label", "predicted_label"]  # gold kept
    assert [row["predicted_label"] for row in rows] == [row["label"] for row in rows]
    assert float(rows[1]["p_SQL"]) > 0.5
    bad = code_client.post("/v1/classify/table", json={"content": csv_text, "text_column": "x"})
    assert bad.status_code == 422 and "'x'" in bad.json()["detail"]
    # the file's other columns come back, to join the results on
    with_ids = "id,code,owner\n" + "".join(
        f'{n},"' + v.replace('"', '""') + f'",team{n}\n' for n, v in enumerate(CODE.values())
    )
    r = code_client.post("/v1/classify/table", json={"content": with_ids, "text_column": "code"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0])[:4] == ["code", "id", "owner", "label"]
    assert [(row["id"], row["owner"]) for row in rows] == [
        (str(n), f"team{n}") for n in range(len(CODE))
    ]
    assert code_client.get("/v1/reports").status_code == 404  # none served


@pytest.mark.parametrize(
    "fmt, content, line",
    [("csv", "id,text\n1,SELECT 1;\n2,\n3,x = 1\n", "line 3"),
     ("jsonl", '{"text": "SELECT 1;"}\n{"text": "  "}\n', "line 2")],
)  # fmt: skip
def test_a_blank_text_row_in_an_upload_is_named_as_the_cli_names_it(
    code_client, tmp_path, fmt, content, line
):
    """A blank text is refused naming its row, by the page's upload as by classify --file
    (not skipped, which would shift the rows of the download against the file's)."""
    from typer.testing import CliRunner

    from lmtask.cli import app

    why = f"1 row(s) have an empty text in column 'text' ({line}); fill them in or delete"
    r = code_client.post("/v1/classify/table", json={"content": content, "format": fmt})
    assert r.status_code == 422 and r.json()["detail"].startswith(f"the file: {why}"), r.text
    f = tmp_path / f"upload.{fmt}"
    f.write_text(content, encoding="utf-8")
    res = CliRunner().invoke(app, ["classify", "--file", str(f), "--task", "code-language"])
    assert res.exit_code == 2 and f"error: {f}: {why}" in res.output


def test_reports_folder_is_listed_and_confined(tmp_path):
    run = tmp_path / "runs" / "tweets"
    run.mkdir(parents=True)
    (run / "report.md").write_text("# tweets\n\n| metric | value |\n|---|---|\n| acc | 0.5 |\n")
    (run / "confusion_matrix.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "secret.txt").write_text("no")
    c = client_for([ClassifierSpec(task="code-language")], reports=str(tmp_path / "runs"))
    try:
        listed = c.get("/v1/reports").json()["data"]
        assert listed == [{"path": "tweets", "files": ["confusion_matrix.png", "report.md"]}]
        assert "| acc | 0.5 |" in c.get("/reports/tweets/report.md").text
        assert c.get("/reports/tweets/confusion_matrix.png").headers["content-type"] == "image/png"
        assert c.get("/reports/../secret.txt").status_code == 404
        assert c.get("/reports/%2e%2e/secret.txt").status_code == 404
    finally:
        c.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "nothing to serve"),
        (["--method", "few-shot"], "describe a --task/--labels classifier"),
        (["DETECTOR", "--task", "sentiment", "--name", "x", "--method", "zero-shot"], None),
        (["no/such/folder"], "is not an lmtask artifact"),
        (["--task", "sentiment", "--reports", "no/such/folder"], "no such folder"),
    ],
)
def test_serve_cli_refuses_what_it_cannot_serve(args, fragment, monkeypatch):
    from typer.testing import CliRunner

    from lmtask.cli import app
    from lmtask.tasks import builtin_detector

    args = [str(builtin_detector("code-language")) if a == "DETECTOR" else a for a in args]

    started = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(k))
    res = CliRunner().invoke(app, ["serve", *args])
    if fragment is None:  # a valid mix: an artifact and a description, served side by side
        assert res.exit_code == 0, res.output
        assert started and started[0]["host"] == "127.0.0.1"
        return
    assert res.exit_code != 0 and fragment in res.output
    assert not started


def test_serve_cli_names_two_folders_of_one_name_apart(tmp_path, monkeypatch):
    import shutil

    from typer.testing import CliRunner

    from lmtask.cli import app
    from lmtask.tasks import builtin_detector

    for parent in ("a", "b"):
        shutil.copytree(builtin_detector("code-language"), tmp_path / parent / "best")
    seen = []
    monkeypatch.setattr("uvicorn.run", lambda app_, **k: seen.append(app_))
    res = CliRunner().invoke(app, ["serve", str(tmp_path / "a" / "best"),
                                   str(tmp_path / "b" / "best")])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert [m.name for m in seen[0].state.models] == ["a-best", "b-best"]


def test_the_bearer_scheme_is_case_insensitive():
    c = client_for([ClassifierSpec(task="code-language")], api_key="s3cret")
    try:
        for head, code in (("bearer s3cret", 200), ("BEARER  s3cret", 200), ("Bearer s3", 401),
                           ("Basic s3cret", 401), ("s3cret", 401)):  # fmt: skip
            assert c.get("/info", headers={"Authorization": head}).status_code == code, head
    finally:
        c.__exit__(None, None, None)


def test_serve_on_a_taken_port_is_a_one_line_error(monkeypatch):
    import socket

    from typer.testing import CliRunner

    from lmtask.cli import app

    started = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(k))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = CliRunner().invoke(app, ["serve", "--task", "code-language", "--port", str(port)])
    assert res.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in res.output
    assert "serving" not in res.output and not started


def test_a_request_of_prose_to_the_code_detector_is_told_so(code_client):
    prose = "The committee met on Tuesday, and it agreed to publish the report by the end of May."
    r = code_client.post("/v1/classify", json={"input": [CODE["Go"], prose]}).json()
    assert r["data"][1]["label"] and any("1 of 2 text(s) read as prose" in w for w in r["warnings"])
    r = code_client.post("/v1/classify", json={"input": CODE["Go"]}).json()
    assert not r["warnings"]
