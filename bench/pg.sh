#!/usr/bin/env bash
# pg.sh: the list and create workloads on PostgreSQL, beside SQLite and the
# nginx reference in the same run: todod on SQLite, one todod on PostgreSQL,
# two todod on the same PostgreSQL behind haproxy (docs/haproxy.cfg), and
# nginx serving the SQLite instance's list bytes. Runs under
# scripts/pg-test.sh (`make bench BENCH=pg` does both), which provides the
# throw-away PostgreSQL. Prints a table; BENCH_DURATION and BENCH_WARMUP
# (seconds) set the run lengths, BENCH_SHORT=1 makes them 2 and 1.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${TODOD_BIN:-$ROOT/build/todod}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
if [ "${BENCH_SHORT:-0}" = 1 ]; then DURATION=2 WARMUP=1; fi
CONNS=${BENCH_CONNS:-64}
SECRET=bench-secret-0123456789abcdef0123456789abcdef

die() { echo "bench: $*" >&2; exit 1; }
[ -n "${TODOD_PG_URL:-}" ] || die "run under scripts/pg-test.sh (make bench BENCH=pg)"
for tool in wrk nginx haproxy curl psql; do
	command -v "$tool" >/dev/null || die "$tool is missing (make bench installs it)"
done
[ -x "$BIN" ] || die "$BIN is missing: run make first"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/todod-bench-pg.XXXXXX")
PIDS=()
cleanup() {
	set +e
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_http() { # url what
	for _ in $(seq 1 200); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.05
	done
	die "$2 did not come up"
}

start_todod() { # name db-url var: starts one instance, sets var to its port
	local port
	port=$(free_port)
	mkdir -p "$TMP/$1"
	env -u TODOD_LISTEN -u TODOD_DATA_DIR -u TODOD_TOKEN_TTL -u TODOD_LOGIN_MAX_FAILURES \
		TODOD_JWT_SECRET=$SECRET TODOD_TRUST_PROXY=1 \
		"$BIN" serve --listen "127.0.0.1:$port" --data-dir "$TMP/$1" --db "$2" >/dev/null 2>"$TMP/$1.log" &
	PIDS+=($!)
	wait_http "http://127.0.0.1:$port/readyz" "todod ($1)"
	printf -v "$3" '%s' "$port"
}

seed() { # base: registers the bench user, creates the seed tasks, prints the token
	local base=$1 token completed title description body
	token=$(curl -sf -H 'Content-Type: application/json' --data-binary \
		'{"email":"ada@bench.example","password":"correct horse battery","name":"Ada Bench"}' \
		"$base/api/auth/register" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
	[ -n "$token" ] || die "cannot register on $base"
	while IFS='|' read -r completed title description; do
		case "$completed" in '#'* | '') continue ;; esac
		body="{\"title\":\"$title\""
		[ -z "$description" ] || body="$body,\"description\":\"$description\""
		[ "$completed" = 0 ] || body="$body,\"completed\":true"
		curl -sf -o /dev/null -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
			--data-binary "$body}" "$base/api/tasks" || die "cannot create a task on $base"
	done <"$ROOT/bench/seed-tasks.txt"
	echo "$token"
}

declare -A RPS P99 ERR
run() { # name script url token
	local out=$TMP/wrk-$1.txt line
	BENCH_TOKEN=$4 wrk -t2 -c"$CONNS" -d"${WARMUP}s" -s "$ROOT/bench/lua/$2" "$3" >/dev/null 2>&1 ||
		die "wrk failed on $1"
	BENCH_TOKEN=$4 wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$ROOT/bench/lua/$2" "$3" >"$out" 2>&1 ||
		die "wrk failed on $1: $(tail -n 3 "$out")"
	line=$(grep '^BENCH ' "$out" | tail -n 1)
	RPS[$1]=$(echo "$line" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.0f", (v["duration_us"] > 0) ? v["requests"] * 1e6 / v["duration_us"] : 0 }')
	P99[$1]=$(echo "$line" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.2f", v["p99_us"] / 1000 }')
	ERR[$1]=$(echo "$line" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["non2xx"] + v["connect"] + v["read"] + v["write"] + v["timeout"] }')
	echo "bench: $1: ${RPS[$1]} req/s" >&2
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

export BENCH_LUA=$ROOT/bench/lua
db=todod_bench_$$
psql "$TODOD_PG_ADMIN_URL" -qAtc "CREATE DATABASE $db" >/dev/null
PG=${TODOD_PG_URL//\{db\}/$db}

start_todod sqlite "sqlite:$TMP/sqlite/todod.db" LITE_PORT
start_todod pg1 "$PG" PG1_PORT
start_todod pg2 "$PG" PG2_PORT
LITE_TOKEN=$(seed "http://127.0.0.1:$LITE_PORT")
PG_TOKEN=$(seed "http://127.0.0.1:$PG1_PORT")

LB_PORT=$(free_port)
TODOD_LB_LISTEN=127.0.0.1:$LB_PORT TODOD_INSTANCE_1=127.0.0.1:$PG1_PORT TODOD_INSTANCE_2=127.0.0.1:$PG2_PORT \
	haproxy -db -f "$ROOT/docs/haproxy.cfg" </dev/null >"$TMP/haproxy.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$LB_PORT/readyz" haproxy

NGINX_PORT=$(free_port)
mkdir -p "$TMP/nginx/tmp"
curl -sf -H "Authorization: Bearer $LITE_TOKEN" -o "$TMP/nginx/tasks.json" "http://127.0.0.1:$LITE_PORT/api/tasks"
user=""
[ "$(id -u)" != 0 ] || user="user $(id -un) $(id -gn);"
sed -e "s|@PREFIX@|$TMP/nginx|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@USER@|$user|" \
	"$ROOT/bench/nginx.conf.in" >"$TMP/nginx/nginx.conf"
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/api/tasks" nginx

run list-nginx list.lua "http://127.0.0.1:$NGINX_PORT/api/tasks" "$LITE_TOKEN"
run list-sqlite list.lua "http://127.0.0.1:$LITE_PORT/api/tasks" "$LITE_TOKEN"
run list-pg list.lua "http://127.0.0.1:$PG1_PORT/api/tasks" "$PG_TOKEN"
run list-pg-x2 list.lua "http://127.0.0.1:$LB_PORT/api/tasks" "$PG_TOKEN"
run create-sqlite create.lua "http://127.0.0.1:$LITE_PORT/api/tasks" "$LITE_TOKEN"
run create-pg create.lua "http://127.0.0.1:$PG1_PORT/api/tasks" "$PG_TOKEN"
run create-pg-x2 create.lua "http://127.0.0.1:$LB_PORT/api/tasks" "$PG_TOKEN"

errors=0
{
	echo "todod on PostgreSQL: wrk -t2 -c$CONNS, ${DURATION}s after ${WARMUP}s warm-up, $(nproc) cores" \
		"shared by wrk, todod, PostgreSQL, haproxy and nginx"
	printf '%-34s %9s %8s %7s\n' workload req/s "p99 ms" errors
	for r in list-nginx list-sqlite list-pg list-pg-x2 create-sqlite create-pg create-pg-x2; do
		printf '%-34s %9s %8s %7s\n' "$r" "${RPS[$r]}" "${P99[$r]}" "${ERR[$r]}"
		errors=$((errors + ${ERR[$r]}))
	done
	echo
	echo "list: postgresql/sqlite $(ratio "${RPS[list-pg]}" "${RPS[list-sqlite]}") (target >= 0.5)," \
		"two instances/one $(ratio "${RPS[list-pg-x2]}" "${RPS[list-pg]}") (target > 1)," \
		"sqlite/nginx $(ratio "${RPS[list-sqlite]}" "${RPS[list-nginx]}")"
	echo "create: postgresql/sqlite $(ratio "${RPS[create-pg]}" "${RPS[create-sqlite]}")," \
		"two instances/one $(ratio "${RPS[create-pg-x2]}" "${RPS[create-pg]}")"
	echo "errors (non-2xx + socket errors): $errors"
} | tee "$TMP/table.txt"
mkdir -p "$ROOT/bench/out"
cp "$TMP/table.txt" "$ROOT/bench/out/pg-table.txt"
[ "$errors" = 0 ] || die "the runs saw errors: their figures do not measure the work they name"
