#!/bin/sh
# check_deps.sh LIB...: before building, make sure pkg-config knows every
# library named (pkg-config names) and that a C compiler is there. When one
# is missing, name the Debian packages that provide them and how to install
# them, and exit 1; say nothing when all are there.
set -u

# The Debian 12 package holding each library's pkg-config file and headers.
deb_of() {
	case "$1" in
	libmicrohttpd) echo libmicrohttpd-dev ;;
	jansson) echo libjansson-dev ;;
	libsodium) echo libsodium-dev ;;
	sqlite3) echo libsqlite3-dev ;;
	libpq) echo libpq-dev ;;
	libcmocka | cmocka) echo libcmocka-dev ;;
	*) echo "lib$1-dev" ;;
	esac
}

missing=""
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || missing="$missing gcc"
if ! command -v pkg-config >/dev/null 2>&1; then
	missing="$missing pkg-config"
	for lib in "$@"; do missing="$missing $(deb_of "$lib")"; done
else
	for lib in "$@"; do
		pkg-config --exists "$lib" 2>/dev/null || missing="$missing $(deb_of "$lib")"
	done
fi
[ -z "$missing" ] && exit 0
missing=${missing# }
echo "missing: $missing" >&2
echo "  run \`make setup\` (installs everything \`make\` and \`make run\` need), or:" >&2
echo "  sudo apt-get install $missing" >&2
exit 1
