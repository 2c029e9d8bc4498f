#!/usr/bin/env bash
#
# test/suites/fuzz.sh
#	  Run every libFuzzer harness of test/fuzz for a bounded time, about a
#	  minute in all, and print one TAP line per harness.
#
# Needs clang and libclang-rt-14-dev (scripts/test.sh installs them; this
# suite installs nothing and skips without them) and no database.  After
# the build (test/fuzz/Makefile, incremental), the harnesses share
# MEDRNN_FUZZ_BUDGET seconds (default 60), a second of which each spends
# loading its corpus.
# A failure's reproducer and how to run it are printed as TAP comments;
# test/fuzz/README.md has the rest.

set -uo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
FUZZ=$ROOT/test/fuzz
BUDGET=${MEDRNN_FUZZ_BUDGET:-60}

for pkg in clang libclang-rt-14-dev; do
	if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
		echo "1..0 # SKIP clang not installed"
		exit 0
	fi
done

# Everything but the TAP lines is a comment
diag()
{
	sed 's/^/# /'
}

# shellcheck disable=SC2207 # harness names have no blanks
harnesses=($(make -C "$FUZZ" --no-print-directory -s list | sed 's/fuzz_//g'))
n=${#harnesses[@]}
echo "1..$n"
[ "$n" -gt 0 ] || exit 0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-fuzz-suite.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT

build_ok=1
if ! make -C "$FUZZ" --no-print-directory -s -j"$(nproc 2>/dev/null || echo 2)" \
	>"$tmp/build.log" 2>&1; then
	build_ok=0
fi
diag <"$tmp/build.log"
start=$(date +%s)

i=0
for name in "${harnesses[@]}"; do
	i=$((i + 1))
	if [ "$build_ok" -eq 0 ]; then
		echo "not ok $i - fuzz_$name # the harnesses did not build"
		continue
	fi
	# what is left of the budget, shared by the harnesses still to run
	# (a second each goes to loading the corpus)
	left=$((BUDGET - ($(date +%s) - start)))
	secs=$((left / (n - i + 1) - 1))
	[ "$secs" -ge 5 ] || secs=5
	rc=0
	"$FUZZ/run.sh" "$secs" "$name" >"$tmp/out" 2>"$tmp/err" || rc=$?
	summary=$(grep -m 1 "^fuzz_$name: " "$tmp/out" || echo "fuzz_$name: run.sh exit status $rc")
	if [ "$rc" -eq 0 ]; then
		echo "ok $i - ${summary/: ok: /: }"
	else
		echo "not ok $i - $summary"
		grep -v "^fuzz_$name: FAILED" "$tmp/out" | diag
		diag <"$tmp/err"
	fi
done
exit 0
