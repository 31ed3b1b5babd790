#!/usr/bin/env bash
# run_system.sh -- run the pytest system tests against one mesos-dns binary.
#
#   tests/run_system.sh <path-to-mesos-dns> [pytest args...]
#
# As root (and where unshare works) the tests run in a private network
# namespace holding only a loopback interface, so no packet leaves the
# machine and host-name look-ups fail fast, as the conformance goldens
# assume.  Otherwise they run directly.  Exit status is pytest's.
# MDNS_TEST_SUITE names another pytest folder (run_package.sh uses it).
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

suite=${MDNS_TEST_SUITE:-tests/system}
cmd=(/usr/bin/python3 -m pytest -q -p no:cacheprovider "$suite" "$@")

if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
	command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	echo "run_system: private network namespace (loopback only)"
	exec unshare -n -- /bin/sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
echo "run_system: running in the host network namespace"
exec "${cmd[@]}"
