#!/usr/bin/env bash
# check-generated.sh DIR: fail when DIR differs from what git has committed. Run it right after
# `make generate` (make check-generated does): then any difference means the committed generated
# code is stale, or a generated file was never added (untracked files count too).
set -euo pipefail

dir=${1:-proto}

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "check-generated: not a git work tree; cannot compare $dir/ with the committed tree" >&2
	exit 1
fi

changes=$(git status --porcelain --untracked-files=all -- "$dir")
if [[ -n $changes ]]; then
	echo "check-generated: $dir/ differs from the committed tree after \`make generate\`:" >&2
	echo "$changes" >&2
	echo "check-generated: run \`make generate\` and commit the result (git add $dir)." >&2
	exit 1
fi
echo "check-generated: $dir/ is up to date"
