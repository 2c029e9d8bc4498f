#!/usr/bin/env bash
#
# tools/record_golden.sh
#	  Record the expected output of the golden test (sql/golden.sql) for
#	  every OpenBLAS kernel family, on this one machine.
#
# A model's floating-point results depend on which OpenBLAS kernels run
# (and so on the CPU): the generic Prescott ones, the AVX2 ones of Haswell
# and Zen, or the AVX-512 ones of SkylakeX and Cooperlake.  pg_regress
# accepts any of expected/golden.out, expected/golden_1.out, ...; this
# script builds and installs medrnn, runs the golden test once per kernel
# choice (OPENBLAS_CORETYPE) and once more with the core compiled for an
# AVX2 CPU (-march=x86-64-v3), and writes each distinct output once.
# Run it only when a change means to change what models learn; the golden
# test exists to show that other changes do not.
#
# Usage: tools/record_golden.sh [CORETYPE ...]   (as root, on Debian 12)

# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"

CORES=("$@")
if [ ${#CORES[@]} -eq 0 ]; then
	CORES=(Haswell Zen Prescott)
	if grep -qw avx512bw /proc/cpuinfo; then
		CORES=(SkylakeX Cooperlake "${CORES[@]}")
	fi
fi
OUT=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-golden.XXXXXX")
trap 'medrnn_cluster_stop; rm -rf -- "$OUT"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

medrnn_deps base

# Run the golden test on a fresh cluster with the given kernel; output to $OUT/$2
run_golden()
{
	local core=$1 name=$2

	export OPENBLAS_CORETYPE=$core
	_MEDRNN_OPENBLAS_DECIDED=
	# shellcheck disable=SC2034  # read by medrnn_cluster_start (scripts/lib.sh)
	MEDRNN_SERVER_ENV=()
	medrnn_cluster_start
	medrnn_log "golden: $name"
	make -s --no-print-directory installcheck REGRESS=golden >"$OUT/$name.log" 2>&1 || true
	cp results/golden.out "$OUT/$name.out"
	medrnn_cluster_stop
}

medrnn_build
medrnn_install
for core in "${CORES[@]}"; do
	run_golden "$core" "native-$core"
done
# the core as an AVX2-only CPU compiles it (the kernels are OpenBLAS's, above)
make -s clean
make -s OPTFLAGS="-march=x86-64-v3" >/dev/null
make -s OPTFLAGS="-march=x86-64-v3" install >/dev/null
for core in Haswell Zen; do
	run_golden "$core" "avx2-$core"
done
make -s clean
medrnn_build
medrnn_install

# one expected file per distinct output
rm -f expected/golden.out expected/golden_[0-9]*.out
n=0
for f in "$OUT"/*.out; do
	dup=
	for e in expected/golden.out expected/golden_[0-9]*.out; do
		if [ -f "$e" ] && cmp -s "$f" "$e"; then
			dup=$e
		fi
	done
	if [ -n "$dup" ]; then
		medrnn_log "$(basename "$f" .out): same as $dup"
		continue
	fi
	if [ $n -eq 0 ]; then
		dest=expected/golden.out
	else
		dest=expected/golden_$n.out
	fi
	cp "$f" "$dest"
	medrnn_log "$(basename "$f" .out): $dest"
	n=$((n + 1))
done
