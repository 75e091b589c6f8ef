#!/usr/bin/env bash
# build-ory-peers.sh: build the Ory servers that ward's Ory-contract services are measured against,
# from the Go module proxy (no other download is needed or used), and print each binary's path.
#
#   kratos   github.com/ory/kratos v1.3.1 (the identity service's peer)
#
# Each peer has a tool module of its own under tools/peers/NAME (never ward's go.mod: an Ory server
# brings hundreds of modules ward does not use). When that module's go.mod is missing, the script
# makes it: go mod init, the `replace` lines of the peer's own go.mod that point at other modules
# (those that point at ./… directories of the peer's repository cannot be followed from a module
# and are left out), go get -tool, go mod tidy. A committed go.mod/go.sum is reused as it is, so
# the build is reproducible. The binary is built without cgo (no SQLite: the peers run over
# PostgreSQL) and cached as ${XDG_CACHE_HOME:-$HOME/.cache}/ward/peers/NAME-VERSION; when that
# file exists, nothing is done but print its path. Building Kratos takes minutes and a few GB of
# memory; it runs under nice.
#
# Usage: scripts/build-ory-peers.sh NAME...   (prints one path a line, in the order asked)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ward/peers
export GOTOOLCHAIN=local CGO_ENABLED=0

log() { echo "build-ory-peers: $*" >&2; }

# peer NAME sets module, version, and the -X flags that stamp the version into the binary.
peer() {
	case $1 in
	kratos)
		module=github.com/ory/kratos version=v1.3.1
		stamp="-X github.com/ory/kratos/driver/config.Version=$version"
		;;
	*)
		log "unknown peer $1 (want kratos)"
		return 1
		;;
	esac
}

# replaces GOMOD prints, one a line as OLD=NEW@VERSION (or OLD=NEW for a module without a version,
# which go mod edit takes as a directory), the replace directives of GOMOD whose target is not a
# ./ or ../ path; both the block form and single-line form are read, and comments are dropped.
replaces() {
	awk '
		{ sub(/\/\/.*/, "") }
		/^replace[ \t]*\($/ { block = 1; next }
		block && /^\)/ { block = 0; next }
		block || /^replace[ \t]/ {
			line = $0
			sub(/^replace[ \t]+/, "", line)
			n = split(line, f, /[ \t]+/)
			split("", g)
			j = 0
			for (i = 1; i <= n; i++) if (f[i] != "") g[++j] = f[i]
			if (j < 3) next
			# OLD [V] => NEW [V]
			arrow = (g[2] == "=>") ? 2 : 3
			if (g[arrow] != "=>") next
			old = g[1]; if (arrow == 3) old = old "@" g[2]
			new = g[arrow + 1]; if (new ~ /^\.\.?\//) next
			if (g[arrow + 2] != "") new = new "@" g[arrow + 2]
			print old "=" new
		}
	' "$1"
}

# make_module DIR makes the tool module of the current peer in DIR.
make_module() {
	local dir=$1 gomod r
	log "making the tool module $dir for $module@$version"
	mkdir -p "$dir"
	(cd "$dir" && go mod init "github.com/wardhq/ward/tools/peers/$name" >/dev/null 2>&1)
	gomod=$(cd "$dir" && go mod download -json "$module@$version" | awk -F'"' '$2 == "GoMod" { print $4 }')
	[[ -f $gomod ]] || { log "cannot download $module@$version"; return 1; }
	# The replaces come first: the peer's go.mod may require versions that only its replacements
	# serve (such as a fork's pseudo-version).
	while read -r r; do
		log "replace $r"
		(cd "$dir" && go mod edit -replace "$r")
	done < <(replaces "$gomod")
	(cd "$dir" && nice -n 10 go get -tool "$module@$version" && nice -n 10 go mod tidy)
}

for name in "$@"; do
	peer "$name"
	bin=$cache/$name-$version
	if [[ -x $bin ]]; then
		echo "$bin"
		continue
	fi
	dir=$root/tools/peers/$name
	if ! grep -qs "^tool $module\$" "$dir/go.mod"; then
		make_module "$dir"
	fi
	mkdir -p "$cache"
	log "building $module@$version (minutes)"
	start=$SECONDS
	# A temporary name, renamed once complete: an interrupted build leaves no binary to skip on.
	(cd "$dir" && nice -n 10 go build -mod=readonly -trimpath -ldflags "-s -w $stamp" -o "$bin.tmp" "$module")
	mv "$bin.tmp" "$bin"
	log "built $bin in $((SECONDS - start)) s ($(du -h "$bin" | cut -f1))"
	echo "$bin"
done
