#!/bin/sh
# ward-postgres: entry point of the ward-test-postgres image (PostgreSQL 17).
#
#   ward-postgres init   make the cluster in $PGDATA (the image build does this once):
#                        superuser ward, password ward, database ward
#   ward-postgres run    start the server in the foreground (the default command):
#     - as a primary, when PG_PRIMARY_HOST is unset; $PGDATA is initialized first if empty;
#     - as a streaming hot standby of PG_PRIMARY_HOST (port PG_PRIMARY_PORT, default 5432)
#       when it is set: $PGDATA is replaced by `pg_basebackup -R` from the primary, retried
#       until the primary answers.
set -eu

conf=/etc/ward-postgres

init() {
	pwfile=$(mktemp)
	printf 'ward\n' >"$pwfile"
	initdb --username=ward --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C.UTF-8 --no-sync --no-instructions "$PGDATA" >/dev/null
	rm -f "$pwfile"
	cp "$conf/postgresql.conf" "$conf/pg_hba.conf" "$PGDATA/"
	log=$(mktemp)
	pg_ctl -D "$PGDATA" -o '-c listen_addresses=' -l "$log" -w -s start || { cat "$log" >&2; exit 1; }
	createdb -h /run/postgresql -U ward ward
	pg_ctl -D "$PGDATA" -m fast -w -s stop
	rm -f "$log"
	echo "ward-postgres: initialized $PGDATA"
}

replica() {
	echo "ward-postgres: replica of $PG_PRIMARY_HOST:${PG_PRIMARY_PORT:-5432}"
	find "$PGDATA" -mindepth 1 -delete
	tries=0
	until PGPASSWORD=ward pg_basebackup --host="$PG_PRIMARY_HOST" --port="${PG_PRIMARY_PORT:-5432}" \
		--username=ward --pgdata="$PGDATA" --write-recovery-conf --wal-method=stream \
		--checkpoint=fast --no-sync; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { echo "ward-postgres: pg_basebackup failed $tries times" >&2; exit 1; }
		find "$PGDATA" -mindepth 1 -delete
		sleep 0.2
	done
	chmod 0700 "$PGDATA"
}

case "${1:-run}" in
init)
	init
	;;
run)
	if [ -n "${PG_PRIMARY_HOST:-}" ]; then
		# A restarted replica keeps its data and resumes streaming (standby.signal is there).
		[ -f "$PGDATA/standby.signal" ] || replica
	elif [ ! -s "$PGDATA/PG_VERSION" ]; then
		init
	fi
	exec postgres -D "$PGDATA"
	;;
*)
	exec "$@"
	;;
esac
