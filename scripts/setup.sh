#!/bin/sh
# setup.sh PROFILE: install what todod needs on Debian 12, only what is missing.
#   run    build and serve (Node.js and npm fetch swagger-ui, compiled in)
#   test   + unit, API, sanitizer, fuzz-replay and browser tests (chromium)
#   bench  + wrk, nginx and Node.js (bench/fairness.mjs)    fuzz  + clang's libFuzzer
#   npm    only the npm packages of package-lock.json
# Uses apt-get (after apt-get update) as root, or through sudo when present,
# then `npm ci` when node_modules is older than package-lock.json.
set -eu
cd "$(dirname "$0")/.."

# npm ci when node_modules does not match package-lock.json (npm rewrites
# node_modules/.package-lock.json on every install).
npm_packages() {
	stamp=node_modules/.package-lock.json
	if [ -f "$stamp" ] && [ ! package-lock.json -nt "$stamp" ]; then return 0; fi
	echo "setup: npm ci" >&2
	npm ci --no-audit --no-fund --loglevel=error >&2
}

profile=${1:-run}
pkgs="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev libpq-dev"
case "$profile" in
run | npm) pkgs="$pkgs nodejs npm" ;;
test) pkgs="$pkgs nodejs npm libcmocka-dev clang libclang-rt-14-dev curl sqlite3 chromium"
	pkgs="$pkgs postgresql-15 pgbouncer haproxy" ;; # make test-pg
bench) pkgs="$pkgs wrk nginx-light curl sqlite3 nodejs postgresql-15 pgbouncer haproxy" ;;
fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
*) echo "setup: unknown profile '$profile' (run, test, bench, fuzz, npm)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	# node may come from outside Debian; only install it when absent
	if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
	if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	case "$profile" in run | test | npm) npm_packages ;; esac
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	run=""
elif command -v sudo >/dev/null 2>&1; then
	run="sudo"
else
	echo "setup: missing packages:$missing; run as root or install sudo" >&2
	exit 1
fi
echo "setup: installing$missing" >&2
$run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
$run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >&2
case "$profile" in run | test | npm) npm_packages ;; esac
