#!/bin/sh
# ward-postgres: entry point of the ward-test-postgres image (PostgreSQL 17).
#
#   ward-postgres init   make the template cluster that primaries start from, as a tar file
#                        (the image build does this once): superuser ward, password ward,
#                        database ward
#   ward-postgres run    start the server in the foreground (the default command). When $PGDATA
#                        already holds a cluster (a restarted container), just start it; else
#     - as a primary, when PG_PRIMARY_HOST is unset: unpack the template into $PGDATA;
#     - as a streaming hot standby of PG_PRIMARY_HOST (port PG_PRIMARY_PORT, default 5432)
#       when it is set: fill $PGDATA with `pg_basebackup -R` from the primary, retried while
#       the primary does not answer (for 20 seconds or so).
#   ward-postgres CMD... run CMD.
set -eu

conf=/etc/ward-postgres
template=/var/lib/postgresql/template.tar

init() {
	dir=$(mktemp -d)
	printf 'ward\n' >"$dir/pw"
	# 1 MB WAL segments rather than 16: less to copy at each start and each pg_basebackup.
	initdb --username=ward --pwfile="$dir/pw" --auth-local=trust --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C.UTF-8 --wal-segsize=1 --no-sync --no-instructions "$dir/data" >/dev/null
	cp "$conf/postgresql.conf" "$conf/pg_hba.conf" "$dir/data/"
	pg_ctl -D "$dir/data" -o '-c listen_addresses=' -l "$dir/log" -w -s start || { cat "$dir/log" >&2; exit 1; }
	createdb -h /run/postgresql -U ward ward
	pg_ctl -D "$dir/data" -m fast -w -s stop
	tar -C "$dir/data" -cf "$template" .
	rm -rf "$dir"
	echo "ward-postgres: made the template cluster $template"
}

replica() {
	echo "ward-postgres: replica of $PG_PRIMARY_HOST:${PG_PRIMARY_PORT:-5432}"
	tries=0
	until PGPASSWORD=ward pg_basebackup --host="$PG_PRIMARY_HOST" --port="${PG_PRIMARY_PORT:-5432}" \
		--username=ward --pgdata="$PGDATA" --write-recovery-conf --wal-method=stream \
		--checkpoint=fast --no-sync; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { echo "ward-postgres: pg_basebackup failed $tries times" >&2; exit 1; }
		find "$PGDATA" -mindepth 1 -delete
		sleep 0.2
	done
}

case "${1:-run}" in
init)
	init
	;;
run)
	if [ -s "$PGDATA/PG_VERSION" ]; then
		echo "ward-postgres: starting the cluster in $PGDATA"
	elif [ -n "${PG_PRIMARY_HOST:-}" ]; then
		replica
	else
		echo "ward-postgres: primary"
		tar -C "$PGDATA" -xf "$template"
	fi
	chmod 0700 "$PGDATA"
	exec postgres -D "$PGDATA"
	;;
*)
	exec "$@"
	;;
esac
