#!/usr/bin/env bash
# build-chaos-images.sh: build the local Docker images of the chaos harness (issue 6); no registry
# is needed or used. `make chaos-images` runs it.
#
#   ward-chaos-base-trixie:<hash>  Debian 13 (trixie) made with debootstrap, with PostgreSQL 17,
#                                  Patroni 4.0 and etcd 3.5
#   ward-chaos-db:1                scripts/images/patroni on top: an etcd member or a PostgreSQL
#                                  node managed by Patroni (also tagged ward-chaos-db:1-<hash>)
#
# The same approach as build-test-images.sh: each tag carries a hash of what the image is made
# from (the suite, the package list and the pruning step for the base; the base's hash and every
# file under scripts/images/patroni/ for the other), so a run where nothing changed builds
# nothing, and an edit to the Dockerfile or the entry point rebuilds in seconds without a new
# debootstrap. Needs root (or sudo) for debootstrap; installs debootstrap when it is missing.
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

cd "$(dirname "$0")/.."

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
# Packages on top of --variant=minbase. Patroni's etcd3 DCS talks to etcd's v3 gRPC-JSON gateway
# with urllib3; it needs python3-etcd (the v2 client library, for its exception classes), which
# Debian's patroni already depends on, and no python3-etcd3.
packages=postgresql-17,postgresql-client-17,patroni,python3-etcd,etcd-server,etcd-client

base_repo=ward-chaos-base-trixie
db_repo=ward-chaos-db
db_tag=1
db_dir=scripts/images/patroni

log() { echo "build-chaos-images: $*"; }

sudo=()
((EUID == 0)) || sudo=(sudo)

# prune ROOTFS: what the image does not need: the cluster that the postgresql package's postinst
# made (Patroni makes its own); JIT compilation (jit = off) with the LLVM and Z3 libraries that
# only it loads; translations, documentation, package caches and lists.
prune() {
	"${sudo[@]}" rm -rf "$1"/var/lib/postgresql/17 "$1"/etc/postgresql/17 \
		"$1"/usr/lib/postgresql/17/lib/bitcode "$1"/usr/lib/postgresql/17/lib/llvmjit* \
		"$1"/usr/lib/x86_64-linux-gnu/libLLVM* "$1"/usr/lib/x86_64-linux-gnu/libz3* \
		"$1"/usr/share/locale/* "$1"/usr/share/doc/* "$1"/usr/share/man/* \
		"$1"/usr/share/info/* "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*
}

# The content hashes: of the base's recipe (suite, packages, prune) for the base image; of the
# base's hash and every file under $db_dir (names and contents) for the database image, except
# smoke.sh, the hand-run check, which is not part of the image (.dockerignore leaves it out).
base_hash=$({
	echo "$suite $packages"
	declare -f prune
} | sha256sum | cut -c1-12)
db_hash=$({
	echo "$base_hash"
	find "$db_dir" -type f ! -name smoke.sh -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-12)
base_image=$base_repo:$base_hash
db_image=$db_repo:$db_tag-$db_hash

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# remove_old REPO KEEP-TAG PREFIX: delete the tags of REPO that start with PREFIX but are not
# KEEP-TAG (earlier builds); one still used by a container stays, silently.
remove_old() {
	local tag
	for tag in $(docker image ls --format '{{.Tag}}' "$1"); do
		[[ $tag == "$2" || $tag != "$3"* ]] && continue
		log "removing the old image $1:$tag"
		docker image rm "$1:$tag" >/dev/null 2>&1 || true
	done
}

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
	echo "build-chaos-images: docker does not answer (docker version); start the Docker daemon" >&2
	exit 1
fi

# One build at a time on this machine: a second waits, then finds the images built.
exec 9>"/tmp/ward-build-chaos-images.lock"
if ! flock --nonblock 9; then
	log "waiting for another build of the chaos images to finish"
	flock 9
fi

if have_image "$db_image"; then
	docker tag "$db_image" "$db_repo:$db_tag"
	log "$db_image is up to date (tagged $db_repo:$db_tag); nothing to build"
	exit 0
fi

if have_image "$base_image"; then
	log "$base_image is up to date"
else
	if ! command -v debootstrap >/dev/null; then
		log "installing debootstrap"
		"${sudo[@]}" apt-get update -qq
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
	fi
	rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/ward-chaos-rootfs.XXXXXX")
	trap '"${sudo[@]}" rm -rf "$rootfs"' EXIT
	log "debootstrap $suite ($mirror, minbase + $packages) into $rootfs"
	start=$SECONDS
	if ! "${sudo[@]}" debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" \
		>"$rootfs.log" 2>&1; then
		tail -n 30 "$rootfs.log" >&2
		echo "build-chaos-images: debootstrap failed; the full log is $rootfs.log" >&2
		exit 1
	fi
	rm -f "$rootfs.log"
	log "debootstrap done in $((SECONDS - start))s"
	prune "$rootfs"
	log "importing $rootfs as $base_image"
	"${sudo[@]}" tar -C "$rootfs" --numeric-owner -c . |
		docker import --change 'CMD ["/bin/bash"]' --message "debootstrap $suite minbase + $packages" - "$base_image" >/dev/null
	remove_old "$base_repo" "$base_hash" ""
fi

log "building $db_image from $db_dir"
# The classic builder: BuildKit needs the buildx plugin, which Debian's docker.io does not ship.
if ! out=$(DOCKER_BUILDKIT=0 docker build --quiet --network=none --build-arg "BASE=$base_image" \
	--tag "$db_image" --tag "$db_repo:$db_tag" "$db_dir" 2>&1); then
	echo "$out" >&2
	echo "build-chaos-images: docker build failed" >&2
	exit 1
fi
remove_old "$db_repo" "$db_tag-$db_hash" "$db_tag-"
log "built $db_image (tagged $db_repo:$db_tag)"
