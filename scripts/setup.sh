#!/bin/sh
# setup.sh PROFILE: install what todod needs on Debian 12, only what is missing.
#   run    build and serve   test   + unit, API, sanitizer and fuzz-replay tests
#   bench  + wrk and nginx    fuzz  + clang's libFuzzer
# Uses apt-get (after apt-get update) as root, or through sudo when present.
set -eu

profile=${1:-run}
pkgs="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev"
case "$profile" in
run) ;;
test) pkgs="$pkgs libcmocka-dev clang libclang-rt-14-dev curl sqlite3 nodejs" ;;
bench) pkgs="$pkgs wrk nginx-light curl" ;;
fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
*) echo "setup: unknown profile '$profile' (run, test, bench, fuzz)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	# node may come from outside Debian; only install it when absent
	if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
	run=""
elif command -v sudo >/dev/null 2>&1; then
	run="sudo"
else
	echo "setup: missing packages:$missing; run as root or install sudo" >&2
	exit 1
fi
echo "setup: installing$missing" >&2
$run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
