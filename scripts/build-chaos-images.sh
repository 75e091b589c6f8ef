#!/usr/bin/env bash
# build-chaos-images.sh: build the local Docker images of the chaos harness (issue 6); no registry
# is needed or used. `make chaos-images` runs it.
#
#   ward-chaos-base-trixie:<hash>  Debian 13 (trixie) made with debootstrap, with PostgreSQL 17,
#                                  Patroni 4.0 and etcd 3.5
#   ward-chaos-db:1                scripts/images/patroni on top: an etcd member or a PostgreSQL
#                                  node managed by Patroni (also tagged ward-chaos-db:1-<hash>)
#
# How the images are made and when they are rebuilt: scripts/lib/images.sh. smoke.sh, the
# hand-run check, is not part of the image.
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/lib/images.sh

# Packages on top of --variant=minbase. Patroni's etcd3 DCS talks to etcd's v3 gRPC-JSON gateway
# with urllib3; it needs python3-etcd (the v2 client library, for its exception classes), which
# Debian's patroni already depends on, and no python3-etcd3.
build_images chaos-images postgresql-17,postgresql-client-17,patroni,python3-etcd,etcd-server,etcd-client \
	ward-chaos-base-trixie ward-chaos-db 1 scripts/images/patroni smoke.sh
