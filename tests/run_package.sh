#!/usr/bin/env bash
# run_package.sh -- run the packaging tests (tests/package): the systemd
# unit, the Debian package and the Marathon app.
#
#   tests/run_package.sh <path-to-mesos-dns> [pytest args...]
#
# As run_system.sh runs the system tests: as root inside a private network
# namespace with only loopback, so the installed binary and the Marathon
# app's command can bind port 53 without touching the host.
export MDNS_TEST_SUITE=tests/package
exec "$(dirname "$0")/run_system.sh" "$@"
