#!/usr/bin/env bash
# loadtest/bench.sh: the `ward load` profile of `make bench`. Starts `ward serve` on its embedded
# store, generates and loads the small docs dataset, runs noop (the baseline) and then each
# workload for LOAD_DURATION, and fails if a request fails or if a workload's throughput, as a
# ratio to noop measured in the same run, is below its floor (the README's "Benchmarking"
# section states them). Results go to LOAD_OUT/*.json and *.html.
#
# LOAD_STORE=postgres runs the server over PostgreSQL instead: in a container of the test image
# (make images) unless LOAD_DSN names a database, which is then migrated and used as it is.
# LOAD_TUPLES sets the dataset's size in tuples (default: the small size). LOAD_IDENTITIES is how
# many identities (and, for whoami, sessions) the identity workloads make before their run
# (default 20: each costs the server an argon2id hash or two).
#
# Usage: loadtest/bench.sh [WARD_BINARY]   (default bin/ward; build it with `make build`)
set -euo pipefail

ward=${1:-bin/ward}
store=${LOAD_STORE:-memory}
tuples=${LOAD_TUPLES:-}
duration=${LOAD_DURATION:-10s}
concurrency=${LOAD_CONCURRENCY:-32}
out=${LOAD_OUT:-bin/bench-load}
public_port=${LOAD_PUBLIC_PORT:-14466}
admin_port=${LOAD_ADMIN_PORT:-14467}

# Floors: checks answered per second over noop requests per second. check-bulk answers 100 checks
# per request, so its floor is above 1. lookup has none: it is reported, and fails only on errors.
# The OAuth2 workloads register a client and need no dataset: introspect (Connect) must reach half
# of noop; introspect-http (RFC 7662's form endpoint) and token (client credentials issuance) are
# reported, and fail only on errors. The identity workloads (Kratos's HTTP contract, the built-in
# schema: email and password) need no dataset either: a warm whoami must reach half of noop; login
# and registration, bound by the password hash (ward's default argon2id), are reported, and fail
# only on errors.
read -r -a workloads <<<"${LOAD_WORKLOADS:-check check-bulk write-mix lookup introspect introspect-http token whoami login registration}"
declare -A floor=([check]=0.2 [check-bulk]=1.0 [write-mix]=0.1 [lookup]=0 [introspect]=0.5 [introspect-http]=0 [token]=0
	[whoami]=0.5 [login]=0 [registration]=0)
identities=${LOAD_IDENTITIES:-20}
# login and registration hash a password each (argon2id: 64 MiB and ~85 ms of a core): more callers
# than the cores can serve only queue, towards the timeout.
hash_concurrency=${LOAD_HASH_CONCURRENCY:-$((2 * $(nproc)))}

mkdir -p "$out"
container=
cleanup() {
	[[ -n ${server:-} ]] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
	[[ -n $container ]] && docker rm -f "$container" >/dev/null 2>&1 || true
}
trap cleanup EXIT
serve_args=()
if [[ $store == postgres ]]; then
	dsn=${LOAD_DSN:-}
	if [[ -z $dsn ]]; then
		pg_port=${LOAD_PG_PORT:-15432}
		container=$(docker run -d --rm -p "127.0.0.1:$pg_port:5432" ward-test-postgres:17)
		dsn="postgres://ward:ward@127.0.0.1:$pg_port/ward?sslmode=disable"
	fi
	for i in $(seq 100); do
		"$ward" migrate up --dsn "$dsn" >/dev/null 2>&1 && break
		((i < 100)) || { echo "bench: cannot migrate $dsn" >&2; exit 1; }
		sleep 0.2
	done
	# Over a database the OAuth2 server needs the nodes' shared token secret.
	serve_args=(--dsn "$dsn" --token-secrets "bench-secret-of-at-least-32-bytes-long")
fi
# The identity service as the identity workloads use it: the built-in schema ("default": email and
# password, identifier email), a session on registration as Kratos's session hook gives, and the
# login and registration limits raised, since all the load comes from one source address.
serve_args+=(--identity-session-after-registration
	--identity-login-rate 1000000 --identity-login-burst 1000000
	--identity-registration-rate 1000000 --identity-registration-burst 1000000)
"$ward" serve --public-addr "127.0.0.1:$public_port" --admin-addr "127.0.0.1:$admin_port" \
	--log-level warn "${serve_args[@]}" >"$out/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$admin_port") 2>/dev/null && break
	kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
	sleep 0.1
done

endpoints=(--endpoint "http://127.0.0.1:$public_port" --admin-endpoint "http://127.0.0.1:$admin_port")
run=("$ward" load run "${endpoints[@]}" --progress=false --duration "$duration" --timeout 10s
	--identities "$identities")

size=(--size small)
[[ -n $tuples ]] && size=(--tuples "$tuples")
"$ward" load dataset generate --model docs "${size[@]}" --seed 1 --out "$out/dataset"
"$ward" load dataset load "${endpoints[@]}" --progress=false "$out/dataset" >/dev/null

echo "== noop"
"${run[@]}" --concurrency "$concurrency" --workload noop --json "$out/noop.json" --report "$out/noop.html"
failed=()
for w in "${workloads[@]}"; do
	base=$out/noop.json
	case $w in
	introspect | introspect-http | token | whoami)
		# These follow the dataset's workloads, whose garbage (lookup's above all) the server is
		# still collecting: their baseline is a noop run right before them, on the server as it is.
		echo
		echo "== noop (the baseline of $w)"
		base=$out/noop-before-$w.json
		"${run[@]}" --concurrency "$concurrency" --workload noop --json "$base" >/dev/null
		;;
	login | registration)
		# Bound by the password hash and floored at 0: whoami's baseline is theirs.
		[[ -f $out/noop-before-whoami.json ]] && base=$out/noop-before-whoami.json
		;;
	esac
	c=(--concurrency "$concurrency")
	[[ $w == login || $w == registration ]] && c=(--concurrency "$hash_concurrency")
	echo
	echo "== $w (floor ${floor[$w]} of noop)"
	"${run[@]}" "${c[@]}" --workload "$w" --dataset "$out/dataset" --json "$out/$w.json" --report "$out/$w.html" \
		--compare "$base" --min-ratio "${floor[$w]}" || failed+=("$w")
done
if ((${#failed[@]})); then
	echo "bench: failed: ${failed[*]}" >&2
	exit 1
fi
