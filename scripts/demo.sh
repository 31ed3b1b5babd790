#!/usr/bin/env bash
# demo.sh -- build mesos-dns and show it answering for a small fake cluster.
#
#   scripts/demo.sh          build, run, show a few look-ups, stop everything
#   scripts/demo.sh --keep   same, but leave the fake master and the daemon
#                            running (it prints how to stop them)
#
# Installs missing Debian packages first (scripts/deps.sh).  Everything
# listens on 127.0.0.1 only: the fake master on 15050, DNS on 15353, HTTP on
# 18123 (demo/config.json); the cluster is demo/state.json.
set -euo pipefail

keep=0
case ${1:-} in
--keep) keep=1 ;;
"") ;;
*) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
run=$repo/build/demo-run
master_pid=
daemon_pid=

say() { printf '\n== %s\n' "$*"; }

cleanup() {
	status=$?
	if [ "$keep" -eq 1 ] && [ "$status" -eq 0 ]; then
		return
	fi
	for pid in $daemon_pid $master_pid; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	[ -z "$daemon_pid$master_pid" ] || echo "demo: stopped (logs in $run)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() {
	# bash's /dev/tcp: a connection succeeds only if something listens
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

say "installing missing packages (scripts/deps.sh)"
scripts/deps.sh

say "configuring and building (build/)"
cmake -S . -B build -G Ninja >/dev/null
cmake --build build

for p in 15050 18123; do
	if port_busy "$p"; then
		echo "demo: 127.0.0.1:$p is already in use (an earlier --keep demo?)" >&2
		exit 1
	fi
done

mkdir -p "$run"
rm -f "$run"/*.log "$run"/port

say "starting the fake Mesos master on 127.0.0.1:15050 (demo/state.json)"
/usr/bin/python3 tests/fake_master/fake_master.py --state demo/state.json \
	--host 127.0.0.1 --port 15050 --port-file "$run/port" \
	--log "$run/master-requests.log" >"$run/master.log" 2>&1 &
master_pid=$!
for _ in $(seq 100); do
	[ -s "$run/port" ] && break
	kill -0 "$master_pid" 2>/dev/null || { cat "$run/master.log" >&2; exit 1; }
	sleep 0.1
done
[ -s "$run/port" ] || { echo "demo: fake master did not start" >&2; exit 1; }

say "starting build/mesos-dns -config demo/config.json"
build/mesos-dns -config "$repo/demo/config.json" >"$run/mesos-dns.log" 2>&1 &
daemon_pid=$!

echo "waiting for the first records ..."
ready=0
for _ in $(seq 150); do
	if ! kill -0 "$daemon_pid" 2>/dev/null; then
		echo "demo: mesos-dns exited; its log:" >&2
		cat "$run/mesos-dns.log" >&2
		exit 1
	fi
	if curl -sf -o /dev/null http://127.0.0.1:18123/v1/axfr; then
		ready=1
		break
	fi
	sleep 0.2
done
if [ "$ready" -ne 1 ]; then
	echo "demo: mesos-dns not ready after 30 s; its log:" >&2
	cat "$run/mesos-dns.log" >&2
	exit 1
fi
echo "ready"

show() {
	printf '\n$ %s\n' "$*"
	"$@" || echo "(failed: exit $?)"
}

say "DNS look-ups"
show dig @127.0.0.1 -p 15353 +noall +answer nginx.marathon.mesos A
show dig @127.0.0.1 -p 15353 +noall +answer _api._tcp.marathon.mesos SRV
show dig @127.0.0.1 -p 15353 +noall +answer search.marathon.mesos AAAA
show dig @127.0.0.1 -p 15353 +noall +answer leader.mesos A

say "HTTP API"
show curl -s http://127.0.0.1:18123/v1/hosts/nginx.marathon.mesos
echo
show curl -s http://127.0.0.1:18123/v1/services/_nginx._tcp.marathon.mesos
echo
show curl -s http://127.0.0.1:18123/v1/version
echo

if [ "$keep" -eq 1 ]; then
	say "left running (--keep)"
	echo "fake master pid $master_pid, mesos-dns pid $daemon_pid; logs in $run"
	echo "try:  dig @127.0.0.1 -p 15353 slave.mesos"
	echo "stop: kill $daemon_pid $master_pid"
fi
