#!/usr/bin/env bash
# run.sh: wrk workloads against the built build/todod, with nginx serving the
# same list response as a static file in the same run as the reference.
# Prints a table and writes bench/out/results.txt (key=value records) and
# each run's wrk report as bench/out/wrk-*.txt. Needs wrk, nginx and curl
# (`make bench` installs them and builds first); talks only to 127.0.0.1.
# BENCH_DURATION and BENCH_WARMUP (seconds) shorten a trial run;
# BENCH_WORKLOADS picks what runs, among list (todod and nginx), storm,
# create, toggle and fairness (default: all of them), e.g.
# BENCH_WORKLOADS="list create toggle" for the writes beside the list.

# `make bench` runs this with sh; the rest needs bash (arrays, /dev/tcp)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${TODOD_BIN:-$ROOT/build/todod}
OUT=$ROOT/bench/out
DURATION=${BENCH_DURATION:-10}
CORES=$(nproc)
HZ=$(getconf CLK_TCK)
WARMUP=${BENCH_WARMUP:-2}
THREADS=2
CONNS="64 256"
STORM_THREADS=1
# Each login in flight holds one of the email's failure slots until its
# password is checked (TODOD_LOGIN_MAX_FAILURES, default 5), so more than 5
# concurrent logins for one account get 429 even with the right password.
# 4 connections keep todod's hash workers busy on this 2-core machine.
STORM_CONNS=${BENCH_STORM_CONNS:-4}
WORKLOADS=${BENCH_WORKLOADS:-list storm create toggle fairness}

# targets (DESIGN.md; the list raised to 0.8 of nginx), printed next to the figures
TARGET_LIST_RATIO=0.8
TARGET_STORM_P99_RATIO=2
TARGET_RSS_MIB=32
TARGET_RSS_CONNS=256
TARGET_STORM_LOGIN_P99_MS=500
TARGET_WRITE_P99_MS=10 # POST and PATCH .../complete, at TARGET_WRITE_CONNS
TARGET_WRITE_CONNS=64

TMP=
TODOD_PID=
NGINX_PID=
SAMPLER_PID=
STORM_PID=
ERRORS=0

die() {
	echo "bench: $*" >&2
	exit 1
}

wanted() { # workload: whether BENCH_WORKLOADS names it
	case " $WORKLOADS " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# ---- processes and cleanup -------------------------------------------------

stop_pid() { # pid seconds: SIGTERM, then SIGKILL after the grace time
	local pid=$1 left=$(($2 * 10))
	kill -TERM "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ "$left" -gt 0 ]; do
		sleep 0.1
		left=$((left - 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	set +e
	[ -z "$SAMPLER_PID" ] || stop_pid "$SAMPLER_PID" 1
	[ -z "$STORM_PID" ] || stop_pid "$STORM_PID" 2
	[ -z "$NGINX_PID" ] || stop_pid "$NGINX_PID" 5
	[ -z "$TODOD_PID" ] || stop_pid "$TODOD_PID" 10
	[ -z "$TMP" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { # a loopback port nothing listens on
	local p
	for _ in $(seq 1 200); do
		# below the kernel's ephemeral ports (32768 and up), which the
		# bench's own client connections hold by the thousand: a port
		# nothing listens on there may still be bound (nginx: EADDRINUSE)
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

rss_kb() { # pid...: total VmRSS in kB of the processes still alive
	local pid
	for pid; do cat "/proc/$pid/status" 2>/dev/null || true; done |
		awk '$1 == "VmRSS:" { s += $2 } END { print s + 0 }'
}

children_of() { # pid: its child processes
	local s key val
	for s in /proc/[0-9]*/status; do
		while read -r key val; do
			if [ "$key" = PPid: ]; then
				if [ "$val" = "$1" ]; then
					s=${s#/proc/}
					echo "${s%/status}"
				fi
				break
			fi
		done 2>/dev/null <"$s" || true
	done
}

sample_rss() { # file pid...: keeps the largest total RSS seen (kB) in file
	set +e
	local out=$1 max=0 cur
	shift
	while :; do
		cur=$(rss_kb "$@")
		if [ "$cur" -gt "$max" ]; then
			max=$cur
			echo "$max" >"$out"
		fi
		sleep 0.5
	done
}

start_sampler() { # file pid...
	echo 0 >"$1"
	sample_rss "$@" &
	SAMPLER_PID=$!
}

stop_sampler() { # file pid...: stops sampling and takes one last sample
	local out=$1 last
	shift
	stop_pid "$SAMPLER_PID" 1
	SAMPLER_PID=
	last=$(rss_kb "$@")
	[ "$last" -le "$(cat "$out")" ] || echo "$last" >"$out"
}

# CPU used during a measured run by anything but the server under test and
# wrk, as a share of the machine: on a shared machine other work (a build, a
# fuzzer) skews the figures, so the table shows it.
machine_ticks() { # user + nice + system + steal of all cores
	awk '$1 == "cpu" { print $2 + $3 + $4 + $9 }' /proc/stat
}

pid_ticks() { # pid...: their user + system time, all threads
	local pid
	for pid; do cat "/proc/$pid/stat" 2>/dev/null || true; done |
		awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }'
}

pid_disk_bytes() { # pid...: the bytes they caused to be written to disk
	local pid
	for pid; do cat "/proc/$pid/io" 2>/dev/null || true; done |
		awk '$1 == "write_bytes:" { s += $2 } END { print s + 0 }'
}

cpu_mark() { # file pid...: now, machine ticks, the pids' ticks, finished children's ticks, the pids' disk bytes
	local out=$1
	shift
	times >"$TMP/times" # in this shell: a subshell would see no children
	echo "$(date +%s%N) $(machine_ticks) $(pid_ticks "$@")" \
		"$(awk -v hz="$HZ" 'NR == 2 { for (i = 1; i <= 2; i++) {
			split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60 + a[2] } }
			END { printf "%d", t * hz }' "$TMP/times") $(pid_disk_bytes "$@")" >"$out"
}

other_cpu() { # run file0 file1: % of the machine busy elsewhere between the marks
	R["$1.other_cpu"]=$(cat "$2" "$3" | awk -v hz="$HZ" -v cores="$CORES" '
		NR == 1 { t = $1; m = $2; p = $3; c = $4 }
		NR == 2 { wall = ($1 - t) / 1e9; other = ($2 - m) - ($3 - p) - ($4 - c)
			if (other < 0) other = 0
			printf "%.0f", (wall > 0) ? 100 * other / (hz * cores * wall) : 0 }')
}

# What one request cost the server under test, between the marks: CPU time
# (us, all its threads and processes) and bytes written to disk (KB). With
# the rate, these say what bounds a run: a server at 2 cores' worth of CPU
# is computing; one well below it is waiting (locks, wake-ups, fsync).
server_cost() { # run file0 file1 (after load_result)
	local cost
	cost=$(cat "$2" "$3" | awk -v hz="$HZ" -v n="${R[$1.requests]}" '
		NR == 1 { p = $3; d = $5 }
		NR == 2 { if (n > 0) printf "%.0f %.2f", ($3 - p) * 1e6 / hz / n, ($5 - d) / 1024 / n
			else printf "n/a n/a" }')
	R["$1.cpu_us"]=${cost% *}
	R["$1.disk_kb"]=${cost#* }
}

check_todod() { # after each run: the server must still be up
	local status
	kill -0 "$TODOD_PID" 2>/dev/null && return 0
	wait "$TODOD_PID" 2>/dev/null && status=0 || status=$?
	TODOD_PID=
	tail -n 50 "$TMP/todod.log" >"$OUT/todod-stderr-tail.txt"
	echo "bench: todod died during '$1' (exit status $status); last stderr lines:" >&2
	grep -v -E '^[0-9T:.-]+Z [A-Z]+ /' "$TMP/todod.log" | tail -n 20 >&2 || true
	die "todod crashed under load; see bench/out/todod-stderr-tail.txt"
}

# ---- todod set-up ----------------------------------------------------------

api() { # method path [body] [token]: prints the status, body in $TMP/resp
	local args=(-sS -o "$TMP/resp" -w '%{http_code}' -X "$1")
	[ -z "${3-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$3")
	[ -z "${4-}" ] || args+=(-H "Authorization: Bearer $4")
	curl "${args[@]}" "http://127.0.0.1:$TODOD_PORT$2"
}

expect() { # wanted-status what method path [body] [token]
	local want=$1 what=$2 got
	shift 2
	got=$(api "$@") || die "cannot $what: curl failed"
	[ "$got" = "$want" ] || die "cannot $what: HTTP $got, wanted $want: $(head -c 300 "$TMP/resp")"
}

token_of_resp() {
	sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$TMP/resp"
}

start_todod() {
	TODOD_PORT=$(free_port) || die "no free loopback port"
	mkdir -p "$TMP/data"
	# Flags set the address and database; the environment must not add a
	# proxy, a short token lifetime or another database.
	env -u DATABASE_URL -u TODOD_LISTEN -u TODOD_DATA_DIR -u TODOD_TOKEN_TTL \
		-u TODOD_LOGIN_MAX_FAILURES -u TODOD_TRUST_PROXY \
		"$BIN" serve --listen "127.0.0.1:$TODOD_PORT" --data-dir "$TMP/data" \
		--db "sqlite:$TMP/data/todod.db" 2>"$TMP/todod.log" &
	TODOD_PID=$!
	for _ in $(seq 1 100); do
		grep -q 'listening on' "$TMP/todod.log" && return 0
		kill -0 "$TODOD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$TMP/todod.log" >&2
	die "todod did not start"
}

seed_todod() { # registers the users, creates the tasks, saves the list
	local completed title description body
	expect 201 "register the bench user" POST /api/auth/register \
		'{"email":"ada@bench.example","password":"correct horse battery","name":"Ada Bench"}'
	TOKEN=$(token_of_resp)
	[ -n "$TOKEN" ] || die "no access_token in the register answer"

	while IFS='|' read -r completed title description; do
		case "$completed" in '#'* | '') continue ;; esac
		body="{\"title\":\"$title\""
		[ -z "$description" ] || body="$body,\"description\":\"$description\""
		[ "$completed" = 0 ] || body="$body,\"completed\":true"
		body="$body}"
		expect 201 "create a task" POST /api/tasks "$body" "$TOKEN"
		[ -n "${TASK_ID-}" ] || TASK_ID=$(grep -o '"id":[0-9]*' "$TMP/resp" | head -n 1 | cut -d: -f2)
	done <"$ROOT/bench/seed-tasks.txt"
	[ -n "${TASK_ID-}" ] || die "no task id in the create answer"

	# the sign-in storm logs in as someone else, so reads and logins share
	# nothing but the server
	LOGIN_EMAIL=grace@bench.example
	LOGIN_PASSWORD='another long passphrase'
	expect 201 "register the storm user" POST /api/auth/register \
		"{\"email\":\"$LOGIN_EMAIL\",\"password\":\"$LOGIN_PASSWORD\",\"name\":\"Grace Storm\"}"
	expect 200 "log the storm user in" POST /api/auth/login \
		"{\"email\":\"$LOGIN_EMAIL\",\"password\":\"$LOGIN_PASSWORD\"}"

	mkdir -p "$TMP/nginx"
	expect 200 "list the tasks" GET /api/tasks "" "$TOKEN"
	cp "$TMP/resp" "$TMP/nginx/tasks.json"
	LIST_TASKS=$(grep -o '"id":[0-9]*' "$TMP/nginx/tasks.json" | wc -l)
	LIST_BYTES=$(wc -c <"$TMP/nginx/tasks.json")
}

# ---- nginx reference -------------------------------------------------------

start_nginx() {
	local prefix=$TMP/nginx user=""
	NGINX_PORT=$(free_port) || die "no free loopback port"
	mkdir -p "$prefix/tmp"
	# run as whoever runs the bench; only root may (and must) say so
	[ "$(id -u)" != 0 ] || user="user $(id -un) $(id -gn);"
	sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@USER@|$user|" \
		"$ROOT/bench/nginx.conf.in" >"$prefix/nginx.conf"
	nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" 2>"$prefix/stderr.log" &
	NGINX_PID=$!
	for _ in $(seq 1 100); do
		if curl -sf -o "$TMP/nginx-resp" "http://127.0.0.1:$NGINX_PORT/api/tasks" 2>/dev/null; then
			cmp -s "$TMP/nginx-resp" "$prefix/tasks.json" || die "nginx serves other bytes than todod"
			NGINX_PIDS="$NGINX_PID $(children_of "$NGINX_PID" | tr '\n' ' ')"
			return 0
		fi
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$prefix/stderr.log" "$prefix/error.log" >&2 2>/dev/null
	die "nginx did not start"
}

# ---- measurements ----------------------------------------------------------

declare -A R # "<run>.<field>" -> value

load_result() { # run file: reads the BENCH line of a wrk report into R
	local line kv
	line=$(grep '^BENCH ' "$2" | tail -n 1) || die "no result in $2"
	for kv in ${line#BENCH }; do R["$1.${kv%%=*}"]=${kv#*=}; done
	R["$1.rps"]=$(awk -v n="${R[$1.requests]}" -v us="${R[$1.duration_us]}" \
		'BEGIN { printf "%.1f", (us > 0) ? n * 1e6 / us : 0 }')
	# answers that were not errors, per second (the storm's logins/s)
	R["$1.ok_rps"]=$(awk -v n="${R[$1.requests]}" -v e="${R[$1.non2xx]}" -v us="${R[$1.duration_us]}" \
		'BEGIN { printf "%.1f", (us > 0) ? (n - e) * 1e6 / us : 0 }')
	R["$1.sockerr"]=$((${R[$1.connect]} + ${R[$1.read]} + ${R[$1.write]} + ${R[$1.timeout]}))
}

wrk_run() { # file threads conns seconds script url
	wrk -t"$2" -c"$3" -d"$4s" --latency -s "$ROOT/bench/lua/$5" "$6" >"$1" 2>&1 ||
		die "wrk failed: $(tail -n 5 "$1")"
}

measure() { # run script url conns rss-pid...: warm-up, then the measured run
	local run=$1 script=$2 url=$3 conns=$4
	shift 4
	echo "bench: $run: ${WARMUP}s warm-up, ${DURATION}s measured" >&2
	start_sampler "$TMP/rss" "$@"
	wrk_run "$OUT/wrk-$run-warmup.txt" "$THREADS" "$conns" "$WARMUP" "$script" "$url"
	cpu_mark "$TMP/cpu0" "$@"
	wrk_run "$OUT/wrk-$run.txt" "$THREADS" "$conns" "$DURATION" "$script" "$url"
	cpu_mark "$TMP/cpu1" "$@"
	stop_sampler "$TMP/rss" "$@"
	other_cpu "$run" "$TMP/cpu0" "$TMP/cpu1"
	R["$run.rss_kb"]=$(cat "$TMP/rss")
	load_result "$run" "$OUT/wrk-$run.txt"
	load_result "$run-warmup" "$OUT/wrk-$run-warmup.txt"
	server_cost "$run" "$TMP/cpu0" "$TMP/cpu1"
	check_todod "$run"
}

measure_storm() { # conns: reads while another account logs in nonstop
	local conns=$1 run="storm-c$1" url="http://127.0.0.1:$TODOD_PORT"
	echo "bench: $run: login storm (-t$STORM_THREADS -c$STORM_CONNS) under the reads" >&2
	start_sampler "$TMP/rss" "$TODOD_PID"
	# A login waits for the hashes queued before it on todod's one hash
	# worker (2 cores), so the storm allows some seconds.
	wrk -t"$STORM_THREADS" -c"$STORM_CONNS" -d"$((WARMUP + DURATION + 2))s" --latency --timeout 10s \
		-s "$ROOT/bench/lua/login.lua" "$url/api/auth/login" >"$OUT/wrk-$run-login.txt" 2>&1 &
	STORM_PID=$!
	sleep 1
	wrk_run "$OUT/wrk-$run-warmup.txt" "$THREADS" "$conns" "$WARMUP" list.lua "$url/api/tasks"
	cpu_mark "$TMP/cpu0" "$TODOD_PID" "$STORM_PID"
	wrk_run "$OUT/wrk-$run.txt" "$THREADS" "$conns" "$DURATION" list.lua "$url/api/tasks"
	cpu_mark "$TMP/cpu1" "$TODOD_PID" "$STORM_PID"
	wait "$STORM_PID" || die "the login storm's wrk failed"
	other_cpu "$run" "$TMP/cpu0" "$TMP/cpu1"
	STORM_PID=
	stop_sampler "$TMP/rss" "$TODOD_PID"
	R["$run.rss_kb"]=$(cat "$TMP/rss")
	load_result "$run" "$OUT/wrk-$run.txt"
	load_result "$run-warmup" "$OUT/wrk-$run-warmup.txt"
	load_result "$run-login" "$OUT/wrk-$run-login.txt"
	check_todod "$run"
}

# ---- report ----------------------------------------------------------------

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
meets() { # value op target: PASS or FAIL
	awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
		ok = (op == ">=") ? v >= t : (op == "<") ? v < t : v <= t
		print (v == "n/a") ? "n/a" : (ok ? "PASS" : "FAIL") }'
}

count_errors() { # run: non-2xx and socket errors make a run meaningless
	local run=$1 n=$((${R[$1.non2xx]} + ${R[$1.sockerr]}))
	[ -z "${R[$1-warmup.non2xx]-}" ] || n=$((n + ${R[$1-warmup.non2xx]} + ${R[$1-warmup.sockerr]}))
	if [ "$n" -gt 0 ]; then
		ERRORS=$((ERRORS + n))
		echo "bench: WARNING: $run: ${R[$run.non2xx]} non-2xx responses, socket errors" \
			"connect ${R[$run.connect]} read ${R[$run.read]} write ${R[$run.write]}" \
			"timeout ${R[$run.timeout]} (warm-up included in the count: $n); see bench/out/wrk-$run.txt" >&2
	fi
}

row() { # label conns server run rss-kb|- notes
	local run=$4 rss=-
	[ "$5" = - ] || rss=$(mib "$5")
	printf '%-34s %5s  %-6s %9s %8s %8s %7s %8s %7s %5s %7s %7s  %s\n' "$1" "$2" "$3" "${R[$run.rps]}" \
		"$(ms "${R[$run.p50_us]}")" "$(ms "${R[$run.p99_us]}")" "${R[$run.non2xx]}" \
		"${R[$run.sockerr]}" "$rss" "${R[$run.other_cpu]--}" "${R[$run.cpu_us]--}" "${R[$run.disk_kb]--}" "$6"
}

record() { # workload server conns run rss-kb extra...
	local run=$4
	echo "run workload=$1 server=$2 conns=$3 requests=${R[$run.requests]}" \
		"rps=${R[$run.rps]} p50_ms=$(ms "${R[$run.p50_us]}") p90_ms=$(ms "${R[$run.p90_us]}")" \
		"p99_ms=$(ms "${R[$run.p99_us]}") max_ms=$(ms "${R[$run.max_us]}")" \
		"non2xx=${R[$run.non2xx]} socket_errors=${R[$run.sockerr]} rss_max_mib=$(mib "$5")" \
		"other_cpu_pct=${R[$run.other_cpu]-}" "cpu_us_per_req=${R[$run.cpu_us]-}" \
		"disk_kb_per_req=${R[$run.disk_kb]-}" "${@:6}"
}

summarise_log() { # the request log: counts by method, route and status
	awk '$2 ~ /^[A-Z]+$/ && $4 ~ /^[0-9][0-9][0-9]$/ {
		path = $3; sub(/\?.*/, "", path); gsub(/\/[0-9]+/, "/{id}", path)
		n[$2 " " path " " $4]++; total++; next }
	{ other++ }
	END {
		for (k in n) printf "%10d  %s\n", n[k], k
		printf "%10d  request log lines\n%10d  other stderr lines\n", total, other + 0
	}' "$TMP/todod.log" | sort -k2 >"$OUT/todod-requests.txt"
	grep -v -E '^[0-9T:.-]+Z [A-Z]+ /' "$TMP/todod.log" | head -n 50 >"$OUT/todod-stderr-other.txt" || true
}

# ---- main ------------------------------------------------------------------

for tool in wrk nginx curl; do
	command -v "$tool" >/dev/null || die "$tool is missing (make bench installs it)"
done
[ -x "$BIN" ] || die "$BIN is missing: run make first"
for w in $WORKLOADS; do
	case "$w" in list | storm | create | toggle | fairness) ;; *) die "unknown workload '$w' in BENCH_WORKLOADS" ;; esac
done
mkdir -p "$OUT"
rm -f "$OUT"/wrk-*.txt "$OUT"/results.txt "$OUT"/todod-*.txt
TMP=$(mktemp -d "${TMPDIR:-/tmp}/todod-bench.XXXXXX")

start_todod
seed_todod
start_nginx
export BENCH_LUA=$ROOT/bench/lua BENCH_TOKEN=$TOKEN
export BENCH_LOGIN_EMAIL=$LOGIN_EMAIL BENCH_LOGIN_PASSWORD=$LOGIN_PASSWORD
RSS_IDLE_KB=$(rss_kb "$TODOD_PID")
echo "bench: todod on 127.0.0.1:$TODOD_PORT (pid $TODOD_PID), nginx on 127.0.0.1:$NGINX_PORT;" \
	"list answer $LIST_TASKS tasks, $LIST_BYTES bytes" >&2

# Reads first, while the list is the 20 seeded tasks nginx also serves;
# then writes, which grow the list.
if wanted list; then
	for c in $CONNS; do
		measure "list-todod-c$c" list.lua "http://127.0.0.1:$TODOD_PORT/api/tasks" "$c" "$TODOD_PID"
		# shellcheck disable=SC2086 # one pid per word
		measure "list-nginx-c$c" list.lua "http://127.0.0.1:$NGINX_PORT/api/tasks" "$c" $NGINX_PIDS
	done
	expect 200 "list the tasks after the read runs" GET /api/tasks "" "$TOKEN"
	cmp -s "$TMP/resp" "$TMP/nginx/tasks.json" ||
		echo "bench: WARNING: the list answer changed during the read runs" >&2
fi
if wanted storm; then
	for c in $CONNS; do measure_storm "$c"; done
fi
if wanted create; then
	for c in $CONNS; do
		measure "create-c$c" create.lua "http://127.0.0.1:$TODOD_PORT/api/tasks" "$c" "$TODOD_PID"
	done
fi
if wanted toggle; then
	for c in $CONNS; do
		measure "toggle-c$c" toggle.lua "http://127.0.0.1:$TODOD_PORT/api/tasks/$TASK_ID/complete" \
			"$c" "$TODOD_PID"
	done
fi

# the one token used throughout must still be live: nothing logged it out
SESSION_STATUS=$(api GET /api/auth/me "" "$TOKEN") || SESSION_STATUS=curl-failed
[ "$SESSION_STATUS" = 200 ] || {
	echo "bench: WARNING: the bench token gets HTTP $SESSION_STATUS from /api/auth/me after the runs" >&2
	ERRORS=$((ERRORS + 1))
}
RSS_END_KB=$(rss_kb "$TODOD_PID")

# graceful stop, as the contract promises: exit 0 within 10 s
stop_start=$(date +%s)
kill -TERM "$TODOD_PID"
for _ in $(seq 1 110); do
	kill -0 "$TODOD_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$TODOD_PID" 2>/dev/null; then
	STOP_RESULT="still running 11 s after SIGTERM"
	ERRORS=$((ERRORS + 1))
else
	wait "$TODOD_PID" && STOP_RESULT="exit 0" || STOP_RESULT="exit $?"
	TODOD_PID=
	STOP_RESULT="$STOP_RESULT after $(($(date +%s) - stop_start)) s"
fi
summarise_log

RUNS=""
! wanted list || for c in $CONNS; do RUNS="$RUNS list-todod-c$c list-nginx-c$c"; done
for w in create toggle storm; do
	! wanted $w || for c in $CONNS; do RUNS="$RUNS $w-c$c"; done
done
for run in $RUNS; do
	count_errors "$run"
	case "$run" in storm-*) count_errors "$run-login" ;; esac
done
# RSS at the target's connection count, apart from the storm, whose password
# hashes each take argon2id's working memory (7 MiB) on top
RSS_MAX_KB=0
for run in list-todod create toggle; do
	kb=${R[$run-c$TARGET_RSS_CONNS.rss_kb]-0}
	[ "$kb" -le "$RSS_MAX_KB" ] || RSS_MAX_KB=$kb
done
RSS_STORM_KB=${R[storm-c$TARGET_RSS_CONNS.rss_kb]-0}

{
	echo "todod bench: wrk -t$THREADS, ${DURATION}s runs after ${WARMUP}s warm-up, $(nproc) cores," \
		"todod $(cat VERSION 2>/dev/null || echo '?'), $(nginx -v 2>&1 | sed 's/.*: //')"
	echo "list answer: $LIST_TASKS tasks, $LIST_BYTES bytes; todod RSS idle $(mib "$RSS_IDLE_KB") MiB," \
		"at the end $(mib "$RSS_END_KB") MiB"
	echo "RSS: max during the run (nginx: master + workers); other: % of the machine's CPU" \
		"used by other processes during the run; CPU us and disk KB: the server's per request"
	echo
	printf '%-34s %5s  %-6s %9s %8s %8s %7s %8s %7s %5s %7s %7s  %s\n' workload conns server req/s \
		"p50 ms" "p99 ms" non-2xx sock-err "RSS MiB" other "CPU us" "disk KB" notes
	! wanted list || for c in $CONNS; do
		row "GET /api/tasks" "$c" todod "list-todod-c$c" "${R[list-todod-c$c.rss_kb]}" \
			"todod/nginx rate $(ratio "${R[list-todod-c$c.rps]}" "${R[list-nginx-c$c.rps]}")"
		row "GET /api/tasks (static reference)" "$c" nginx "list-nginx-c$c" "${R[list-nginx-c$c.rss_kb]}" ""
	done
	! wanted create || for c in $CONNS; do
		row "POST /api/tasks" "$c" todod "create-c$c" "${R[create-c$c.rss_kb]}" ""
	done
	! wanted toggle || for c in $CONNS; do
		row "PATCH /api/tasks/$TASK_ID/complete" "$c" todod "toggle-c$c" "${R[toggle-c$c.rss_kb]}" ""
	done
	! wanted storm || for c in $CONNS; do
		row "GET /api/tasks + login storm" "$c" todod "storm-c$c" "${R[storm-c$c.rss_kb]}" \
			"p99 x$(ratio "${R[storm-c$c.p99_us]}" "${R[list-todod-c$c.p99_us]-0}") vs no storm"
		row "  the storm: POST /api/auth/login" "$STORM_CONNS" todod "storm-c$c-login" - \
			"logins/s ${R[storm-c$c-login.ok_rps]}"
	done
	echo
	echo "targets:"
	! wanted list || for c in $CONNS; do
		v=$(ratio "${R[list-todod-c$c.rps]}" "${R[list-nginx-c$c.rps]}")
		printf '  %-52s %8s  %s\n' "list rate todod/nginx >= $TARGET_LIST_RATIO at $c conns" "$v" \
			"$(meets "$v" ">=" "$TARGET_LIST_RATIO")"
	done
	! wanted storm || ! wanted list || for c in $CONNS; do
		v=$(ratio "${R[storm-c$c.p99_us]}" "${R[list-todod-c$c.p99_us]}")
		printf '  %-52s %8s  %s\n' "list p99 with/without login storm <= ${TARGET_STORM_P99_RATIO}x at $c conns" \
			"$v" "$(meets "$v" "<=" "$TARGET_STORM_P99_RATIO")"
	done
	! wanted storm || for c in $CONNS; do
		v=$(ms "${R[storm-c$c-login.p99_us]}")
		printf '  %-52s %8s  %s\n' "storm login p99 <= $TARGET_STORM_LOGIN_P99_MS ms at $c conns (p50 $(ms "${R[storm-c$c-login.p50_us]}") ms)" \
			"$v" "$(meets "$v" "<=" "$TARGET_STORM_LOGIN_P99_MS")"
	done
	for w in create:POST toggle:PATCH; do
		wanted "${w%%:*}" || continue
		v=$(ms "${R[${w%%:*}-c$TARGET_WRITE_CONNS.p99_us]}")
		printf '  %-52s %8s  %s\n' "${w#*:} p99 < $TARGET_WRITE_P99_MS ms at $TARGET_WRITE_CONNS conns" \
			"$v" "$(meets "$v" "<" "$TARGET_WRITE_P99_MS")"
	done
	printf '  %-52s %8s  %s\n' "todod max RSS <= $TARGET_RSS_MIB MiB at $TARGET_RSS_CONNS conns (no storm)" \
		"$(mib "$RSS_MAX_KB")" "$(meets "$(mib "$RSS_MAX_KB")" "<=" "$TARGET_RSS_MIB")"
	! wanted storm || printf '  %-52s %8s  %s\n' "  the same during the login storm (argon2id memory)" \
		"$(mib "$RSS_STORM_KB")" "$(meets "$(mib "$RSS_STORM_KB")" "<=" "$TARGET_RSS_MIB")"
	echo
	echo "bench token after the runs: HTTP $SESSION_STATUS from /api/auth/me; todod on SIGTERM: $STOP_RESULT"
	echo "errors (non-2xx + socket errors, warm-ups included): $ERRORS"
	busy=""
	for run in $RUNS; do
		[ "${R[$run.other_cpu]}" -le 10 ] || busy="$busy $run"
	done
	[ -z "$busy" ] || echo "WARNING: other processes took over 10% of the CPU during:$busy;" \
		"those figures are low and the ratios unreliable"
	echo "request log summary: bench/out/todod-requests.txt; wrk reports: bench/out/wrk-*.txt"
} | tee "$OUT/table.txt"

{
	echo "# todod bench results: one record a line, key=value; latencies in ms, RSS in MiB, per-request CPU in us and disk writes in KB"
	echo "meta duration_s=$DURATION warmup_s=$WARMUP threads=$THREADS cores=$(nproc)" \
		"list_tasks=$LIST_TASKS list_bytes=$LIST_BYTES rss_idle_mib=$(mib "$RSS_IDLE_KB")" \
		"rss_end_mib=$(mib "$RSS_END_KB") errors=$ERRORS session_status=$SESSION_STATUS"
	! wanted list || for c in $CONNS; do
		record list todod "$c" "list-todod-c$c" "${R[list-todod-c$c.rss_kb]}" \
			"ratio_vs_nginx=$(ratio "${R[list-todod-c$c.rps]}" "${R[list-nginx-c$c.rps]}")"
		record list nginx "$c" "list-nginx-c$c" "${R[list-nginx-c$c.rss_kb]}"
	done
	! wanted create || for c in $CONNS; do record create todod "$c" "create-c$c" "${R[create-c$c.rss_kb]}"; done
	! wanted toggle || for c in $CONNS; do record toggle todod "$c" "toggle-c$c" "${R[toggle-c$c.rss_kb]}"; done
	! wanted storm || for c in $CONNS; do
		record list_under_login_storm todod "$c" "storm-c$c" "${R[storm-c$c.rss_kb]}" \
			"p99_ratio_vs_no_storm=$(ratio "${R[storm-c$c.p99_us]}" "${R[list-todod-c$c.p99_us]-0}")" \
			"logins_per_s=${R[storm-c$c-login.ok_rps]}"
		record login_storm todod "$STORM_CONNS" "storm-c$c-login" "${R[storm-c$c.rss_kb]}" \
			"during_list_conns=$c"
	done
	! wanted list || for c in $CONNS; do
		v=$(ratio "${R[list-todod-c$c.rps]}" "${R[list-nginx-c$c.rps]}")
		echo "target name=list_ratio conns=$c value=$v min=$TARGET_LIST_RATIO result=$(meets "$v" ">=" "$TARGET_LIST_RATIO")"
	done
	! wanted storm || ! wanted list || for c in $CONNS; do
		v=$(ratio "${R[storm-c$c.p99_us]}" "${R[list-todod-c$c.p99_us]}")
		echo "target name=storm_p99_ratio conns=$c value=$v max=$TARGET_STORM_P99_RATIO result=$(meets "$v" "<=" "$TARGET_STORM_P99_RATIO")"
	done
	for w in create toggle; do
		wanted "$w" || continue
		v=$(ms "${R[$w-c$TARGET_WRITE_CONNS.p99_us]}")
		echo "target name=${w}_p99_ms conns=$TARGET_WRITE_CONNS value=$v max_exclusive=$TARGET_WRITE_P99_MS result=$(meets "$v" "<" "$TARGET_WRITE_P99_MS")"
	done
	echo "target name=rss_mib conns=$TARGET_RSS_CONNS value=$(mib "$RSS_MAX_KB") max=$TARGET_RSS_MIB result=$(meets "$(mib "$RSS_MAX_KB")" "<=" "$TARGET_RSS_MIB")"
	! wanted storm || echo "target name=rss_mib_login_storm conns=$TARGET_RSS_CONNS value=$(mib "$RSS_STORM_KB") max=$TARGET_RSS_MIB result=$(meets "$(mib "$RSS_STORM_KB")" "<=" "$TARGET_RSS_MIB")"
} >"$OUT/results.txt"

# One address floods registrations, then wrong-password logins; the others
# must not notice (its own todod, three loopback addresses).
if wanted fairness; then
	echo
	node "$ROOT/bench/fairness.mjs" | tee "$OUT/fairness.txt" || ERRORS=$((ERRORS + 1))
fi

if [ "$ERRORS" -gt 0 ]; then
	echo "bench: the runs above saw errors: their figures do not measure the work they name" >&2
	exit 1
fi
