#!/usr/bin/env bash
# loadtest/bench.sh: the `ward load` profile of `make bench`. Starts `ward serve` on its embedded
# store, generates and loads the small docs dataset, runs noop (the baseline) and then each
# workload for LOAD_DURATION, and fails if a request fails or if a workload's throughput, as a
# ratio to noop measured in the same run, is below its floor (the README's "Benchmarking"
# section states them). Results go to LOAD_OUT/*.json and *.html.
#
# Usage: loadtest/bench.sh [WARD_BINARY]   (default bin/ward; build it with `make build`)
set -euo pipefail

ward=${1:-bin/ward}
duration=${LOAD_DURATION:-10s}
concurrency=${LOAD_CONCURRENCY:-32}
out=${LOAD_OUT:-bin/bench-load}
public_port=${LOAD_PUBLIC_PORT:-14466}
admin_port=${LOAD_ADMIN_PORT:-14467}

# Floors: checks answered per second over noop requests per second. check-bulk answers 100 checks
# per request, so its floor is above 1. lookup has none: it is reported, and fails only on errors.
workloads=(check check-bulk write-mix lookup)
declare -A floor=([check]=0.2 [check-bulk]=1.0 [write-mix]=0.1 [lookup]=0)

mkdir -p "$out"
"$ward" serve --public-addr "127.0.0.1:$public_port" --admin-addr "127.0.0.1:$admin_port" \
	--log-level warn >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$admin_port") 2>/dev/null && break
	kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
	sleep 0.1
done

endpoints=(--endpoint "http://127.0.0.1:$public_port" --admin-endpoint "http://127.0.0.1:$admin_port")
run=("$ward" load run "${endpoints[@]}" --progress=false --duration "$duration" --concurrency "$concurrency" --timeout 10s)

"$ward" load dataset generate --model docs --size small --seed 1 --out "$out/dataset"
"$ward" load dataset load "${endpoints[@]}" --progress=false "$out/dataset" >/dev/null

echo "== noop"
"${run[@]}" --workload noop --json "$out/noop.json" --report "$out/noop.html"
failed=()
for w in "${workloads[@]}"; do
	echo
	echo "== $w (floor ${floor[$w]} of noop)"
	"${run[@]}" --workload "$w" --dataset "$out/dataset" --json "$out/$w.json" --report "$out/$w.html" \
		--compare "$out/noop.json" --min-ratio "${floor[$w]}" || failed+=("$w")
done
if ((${#failed[@]})); then
	echo "bench: failed: ${failed[*]}" >&2
	exit 1
fi
