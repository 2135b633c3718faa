#!/bin/sh
# pg-test.sh COMMAND [ARG...]: runs COMMAND with a throw-away PostgreSQL 15
# and a PgBouncer in transaction mode in front of it, both on 127.0.0.1 in a
# temporary directory, and stops both (and removes the directory) when
# COMMAND ends, fails or is interrupted. As root the servers run as the
# unprivileged postgres user. COMMAND sees:
#   TODOD_PG_ADMIN_URL      postgresql://... to the maintenance database
#   TODOD_PG_URL            direct, with {db} where a database name goes
#   TODOD_PG_BOUNCER_URL    through PgBouncer (prepare=off), with {db}
#   TODOD_PG_CTL            a script: "stop" (immediate) or "start" the server,
#                           "freeze" it (SIGSTOP to the postmaster and its
#                           children: it takes connections and never answers)
#                           or "thaw" it (SIGCONT)
# Exit status: COMMAND's.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ $# -ge 1 ] || { echo "usage: pg-test.sh COMMAND [ARG...]" >&2; exit 2; }
for tool in "$PGBIN/initdb" "$PGBIN/pg_ctl" /usr/sbin/pgbouncer; do
	[ -x "$tool" ] || { echo "pg-test.sh: $tool missing (make setup-test installs it)" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/todod-pg-XXXXXX)
chmod 755 "$dir"
as_db() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$dir"
	as_db() { runuser -u postgres -- "$@"; }
fi

free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
pg_port=$(free_port)
bouncer_port=$(free_port)
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')

stop_all() {
	rc=$?
	trap - EXIT INT TERM
	if [ -f "$dir/pgbouncer.pid" ]; then
		kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
	fi
	[ -x "$dir/pgctl" ] && "$dir/pgctl" thaw >/dev/null 2>&1 || true
	as_db "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	if [ "$rc" != 0 ] && [ -f "$dir/postgres.log" ]; then
		echo "pg-test.sh: last lines of the postgresql log:" >&2
		tail -n 20 "$dir/postgres.log" >&2 || true
	fi
	rm -rf "$dir"
	exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

printf '%s\n' "$password" >"$dir/pwfile"
chmod 600 "$dir/pwfile"
[ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
as_db "$PGBIN/initdb" -D "$dir/data" -U todod --pwfile="$dir/pwfile" --auth-local=trust \
	--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"

cat >"$dir/pgctl" <<EOF
#!/bin/sh
# stop: immediate shutdown (a crash, as far as clients can tell); start;
# freeze: the server hangs (the kernel still completes connections into its
# backlog); thaw.
set -e
server_pids() { pid=\$(head -n 1 "$dir/data/postmaster.pid"); echo "\$pid" \$(ps -o pid= --ppid "\$pid"); }
case "\$1" in
stop) $( [ "$(id -u)" = 0 ] && echo "runuser -u postgres --" ) "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop ;;
start) $( [ "$(id -u)" = 0 ] && echo "runuser -u postgres --" ) "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \\
	-o "-k $dir -h 127.0.0.1 -p $pg_port -c fsync=off -c max_connections=300" start ;;
freeze) kill -STOP \$(server_pids) ;;
thaw) kill -CONT \$(server_pids) ;;
*) echo "usage: pgctl stop|start|freeze|thaw" >&2; exit 2 ;;
esac
EOF
chmod 755 "$dir/pgctl"
"$dir/pgctl" start >/dev/null

# PgBouncer: every database, the servers' own password, transaction mode;
# a failed server login is retried after 1 s (default 15 s), so a restarted
# server is reached within the 5 s the fault tests allow.
cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$pg_port user=todod password=$password

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
server_login_retry = 1
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
printf '"todod" "%s"\n' "$password" >"$dir/userlist.txt"
chmod 600 "$dir/pgbouncer.ini" "$dir/userlist.txt"
[ "$(id -u)" = 0 ] && chown postgres: "$dir/pgbouncer.ini" "$dir/userlist.txt"
as_db /usr/sbin/pgbouncer -d "$dir/pgbouncer.ini"
i=0
until [ -f "$dir/pgbouncer.pid" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "pg-test.sh: pgbouncer did not start" >&2; cat "$dir/pgbouncer.log" >&2; exit 1; }
	sleep 0.1
done

export TODOD_PG_ADMIN_URL="postgresql://todod:$password@127.0.0.1:$pg_port/postgres"
export TODOD_PG_URL="postgresql://todod:$password@127.0.0.1:$pg_port/{db}"
export TODOD_PG_BOUNCER_URL="postgresql://todod:$password@127.0.0.1:$bouncer_port/{db}?prepare=off"
export TODOD_PG_CTL="$dir/pgctl"
echo "pg-test.sh: postgresql on 127.0.0.1:$pg_port, pgbouncer (transaction mode) on 127.0.0.1:$bouncer_port" >&2
set +e
"$@"
rc=$?
set -e
exit "$rc"
