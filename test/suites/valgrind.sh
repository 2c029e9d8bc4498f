#!/usr/bin/env bash
#
# test/suites/valgrind.sh
#	  The C unit tests of the numeric core (test/c) under valgrind
#	  --leak-check=full: no invalid read or write, no use of uninitialized
#	  memory, no definite or possible leak.
#
# The runner is built into a temporary directory with the Makefile's own
# compile line for test/c/run_core_tests, but with OPTFLAGS="" (valgrind
# does not know AVX-512), and run once per suite (it takes a suite name as
# argv[1]), as many suites at a time as there are cores.  On a CPU with
# AVX-512, OpenBLAS is held to its AVX2 (Haswell) kernels for the same
# reason; it always runs one thread.
#
# MEDRNN_VALGRIND_SUITES (a space-separated list) limits the suites run.
# Run by scripts/test.sh; prints TAP, or a skip plan without valgrind.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

ROOT=${MEDRNN_ROOT:-$(pwd)}
PG_CONFIG=${MEDRNN_PG_CONFIG:-${MEDRNN_PG_BINDIR:-/usr/lib/postgresql/15/bin}/pg_config}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-valgrind.XXXXXX")
JOBS=$(nproc 2>/dev/null || echo 2)
START=$SECONDS

trap 'rm -rf -- "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi

# The suites, from the runner's table ({"name", test_fn}), longest first so
# that the parallel runs finish together
if [ -n "${MEDRNN_VALGRIND_SUITES:-}" ]; then
	read -r -a SUITES <<<"$MEDRNN_VALGRIND_SUITES"
else
	mapfile -t SUITES < <(sed -n 's/^[[:space:]]*{"\([a-z0-9_]*\)", *test_[a-z0-9_]*},\{0,1\}[[:space:]]*$/\1/p' \
		"$ROOT/test/c/run_core_tests.c" |
		awk '{ w = ($1 == "train") ? 0 : ($1 == "explain") ? 1 : ($1 == "tokenize") ? 2 : ($1 == "vocab") ? 3 : 9
		       print w, NR, $1 }' | sort -n | awk '{ print $3 }')
fi
if [ ${#SUITES[@]} -eq 0 ]; then
	echo "1..1"
	ok 1 "found the unit-test suites in test/c/run_core_tests.c"
	exit 0
fi

echo "1..$((${#SUITES[@]} + 1))"

# The Makefile's compile line for the runner, portable, into our directory
rc=0
line=$(make -C "$ROOT" --no-print-directory -n -B PG_CONFIG="$PG_CONFIG" OPTFLAGS= \
	test/c/run_core_tests 2>"$WORK/make.err" | grep -e '-o test/c/run_core_tests' | head -n 1) || rc=$?
if [ -n "$line" ]; then
	line=${line//-o test\/c\/run_core_tests/-o $WORK\/run_core_tests}
	(cd -- "$ROOT" && eval "$line") >"$WORK/build.out" 2>&1 || rc=$?
else
	rc=1
fi
ok "$rc" "built the unit-test runner with OPTFLAGS=\"\" ($(printf '%s' "$line" | awk '{ print $1 }'), -g)"
if [ "$rc" -ne 0 ]; then
	cat "$WORK/make.err" "$WORK/build.out" 2>/dev/null | head -n 30 | diag
	for s in "${SUITES[@]}"; do
		ok 1 "valgrind: suite $s (no runner)"
	done
	exit 0
fi

# valgrind cannot run AVX-512 code
if grep -q -w avx512f /proc/cpuinfo 2>/dev/null; then
	export OPENBLAS_CORETYPE=Haswell
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# One suite under valgrind; writes NAME.out, NAME.err, NAME.rc, NAME.time
run_one()
{
	local s=$1 t0 rc=0

	t0=$(date +%s%3N)
	timeout 900 valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite,possible --show-leak-kinds=definite,possible \
		"$WORK/run_core_tests" "$s" >"$WORK/$s.out" 2>"$WORK/$s.err" || rc=$?
	echo "$rc" >"$WORK/$s.rc"
	echo $(($(date +%s%3N) - t0)) >"$WORK/$s.time"
}
export -f run_one
export WORK

# shellcheck disable=SC2016 # $1 is for the inner bash, not this one
printf '%s\n' "${SUITES[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {}

for s in "${SUITES[@]}"; do
	rc=$(cat "$WORK/$s.rc" 2>/dev/null || echo 1)
	ms=$(cat "$WORK/$s.time" 2>/dev/null || echo 0)
	checks=$(grep -c '^ok ' "$WORK/$s.out" 2>/dev/null || true)
	failed=$(grep -c '^not ok ' "$WORK/$s.out" 2>/dev/null || true)
	# valgrind's own reports are "==PID== ..." lines on stderr
	vg=$(grep -c -E '^==[0-9]+== ' "$WORK/$s.err" 2>/dev/null || true)
	status=0
	[ "$rc" -eq 0 ] && [ "$vg" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$checks" -gt 0 ] || status=1
	ok "$status" "valgrind: suite $s: $checks checks passed, $failed failed, $vg valgrind report lines, exit status $rc ($((ms / 1000)) s)"
	if [ "$status" -ne 0 ]; then
		grep -E '^==[0-9]+== ' "$WORK/$s.err" | head -n 40 | diag || true
		grep '^not ok ' "$WORK/$s.out" | head -n 10 | diag || true
		[ "$rc" -ne 124 ] || echo "# suite $s timed out"
	fi
done

echo "# valgrind: $((SECONDS - START)) s, $JOBS at a time"
