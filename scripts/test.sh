#!/usr/bin/env bash
# test.sh -- the one command that runs every test of mesos-dns.
#
# Stages, in order (a failing stage does not stop the later ones; the exit
# status is non-zero if any stage failed):
#   deps     scripts/deps.sh (installs only what is missing)
#   build    cmake + ninja in build/ (the normal build)
#   ctest    ctest in build/ (unit, system, conformance)
#   asan     ASan+UBSan Debug build in build-asan/
#   ctest-asan  its ctest, without the long conformance run, the package
#            build and the source checks (the normal ctest runs them)
#   fuzz     only when fuzz/CMakeLists.txt exists: clang libFuzzer build in
#            build-fuzz/, each fuzz_* target run for MDNS_FUZZ_SECONDS
#            (default 60) on a copy of fuzz/corpus/<target>/
# Environment: MDNS_CTEST_JOBS (default: CPUs, at most 8),
# MDNS_FUZZ_SECONDS, MDNS_SKIP_FUZZ=1, MDNS_SKIP_ASAN=1.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1

jobs=${MDNS_CTEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -le 8 ] || jobs=8
fuzz_seconds=${MDNS_FUZZ_SECONDS:-60}
failed=()

# Sanitizer reports must fail the run and say where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_stage NAME COMMAND... -- run, time, and remember a failure.
run_stage() {
	local name=$1 start rc
	shift
	echo
	echo "==== test.sh: $name"
	start=$(date +%s)
	"$@"
	rc=$?
	echo "==== test.sh: $name: $([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $(($(date +%s) - start)) s"
	[ $rc -eq 0 ] || failed+=("$name")
	return $rc
}

build_normal() {
	cmake -S . -B build -G Ninja && cmake --build build
}

build_asan() {
	cmake -S . -B build-asan -G Ninja -DMDNS_SANITIZE=address,undefined \
		-DCMAKE_BUILD_TYPE=Debug && cmake --build build-asan
}

build_fuzz() {
	CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang \
		-DMDNS_FUZZ=ON -DMDNS_SANITIZE=address,undefined \
		-DCMAKE_BUILD_TYPE=Debug && cmake --build build-fuzz
}

# Every executable fuzz_* under build-fuzz/fuzz runs for a bounded time on a
# scratch copy of its seed corpus (libFuzzer adds new inputs to the first
# corpus directory; the repository's seeds stay untouched).
run_fuzzers() {
	local bin name target seeds work n=0 rc=0
	work=$repo/build-fuzz/fuzz-run
	rm -rf "$work"
	mkdir -p "$work/artifacts"
	while IFS= read -r bin; do
		name=$(basename "$bin")
		target=${name#fuzz_}
		mkdir -p "$work/corpus-$name"
		for seeds in "fuzz/corpus/$target" "fuzz/corpus/$name"; do
			if [ -d "$seeds" ]; then
				cp -r "$seeds/." "$work/corpus-$name/"
			fi
		done
		echo "-- $name: ${fuzz_seconds}s, seeds $(find "$work/corpus-$name" -type f | wc -l)"
		if ! "$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix="$work/artifacts/$name-" \
			"$work/corpus-$name" >"$work/$name.log" 2>&1; then
			echo "-- $name FAILED; last lines of $work/$name.log:"
			tail -n 60 "$work/$name.log"
			rc=1
		else
			grep -E '^stat::number_of_executed_units' "$work/$name.log" || true
		fi
		n=$((n + 1))
	done < <(find build-fuzz/fuzz -maxdepth 2 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
	if [ "$n" -eq 0 ]; then
		echo "-- no fuzz_* executables were built"
		return 1
	fi
	return $rc
}

run_stage deps scripts/deps.sh

if run_stage build build_normal; then
	run_stage ctest ctest --test-dir build --output-on-failure -j "$jobs"
fi

if [ "${MDNS_SKIP_ASAN:-0}" != 1 ]; then
	if run_stage asan build_asan; then
		run_stage ctest-asan ctest --test-dir build-asan --output-on-failure \
			-j "$jobs" -E '^(conformance|package|format|layers)$'
	fi
fi

if [ "${MDNS_SKIP_FUZZ:-0}" = 1 ]; then
	echo
	echo "==== test.sh: fuzz skipped (MDNS_SKIP_FUZZ=1)"
elif [ -f fuzz/CMakeLists.txt ]; then
	if run_stage fuzz-build build_fuzz; then
		run_stage fuzz run_fuzzers
	fi
else
	echo
	echo "==== test.sh: fuzz skipped (no fuzz/CMakeLists.txt yet)"
fi

echo
if [ ${#failed[@]} -ne 0 ]; then
	echo "==== test.sh: FAILED stages: ${failed[*]}"
	exit 1
fi
echo "==== test.sh: every stage passed"
