#!/usr/bin/env bash
# loadtest/peer-kratos.sh: measure Ory Kratos v1.3.1, the peer of ward's identity service, with
# `ward load run`'s identity workloads, over PostgreSQL, beside a noop baseline of `ward serve`
# over the same PostgreSQL on the same machine. Not part of `make test` or `make bench`.
#
# It builds Kratos once (scripts/build-ory-peers.sh, cached), starts a container of the test image
# ward-test-postgres:17 (make images) with a database for each server, writes Kratos's
# configuration and identity schema into PEER_OUT/kratos, migrates, starts `kratos serve` and
# `ward serve`, then runs noop against ward and each of PEER_WORKLOADS against Kratos for
# PEER_DURATION (PEER_CONCURRENCY callers; PEER_HASH_CONCURRENCY for login and registration, which
# are bound by the password hash), printing each one's ratio to noop. It fails if a request fails. Every step is
# bounded in time (PEER_STEP_TIMEOUT each); results go to PEER_OUT/*.json and *.html. Nothing is
# left running: the servers and the container go when it ends.
#
# Kratos is configured as in production (no --dev), as its quickstart does for the password
# method: bcrypt with cost 12 (KRATOS_BCRYPT_COST), no Have I Been Pwned look-ups (no network here),
# a session issued on registration, logs at warning level (as `ward serve --log-level warn`), and
# its default connection pool.
#
# To measure ward's identity service beside Kratos, call run_identity with ward's endpoints.
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
read -r -a workloads <<<"${PEER_WORKLOADS:-whoami login registration}"

log() { echo "peer-kratos: $*" >&2; }

[[ -x $ward ]] || { log "no ward binary at $ward (make build)"; exit 1; }
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
ward_dsn="postgres://ward:ward@127.0.0.1:$pg_port/ward?sslmode=disable"
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

timeout "$step_timeout" "$ward" migrate up --dsn "$ward_dsn" >/dev/null
"$ward" serve --public-addr "127.0.0.1:$ward_public" --admin-addr "127.0.0.1:$ward_admin" --log-level warn \
	--dsn "$ward_dsn" --token-secrets "peer-kratos-secret-of-at-least-32-bytes" >"$out/ward.log" 2>&1 &
pids+=($!)
wait_port "$ward_admin" "${pids[-1]}" || { cat "$out/ward.log" >&2; log "ward did not start"; exit 1; }

run=(timeout "$step_timeout" "$ward" load run --progress=false --duration "$duration" --timeout 10s
	--identities "$identities")

echo "== noop (ward serve over PostgreSQL: the baseline)"
"${run[@]}" --concurrency "$concurrency" --endpoint "http://127.0.0.1:$ward_public" --admin-endpoint "http://127.0.0.1:$ward_admin" \
	--workload noop --json "$out/noop.json" --report "$out/noop.html"

failed=()
# run_identity NAME PUBLIC ADMIN runs the identity workloads against a server of Kratos's
# contract, as NAME-WORKLOAD.json and .html.
run_identity() {
	local w c
	for w in "${workloads[@]}"; do
		c=$concurrency
		[[ $w == login || $w == registration ]] && c=$hash_concurrency
		echo
		echo "== $w against $1 ($c callers)"
		"${run[@]}" --concurrency "$c" --endpoint "$2" --admin-endpoint "$3" --workload "$w" \
			--json "$out/$1-$w.json" --report "$out/$1-$w.html" --compare "$out/noop.json" || failed+=("$1-$w")
	done
}
run_identity kratos "http://127.0.0.1:$kratos_public" "http://127.0.0.1:$kratos_admin"

if ((${#failed[@]})); then
	log "failed: ${failed[*]}"
	exit 1
fi
