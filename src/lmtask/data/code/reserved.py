"""Packages reserved for independent evaluation (``shared/DATA.md``): never downloaded, never
read. Refused by name, by their Debian source package and by family prefix; the Python
standard library is never read.

>>> check_allowed("npm", "semver")
>>> check_allowed("debian", "libtry-tiny-perl")
>>> is_stdlib_path("usr/lib/python3.11/json/decoder.py")
True
>>> is_stdlib_path("usr/lib/python3/dist-packages/click/core.py")
False
"""

from __future__ import annotations

import re
import sys

from lmtask.errors import InputError

REGISTRIES = ("pypi", "npm", "debian", "debian-src")  # debian-src: a Debian source package


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


RESERVED_DEBIAN = _words(
    """ansible bash-completion binutils cdbs composer devscripts dpkg-dev ghc-doc git glibc
    golang-1.19-src golang-github-gorilla-mux-dev golang-github-sirupsen-logrus-dev
    golang-github-spf13-cobra-dev icinga2 libboost1.74-doc libcurl4-doc libmojolicious-perl
    libruby3.1 librust-clap-dev librust-regex-syntax-dev librust-serde-dev librust-syn-dev
    librust-tokio-dev lua-penlight luarocks neovim-runtime netplan.io nmap-common
    openjdk-17-source perl-modules-5.36 php-league-commonmark php-monolog php-symfony-console
    php-twig postgresql-15 python3.11-doc qtbase5-examples r-base-core r-cran-dplyr
    r-cran-ggplot2 roundcube ruby-activesupport ruby-rack haskell-aeson haskell-lens
    haskell-megaparsec haskell-quickcheck pandoc scala xmonad xmonad-contrib"""
)
# The Debian source packages those binaries come from (a sibling binary shares the code).
RESERVED_DEBIAN_SOURCES = _words(
    """ansible bash-completion binutils cdbs composer devscripts dpkg ghc git glibc golang-1.19
    golang-github-gorilla-mux golang-logrus golang-github-sirupsen-logrus
    golang-github-spf13-cobra icinga2 boost1.74 curl libmojolicious-perl ruby3.1 rust-clap
    rust-regex-syntax rust-serde rust-syn rust-tokio lua-penlight luarocks neovim netplan.io
    nmap openjdk-17 perl php-league-commonmark php-monolog symfony php-twig twig postgresql-15
    python3.11 qtbase-opensource-src r-base r-cran-dplyr r-cran-ggplot2 roundcube rails
    ruby-rack haskell-aeson haskell-lens haskell-megaparsec haskell-quickcheck pandoc scala
    xmonad xmonad-contrib python3-stdlib-extensions python3-defaults"""
)
# Families that are the reserved code under another binary name.
RESERVED_DEBIAN_PREFIXES = (
    "linux-headers-", "linux-source", "php-symfony-", "librust-serde-", "librust-tokio-",
    "librust-clap-", "librust-syn-", "libpython3.11", "python3.11", "libghc-aeson-",
    "libghc-lens-", "libghc-megaparsec-", "libghc-quickcheck-", "ghc-",
)  # fmt: skip
RESERVED_NPM = _words(
    """animate.css axios bootstrap bulma edge-js eslint expo-camera expo-modules-core
    expo-notifications express github-markdown-css highlight.js immer jquery-ui mobx
    normalize.css react-native-gesture-handler react-native-screens react-native-windows rxjs
    three webpack zod @reduxjs/toolkit @capacitor/android @fortawesome/fontawesome-free
    @capacitor/ios"""
)
RESERVED_PYPI = frozenset({"pythonnet"})
# Files of the Python standard library inside any tree (a Debian package, a vendored copy).
STDLIB_PATH = re.compile(r"(^|/)lib/python[23](\.\d+)?/(?!(site|dist)-packages/)")


def is_stdlib_path(rel: str) -> bool:
    """Whether a path inside a tree is a file of the Python standard library."""
    return bool(STDLIB_PATH.search("/" + rel))


def _pypi_norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_allowed(registry: str, name: str, debian_source: str | None = None) -> None:
    """Raise :class:`InputError` if ``name`` (or its Debian source package) is reserved.

    >>> check_allowed("debian", "libtry-tiny-perl")
    >>> check_allowed("debian", "php-symfony-yaml")
    Traceback (most recent call last):
    ...
    lmtask.errors.InputError: debian package 'php-symfony-yaml' is reserved for independent \
evaluation (shared/DATA.md): it is never used to build training data
    """
    reg = registry.lower()
    lname = name.lower()
    why = None
    if reg == "npm":
        why = lname in RESERVED_NPM
    elif reg == "pypi":
        stdlib = getattr(sys, "stdlib_module_names", frozenset())
        why = _pypi_norm(lname) in {_pypi_norm(n) for n in RESERVED_PYPI} or lname in stdlib
    elif reg in ("debian", "debian-src"):
        why = (
            lname in RESERVED_DEBIAN
            or lname in RESERVED_DEBIAN_SOURCES
            or lname.startswith(RESERVED_DEBIAN_PREFIXES)
            or (debian_source is not None and debian_source.lower() in RESERVED_DEBIAN_SOURCES)
        )
    else:
        raise InputError(f"unknown registry {registry!r} for {name!r}: use one of {REGISTRIES}")
    if why:
        other = debian_source and debian_source != name
        via = f" (Debian source {debian_source!r})" if other else ""
        raise InputError(
            f"{reg.replace('-src', '')} package {name!r}{via} is reserved for independent "
            "evaluation (shared/DATA.md): it is never used to build training data"
        )
