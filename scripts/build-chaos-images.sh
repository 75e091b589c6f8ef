#!/usr/bin/env bash
# build-chaos-images.sh: build the local Docker images of the chaos harness (issue 6); no registry
# is needed or used. `make chaos-images` runs it.
#
#   ward-chaos-base-trixie:<hash>  Debian 13 (trixie) made with debootstrap, with PostgreSQL 17,
#                                  Patroni 4.0 and etcd 3.5
#   ward-chaos-db:1                scripts/images/patroni on top: an etcd member or a PostgreSQL
#                                  node managed by Patroni (also tagged ward-chaos-db:1-<hash>)
#   ward-chaos-toxiproxy:2.5.0     Toxiproxy's server (static, FROM scratch): the links between
#                                  regions, where latency and partitions are injected
#   ward-chaos-ward:dev            the working tree's ward (static, FROM scratch): a ward node
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

# The link between regions: Toxiproxy's server, built from its module (the Go module proxy, not
# a container registry) into a static binary.
toxiproxy_version=v2.5.0
bindir=bin/chaos
mkdir -p "$bindir"
if [[ ! -x $bindir/toxiproxy-$toxiproxy_version ]]; then
	echo "build-chaos-images: building toxiproxy-server $toxiproxy_version"
	tmp=$(mktemp -d)
	GOBIN=$tmp CGO_ENABLED=0 GOFLAGS= ${GO:-go} install -trimpath -ldflags=-s \
		"github.com/Shopify/toxiproxy/v2/cmd/server@$toxiproxy_version"
	mv "$tmp/server" "$bindir/toxiproxy-$toxiproxy_version"
	rmdir "$tmp"
fi
cp "$bindir/toxiproxy-$toxiproxy_version" "$bindir/toxiproxy-server"
build_static_image chaos-toxiproxy ward-chaos-toxiproxy "${toxiproxy_version#v}" scripts/images/toxiproxy "$bindir/toxiproxy-server"

# The ward nodes: the working tree's ward, rebuilt each time (the Go build cache makes an
# unchanged tree quick), so that the harness tests the code at hand.
CGO_ENABLED=0 ${GO:-go} build -trimpath -o "$bindir/ward" ./cmd/ward
build_static_image chaos-ward ward-chaos-ward dev scripts/images/ward "$bindir/ward"
