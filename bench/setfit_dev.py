"""Dev-only sweep of SetFit options at 16 labels per class (issue 10): how the defaults were chosen.

Same fixed split as ``bench/train_ladder.py`` and the same 16-per-class draws as
``bench/setfit_bench.py`` (``few(train, 16, seed)``); each run is scored on the 200 **dev**
rows only (the test rows are never read here). For every trained encoder, logistic heads with
C in {0.1, 1, 10, 100} are fitted on the same embeddings (free once the encoder is tuned);
``frozen`` skips the contrastive step. One JSON line per dataset/options/seed is appended to
``--out``. Besides SetFit's options, the JSON may hold ``end_to_end_lr`` (setfit's
``end_to_end``: the encoder trains with the differentiable head at that learning rate) and
``self_train`` (N: the N most confident pseudo-labelled texts per class of the 1,000 training
rows, labels hidden, join the 16 and SetFit trains again). With ``prior: "em"`` the 1,000
training rows' texts (labels hidden) are the unlabelled texts.

``--cache DIR`` also saves each trained encoder's embeddings of the labelled rows, the dev
rows and the 1,000 training texts; ``--heads`` then scores head and prior variants on them
without training (logistic C, setfit's differentiable head, EM priors raw / temperature-
calibrated, the true training-split prior as a ceiling, head self-training):

    HF_HUB_OFFLINE=1 .venv/bin/python bench/setfit_dev.py tweets it5_lr1e-4_cache '{}' \\
        --cache /tmp/sfc --out /tmp/sfc/dev.jsonl
    .venv/bin/python bench/setfit_dev.py tweets it5_lr1e-4_cache '{}' --cache /tmp/sfc --heads

    HF_HUB_OFFLINE=1 .venv/bin/python bench/setfit_dev.py tweets it5_lr1e-4 \\
        '{"num_iterations": 5, "lr": 1e-4}' --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from lmtask.methods import SetFit
from lmtask.methods.trained.priors import adjust, em_prior
from lmtask.tasks import resolve_task
from setfit_bench import PER_CLASS, few
from train_ladder import DATASETS, parts

OUT = Path(__file__).parent / "results" / "setfit_dev.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dataset", choices=list(DATASETS))
    ap.add_argument("name", help="a name for this row of options")
    ap.add_argument("options", help='setfit options as JSON; {"frozen": true}: no tuning')
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument(
        "--cache",
        default="",
        help="also save the embeddings (train, dev, "
        "the 1,000 unlabelled training texts) per seed in this folder, as .npz",
    )
    ap.add_argument(
        "--heads",
        action="store_true",
        help="no training: score head and prior "
        "variants on the embeddings saved in --cache by an earlier run of NAME",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.heads:
        return heads(args)
    opts = json.loads(args.options)
    frozen = bool(opts.pop("frozen", False))
    e2e_lr = opts.pop("end_to_end_lr", None)
    self_n = int(opts.pop("self_train", 0))
    if e2e_lr is not None:  # setfit's end_to_end: the body trains with the differentiable head
        import setfit

        args_class = setfit.TrainingArguments

        def e2e(**kw: Any) -> Any:
            kw["body_learning_rate"] = (kw["body_learning_rate"][0], e2e_lr)
            return args_class(**kw, end_to_end=True)

        setfit.TrainingArguments = e2e
    train, dev, test = parts(args.dataset, 1000, 200, 200)  # test: only embedded (--cache)
    for seed in args.seeds:
        rows = few(train, PER_CLASS, seed)
        t0 = time.perf_counter()
        clf = SetFit(seed=seed, **opts)
        if frozen:
            clf.task = resolve_task(None, sorted(set(rows.labels)))
            clf._build_body()
            clf.head, info = object(), {}
        else:
            unl = train.texts if opts.get("prior") == "em" else None  # labels hidden
            info = clf.fit(rows.texts, rows.labels, unlabelled=unl).info
        if self_n:  # self-training: the top self_n pseudo-labelled pool texts per class join
            pool = [x for x in train.texts if x not in set(rows.texts)]
            p = clf.probabilities(pool)
            extra_x, extra_y = [], []
            for j, lab in enumerate(clf.labels):
                mine = [i for i in range(len(pool)) if p[i].argmax() == j]
                for i in sorted(mine, key=lambda i: -p[i, j])[:self_n]:
                    extra_x.append(pool[i])
                    extra_y.append(lab)
            acc = np.mean([train.labels[train.texts.index(x)] == y
                           for x, y in zip(extra_x, extra_y, strict=True)])  # fmt: skip
            print("pseudo-label precision", round(float(acc), 3), flush=True)
            clf = SetFit(seed=seed, **opts)
            info = clf.fit(rows.texts + extra_x, rows.labels + extra_y).info
        train_s = time.perf_counter() - t0
        names = clf.labels
        x_train, x_dev = clf.embed(rows.texts), clf.embed(dev.texts)
        y_train = [names.index(y) for y in rows.labels]
        if args.cache:
            Path(args.cache).mkdir(parents=True, exist_ok=True)
            np.savez(Path(args.cache) / f"{args.dataset}_{args.name}_{seed}.npz",
                     x_train=x_train, y_train=np.array(y_train), x_dev=x_dev,
                     y_dev=np.array([names.index(y) for y in dev.labels]),
                     x_unl=clf.embed(train.texts), names=np.array(names),
                     x_test=clf.embed(test.texts),  # read only by a final, chosen head
                     y_test=np.array([names.index(y) for y in test.labels]))  # fmt: skip
        res = {}
        if not frozen:
            pred = [p.label for p in clf.predict(dev.texts)]
            res["model"] = (accuracy_score(dev.labels, pred),
                            f1_score(dev.labels, pred, average="macro"))  # fmt: skip
        for c in (0.1, 1.0, 10.0, 100.0):
            head = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(x_train, y_train)
            pred = [names[i] for i in head.predict(x_dev)]
            res[f"lr_C{c:g}"] = (accuracy_score(dev.labels, pred),
                                 f1_score(dev.labels, pred, average="macro"))  # fmt: skip
        rec = {"dataset": args.dataset, "name": args.name, "opts": json.loads(args.options),
               "seed": seed, "train_s": train_s, "pairs": info.get("pairs"),
               "steps": info.get("steps"), "res": res}  # fmt: skip
        with open(args.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(args.dataset, args.name, seed, f"{train_s:.0f}s",
              {k: round(v[0], 3) for k, v in res.items()}, flush=True)  # fmt: skip


def _diff_head(x: np.ndarray, y: np.ndarray, k: int, seed: int, epochs: int = 16) -> Any:
    """SetFit's differentiable head on frozen embeddings: a linear layer, cross-entropy, Adam
    (lr 1e-2, batch 16, as ``setfit``'s ``head_learning_rate`` and ``batch_size``)."""
    torch.manual_seed(seed)
    lin = torch.nn.Linear(x.shape[1], k)
    opt = torch.optim.AdamW(lin.parameters(), lr=1e-2, weight_decay=0.01)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for b in torch.randperm(len(x), generator=g).split(16):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(lin(xt[b]), yt[b]).backward()
            opt.step()
    return lambda z: torch.softmax(lin(torch.from_numpy(z)), -1).detach().numpy()


def _temperature(xt: np.ndarray, yt: np.ndarray, c: float, seed: int) -> float:
    """Temperature of the logistic head fitted on out-of-fold log-probabilities (4 folds)."""
    from scipy.optimize import minimize_scalar
    from sklearn.model_selection import StratifiedKFold

    logp = np.zeros((len(yt), int(yt.max()) + 1))
    for a, b in StratifiedKFold(4, shuffle=True, random_state=seed).split(xt, yt):
        lr = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(xt[a], yt[a])
        logp[b] = lr.predict_log_proba(xt[b])

    def nll(log_t: float) -> float:
        z = logp / np.exp(log_t)
        z = (
            z
            - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
            - z.max(1, keepdims=True)
        )
        return float(-z[np.arange(len(yt)), yt].mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-4, 3), method="bounded").x))


def _scale(p: np.ndarray, temp: float) -> np.ndarray:
    z = np.log(np.clip(p, 1e-12, 1)) / temp
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def sd(a: np.ndarray) -> float:
    return float(a.std(ddof=1)) if len(a) > 1 else 0.0


def heads(args: argparse.Namespace) -> None:
    """Head and prior variants on cached embeddings: dev accuracy per seed."""
    rows: dict[str, list[tuple[float, float]]] = {}
    train_labels = parts(args.dataset, 1000, 200, 200)[0].labels  # diagnostic "oracle" only
    for seed in args.seeds:
        z = np.load(Path(args.cache) / f"{args.dataset}_{args.name}_{seed}.npz")
        xt, yt, xd, yd, xu = z["x_train"], z["y_train"], z["x_dev"], z["y_dev"], z["x_unl"]
        k = len(z["names"])
        names = list(z["names"])
        true = np.bincount([names.index(y) for y in train_labels], minlength=k) / len(train_labels)
        t = np.bincount(yt, minlength=k) / len(yt)
        probas: dict[str, Any] = {}
        for c in (0.1, 1.0, 10.0, 100.0):
            lr = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(xt, yt)
            probas[f"lr_C{c:g}"] = lr.predict_proba
        probas["diff16"] = _diff_head(xt, yt, k, seed)
        probas["diff64"] = _diff_head(xt, yt, k, seed, 64)
        for head, f in probas.items():
            pd, pu = f(xd), f(xu)
            variants = {
                "none": pd,
                "em": adjust(pd, t, em_prior(pu, t)),
                "mean": adjust(pd, t, pu.mean(0)),
                "oracle": adjust(pd, t, true),
            }
            if head.startswith("lr_"):
                temp = _temperature(xt, yt, float(head[4:]), seed)
                em_t = em_prior(_scale(pu, temp), t)
                pdt = _scale(pd, temp)
                variants["T"] = pdt
                variants["em_T"] = adjust(pdt, t, em_t)
                variants["oracle_T"] = adjust(pdt, t, true)
                variants["emT_raw"] = adjust(pd, t, em_t)
                put = adjust(_scale(pu, temp), t, em_t)
                for frac in (0.5, 1.0):
                    conf = put.max(1)
                    keep = conf >= np.quantile(conf, 1 - frac)
                    lr2 = LogisticRegression(C=float(head[4:]), max_iter=2000, random_state=seed)
                    lr2.fit(np.vstack([xt, xu[keep]]), np.concatenate([yt, put[keep].argmax(1)]))
                    variants[f"self{frac:g}"] = lr2.predict_proba(xd)
                if head == "lr_C1":
                    print(seed, "T", round(temp, 3), "em_T", em_t.round(3), "true", true.round(3))
            for v, p in variants.items():
                pred = p.argmax(1)
                rows.setdefault(f"{head}|{v}", []).append(
                    (accuracy_score(yd, pred), f1_score(yd, pred, average="macro"))
                )
            if head == "lr_C1":
                print(seed, "em prior", em_prior(pu, t).round(3), "mean", pu.mean(0).round(3))
    for key, v in rows.items():
        a, f = np.array(v).T
        print(
            f"{args.dataset} {key:16s} acc {a.mean():.3f} ± {sd(a):.3f}"
            f"  F1 {f.mean():.3f}  per seed {a.round(3).tolist()}"
        )
    with open(args.out, "a") as fh:
        fh.write(
            json.dumps(
                {"dataset": args.dataset, "name": args.name, "heads": rows, "seeds": args.seeds}
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
