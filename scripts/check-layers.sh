#!/usr/bin/env bash
# check-layers.sh -- the include rules of docs/hacking.md, read from the
# #include lines and calls; exit 1 naming each file that breaks one.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
status=0

# rule MESSAGE FILES... -- PATTERN: every file matching PATTERN breaks it.
rule() {
	local msg=$1 pattern=$2
	shift 2
	local hits
	hits=$(grep -nE "$pattern" "$@" 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "check-layers: $msg:"
		echo "$hits" | sed 's/^/  /'
		status=1
	fi
}

rule "master/ and state/ report through interfaces, never to the reload loop" \
	'#include "refresh\.h"|\brefresh_[a-z_]+\(' src/master/*.[ch] src/state/*.[ch]
rule "state/ includes nothing from records/" \
	'#include "records/' src/state/*.[ch]
rule "state/ does not include master/ (the stream gets its leader from its sink)" \
	'#include "master/' src/state/*.[ch]
rule "the DNS codec includes only dns/ and util/" \
	'#include "(config|log|records|state|master|server|http|fwd|refresh|events|schedule)[/.]' \
	src/dns/wire.h src/dns/dname.[ch] src/dns/msg.[ch]
rule "the server includes no state/, master/, http/ or record builder" \
	'#include "(state/|master/|http/|records/builder|records/gen|refresh|events)' \
	src/server/*.[ch]
rule "records/ does not reach up to the servers, the orchestrator or master/" \
	'#include "(dns/|server/|http/|fwd/|master/|refresh|events|schedule)' \
	src/records/*.[ch]
rule "the configuration and the log include only util/ (and each other)" \
	'#include "(records|state|master|server|http|fwd|dns|xfr|refresh|events|schedule)[/.]' \
	src/config.[ch] src/log.[ch] src/cfglive.[ch]
rule "util/ stays at the bottom" \
	'#include "(config|log|records|state|master|server|http|fwd|dns|xfr|refresh|events|schedule)[/.]' \
	src/util/*.[ch]
rule "metrics/ sits beside util/ at the bottom: every layer reports into it" \
	'#include "(config|log|records|state|master|server|http|fwd|dns|refresh|events|schedule|xfr)[/.]' \
	src/metrics/*.[ch]
[ $status -eq 0 ] && echo "check-layers: every include rule holds"
exit $status
