#!/usr/bin/env bash
# deps.sh -- install (only if missing) every Debian 12 package the build,
# the tests, the demo and the benchmarks need.  Idempotent: when everything
# is present it runs no apt-get at all.
set -euo pipefail

PACKAGES=(
	# build
	build-essential cmake ninja-build pkg-config clang
	libclang-rt-14-dev llvm # libFuzzer runtime, llvm-symbolizer for ASan
	clang-format # scripts/check-format.sh
	libcurl4-openssl-dev libyajl-dev libmicrohttpd-dev liburcu-dev
	libcmocka-dev libzookeeper-mt-dev libssl-dev libsodium-dev
	libsystemd-dev # sd_notify (src/service/sdnotify.c)
	# system tests: a real ZooKeeper, Python tests, DNS tools and peers
	zookeeper default-jre-headless python3 python3-pytest python3-dnspython python3-kazoo
	dnsutils knot nsd dnsperf openssl iproute2 curl util-linux
	# real resolvers for tests/system/test_resolvers.py: bind9's host, and
	# a JDK so that Java's InetAddress runs from a single source file
	bind9-host default-jdk-headless mount
	# tests/system/test_metrics.py: a real Prometheus scrapes /metrics,
	# promtool checks the text format
	prometheus
	# packaging (tests/package): the Debian package, its lint, the unit's
	# checks, the man page and the Marathon app's schema
	debhelper dpkg-dev lintian fakeroot systemd man-db groff-base python3-jsonschema
	libsystemd-dev # debian/control Build-Depends: the unit is Type=notify
	strace # tests/package/test_unit.py: every system call the unit must allow
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo" >&2; exit 1; }
	sudo=(sudo)
fi

# Packages such as nsd and knot start a server on port 53 when installed on
# a machine with an init system; the tests start their own instances, so
# keep the package scripts from starting services (the standard Debian
# policy-rc.d mechanism), unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 755 "$policy"
	own_policy=1
fi
cleanup() {
	if [ "$own_policy" -eq 1 ]; then
		"${sudo[@]}" rm -f "$policy"
	fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps: done"
