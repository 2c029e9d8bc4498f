#!/usr/bin/env bash
#
# test/fuzz/run.sh
#	  Build the libFuzzer harnesses and run each for a while on a copy of its
#	  committed seed corpus.  Exits non-zero on any crash, sanitizer report,
#	  leak, timeout or out-of-memory, and prints where the reproducer is.
#
# Usage: test/fuzz/run.sh [SECONDS [HARNESS...]]
#	SECONDS		fuzzing time per harness (default 15); "test/fuzz/run.sh 3600"
#				is the long run
#	HARNESS		model_decode, tokenize, text_row, ... (default: every
#				test/fuzz/fuzz_*.c)
#
# stdout gets one summary line per harness; progress and crash reports go
# to stderr.  Environment:
#	MEDRNN_FUZZ_BUILD	build directory (default ${TMPDIR:-/tmp}/medrnn-fuzz-UID)
#	MEDRNN_FUZZ_WORK	directory for the corpus copies, logs and reproducers
#						(default: a new temporary one, removed after a clean run
#						and kept after a failure)
#	MEDRNN_FUZZ_ARGS	extra libFuzzer options (word-split), e.g. "-jobs=2"
#
# Exit status: 0 all clean, 1 a harness failed, 2 the build or the usage.

set -uo pipefail

FUZZ_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BUILD=${MEDRNN_FUZZ_BUILD:-${TMPDIR:-/tmp}/medrnn-fuzz-$(id -u)}
SECONDS_EACH=${1:-15}
shift $(($# > 0 ? 1 : 0))

case $SECONDS_EACH in
	'' | *[!0-9]*)
		echo "usage: $0 [SECONDS [HARNESS...]]" >&2
		exit 2 ;;
esac

# Longest input libFuzzer may make for a harness: room to grow the seeds
max_len()
{
	case $1 in
		model_decode | series) echo 8192 ;;
		*) echo 4096 ;;
	esac
}

log()
{
	printf '[fuzz %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# ---- build
log "building the harnesses in $BUILD"
if ! make -C "$FUZZ_DIR" --no-print-directory -s -j"$(nproc 2>/dev/null || echo 2)" \
	BUILD="$BUILD" >&2; then
	log "the build failed"
	exit 2
fi
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # harness names have no blanks
	set -- $(make -C "$FUZZ_DIR" --no-print-directory -s list | sed 's/fuzz_//g')
fi
for name in "$@"; do
	if [ ! -x "$BUILD/fuzz_$name" ] || [ ! -d "$FUZZ_DIR/corpus/$name" ]; then
		log "no harness fuzz_$name with a corpus in $FUZZ_DIR/corpus/$name"
		exit 2
	fi
done

if [ -n "${MEDRNN_FUZZ_WORK:-}" ]; then
	WORK=$MEDRNN_FUZZ_WORK
	mkdir -p "$WORK" || exit 2
	KEEP=1
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-fuzz-run.XXXXXX") || exit 2
	KEEP=
fi

# One BLAS thread: inference runs so in the server, and it keeps runs fast
export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ---- run
FAILED=0
for name in "$@"; do
	h=fuzz_$name
	dir=$WORK/$name
	rm -rf -- "$dir"
	mkdir -p "$dir/corpus" "$dir/artifacts" || exit 2
	cp -- "$FUZZ_DIR/corpus/$name"/* "$dir/corpus/" || exit 2
	args=(-max_total_time="$SECONDS_EACH" -max_len="$(max_len "$name")" -timeout=10
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/")
	[ ! -f "$FUZZ_DIR/$name.dict" ] || args+=(-dict="$FUZZ_DIR/$name.dict")
	# shellcheck disable=SC2206 # a list of options
	[ -z "${MEDRNN_FUZZ_ARGS:-}" ] || args+=(${MEDRNN_FUZZ_ARGS})

	log "$h: fuzzing for ${SECONDS_EACH}s (log $dir/log)"
	start=$(date +%s)
	rc=0
	# libFuzzer stops by itself; the outer limit only guards against a wedge
	timeout -k 30 $((SECONDS_EACH * 2 + 120)) \
		"$BUILD/$h" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
	took=$(($(date +%s) - start))

	# the final statistics
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -n 1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	stats="${runs:-?} runs in ${took}s (${rate:-?} exec/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, peak rss ${rss:-?} MB"

	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$dir/log" | head -n 1)
	if [ "$rc" -eq 0 ] && [ -z "$repro" ]; then
		echo "$h: ok: $stats"
		continue
	fi
	FAILED=1
	what=$(grep -m 1 -E 'SUMMARY: |ERROR: libFuzzer|^fuzz_[a-z_]+: ' "$dir/log" || true)
	[ -n "$what" ] || what="exit status $rc"
	echo "$h: FAILED: $what"
	if [ -n "$repro" ]; then
		# a committed seed that fails is a known reproducer: name it
		seed=
		if [ -f "$repro" ]; then
			sum=$(sha1sum <"$repro" | cut -d' ' -f1)
			for f in "$FUZZ_DIR/corpus/$name"/*; do
				if [ "$(sha1sum <"$f" | cut -d' ' -f1)" = "$sum" ]; then
					seed=" (the committed seed corpus/$name/$(basename -- "$f"))"
					break
				fi
			done
		fi
		echo "$h: reproducer: $repro$seed (run: $BUILD/$h $repro)"
	fi
	log "$h: last lines of $dir/log:"
	tail -n 60 "$dir/log" >&2
done

if [ "$FAILED" -eq 0 ] && [ -z "$KEEP" ]; then
	rm -rf -- "$WORK"
else
	log "logs, corpora and reproducers are in $WORK"
fi
exit "$FAILED"
