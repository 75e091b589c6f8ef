#!/bin/sh
# ward-chaos-db: entry point of the ward-chaos-db image: one member of the chaos harness's
# database tier, chosen by ROLE.
#
#   ROLE=etcd      an etcd 3.5 member. etcd reads its own ETCD_* variables; set at least
#                  ETCD_NAME (also the host name the others reach it by) and
#                  ETCD_INITIAL_CLUSTER (name1=http://name1:2380,name2=...). Defaults:
#                  client URLs http://0.0.0.0:2379 (advertised http://$ETCD_NAME:2379), peer URLs
#                  http://0.0.0.0:2380 (advertised http://$ETCD_NAME:2380), cluster state new,
#                  token ward-chaos, data in /var/lib/ward-etcd, no fsync.
#   ROLE=patroni   PostgreSQL 17 managed by Patroni 4.0 (strict quorum commit), etcd v3 as its
#                  DCS. Set PATRONI_NAME (also the host name the others reach it by, unless
#                  PATRONI_CONNECT_HOST says otherwise) and PATRONI_ETCD3_HOSTS
#                  (name1:2379,name2:2379,...). Optional:
#                  PATRONI_SCOPE (default ward), PATRONI_CONNECT_HOST. REST API on 8008,
#                  PostgreSQL on 5432; the cluster that the first node bootstraps has the
#                  superuser ward (password ward) and the database ward; replication as
#                  replicator (password replicator). The full configuration it writes is
#                  /var/lib/postgresql/patroni.yml, for `patronictl -c` in the container.
#
#   ward-chaos-db run    start the role in the foreground (the default command)
#   ward-chaos-db post-bootstrap URL
#                        Patroni's post_bootstrap hook: create the database ward
#   ward-chaos-db CMD... run CMD.
set -eu

die() { echo "ward-chaos-db: $*" >&2; exit 2; }

run_etcd() {
	: "${ETCD_NAME:?ROLE=etcd needs ETCD_NAME}"
	: "${ETCD_INITIAL_CLUSTER:?ROLE=etcd needs ETCD_INITIAL_CLUSTER}"
	export ETCD_DATA_DIR="${ETCD_DATA_DIR:-/var/lib/ward-etcd/$ETCD_NAME}"
	export ETCD_LISTEN_CLIENT_URLS="${ETCD_LISTEN_CLIENT_URLS:-http://0.0.0.0:2379}"
	export ETCD_ADVERTISE_CLIENT_URLS="${ETCD_ADVERTISE_CLIENT_URLS:-http://$ETCD_NAME:2379}"
	export ETCD_LISTEN_PEER_URLS="${ETCD_LISTEN_PEER_URLS:-http://0.0.0.0:2380}"
	export ETCD_INITIAL_ADVERTISE_PEER_URLS="${ETCD_INITIAL_ADVERTISE_PEER_URLS:-http://$ETCD_NAME:2380}"
	export ETCD_INITIAL_CLUSTER_STATE="${ETCD_INITIAL_CLUSTER_STATE:-new}"
	export ETCD_INITIAL_CLUSTER_TOKEN="${ETCD_INITIAL_CLUSTER_TOKEN:-ward-chaos}"
	# A throwaway cluster: durability is traded for speed, as for PostgreSQL (fsync = off).
	export ETCD_UNSAFE_NO_FSYNC="${ETCD_UNSAFE_NO_FSYNC:-true}"
	export ETCD_LOG_LEVEL="${ETCD_LOG_LEVEL:-warn}"
	echo "ward-chaos-db: etcd member $ETCD_NAME of $ETCD_INITIAL_CLUSTER"
	exec etcd
}

run_patroni() {
	: "${PATRONI_NAME:?ROLE=patroni needs PATRONI_NAME}"
	: "${PATRONI_ETCD3_HOSTS:?ROLE=patroni needs PATRONI_ETCD3_HOSTS}"
	host=${PATRONI_CONNECT_HOST:-$PATRONI_NAME}
	conf=/var/lib/postgresql/patroni.yml
	# Patroni also reads PATRONI_* variables, which override the file; the file has every value
	# so that `docker exec ... patronictl -c $conf` (which does not see what is exported here)
	# works too. Timings: a dead leader's key expires after ttl, 6 s (below the 20 s floor of
	# Patroni 4.0, which the image lowers: see the Dockerfile); the bound
	# loop_wait + 2 * retry_timeout <= ttl holds (1 + 2 * 2 <= 6). When the etcd leader is lost
	# with the database leader's region, the new etcd leader renews every lease for a full ttl
	# plus its election timeout, so a failover then takes about election + 1 s + ttl before the
	# promotion even starts: with ttl 8 that came to 12-13 s, and on a loaded machine writes
	# resumed after up to 22.8 s (CI, 2026-12-04).
	#
	# Replication: Patroni 4.0's quorum commit, strict. The primary runs
	# synchronous_standby_names = 'ANY 1 (the other two)': a commit is acknowledged once either
	# standby has it, so the primary and one standby, a majority of the three nodes, hold every
	# acknowledged commit (what ward's quorum_dsns relies on). Strict: with no standby there the
	# primary waits ('ANY 1 (*)') rather than acknowledge a commit alone. On failover Patroni
	# promotes whichever standby is furthest along (it needs the other's vote, the quorum of the
	# /sync key), and the other, not being ahead of the fork, follows the new timeline without a
	# rewind. With synchronous_mode: true only the one named synchronous standby could be
	# promoted; when the other had received more WAL it needed pg_rewind and a restart, and in
	# strict mode the new primary committed nothing until it was back (region-partition took
	# up to 36 s to resume writes).
	cat >"$conf" <<EOF
scope: ${PATRONI_SCOPE:-ward}
namespace: /service/
name: $PATRONI_NAME

restapi:
  listen: 0.0.0.0:8008
  connect_address: $host:8008

etcd3:
  hosts: $PATRONI_ETCD3_HOSTS

bootstrap:
  dcs:
    ttl: 6
    loop_wait: 1
    retry_timeout: 2
    maximum_lag_on_failover: 1048576
    synchronous_mode: quorum
    synchronous_node_count: 1
    synchronous_mode_strict: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        shared_buffers: 128MB
        fsync: 'off'
        synchronous_commit: 'on'
        wal_level: replica
        wal_log_hints: 'on'
        hot_standby: 'on'
        hot_standby_feedback: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        jit: 'off'
        log_min_messages: warning
        timezone: UTC
        log_timezone: UTC
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth-local: trust
    - auth-host: scram-sha-256
  post_bootstrap: /usr/local/bin/ward-chaos-db post-bootstrap

postgresql:
  listen: 0.0.0.0:5432
  connect_address: $host:5432
  data_dir: /var/lib/postgresql/data
  bin_dir: /usr/lib/postgresql/17/bin
  pgpass: /tmp/pgpass
  # A new replica's pg_basebackup asks for a fast checkpoint: the default, a spread one, makes
  # it wait minutes on an idle leader. (Patroni streams the WAL itself and rejects wal-method.)
  basebackup:
    - checkpoint: fast
    - no-sync
  authentication:
    superuser:
      username: ward
      password: ward
    replication:
      username: replicator
      password: replicator
    rewind:
      username: ward
      password: ward
  # The socket in the container trusts everyone; over TCP, from anywhere (the containers'
  # networks), everyone signs in with a password, for normal connections and replication alike.
  pg_hba:
    - local all all trust
    - host all all 0.0.0.0/0 scram-sha-256
    - host all all ::/0 scram-sha-256
    - host replication all 0.0.0.0/0 scram-sha-256
    - host replication all ::/0 scram-sha-256
  parameters:
    unix_socket_directories: /run/postgresql

tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
	chmod 0700 /var/lib/postgresql/data
	echo "ward-chaos-db: Patroni node $PATRONI_NAME ($host), etcd3 $PATRONI_ETCD3_HOSTS"
	exec patroni "$conf"
}

case "${1:-run}" in
run)
	case "${ROLE:-}" in
	etcd) run_etcd ;;
	patroni) run_patroni ;;
	*) die "set ROLE=etcd or ROLE=patroni (got '${ROLE:-}')" ;;
	esac
	;;
post-bootstrap)
	# $2 is a connection URL for the superuser (Patroni passes its password in PGPASSFILE).
	psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 "$2" -c 'CREATE DATABASE ward'
	;;
*)
	exec "$@"
	;;
esac
