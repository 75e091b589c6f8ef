#!/usr/bin/env bash
# loadtest/peer-kratos.sh: measure Ory Kratos v1.3.1, the peer of ward's identity service, and
# ward's identity service itself, with `ward load run`'s identity workloads, over one PostgreSQL,
# beside a noop baseline of `ward serve` over the same PostgreSQL on the same machine, in one run.
# Not part of `make test` or `make bench`.
#
# It builds Kratos once (scripts/build-ory-peers.sh, cached), starts a container of the test image
# ward-test-postgres:17 (make images) with a database for each server, writes Kratos's
# configuration and identity schema into PEER_OUT/kratos, migrates, starts `kratos serve` and two
# `ward serve`s: ward (its default password hash, argon2id) and ward-bcrypt (bcrypt at Kratos's
# cost), each with Kratos's identity schema (email, the password identifier) and, as Kratos, a
# session on registration. Then it runs noop against ward, each of PEER_WORKLOADS against Kratos
# and against ward, and login and registration against ward-bcrypt, for PEER_DURATION each
# (PEER_CONCURRENCY callers; PEER_HASH_CONCURRENCY for login and registration, which are bound by
# the password hash), and prints for each workload ward's and Kratos's throughput, their ratio,
# and each one's ratio to noop. It fails if a request fails. Every step is bounded in time
# (PEER_STEP_TIMEOUT each); results go to PEER_OUT/*.json and *.html, the table to
# PEER_OUT/summary.txt. Nothing is left running: the servers and the container go when it ends.
#
# Kratos is configured as in production (no --dev), as its quickstart does for the password
# method: bcrypt with cost 12 (KRATOS_BCRYPT_COST), no Have I Been Pwned look-ups (no network here),
# a session issued on registration, logs at warning level (as `ward serve --log-level warn`), and
# its default connection pool.
#
# ward's login and registration limits are raised (all the load comes from one address; Kratos
# has no such limits), as in loadtest/bench.sh.
#
# Usage: loadtest/peer-kratos.sh [WARD_BINARY]   (default bin/ward; build it with `make build`)
set -euo pipefail

cd "$(dirname "$0")/.."
ward=${1:-bin/ward}
duration=${PEER_DURATION:-10s}
concurrency=${PEER_CONCURRENCY:-32}
# login and registration each hash a password (bcrypt, cost 12: a quarter of a second of a core):
# more callers than the cores can serve only queue, and at 32 on two cores past the timeout.
hash_concurrency=${PEER_HASH_CONCURRENCY:-$((2 * $(nproc)))}
identities=${PEER_IDENTITIES:-100}
out=${PEER_OUT:-bin/bench-peer-kratos}
step_timeout=${PEER_STEP_TIMEOUT:-300}
bcrypt_cost=${KRATOS_BCRYPT_COST:-12}
pg_port=${PEER_PG_PORT:-15433}
kratos_public=${PEER_KRATOS_PUBLIC_PORT:-14433}
kratos_admin=${PEER_KRATOS_ADMIN_PORT:-14434}
ward_public=${PEER_WARD_PUBLIC_PORT:-14476}
ward_admin=${PEER_WARD_ADMIN_PORT:-14477}
bcrypt_public=${PEER_WARD_BCRYPT_PUBLIC_PORT:-14478}
bcrypt_admin=${PEER_WARD_BCRYPT_ADMIN_PORT:-14479}
read -r -a workloads <<<"${PEER_WORKLOADS:-whoami login registration}"

log() { echo "peer-kratos: $*" >&2; }

[[ -x $ward ]] || { log "no ward binary at $ward (make build)"; exit 1; }
command -v jq >/dev/null || { log "jq is needed for the summary table"; exit 1; }
kratos=$(timeout 3600 scripts/build-ory-peers.sh kratos)
mkdir -p "$out/kratos"
out=$(cd "$out" && pwd)

pids=()
container=
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	done
	[[ -n $container ]] && docker rm -f "$container" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# wait_port PORT PID waits (up to 30 s) for a listener on PORT, while PID runs.
wait_port() {
	local _
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

container=$(docker run -d --rm -p "127.0.0.1:$pg_port:5432" ward-test-postgres:17)
for i in $(seq 100); do
	docker exec "$container" pg_isready -q -h /run/postgresql -U ward 2>/dev/null && break
	((i < 100)) || { log "PostgreSQL did not start"; exit 1; }
	sleep 0.2
done
docker exec "$container" createdb -h /run/postgresql -U ward kratos
docker exec "$container" createdb -h /run/postgresql -U ward ward_bcrypt
ward_dsn="postgres://ward:ward@127.0.0.1:$pg_port/ward?sslmode=disable"
bcrypt_dsn="postgres://ward:ward@127.0.0.1:$pg_port/ward_bcrypt?sslmode=disable"
export DSN="postgres://ward:ward@127.0.0.1:$pg_port/kratos?sslmode=disable"

cat >"$out/kratos/identity.schema.json" <<'EOF'
{
  "$id": "https://ward.invalid/peer-kratos/identity.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Person",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string",
          "format": "email",
          "title": "Email",
          "maxLength": 320,
          "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}
        }
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
}
EOF
cat >"$out/kratos/kratos.yml" <<EOF
version: v1.3.1
serve:
  public:
    base_url: http://127.0.0.1:$kratos_public/
    host: 127.0.0.1
    port: $kratos_public
  admin:
    base_url: http://127.0.0.1:$kratos_admin/
    host: 127.0.0.1
    port: $kratos_admin
selfservice:
  default_browser_return_url: http://127.0.0.1:$kratos_public/
  methods:
    password:
      enabled: true
      config:
        haveibeenpwned_enabled: false
  flows:
    login:
      lifespan: 10m
    registration:
      enabled: true
      lifespan: 10m
      after:
        password:
          hooks:
            - hook: session
identity:
  default_schema_id: default
  schemas:
    - id: default
      url: file://$out/kratos/identity.schema.json
hashers:
  algorithm: bcrypt
  bcrypt:
    cost: $bcrypt_cost
secrets:
  cookie:
    - peer-kratos-cookie-secret-of-32-bytes
  cipher:
    - peer-kratos-cipher-secret-32-byt
log:
  level: warning
  format: text
EOF

export SQA_OPT_OUT=true # no usage statistics (nothing outside is reachable anyway)
timeout "$step_timeout" "$kratos" migrate sql -e --yes -c "$out/kratos/kratos.yml" >"$out/kratos-migrate.log" 2>&1 ||
	{ cat "$out/kratos-migrate.log" >&2; log "kratos migrate failed"; exit 1; }
"$kratos" serve -c "$out/kratos/kratos.yml" >"$out/kratos.log" 2>&1 &
pids+=($!)
wait_port "$kratos_admin" "${pids[-1]}" && wait_port "$kratos_public" "${pids[-1]}" ||
	{ cat "$out/kratos.log" >&2; log "kratos did not start"; exit 1; }

# start_ward NAME DSN PUBLIC ADMIN ARGS... migrates DSN and starts ward serve on it, with Kratos's
# identity schema and session hook, logging to PEER_OUT/NAME.log.
start_ward() {
	local name=$1 dsn=$2 public=$3 admin=$4
	shift 4
	timeout "$step_timeout" "$ward" migrate up --dsn "$dsn" >/dev/null
	"$ward" serve --public-addr "127.0.0.1:$public" --admin-addr "127.0.0.1:$admin" --log-level warn \
		--dsn "$dsn" --token-secrets "peer-kratos-secret-of-at-least-32-bytes" \
		--identity-schemas "default=file://$out/kratos/identity.schema.json" --identity-session-after-registration \
		--identity-login-rate 1000000 --identity-login-burst 1000000 \
		--identity-registration-rate 1000000 --identity-registration-burst 1000000 \
		"$@" >"$out/$name.log" 2>&1 &
	pids+=($!)
	wait_port "$admin" "${pids[-1]}" || { cat "$out/$name.log" >&2; log "$name did not start"; exit 1; }
}
start_ward ward "$ward_dsn" "$ward_public" "$ward_admin"
start_ward ward-bcrypt "$bcrypt_dsn" "$bcrypt_public" "$bcrypt_admin" \
	--identity-password-algorithm bcrypt --identity-bcrypt-cost "$bcrypt_cost"

run=(timeout "$step_timeout" "$ward" load run --progress=false --duration "$duration" --timeout 10s
	--identities "$identities")

echo "== noop (ward serve over PostgreSQL: the baseline)"
"${run[@]}" --concurrency "$concurrency" --endpoint "http://127.0.0.1:$ward_public" --admin-endpoint "http://127.0.0.1:$ward_admin" \
	--workload noop --json "$out/noop.json" --report "$out/noop.html"

failed=()
# run_identity NAME PUBLIC ADMIN WORKLOAD... runs the workloads against a server of Kratos's
# contract, as NAME-WORKLOAD.json and .html.
run_identity() {
	local name=$1 public=$2 admin=$3 w c
	shift 3
	for w in "$@"; do
		c=$concurrency
		[[ $w == login || $w == registration ]] && c=$hash_concurrency
		echo
		echo "== $w against $name ($c callers)"
		"${run[@]}" --concurrency "$c" --endpoint "$public" --admin-endpoint "$admin" --workload "$w" \
			--json "$out/$name-$w.json" --report "$out/$name-$w.html" --compare "$out/noop.json" || failed+=("$name-$w")
	done
}
run_identity kratos "http://127.0.0.1:$kratos_public" "http://127.0.0.1:$kratos_admin" "${workloads[@]}"
run_identity ward "http://127.0.0.1:$ward_public" "http://127.0.0.1:$ward_admin" "${workloads[@]}"
hashed=()
for w in "${workloads[@]}"; do
	[[ $w == login || $w == registration ]] && hashed+=("$w")
done
((${#hashed[@]})) && run_identity ward-bcrypt "http://127.0.0.1:$bcrypt_public" "http://127.0.0.1:$bcrypt_admin" "${hashed[@]}"

# rps FILE is a result's requests per second; "" when the run left none.
rps() { [[ -f $1 ]] && jq -r '.throughput_rps' "$1" || true; }
# ratio A B is A/B to three significant digits; "-" when either is missing or B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.3g", a / b }'; }
noop=$(rps "$out/noop.json")
{
	echo
	echo "== ward against Kratos v1.3.1 over PostgreSQL ($duration each; noop $(printf '%.0f' "$noop") requests/s)"
	printf '%-28s %10s %10s %12s %10s %12s\n' workload "ward /s" "kratos /s" "ward/kratos" ward/noop kratos/noop
	for w in "${workloads[@]}"; do
		for side in ward ward-bcrypt; do
			[[ $side == ward-bcrypt && $w != login && $w != registration ]] && continue
			a=$(rps "$out/$side-$w.json")
			k=$(rps "$out/kratos-$w.json")
			label=$w
			[[ $w == login || $w == registration ]] && label="$w (ward ${side#ward-})"
			[[ $side == ward && $label != "$w" ]] && label="$w (ward argon2id)"
			printf '%-28s %10.1f %10.1f %12s %10s %12s\n' "$label" "${a:-0}" "${k:-0}" "$(ratio "$a" "$k")" \
				"$(ratio "$a" "$noop")" "$(ratio "$k" "$noop")"
		done
	done
	echo "(Kratos hashes with bcrypt, cost $bcrypt_cost; ward's argon2id is its default, 64 MiB, t=2, p=1)"
} | tee "$out/summary.txt"

if ((${#failed[@]})); then
	log "failed: ${failed[*]}"
	exit 1
fi
