"""The training-only package pool (:mod:`lmtask.data.code.pool`): packages that add to the
training side of the corpus and are never on dev or test.

Chosen by language: several new packages for each of the 25 languages, real hand-written code
(sources, docs, configs), diverse projects. None is in the corpus table or on the reserved
list (both checked when the pool is built), and no two come from the same upstream project.
Each line: the exact version (Debian bookworm, PyPI/npm versions current when the pool was
built) and the languages the package has at least 15 snippets of (its full per-package quota;
others get the small one). Scala is nearly absent: of the Debian sources with Scala code,
only latexdraw's tarball could be fetched.

>>> len(POOL_SOURCES) >= 300 and all(s.languages for s in POOL_SOURCES)
True
"""

# ruff: noqa: E501  (the table's lines list every language a package is taken for)
from __future__ import annotations

from lmtask.data.code.sources import parse_table

POOL_TABLE = """
# -- group A: C, C++, C#, Go, Haskell, Lua, Makefile, Perl, Rust, Scala, Shell ------------------
# Scala
debian-src:latexdraw=3.3.8+ds1-2                              Java,Scala
# C++
debian-src:abseil=20220623.1-1+deb12u2                        C++,Shell
debian-src:rapidjson=1.1.0+dfsg2-7.1                          C++,Markdown
debian-src:pybind11=2.10.3-1                                  C++,Python
debian-src:eigen3=3.4.0-4                                     C,C++,Shell
debian-src:ninja-build=1.11.1-2~deb12u1                       C++
debian-src:cppcheck=2.10-2                                    C,C++,Python,TypeScript,Shell,Markdown
debian-src:mosh=1.4.0-1                                       C++,Shell
debian-src:aria2=1.36.0-1                                     C++,C,Shell
debian-src:libpqxx=6.4.5-2                                    C++,Shell
debian-src:capnproto=0.9.2-2                                  C++,Shell
debian-src:ledger=3.3.0-3                                     C++,Python,Shell
debian-src:openscad=2021.01-6                                 C++,Shell,C,Python,Markdown
# C++ and C#, multi-language
debian-src:godot=3.2.3-stable-1                               C#,C++,Java,Python
debian-src:protobuf=3.21.12-3+deb12u1                         C,C#,C++,Java,PHP,Python,Ruby,Shell,Markdown,Kotlin
debian-src:flatbuffers=2.0.8+dfsg1-2                          C#,C++,Kotlin,Markdown,Python,Rust,Swift,Java,Shell,TypeScript,Go,PHP,Lua
debian-src:thrift=0.17.0-2                                    C,C#,C++,Go,Java,JavaScript,Markdown,PHP,Perl,Python,Ruby,Rust,Swift,Shell,Lua
debian-src:zeroc-ice=3.7.8-2.1                                C#,C++,Java,JavaScript,Makefile,PHP,Python,Ruby,Swift,TypeScript,Markdown
debian-src:z3=4.8.12-3.1                                      C#,C++,Java,Python,Shell,HTML
debian-src:gdcm=3.0.21-1                                      C,C#,C++,Python,Java
debian-src:gdal=3.6.2+dfsg-1                                  C,C++,Java,Python,Shell,C#
# Makefile (and C)
debian-src:bmake=20200710-15                                  C,Makefile
debian-src:arm-trusted-firmware=2.8.0+dfsg-1                  C,Makefile
debian-src:syslinux=3:6.04~git20190206.bf6db5b4+dfsg1-3       C,Makefile,Perl
debian-src:u-boot=2023.01+dfsg-2+deb12u3                      C,Makefile,Python,Shell,Perl,YAML
debian-src:netpbm-free=2:11.01.00-2                           C,Makefile,Shell,Perl
debian-src:dietlibc=0.34~cvs20160606-14                       C,Makefile
debian-src:iproute2=6.1.0-3                                   C,Makefile
debian-src:wpa=2:2.10-12+deb12u3                              C,Makefile,Python,C++,Shell,PHP
debian-src:cc65=2.19-1                                        C,Makefile
debian-src:mbedtls=2.28.3-1                                   C,Python,Shell,Markdown,Makefile,Perl
debian-src:xen=4.17.5+72-g01140da4e8-1                        C,Makefile,Python,Shell,Perl,Markdown
debian-src:edk2=2022.11-6+deb12u2                             C,C++,Makefile,Perl,Python,Shell,Markdown
debian-src:poco=1.11.0-3+deb12u1                              C,C++,Makefile
debian-src:nagios-plugins-contrib=42.20230308+deb12u1         C,Perl,Shell,Makefile,Python
# Lua
debian-src:lua-ljsyscall=0.12-1.1                             Lua
debian-src:lua-cqueues=20200726-1                             C,Lua
debian-src:lua-moses=2.1.0-1                                  Lua
debian-src:lua-unit=3.4-2                                     Lua
debian-src:luasocket=3.1.0-1                                  C,Lua,HTML
debian-src:lsyncd=2.2.3-1                                     Lua
debian-src:vis=0.8-1                                          C,Lua
debian-src:wordgrinder=0.8-1                                  Lua,C
debian-src:pax-britannica=1.0.0-5                             Lua
debian-src:crawl=2:0.28.0-1.1                                 C++,JavaScript,Lua,Perl,Python,YAML,Markdown
debian-src:grafx2=2.8+ds-3                                    C,Lua
debian-src:golly=3.3-1.1                                      C,C++,HTML,Lua,Python,Java
debian:lua-check=1.1.0-1                                      Lua
debian:minetest-data=5.6.1+dfsg+~1.9.0mt8+dfsg-2              Lua
debian:lua-orbit=2.2.1+dfsg-2                                 Lua
# Perl
debian:libimage-exiftool-perl=12.57+dfsg-1                    HTML,Perl
debian:libpdf-builder-perl=3.025-1                            Perl
debian:libdate-manip-perl=6.91-1                              Perl
debian:libbio-perl-perl=1.7.8-1                               Perl
debian:libperl-critic-perl=1.148-1                            Perl
debian:libdbix-class-perl=0.082843-1                          Perl
debian:libpoe-perl=2:1.3700-1                                 Perl
debian:libmail-box-perl=3.009-1                               Perl
debian:libtype-tiny-perl=2.002001-1                           Perl
debian:libcatalyst-perl=5.90130-1                             Perl
debian:libanyevent-perl=7.170-2+b3                            Perl
debian:spamassassin=4.0.1-1~deb12u1                           Perl
debian:po4a=0.69-1                                            Perl
debian:biber=2.18-1                                           Perl
debian:percona-toolkit=3.2.1-1                                Perl,Shell
# Rust
debian:librust-cargo-dev=0.66.0-1                             Markdown,Rust
debian:librust-sequoia-openpgp-dev=1.12.0-2                   Rust
debian:librust-petgraph-dev=0.6.2-1                           Rust
debian:librust-gimli-dev=0.27.0-1                             Rust
debian:librust-rustls-dev=0.20.8-4                            Rust
debian:librust-nix-dev=0.26.1-3                               Rust
debian:librust-pest-dev=2.5.2-1                               Rust
debian:librust-image-dev=0.24.3-1                             Rust
debian:librust-hyper-dev=0.14.19-1                            Rust
debian:librust-proptest-dev=1.0.0-1                           Rust
debian:librust-lalrpop-dev=0.19.8-4+b2                        Rust
debian:librust-rav1e-dev=0.5.1-6                              Rust
debian:librust-tui-dev=0.19.0-1                               Rust
debian:librust-async-std-dev=1.12.0-12                        Rust,Markdown
# C#
debian-src:dbus-sharp=0.8.1-2.1                               C#
debian-src:opentk=1.1.4c+dfsg-2.1                             C#
debian-src:repetier-host=0.85+dfsg-2.1                        C#
npm:com.taptap.sdk.login@4.10.9                               C#
npm:io.justtrack.justtrack-unity-sdk@8.0.0                    C#
npm:com.caffeine@1.1.11                                       C#
# Shell
debian-src:dracut=059-4                                       Shell,C
debian-src:fai=6.0.3+deb12u1                                  Perl,Shell
debian-src:libtool=2.4.7-7~deb12u1                            Shell,C
debian-src:cloud-utils=0.33-1                                 Shell
debian-src:bash=5.2.15-2                                      C,Shell
debian-src:rbenv=1.1.2-1                                      Shell
debian-src:password-store=1.7.4-6                             Shell
debian:git-extras=6.5.0-1                                     Shell
debian:distrobox=1.4.2.1-1                                    Shell
debian:xdg-utils=1.1.3-4.1                                    Shell
debian:resource-agents=1:4.12.0-2                             Shell,Python
debian:live-build=1:20230502                                  Shell
debian:tlp=1.5.0-2                                            Shell
debian:etckeeper=1.18.20-1                                    Shell
# Haskell
debian-src:doctest=0.18.2-1                                   Haskell
debian-src:haskell-hakyll=4.15.1.1-1                          Haskell
debian-src:haskell-hledger-lib=1.25-1                         Haskell
debian-src:haskell-cabal-install=3.4.1.0-3                    Haskell
debian-src:hlint=3.3.6-1                                      Haskell
debian-src:haskell-persistent=2.13.3.5-2                      Haskell
debian-src:haskell-criterion=1.5.13.0-2                       Haskell
debian-src:haskell-diagrams-lib=1.4.5.1-1                     Haskell
debian-src:haskell-tls=1.5.8-1                                Haskell
debian-src:haskell-brick=0.68.1-1                             Haskell
debian-src:haskell-tidal=1.7.10-1                             Haskell
debian-src:haskell-hxt=9.3.1.22-1                             Haskell
# Go
debian:golang-github-spf13-afero-dev=1.9.3-1                  Go
debian:golang-github-miekg-dns-dev=1.1.50-2                   Go
debian:golang-github-klauspost-compress-dev=1.15.12+ds1-3     Go
debian:golang-github-minio-minio-go-dev=6.0.53-1              Go
debian:golang-github-rivo-tview-dev=0.0~git20221029.c4a7e50-1 Go
debian:golang-github-hashicorp-raft-dev=1.1.2-1               Go
debian:golang-github-lib-pq-dev=1.10.7-2                      Go
debian:golang-github-valyala-fasthttp-dev=1:1.31.0-4          Go
debian:golang-github-yuin-goldmark-dev=1.5.4-1                Go
debian:golang-github-go-git-go-git-dev=5.4.2-3                Go
debian:golang-github-lucas-clemente-quic-go-dev=0.29.0-1      Go
debian:golang-github-dgraph-io-badger-dev=2.2007.2-3          Go
# -- group B: the other languages ------------------------------------------------------------
# Group B candidates (TRAINING-ONLY), all accepted by /tmp/pool/check.py (records in /tmp/pool/B.jso
# Languages listed: >=15 snippets, except where the snippets are built/vendored output and were left
#   JavaScript of django-oscar, flask-appbuilder, docsify, swiper, flatpickr, django-grappelli, word
#   r-cran-shiny, logback, @kingstinct/react-native-healthkit; HTML of ruby-haml (yardoc) and govuk-
# TypeScript: packages that ship their hand-written .ts sources (src/)
npm:mongodb@7.9.0                                             TypeScript
npm:ethers@6.17.0                                             TypeScript
npm:@noble/hashes@2.4.0                                       TypeScript
npm:ajv@8.20.0                                                TypeScript
npm:puppeteer-core@24.43.1                                    TypeScript
npm:hls.js@1.7.4                                              TypeScript
npm:@microsoft/signalr@10.0.11                                TypeScript
npm:workbox-core@7.4.1                                        TypeScript
npm:@lumino/widgets@2.10.0                                    TypeScript
npm:web-vitals@6.2.3                                          TypeScript
npm:@azure/msal-browser@5.30.0                                TypeScript
npm:@tldraw/editor@5.1.1                                      TypeScript
npm:@xterm/xterm@6.0.0                                        TypeScript
npm:@types/node@26.6.6                                        TypeScript
# JavaScript: hand-written CommonJS/ESM sources (lib/, src/)
npm:svelte@5.57.3                                             JavaScript
npm:undici@7.30.2                                             JavaScript,Markdown
npm:fastify@5.12.8                                            JavaScript,TypeScript,Markdown
npm:mongoose@9.12.1                                           JavaScript
npm:knex@3.3.0                                                JavaScript
npm:terser@5.51.4                                             JavaScript
npm:luxon@3.7.2                                               JavaScript
npm:protobufjs@8.8.1                                          JavaScript
npm:handlebars@4.7.10                                         JavaScript
npm:jshint@2.13.6                                             JavaScript
npm:node-forge@1.4.3                                          JavaScript
npm:@hapi/hapi@21.4.10                                        JavaScript
npm:exceljs@4.4.0                                             JavaScript
npm:yjs@13.6.33                                               JavaScript
npm:cytoscape@3.35.0                                          JavaScript
npm:markdownlint@0.40.0                                       JavaScript,Markdown
npm:nunjucks@3.2.4                                            JavaScript
npm:dojo@1.17.3                                               JavaScript,HTML
npm:mocha@12.0.3                                              JavaScript
npm:stylelint@17.16.0                                         JavaScript
npm:preact@11.2.0                                             JavaScript
# YAML: model/dataset configs, ansible-like roles and playbooks, CI (Zuul) configs, OpenAPI specs, k
pypi:ultralytics==8.4.190                                     Python,YAML
pypi:kolla-ansible==22.2.0                                    Python,Shell,YAML
pypi:zuul==14.3.0                                             Python,JavaScript,Shell,YAML
pypi:check-jsonschema==0.39.0                                 Python,YAML
pypi:datamodel-code-generator==0.89.0                         Python,YAML,Markdown
pypi:pykwalify==1.8.0                                         Python,YAML
pypi:prance==26.7.19.0                                        Python,YAML
pypi:openapi-core==0.23.1                                     Python,YAML
pypi:kapitan==0.36.3                                          Python,Shell,YAML,Markdown
pypi:molecule==26.10.0                                        Python,YAML,Markdown
pypi:octodns==1.22.0                                          Python,YAML
pypi:ansible-lint==26.10.1                                    Python,YAML,Markdown
pypi:yamale==6.1.0                                            Python,YAML
pypi:dagster==1.13.29                                         Python,YAML
pypi:great-expectations==1.24.1                               Python,YAML,Markdown
# Markdown: docs folders
pypi:black==26.10.1                                           Python,Markdown
pypi:hatch==1.18.2                                            Python,Markdown
pypi:pymdown-extensions==13.1.2                               Python,HTML,Markdown
pypi:markdown==3.11.3                                         Python,HTML,Markdown
pypi:schemathesis==4.32.5                                     Python,Markdown
pypi:griffe==2.4.1                                            Markdown
pypi:starlette==1.10.0                                        Python,Markdown
pypi:markdown-it-py==4.3.0                                    Python,Markdown
pypi:html2text==2025.4.15                                     HTML,Markdown
pypi:sphinx-book-theme==1.4.0                                 Python,HTML,Markdown
npm:foundation-sites@6.9.0                                    JavaScript,HTML,Markdown
npm:govuk-frontend@6.6.0                                      Markdown
# HTML: templates and hand-written pages
pypi:wagtail==8.0.1                                           Python,HTML
pypi:django-oscar==4.2.1                                      Python,HTML
pypi:djangorestframework==3.18.3                              Python,HTML
pypi:flask-appbuilder==5.3.0                                  Python,HTML
pypi:pelican==4.12.0                                          Python,HTML,Markdown
pypi:pydata-sphinx-theme==0.24.0                              Python,HTML,Markdown
pypi:postorius==1.3.13                                        Python,HTML
pypi:inscriptis==2.7.6                                        Python,HTML
pypi:django-jazzmin==3.0.5                                    HTML
npm:uikit@3.25.29                                             JavaScript,HTML,CSS
npm:@uswds/uswds@3.14.0                                       JavaScript,HTML
# CSS
npm:@patternfly/patternfly@6.6.1                              CSS,Markdown
npm:@picocss/pico@2.1.1                                       CSS
npm:semantic-ui-css@2.5.0                                     JavaScript,CSS
npm:turretcss@5.2.2                                           CSS,Markdown
npm:docsify@5.0.0                                             CSS
npm:swiper@14.4.0                                             CSS
npm:flatpickr@4.6.13                                          CSS
npm:spectre.css@0.5.9                                         HTML,CSS
npm:@vaadin/vaadin-lumo-styles@25.3.0                         CSS
pypi:django-grappelli==5.0.1                                  Python,HTML,CSS
pypi:django-admin-interface==0.32.0                           Python,JavaScript,CSS
debian:wordpress=6.1.9+dfsg1-0+deb12u1                        PHP,CSS
# PHP
debian-src:php-codesniffer=3.7.1-2                            PHP
debian-src:php-dompdf=2.0.3+dfsg-1+deb12u1                    PHP
debian-src:php-horde-imap-client=2.30.6-3                     PHP
debian-src:php-easyrdf=1.0.0-3                                PHP
debian-src:php-masterminds-html5=2.7.6+dfsg-1                 PHP
debian-src:php-net-dns2=1.5.0-1                               PHP
debian-src:libphp-swiftmailer=6.3.0-3                         PHP
debian:php-mockery=1.5.1-2                                    PHP
debian:php-json-schema=5.2.12-2                               PHP
debian:php-pear=1:1.10.13+submodules+notgz+2022032202-2       PHP
debian:php-phpspec-prophecy=1.17.0-1                          PHP
debian:php-amqplib=3.5.3-1                                    PHP
debian:libphp-adodb=5.21.4-1+deb12u2                          PHP
debian:php-zend-code=4.8.0-1+deb12u1                          PHP
debian:php-nette-utils=4.0.0-1                                PHP
debian:php-brick-math=0.10.0-1                                PHP
# SQL
debian-src:postgis=3.3.2+dfsg-1                               C,Shell,Perl,SQL,Makefile
debian-src:mimeo=1.5.1-14                                     SQL
debian-src:repmgr=5.3.3-2                                     C,SQL
debian-src:freeradius=3.2.1+dfsg-4+deb12u1                    Python,C,Shell,Perl,SQL,Makefile
debian-src:kamailio=5.6.3-2                                   Python,C,C++,Shell,Perl,SQL,Makefile,Markdown
debian-src:pdns=4.7.3-2                                       C++,Shell,SQL
debian:postgresql-15-pgl-ddl-deploy=2.1.0-3+b1                SQL
debian:postgresql-15-periods=1.2.2-1+b1                       SQL
debian:postgresql-15-powa=4.1.4-2+b1                          SQL
debian:postgresql-15-q3c=2.0.0-7+b1                           SQL
debian:postgresql-15-auto-failover=2.0-2+b1                   SQL
pypi:sqllineage==1.5.9                                        Python,JavaScript,SQL
debian-src:apgdiff=2.7.0-1                                    Java,SQL
# R
debian-src:r-cran-shiny=1.7.4+dfsg-2+deb12u1                  R
debian-src:r-cran-foreach=1.5.2-1                             R
debian-src:r-cran-scales=1.2.1-1                              R
debian-src:r-cran-mass=7.3-58.2-1                             R
debian-src:r-cran-usethis=2.1.6-1                             R,Markdown
debian-src:r-cran-callr=3.7.3-2                               R
debian-src:r-cran-xtable=1:1.8-4-2                            R
debian-src:r-cran-vim=6.2.2+dfsg-1                            R
debian-src:r-cran-zelig=5.1.7-3                               R
debian-src:r-cran-shinystan=2.6.0-1                           R
debian-src:r-cran-lmertest=3.1-3-2                            R
debian-src:r-cran-tinytest=1.4.1-1                            R
debian-src:r-cran-colorspace=2.1-0+dfsg-1                     R
debian-src:r-cran-bbmisc=1.13-1                               R
debian-src:r-cran-rsqlite=2.2.20-1                            C++,R
# Java (h2database, hsqldb, derby, libspring-java: also SQL; logback, javassist: also HTML)
debian-src:mockito=2.23.0-2                                   Java
debian-src:httpcomponents-client=4.5.14-1                     Java
debian-src:jflex=1.7.0-3                                      Java
debian-src:javassist=1:3.27.0-1                               Java,HTML
debian-src:zxing=3.4.1+ds-1                                   Java
debian-src:apache-log4j2=2.19.0-2                             Java,YAML,Markdown
debian-src:logback=1:1.2.11-3                                 Java,SQL,HTML
debian-src:netty=1:4.1.48-7+deb12u2                           C,Java
debian-src:commons-math3=3.6.1-3                              Java
debian-src:commons-csv=1.9.0-1                                Java
debian-src:disruptor=3.4.4-1                                  Java
debian-src:jaxb=2.3.0.1-10.1                                  Java,HTML
debian-src:bouncycastle=1.72-2                                Java,Shell,HTML
debian-src:h2database=2.1.214-1                               Java,SQL,HTML
debian-src:hsqldb=2.7.1-1+deb12u1                             Java,SQL,HTML
debian-src:derby=10.14.2.0-2                                  Java,Shell,SQL,HTML
debian-src:libspring-java=4.3.30-2                            Java,SQL,HTML
# Kotlin and Swift: React Native and Capacitor modules (android/ and ios/ sources)
npm:react-native-keyboard-controller@1.22.5                   C++,TypeScript,Kotlin,Swift
npm:react-native-track-player@4.1.2                           TypeScript,Kotlin,Swift
npm:react-native-health-connect@4.1.3                         TypeScript,Kotlin
npm:@datadog/mobile-react-native@3.8.0                        TypeScript,Kotlin,Swift
npm:react-native-compressor@1.16.0                            Kotlin,Swift
npm:react-native-turbo-image@1.24.3                           Kotlin
npm:rive-react-native@9.8.5                                   Kotlin,Swift
npm:react-native-keychain@10.0.0                              Kotlin
npm:@adyen/react-native@2.12.0                                TypeScript,Kotlin,Swift
npm:react-native-safe-area-context@5.11.1                     C++,Kotlin
npm:react-native-webview@16.0.0                               C++,TypeScript,Kotlin
npm:@capacitor-community/admob@7.2.0                          Kotlin,Swift
npm:@kingstinct/react-native-healthkit@16.0.0                 TypeScript,Swift
npm:react-native-bottom-tabs@1.4.0                            Swift
npm:react-native-ios-context-menu@3.2.1                       TypeScript,Swift
npm:@capacitor-firebase/authentication@8.5.2                  Java,Swift
npm:@capgo/capacitor-updater@8.51.23                          Java,Swift
npm:@capgo/capacitor-social-login@8.5.10                      Java,Swift
npm:@capgo/native-audio@8.4.2                                 Java,Swift
# Ruby
debian:ruby-rouge=3.30.0-2                                    Ruby
debian:ruby-haml=6.1.1-1+b1                                   Ruby
debian:ruby-liquid=5.4.0-3                                    Ruby
debian:rake=13.0.6-3                                          Ruby
debian:ruby-net-ssh=1:7.0.1-1                                 Ruby
debian:ruby-faraday=1.1.0-7                                   Ruby
debian:ruby-webmock=3.18.1-2                                  Ruby
debian:ruby-factory-bot=6.2.1-1                               Ruby
debian:ruby-capybara=3.36.0+ds-2                              Ruby
debian:yard=0.9.28-2+deb12u2                                  Ruby,Markdown
debian:vagrant=2.3.4+dfsg-1+deb12u1                           Ruby
debian:puppet-agent=7.23.0-1+deb12u1                          Ruby
debian:ruby-graphql=1.13.15-1                                 Ruby
debian:ruby-prawn=2.4.0+dfsg-1~                               Ruby
debian:ruby-dry-types=1.2.2-2                                 Ruby
debian:ruby-grape=1.6.2-3                                     Ruby
debian:puma=5.6.5-3+deb12u2                                   Ruby
"""

POOL_SOURCES = parse_table(POOL_TABLE)
