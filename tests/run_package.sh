#!/usr/bin/env bash
# run_package.sh -- run the packaging tests (tests/package): the systemd
# unit, the Debian package and the Marathon app.
#
#   tests/run_package.sh <path-to-mesos-dns> [pytest args...]
#
# Like run_system.sh: as root (where unshare works) inside a private network
# namespace with only loopback, so the installed binary and the Marathon
# app's command can bind port 53 without touching the host.
set -uo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 <path-to-mesos-dns> [pytest args...]" >&2
	exit 2
fi
bin=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
case $bin in
/*) ;;
*) bin=$PWD/$bin ;;
esac
export MDNS_BIN=$bin
export PYTHONDONTWRITEBYTECODE=1
cd "$repo" || exit 2

cmd=(/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/package "$@")

if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
	command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	echo "run_package: private network namespace (loopback only)"
	exec unshare -n -- /bin/sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
echo "run_package: running in the host network namespace"
exec "${cmd[@]}"
