#!/usr/bin/env bash
# smoke.sh: prove by hand that ward-chaos-db forms a Patroni cluster and fails over (not run by
# `make test`). It builds the image (scripts/build-chaos-images.sh), starts on a fresh Docker
# network three etcd members and three Patroni nodes, waits for one leader and two streaming
# replicas (quorum standbys: 'ANY 1' of them acknowledges a commit), writes a row on the leader, kills the leader, waits for
# a new one, and checks that the row is there. Every container and the network it made are
# removed at the end, also when a step fails or it is interrupted. Prints how long each step took.
#
# Environment: FORM_TIMEOUT (default 90 s), FAILOVER_TIMEOUT (default 60 s), KEEP=1 to leave
# the containers up when a step fails (for a look at `docker logs`).
set -euo pipefail

cd "$(dirname "$0")/../../.."

image=ward-chaos-db:1
prefix=ward-smoke-$$
net=$prefix
form_timeout=${FORM_TIMEOUT:-90}
failover_timeout=${FAILOVER_TIMEOUT:-60}
etcd_hosts=etcd1:2379,etcd2:2379,etcd3:2379
initial_cluster=etcd1=http://etcd1:2380,etcd2=http://etcd2:2380,etcd3=http://etcd3:2380

log() { echo "smoke: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

containers=()
ok=0
cleanup() {
	if ((!ok)) && [[ ${KEEP:-} == 1 ]]; then
		log "KEEP=1: leaving ${containers[*]} and the network $net"
		return
	fi
	if ((!ok)); then
		for c in "${containers[@]}"; do
			echo "---- last lines of docker logs $c" >&2
			docker logs --tail 15 "$c" >&2 2>&1 || true
		done
	fi
	# -v: the anonymous volumes of the data directories go too.
	((${#containers[@]} == 0)) || docker rm -f -v "${containers[@]}" >/dev/null 2>&1 || true
	docker network rm "$net" >/dev/null 2>&1 || true
	log "removed ${#containers[@]} containers and the network $net"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(now)
./scripts/build-chaos-images.sh
log "image build: $(since "$start")s"

docker network create "$net" >/dev/null
start=$(now)
for i in 1 2 3; do
	c=$prefix-etcd$i
	containers+=("$c")
	docker run -d --name "$c" --network "$net" --network-alias "etcd$i" \
		-e ROLE=etcd -e ETCD_NAME="etcd$i" -e ETCD_INITIAL_CLUSTER="$initial_cluster" \
		"$image" >/dev/null
done
for i in 1 2 3; do
	c=$prefix-pg$i
	containers+=("$c")
	docker run -d --name "$c" --network "$net" --network-alias "pg$i" \
		-e ROLE=patroni -e PATRONI_NAME="pg$i" -e PATRONI_ETCD3_HOSTS="$etcd_hosts" \
		"$image" >/dev/null
done

# state NODE...: ask the first of NODE (pg1..pg3) that answers for GET /cluster, and print
# "LEADER SYNC REPLICAS", where LEADER is the name of the running leader (or -), SYNC the number
# of streaming synchronous (in quorum mode: quorum) standbys and REPLICAS the number of streaming replicas (sync or not).
state() {
	local n
	for n in "$@"; do
		docker exec "$prefix-$n" python3 -c '
import json, urllib.request
c = json.load(urllib.request.urlopen("http://localhost:8008/cluster", timeout=2))
m = c.get("members", [])
leaders = [x["name"] for x in m if x["role"] in ("leader", "standby_leader") and x["state"] == "running"]
sync = [x for x in m if x["role"] in ("sync_standby", "quorum_standby") and x["state"] == "streaming"]
reps = [x for x in m if x["role"] in ("sync_standby", "quorum_standby", "replica") and x["state"] == "streaming"]
print(leaders[0] if len(leaders) == 1 else "-", len(sync), len(reps))
' 2>/dev/null && return 0
	done
	echo "- 0 0"
}

# psql_on FROM HOST SQL: run SQL as ward (password ward, over TCP: pg_hba's scram-sha-256) in
# the container of FROM against HOST.
psql_on() {
	docker exec -e PGPASSWORD=ward "$prefix-$1" psql --no-psqlrc -X -At -v ON_ERROR_STOP=1 \
		-h "$2" -U ward -d ward -c "$3"
}

log "waiting up to ${form_timeout}s for a leader and two streaming quorum standbys"
deadline=$((SECONDS + form_timeout))
while :; do
	read -r leader sync reps < <(state pg1 pg2 pg3)
	[[ $leader != - && $sync == 2 && $reps == 2 ]] && break
	if ((SECONDS >= deadline)); then
		docker exec "$prefix-pg1" patronictl -c /var/lib/postgresql/patroni.yml list >&2 || true
		log "FAIL: no cluster after ${form_timeout}s (leader $leader, sync $sync, replicas $reps)" >&2
		exit 1
	fi
	sleep 0.5
done
log "cluster formed in $(since "$start")s: leader $leader"
docker exec "$prefix-$leader" patronictl -c /var/lib/postgresql/patroni.yml list

others=()
for n in pg1 pg2 pg3; do [[ $n == "$leader" ]] || others+=("$n"); done
row="written-$$-$RANDOM"
# From another node's container, over the network: a synchronous commit on the leader.
psql_on "${others[0]}" "$leader" "CREATE TABLE smoke (v text); INSERT INTO smoke VALUES ('$row')" >/dev/null
log "wrote '$row' on the leader $leader"

docker kill "$prefix-$leader" >/dev/null
start=$(now)
log "killed the leader $leader; waiting up to ${failover_timeout}s for a new one"
deadline=$((SECONDS + failover_timeout))
while :; do
	read -r new sync reps < <(state "${others[@]}")
	if [[ $new != - && $new != "$leader" ]] &&
		[[ $(psql_on "$new" localhost 'SELECT pg_is_in_recovery()' 2>/dev/null) == f ]]; then
		break
	fi
	if ((SECONDS >= deadline)); then
		log "FAIL: no new leader ${failover_timeout}s after killing $leader" >&2
		exit 1
	fi
	sleep 0.2
done
log "failover: $new is the writable leader $(since "$start")s after the kill"
docker exec "$prefix-$new" patronictl -c /var/lib/postgresql/patroni.yml list || true

got=$(psql_on "$new" localhost 'SELECT v FROM smoke')
if [[ $got != "$row" ]]; then
	log "FAIL: the new leader $new has '$got' in smoke, not '$row'" >&2
	exit 1
fi
psql_on "$new" localhost "INSERT INTO smoke VALUES ('after-failover')" >/dev/null
log "the row is on the new leader $new, which takes writes"
ok=1
log "PASS"
