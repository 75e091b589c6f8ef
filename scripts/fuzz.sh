#!/usr/bin/env bash
# fuzz.sh FUZZTIME [PACKAGES...]: run every Fuzz* target of PACKAGES (default ./...) for FUZZTIME
# each. `go test -fuzz` takes one package and one target at a time, so the targets are listed
# first with `go test -list`. Exits non-zero if any target fails; new failing inputs are written
# to the package's testdata/fuzz/ by go test.
set -euo pipefail

GO=${GO:-go}
fuzztime=${1:?usage: fuzz.sh FUZZTIME [PACKAGES...]}
shift
(($#)) || set -- ./...

# `go test -list` prints the matching names of a package, then "ok  <import path> <time>".
# Packages without test files print "?" lines, which carry no names.
listing=$("$GO" test -run '^$' -list '^Fuzz' "$@")
targets=()
names=()
while read -r first second _; do
	case $first in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do targets+=("$second $n"); done
		names=()
		;;
	*) names=() ;;
	esac
done <<<"$listing"

if ((${#targets[@]} == 0)); then
	echo "fuzz: no Fuzz targets in $*"
	exit 0
fi

failed=()
for t in "${targets[@]}"; do
	pkg=${t% *}
	name=${t#* }
	echo "fuzz: $pkg $name for $fuzztime"
	if ! "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"; then
		failed+=("$pkg $name")
	fi
done

if ((${#failed[@]})); then
	echo "fuzz: failing targets:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets passed"
