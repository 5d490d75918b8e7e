"""Debian packages through apt-get with a private package index (deb and deb-src lines of
this machine's own archives): the system's apt state is never touched. Source packages are
checked against the SHA-256 sums of their ``.dsc``."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time
from pathlib import Path

from lmtask.atomic import write_atomic
from lmtask.data.code.command import run_command
from lmtask.data.code.sources import Source
from lmtask.errors import InputError


def _apt_sources_lines() -> list[str]:
    """The Debian archives this machine's apt uses, as deb and deb-src lines."""
    out: list[str] = []
    etc = Path("/etc/apt")
    files = [etc / "sources.list", *sorted((etc / "sources.list.d").glob("*.list"))]
    for f in files:
        if f.is_file():
            for line in f.read_text(errors="replace").splitlines():
                line = line.split("#", 1)[0].strip()
                if line.startswith("deb "):
                    out += [line, "deb-src " + line[4:]]
    for f in sorted((etc / "sources.list.d").glob("*.sources")):
        for block in re.split(r"\n\s*\n", f.read_text(errors="replace")):
            fields: dict[str, str] = {}
            for line in block.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                k, _, v = line.partition(":")
                fields[k.strip().lower()] = v.strip()
            if "deb" not in fields.get("types", "").split() or fields.get("enabled") == "no":
                continue
            opt = f" [signed-by={fields['signed-by']}]" if "signed-by" in fields else ""
            for uri in fields.get("uris", "").split():
                for suite in fields.get("suites", "").split():
                    tail = f"{opt} {uri} {suite} {fields.get('components', 'main')}"
                    out += ["deb" + tail, "deb-src" + tail]
    if not out:
        raise InputError("cannot fetch Debian packages: apt has no 'deb' sources configured")
    return out


def apt_get(work_dir: Path) -> list[str]:
    """``apt-get`` with a private package index under ``work_dir/apt`` (deb and deb-src of
    the machine's own archives), updated once: the system's apt state is not touched."""
    d = work_dir / "apt"
    lists = d / "lists"
    opts = [
        "-o", f"Dir::Etc::SourceList={d / 'sources.list'}",
        "-o", "Dir::Etc::SourceParts=/nonexistent",
        "-o", f"Dir::State::Lists={lists}",
        "-o", f"Dir::Cache={d / 'cache'}",
        "-o", "Debug::NoLocking=1",  # the private index needs no system lock
        "-q",
    ]  # fmt: skip
    if os.geteuid() == 0:  # download as root into these folders (not as the _apt user)
        opts[-1:-1] = ["-o", "APT::Sandbox::User=root"]
    if not (d / "updated").exists():
        (lists / "partial").mkdir(parents=True, exist_ok=True)
        (d / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
        write_atomic(d / "sources.list", "\n".join(_apt_sources_lines()) + "\n")
        run_command(["apt-get", *opts, "update"], "the Debian package index", timeout=900)
        write_atomic(d / "updated", time.strftime("%Y-%m-%dT%H:%M:%S") + "\n")
    return ["apt-get", *opts]


_TARBALL = re.compile(r"\.tar\.(gz|xz|bz2|lzma)$")


def verified_tarballs(dl: Path) -> list[Path]:
    """The tarballs of a downloaded Debian source package whose SHA-256 matches its .dsc."""
    dsc = next(iter(sorted(dl.glob("*.dsc"))), None)
    if dsc is None:
        return []
    sums = {}
    block = re.search(r"^Checksums-Sha256:\n((?: .*\n?)*)", dsc.read_text(errors="replace"), re.M)
    for line in (block.group(1) if block else "").splitlines():
        parts = line.split()
        if len(parts) == 3:
            sums[parts[2]] = parts[0]
    out = []
    for name, digest in sorted(sums.items()):
        p = dl / name
        if _TARBALL.search(name) and p.is_file():
            if hashlib.sha256(p.read_bytes()).hexdigest() == digest:
                out.append(p)
            else:
                p.unlink()
    # at least one upstream (or native) tarball: debian/ alone is no package
    return out if any(".debian.tar." not in p.name for p in out) else []


def fetch_debian_source(source: Source, work_dir: Path, dl: Path, what: str) -> None:
    """``apt-get source --download-only``; the archive may lack a file (the debian/ tarball,
    a security update), so what did arrive is kept, and without a pinned version older
    versions in the index are tried."""
    apt = apt_get(work_dir)
    versions = [source.version] if source.version else []
    if not versions:
        shown = subprocess.run(
            ["apt-cache", *apt[1:], "showsrc", source.name],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        found = re.findall(r"^Version:\s*(\S+)", shown.stdout, re.M)
        versions = list(dict.fromkeys(found)) or [""]
    error: InputError | None = None
    for v in versions:
        for p in dl.iterdir():
            p.unlink()
        pin = f"{source.name}={v}" if v else source.name
        try:
            run_command([*apt, "source", "--download-only", pin], what, cwd=dl)
            return
        except InputError as e:
            error = error or e
            if verified_tarballs(dl):
                return
    raise error or InputError(f"cannot fetch {what}: not in the Debian index")
