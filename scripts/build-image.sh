#!/usr/bin/env bash
# build-image.sh: build ward's container image, ward:dev (also tagged ward:dev-<hash>), from the
# working tree: a static binary and the host's CA bundle on deploy/image/Dockerfile. `make image`
# runs it; nothing is built when neither changed. No registry is needed or used.
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/lib/images.sh

cacerts=/etc/ssl/certs/ca-certificates.crt
if [[ ! -s $cacerts ]]; then
	echo "build-image: $cacerts is missing: install the ca-certificates package" >&2
	exit 1
fi
bindir=bin/image
mkdir -p "$bindir"
CGO_ENABLED=0 ${GO:-go} build -trimpath -o "$bindir/ward" ./cmd/ward
build_static_image image "${WARD_IMAGE_REPO:-ward}" "${WARD_IMAGE_TAG:-dev}" deploy/image "$bindir/ward" "$cacerts"
