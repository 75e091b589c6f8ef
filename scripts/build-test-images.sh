#!/usr/bin/env bash
# build-test-images.sh: build the local Docker images that the tests start (no registry is needed
# or used). `make images` runs it, and so does `make unit-test`.
#
#   ward-base-trixie:<hash>       Debian 13 (trixie) made with debootstrap, with PostgreSQL 17
#   ward-test-postgres:17         scripts/images/postgres on top: a primary or a hot standby
#                                 (also tagged ward-test-postgres:17-<hash>)
#
# Each tag carries a hash of what the image is made from (this script for the base; the base and
# scripts/images/postgres/ for the other), so a run where nothing changed builds nothing, and an
# edit to the Dockerfile or the entry point rebuilds in seconds without a new debootstrap.
# Needs root (or sudo) for debootstrap; installs debootstrap when it is missing.
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

cd "$(dirname "$0")/.."

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
# Packages on top of --variant=minbase. ca-certificates, locales and the like are left out: the
# image talks to nothing but its clients and its primary, in the C.UTF-8 locale built into glibc.
packages=postgresql-17,postgresql-client-17

base_repo=ward-base-trixie
pg_repo=ward-test-postgres
pg_dir=scripts/images/postgres

log() { echo "build-test-images: $*"; }

sudo=()
((EUID == 0)) || sudo=(sudo)

# The content hashes: of this script for the base image; of the base's hash and every file
# under $pg_dir (names and contents) for the PostgreSQL image.
base_hash=$(sha256sum <scripts/build-test-images.sh | cut -c1-12)
pg_hash=$({
	echo "$base_hash"
	find "$pg_dir" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-12)
base_image=$base_repo:$base_hash
pg_image=$pg_repo:17-$pg_hash

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
	echo "build-test-images: docker does not answer (docker version); start the Docker daemon" >&2
	exit 1
fi

# One build at a time on this machine: a second waits, then finds the images built.
exec 9>"/tmp/ward-build-test-images.lock"
if ! flock --nonblock 9; then
	log "waiting for another build of the test images to finish"
	flock 9
fi

if have_image "$pg_image"; then
	docker tag "$pg_image" "$pg_repo:17"
	log "$pg_image is up to date (tagged $pg_repo:17); nothing to build"
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
	rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/ward-rootfs.XXXXXX")
	trap '"${sudo[@]}" rm -rf "$rootfs"' EXIT
	log "debootstrap $suite ($mirror, minbase + $packages) into $rootfs"
	start=$SECONDS
	if ! "${sudo[@]}" debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" \
		>"$rootfs.log" 2>&1; then
		tail -n 30 "$rootfs.log" >&2
		echo "build-test-images: debootstrap failed; the full log is $rootfs.log" >&2
		exit 1
	fi
	rm -f "$rootfs.log"
	log "debootstrap done in $((SECONDS - start))s"
	# What the image does not need (about half of it): the cluster that the package's postinst
	# made (the image makes its own); JIT compilation, which the image turns off (jit = off) for
	# predictable test timings, with the LLVM and Z3 libraries that only it loads; translations,
	# documentation, package caches and lists.
	"${sudo[@]}" rm -rf "$rootfs"/var/lib/postgresql/17 "$rootfs"/etc/postgresql/17 \
		"$rootfs"/usr/lib/postgresql/17/lib/bitcode "$rootfs"/usr/lib/postgresql/17/lib/llvmjit* \
		"$rootfs"/usr/lib/x86_64-linux-gnu/libLLVM* "$rootfs"/usr/lib/x86_64-linux-gnu/libz3* \
		"$rootfs"/usr/share/locale/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
		"$rootfs"/usr/share/info/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/*
	log "importing $rootfs as $base_image"
	"${sudo[@]}" tar -C "$rootfs" --numeric-owner -c . |
		docker import --change 'CMD ["/bin/bash"]' --message "debootstrap $suite minbase + $packages" - "$base_image" >/dev/null
	remove_old "$base_repo" "$base_hash" ""
fi

log "building $pg_image from $pg_dir"
# The classic builder: BuildKit needs the buildx plugin, which Debian's docker.io does not ship.
if ! out=$(DOCKER_BUILDKIT=0 docker build --quiet --network=none --build-arg "BASE=$base_image" \
	--tag "$pg_image" --tag "$pg_repo:17" "$pg_dir" 2>&1); then
	echo "$out" >&2
	echo "build-test-images: docker build failed" >&2
	exit 1
fi
remove_old "$pg_repo" "17-$pg_hash" 17-
log "built $pg_image (tagged $pg_repo:17)"
