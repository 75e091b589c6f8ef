# shellcheck shell=bash
# images.sh: what build-test-images.sh and build-chaos-images.sh share. Source it, then call
#
#   build_images NAME PACKAGES BASE_REPO REPO TAG DIR [IGNORED]
#
# which makes a Debian 13 (trixie) root file system with debootstrap (minbase + PACKAGES), imports it
# as BASE_REPO:<hash>, and builds the Docker context DIR on top of it as REPO:TAG-<hash>, also tagged
# REPO:TAG. No registry is needed or used. Each tag carries a hash of what the image is made from —
# the suite, the packages and the pruning for the base; the base's hash and the files of DIR (but
# the one named IGNORED, kept out of the context by .dockerignore) for the image — so a run where
# nothing changed builds nothing, and an edit to DIR rebuilds in seconds without a new debootstrap.
# Needs root (or sudo) for debootstrap; installs debootstrap when it is missing. One build per NAME
# runs at a time on a machine: a second waits, then finds the images built.
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).

images_suite=trixie

# prune_rootfs ROOTFS removes what the images do not need: the cluster that the postgresql
# package's postinst made (each image makes its own); JIT compilation (the images set jit = off) with
# the LLVM and Z3 libraries that only it loads; translations, documentation, package caches and lists.
prune_rootfs() {
	"${sudo[@]}" rm -rf "$1"/var/lib/postgresql/17 "$1"/etc/postgresql/17 \
		"$1"/usr/lib/postgresql/17/lib/bitcode "$1"/usr/lib/postgresql/17/lib/llvmjit* \
		"$1"/usr/lib/x86_64-linux-gnu/libLLVM* "$1"/usr/lib/x86_64-linux-gnu/libz3* \
		"$1"/usr/share/locale/* "$1"/usr/share/doc/* "$1"/usr/share/man/* \
		"$1"/usr/share/info/* "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*
}

# remove_old REPO KEEP-TAG PREFIX deletes the tags of REPO that start with PREFIX but are not
# KEEP-TAG (earlier builds); one still used by a container stays, silently.
remove_old() {
	local tag
	for tag in $(docker image ls --format '{{.Tag}}' "$1"); do
		[[ $tag == "$2" || $tag != "$3"* ]] && continue
		log "removing the old image $1:$tag"
		docker image rm "$1:$tag" >/dev/null 2>&1 || true
	done
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_images() {
	local name=$1 packages=$2 base_repo=$3 repo=$4 tag=$5 dir=$6 ignored=${7:-}
	local mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
	log() { echo "build-$name: $*"; }
	sudo=()
	((EUID == 0)) || sudo=(sudo)

	local base_hash image_hash
	base_hash=$({
		echo "$images_suite $packages"
		declare -f prune_rootfs
	} | sha256sum | cut -c1-12)
	image_hash=$({
		echo "$base_hash"
		find "$dir" -type f ! -name "${ignored:-.}" -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	} | sha256sum | cut -c1-12)
	local base_image=$base_repo:$base_hash image=$repo:$tag-$image_hash

	if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
		echo "build-$name: docker does not answer (docker version); start the Docker daemon" >&2
		return 1
	fi
	exec 9>"/tmp/ward-build-$name.lock"
	if ! flock --nonblock 9; then
		log "waiting for another build to finish"
		flock 9
	fi

	if have_image "$image"; then
		docker tag "$image" "$repo:$tag"
		log "$image is up to date (tagged $repo:$tag); nothing to build"
		return 0
	fi

	if have_image "$base_image"; then
		log "$base_image is up to date"
	else
		if ! command -v debootstrap >/dev/null; then
			log "installing debootstrap"
			"${sudo[@]}" apt-get update -qq
			"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
		fi
		rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/ward-$name-rootfs.XXXXXX")
		trap '"${sudo[@]}" rm -rf "$rootfs"' EXIT
		log "debootstrap $images_suite ($mirror, minbase + $packages) into $rootfs"
		local start=$SECONDS
		if ! "${sudo[@]}" debootstrap --variant=minbase --include="$packages" "$images_suite" "$rootfs" "$mirror" \
			>"$rootfs.log" 2>&1; then
			tail -n 30 "$rootfs.log" >&2
			echo "build-$name: debootstrap failed; the full log is $rootfs.log" >&2
			return 1
		fi
		rm -f "$rootfs.log"
		log "debootstrap done in $((SECONDS - start))s"
		prune_rootfs "$rootfs"
		log "importing $rootfs as $base_image"
		"${sudo[@]}" tar -C "$rootfs" --numeric-owner -c . |
			docker import --change 'CMD ["/bin/bash"]' --message "debootstrap $images_suite minbase + $packages" - "$base_image" >/dev/null
		remove_old "$base_repo" "$base_hash" ""
	fi

	log "building $image from $dir"
	# The classic builder: BuildKit needs the buildx plugin, which Debian's docker.io does not ship.
	local out
	if ! out=$(DOCKER_BUILDKIT=0 docker build --quiet --network=none --build-arg "BASE=$base_image" \
		--tag "$image" --tag "$repo:$tag" "$dir" 2>&1); then
		echo "$out" >&2
		echo "build-$name: docker build failed" >&2
		return 1
	fi
	remove_old "$repo" "$tag-$image_hash" "$tag-"
	log "built $image (tagged $repo:$tag)"
}

# build_static_image NAME REPO TAG DIR BINARY [FILE...]
#
# builds the Docker context DIR (a Dockerfile FROM scratch) with the static executable BINARY
# and each FILE copied in beside it, under their own base names, as REPO:TAG-<hash>, also tagged
# REPO:TAG. The hash covers the binary, the files and those of DIR, so a run where none changed
# builds nothing. No registry is needed or used (FROM scratch pulls nothing).
build_static_image() {
	local name=$1 repo=$2 tag=$3 dir=$4 binary=$5
	shift 5
	local extra=("$@")
	log() { echo "build-$name: $*"; }
	local hash
	hash=$({
		sha256sum <"$binary"
		for f in "${extra[@]}"; do sha256sum <"$f"; done
		find "$dir" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	} | sha256sum | cut -c1-12)
	local image=$repo:$tag-$hash
	if have_image "$image"; then
		docker tag "$image" "$repo:$tag"
		log "$image is up to date (tagged $repo:$tag); nothing to build"
		return 0
	fi
	local ctx
	ctx=$(mktemp -d "${TMPDIR:-/tmp}/ward-$name-context.XXXXXX")
	cp -r "$dir"/. "$ctx"/
	cp "$binary" "$ctx/$(basename "$binary")"
	for f in "${extra[@]}"; do cp "$f" "$ctx/$(basename "$f")"; done
	local out
	if ! out=$(DOCKER_BUILDKIT=0 docker build --quiet --network=none --tag "$image" --tag "$repo:$tag" "$ctx" 2>&1); then
		rm -rf "$ctx"
		echo "$out" >&2
		echo "build-$name: docker build failed" >&2
		return 1
	fi
	rm -rf "$ctx"
	remove_old "$repo" "$tag-$hash" "$tag-"
	log "built $image (tagged $repo:$tag)"
}
