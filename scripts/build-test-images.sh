#!/usr/bin/env bash
# build-test-images.sh: build the local Docker images that the tests start (no registry is needed
# or used). `make images` runs it, and so does `make unit-test`.
#
#   ward-base-trixie:<hash>       Debian 13 (trixie) made with debootstrap, with PostgreSQL 17
#   ward-test-postgres:17         scripts/images/postgres on top: a primary or a hot standby
#                                 (also tagged ward-test-postgres:17-<hash>)
#
# How the images are made and when they are rebuilt: scripts/lib/images.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/lib/images.sh

# Packages on top of --variant=minbase. ca-certificates, locales and the like are left out: the
# image talks to nothing but its clients and its primary, in the C.UTF-8 locale built into glibc.
build_images test-images postgresql-17,postgresql-client-17 ward-base-trixie ward-test-postgres 17 scripts/images/postgres
