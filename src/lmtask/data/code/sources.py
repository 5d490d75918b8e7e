"""The packages the corpus is built from: :class:`Source` and the ``SOURCES`` table.

>>> Source.parse("debian-src:haskell-split=0.2.3.5-1")
Source(registry='debian-src', name='haskell-split', version='0.2.3.5-1', languages=())
>>> Source.parse("npm:@tanstack/query-core@5.0.0").spec()
'npm:@tanstack/query-core@5.0.0'
>>> len(SOURCES) >= 300
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lmtask.data.code.languages import LANGUAGES
from lmtask.data.code.reserved import REGISTRIES
from lmtask.data.code.sources_added import ADDED_TABLE
from lmtask.errors import InputError


@dataclass(frozen=True)
class Source:
    """One package to take code from.

    ``registry``: ``pypi``, ``npm``, ``debian`` (a binary .deb) or ``debian-src`` (a Debian
    source package); ``version``: exact version, or None for the newest; ``languages``: the
    languages it is chosen for (it gets the full per-package quota in those, a small one in
    any other language found in it).
    """

    registry: str
    name: str
    version: str | None = None
    languages: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.registry not in REGISTRIES:
            raise InputError(
                f"unknown registry {self.registry!r} for {self.name!r}: use one of {REGISTRIES}"
            )
        for lang in self.languages:
            if lang not in LANGUAGES:
                raise InputError(
                    f"unknown language {lang!r} for package {self.name!r}; known: "
                    + ", ".join(LANGUAGES)
                )

    @property
    def key(self) -> str:
        """``registry:name``: a package's identity in caches and the manifest."""
        return f"{self.registry}:{self.name}"

    @property
    def provenance_registry(self) -> str:
        """The registry as written in each snippet: pypi, npm or debian."""
        return "debian" if self.registry.startswith("debian") else self.registry

    def spec(self) -> str:
        sep = {"pypi": "==", "npm": "@"}.get(self.registry, "=")
        return f"{self.registry}:{self.name}" + (f"{sep}{self.version}" if self.version else "")

    @classmethod
    def parse(cls, spec: str, languages: Sequence[str] = ()) -> Source:
        """``pypi:name==1.0``, ``npm:name@1.0`` (scoped names too), ``debian:name=1.0-1``,
        ``debian-src:name=1.0-1``; the version is optional."""
        reg, sep, rest = spec.partition(":")
        if not sep or reg not in REGISTRIES or not rest:
            raise InputError(
                f"bad package spec {spec!r}: write REGISTRY:NAME[version], REGISTRY one of "
                + ", ".join(REGISTRIES)
            )
        if reg == "pypi":
            name, _, version = rest.partition("==")
        elif reg == "npm":
            at = rest.rfind("@")
            name, version = (rest[:at], rest[at + 1 :]) if at > 0 else (rest, "")
        else:
            name, _, version = rest.partition("=")
        return cls(reg, name, version or None, tuple(languages))


# The package list: chosen for being rich in the languages named; versions are the ones the
# corpus in the README was built from (Debian bookworm; PyPI and npm newest at build time).
_SOURCES_TABLE = """
# spec (registry:name and exact version)          languages it is chosen for
pypi:requests==2.34.2                              Python
pypi:click==8.5.1                                  Python,Markdown
pypi:attrs==26.1.0                                 Python,Markdown
pypi:flask==3.1.3                                  Python,HTML
pypi:tqdm==4.70.1                                  Python
pypi:more-itertools==11.2.1                        Python
pypi:toolz==1.2.0                                  Python
pypi:marshmallow==4.4.0                            Python
pypi:regex==2026.11.19                             C,Python
pypi:connexion==3.3.0                              Python
pypi:cfn-lint==1.58.0                              YAML,Python
pypi:mkdocs-material==9.8.2                        YAML,Python
pypi:mkdocs==1.6.1                                 HTML,JavaScript,Markdown,YAML
pypi:sqlglot==30.30.0                              SQL,Python
pypi:sqlmesh==0.236.4                              SQL,YAML,TypeScript,CSS
pypi:dbt-core==1.12.6                              Python,Markdown
pypi:django==5.2.19                                HTML,CSS,JavaScript,Python
pypi:sphinx==9.0.4                                 HTML,Python
pypi:sphinx-rtd-theme==3.1.0                       HTML
pypi:django-allauth==65.22.1                       HTML,JavaScript
pypi:django-debug-toolbar==8.0.0                   HTML,JavaScript,CSS
pypi:pygments==2.21.0                              Scala
debian-src:lua5.4=5.4.4-3+deb12u1                  C,Makefile
debian-src:jq=1.6-2.1+deb12u2                      C,YAML
debian-src:musl=1.2.3-1                            C,Makefile
debian-src:tcc=0.9.27+git20200814.62c30a4a-1       C,Makefile
debian-src:zlib=1:1.2.13.dfsg-1                    C
debian-src:redis=5:7.0.15-1~deb12u10               C,Makefile,Shell
debian-src:gnu-efi=3.0.15-1                        C,Makefile
debian-src:libbpf=1.1.2-0+deb12u1                  C,Makefile
debian-src:fmtlib=9.1.0+ds1-2                      C++
debian-src:yaml-cpp=0.7.0+dfsg-8                   C++
debian-src:tinyxml2=9.0.0+dfsg-3.1                 C++
debian-src:pugixml=1.13-0.2                        C++
debian-src:re2=20220601+dfsg-1                     C++
debian-src:leveldb=1.23-4                          C++
debian-src:snappy=1.1.9-3                          C++
debian-src:googletest=1.12.1-0.2                   C++
debian-src:junit4=4.13.2-3                         Java
debian-src:jsoup=1.15.3-1                          Java
debian-src:commons-io=2.11.0-2                     Java
debian-src:guava-libraries=31.1-1                  Java
npm:cordova-android@15.1.0                         Java,JavaScript
npm:generator-jvm@1.18.99                          Java,Kotlin,Scala,YAML
debian-src:kotlinx-coroutines=1.0.1-2              Kotlin,Markdown
debian-src:kotlinx-atomicfu=0.11.12-2              Kotlin
debian-src:gradle-kotlin-dsl=0.13.2-5              Kotlin
debian-src:kotlin=1.3.31+ds1-1                     Kotlin
npm:expo-file-system@58.0.14                       Kotlin,Swift,TypeScript
npm:expo-image-picker@57.0.20                      Kotlin,Swift,TypeScript
npm:expo-location@57.0.20                          Kotlin,Swift,TypeScript
npm:expo-av@16.0.8                                 Kotlin,Swift,TypeScript,Java
npm:react-native-vision-camera@5.2.3               Kotlin,Swift,TypeScript
npm:@capacitor/camera@8.2.4                        Swift,Java,Kotlin
npm:@capacitor/filesystem@8.1.3                    Swift,Kotlin
npm:@capacitor/geolocation@8.2.2                   Swift,Kotlin
debian-src:jawn=0.11.1+really0.6.0-1               Scala
debian-src:json4s=3.5.1+really3.2.10-1             Scala
debian-src:pilon=1.24-2                            Scala
debian-src:newtonsoft-json=6.0.8+dfsg-1.1          C#
debian-src:nunit=2.6.4+dfsg-1.1                    C#
debian-src:dnlib=2.1-3                             C#
debian-src:keepass2=2.47+dfsg-2                    C#
debian-src:hyena=0.5-4.1                           C#
npm:com.neuecc.unirx@7.1.0                         C#
npm:com.crowdin.unity-plugin@0.12.0                C#
npm:com.github.asus4.onnxruntime@0.4.9             C#
debian-src:haskell-async=2.2.4-1                   Haskell
debian-src:haskell-split=0.2.3.5-1                 Haskell
debian-src:haskell-vector=0.12.3.1-1               Haskell
debian-src:haskell-optparse-applicative=0.16.1.0-1 Haskell
debian-src:haskell-attoparsec=0.14.4-2             Haskell
debian-src:haskell-unordered-containers=0.2.17.0-2 Haskell
debian-src:haskell-conduit=1.3.4.3-1               Haskell
debian-src:haskell-free=5.1.9-1                    Haskell
debian-src:haskell-tasty=1.4.2.3-1                 Haskell
debian-src:haskell-extra=1.7.12-1                  Haskell
debian-src:r-cran-stringr=1.5.0-1                  R
debian-src:r-cran-tidyr=1.3.0-1                    R
debian-src:r-cran-testthat=3.1.6-1                 R
debian-src:r-cran-purrr=1.0.1-1                    R
debian-src:r-cran-magrittr=2.0.3-1                 R
debian-src:r-cran-r6=2.5.1-1                       R
debian-src:r-cran-jsonlite=1.8.4+dfsg-1            R,C
debian-src:r-cran-reshape2=1.4.4-2                 R
debian:lua-busted=2.1.1-1                          Lua
debian:lua-luassert=1.9.0-1                        Lua
debian:lua-ldoc=1.4.6-2                            Lua
debian:lua-json=1.3.4-2                            Lua
debian:lua-dkjson=2.6-2                            Lua
debian:lua-argparse=0.7.1-2                        Lua
debian:lua-cliargs=3.0-2-5                         Lua
debian:lua-lgi=0.9.2-3                             Lua
debian:libtry-tiny-perl=0.31-2                     Perl
debian:libdatetime-perl=2:1.59-1                   Perl
debian:libtemplate-perl=2.27-1+b5                  Perl
debian:libmoo-perl=2.005005-1                      Perl
debian:libpath-tiny-perl=0.144-1                   Perl
debian:libwww-perl=6.68-1                          Perl
debian:libdbi-perl=1.643-4+deb12u3                 Perl
debian:libtext-csv-perl=2.02-2                     Perl
debian:libmoose-perl=2.2203-1                      Perl
debian:libplack-perl=1.0050-1                      Perl
debian:libdancer2-perl=0.400001+dfsg-1             Perl
debian:liburi-perl=5.17-1                          Perl
debian:ruby-thor=1.2.1-2                           Ruby
debian:ruby-i18n=1.10.0-2                          Ruby
debian:ruby-faker=2.21.0-1                         Ruby,YAML
debian:ruby-sinatra=3.0.5-3+deb12u1                Ruby
debian:ruby-mustermann=3.0.0-2                     Ruby
debian:ruby-rspec-core=3.12.0c0e1m1s0-1            Ruby
debian:ruby-addressable=2.8.1-1                    Ruby
debian:rubocop=1.39.0+dfsg-1                       Ruby,YAML
debian:php-guzzlehttp-psr7=2.4.5-1+deb12u1         PHP
debian:php-nikic-fast-route=1.3.0-4                PHP
debian:php-doctrine-dbal=3.6.1+dfsg-1              PHP
debian:php-phpseclib=2.0.42-1+deb12u5              PHP
debian:libphp-phpmailer=6.6.3-1                    PHP
debian:php-parsedown=1.7.4-1                       PHP
debian:php-email-validator=3.2.5-1                 PHP
debian:php-sabre-dav=1.8.12-10                     PHP
debian-src:phpmyadmin=4:5.2.1+dfsg-1+deb12u1       PHP,SQL,JavaScript
debian:golang-github-stretchr-testify-dev=1.8.1-1  Go
debian:golang-github-pkg-errors-dev=0.9.1-2        Go
debian:golang-github-google-uuid-dev=1.3.0-1       Go
debian:golang-github-burntsushi-toml-dev=1.2.0-2   Go
debian:golang-gopkg-yaml.v3-dev=3.0.1-3            Go
debian:golang-github-go-chi-chi-dev=5.0.7-1        Go
debian:golang-github-gin-gonic-gin-dev=1.8.1-1     Go
debian:golang-github-urfave-cli-dev=1.22.9-2       Go
debian:librust-rand-dev=0.8.5-1                    Rust
debian:librust-itertools-dev=0.10.3-1              Rust
debian:librust-anyhow-dev=1.0.69-1                 Rust
debian:librust-log-dev=0.4.17-3                    Rust
debian:librust-bitflags-dev=1.3.2-3                Rust
debian:librust-memchr-dev=2.5.0-1                  Rust
debian:librust-once-cell-dev=1.17.0-1              Rust
debian:librust-thiserror-dev=1.0.38-1              Rust
debian:bats=1.8.2-1                                Shell
debian:shunit2=2.1.8-3                             Shell
debian:initramfs-tools-core=0.142+deb12u3          Shell
debian:debootstrap=1.0.128+nmu2+deb12u2            Shell
debian:dehydrated=0.7.0-3                          Shell
debian:byobu=5.133-1.1                             Shell
debian:gnustep-make=2.9.1-2                        Makefile,Shell
debian:mk-configure=0.37.0-2                       Makefile
debian-src:pgpool2=4.3.5-1+deb12u1                 SQL,HTML,Shell
debian-src:pglogical=2.4.2-3                       SQL
npm:graphile-worker@0.17.3                         SQL
npm:codemirror@5.65.18                             JavaScript,CSS
npm:reveal.js@6.0.2                                HTML,CSS,JavaScript
npm:prismjs@1.30.0                                 CSS,JavaScript
npm:leaflet@1.9.4                                  CSS,JavaScript
npm:sanitize.css@13.0.0                            CSS
npm:tachyons@4.12.0                                CSS
npm:nprogress@0.2.0                                CSS,JavaScript
npm:font-awesome@4.7.0                             CSS
npm:hover.css@2.3.2                                CSS
npm:open-props@1.7.23                              CSS
npm:purecss@3.1.0                                  CSS
npm:balloon-css@1.2.0                              CSS
npm:semver@7.8.6                                   JavaScript
npm:commander@14.0.3                               JavaScript
npm:ws@8.23.0                                      JavaScript
npm:koa@3.3.0                                      JavaScript
npm:minimist@1.2.8                                 JavaScript
npm:moment@2.31.0                                  JavaScript
npm:yargs@18.2.0                                   JavaScript
npm:underscore@1.13.8                              JavaScript
npm:jquery@4.0.0                                   JavaScript
npm:@tanstack/react-query@5.108.4                  TypeScript
npm:@tanstack/table-core@9.3.1                     TypeScript
npm:effect@4.1.0                                   TypeScript
npm:@tanstack/query-core@5.108.4                   TypeScript
npm:@trpc/server@11.25.2                           TypeScript
npm:@trpc/client@11.25.2                           TypeScript
npm:@effect/platform@0.97.2                        TypeScript
npm:type-fest@5.10.0                               TypeScript
"""


def parse_table(table: str) -> tuple[Source, ...]:
    out = []
    for line in table.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            spec, *langs = line.split()
            out.append(Source.parse(spec, tuple(langs[0].split(",")) if langs else ()))
    return tuple(out)


# The first table, then the packages added in builder version 2 (sources_added.py).
SOURCES: tuple[Source, ...] = parse_table(_SOURCES_TABLE + ADDED_TABLE)
