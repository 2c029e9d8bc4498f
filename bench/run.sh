#!/usr/bin/env bash
#
# bench/run.sh
#	  The performance benchmark: medrnn's training and prediction through
#	  SQL, its numeric core alone (bench/core_bench.c) and the PyTorch
#	  reference (torch_lstm_ref.py), on the same data, options, thread
#	  counts and OpenBLAS kernels, set against the sgemm peak measured on
#	  the same machine.  See bench/README.md for what each figure means.
#
# Usage: bench/run.sh [--quick]
#
# As root on Debian 12, from anywhere: installs what is missing (the base
# and bench package groups of scripts/lib.sh), builds and installs the
# extension, builds core_bench and sgemm_peak, then for each OpenBLAS kernel
# setting (as-is, generic "Prescott", and fast "SkylakeX" when the CPU has
# AVX-512) starts a throwaway cluster with that OPENBLAS_CORETYPE and
# measures, at 1 and 2 threads, on synthetic data and on the medical
# abstracts:
#	- training tokens/s and GFLOP/s: SQL rnn_train, core_bench, torch
#	- the cblas_sgemm peak at the same thread count
#	- prediction rows/s (1 thread): SQL rnn_predict, core_bench, torch
#	- the training backend's peak memory next to what training needs
# and, with the fast kernels: memory over a 100k-row predict, a 200k-row
# predict with 0 and 2 parallel workers, and training time per row at
# 10k, 50k and 200k rows.
#
# Prints a Markdown table for the README and the raw numbers; every log
# goes to bench/results/<timestamp>/.  The full run takes about an hour
# on a 2-core machine; --quick shrinks every size for a smoke run of 7
# to 11 minutes (its numbers mean little; it skips the as-is kernels).
#
# Knobs (environment): MEDRNN_BENCH_MEDICAL (the medical-abstracts
# directory; default ../shared/data/medical-abstracts, else
# data/medical-abstracts), MEDRNN_BENCH_KERNELS (a subset of
# "asis generic fast"), MEDRNN_BENCH_REFS (the reference scripts'
# directory; default ../shared/bench).  OPENBLAS_CORETYPE is ignored: the
# kernel settings set it themselves.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

QUICK=0
for arg in "$@"; do
	case $arg in
		--quick) QUICK=1 ;;
		-h | --help)
			sed -n '3,37p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
			exit 0 ;;
		*)
			echo "usage: bench/run.sh [--quick]" >&2
			exit 2 ;;
	esac
done

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"

PY=/usr/bin/python3
REFS=${MEDRNN_BENCH_REFS:-$MEDRNN_ROOT/../shared/bench}
if [ -n "${MEDRNN_BENCH_MEDICAL:-}" ]; then
	MEDICAL=$MEDRNN_BENCH_MEDICAL
elif [ -f "$MEDRNN_ROOT/../shared/data/medical-abstracts/train.csv" ]; then
	MEDICAL=$MEDRNN_ROOT/../shared/data/medical-abstracts
else
	MEDICAL=$MEDRNN_ROOT/data/medical-abstracts
fi
[ -f "$REFS/torch_lstm_ref.py" ] || medrnn_die "no $REFS/torch_lstm_ref.py (set MEDRNN_BENCH_REFS)"
if [ ! -f "$MEDICAL/train.csv" ] || [ ! -f "$MEDICAL/test.csv" ]; then
	medrnn_die "no $MEDICAL/train.csv and test.csv (set MEDRNN_BENCH_MEDICAL)"
fi

# ---------------------------------------------------------------------------
# Sizes.  Training throughput is the mean over epochs 2..N (epoch 1 warms
# up).  torch's synthetic epochs stop after TORCH_STEPS batches, since its
# per-batch cost does not depend on which rows it gets and full epochs
# would double the run time; at 2 threads its as-is setting (OpenMP and
# OpenBLAS threads spinning against each other, several times slower than
# the other two) gets TORCH_SLOW_STEPS batches an epoch, on both data sets.

MAXLEN=100
if [ "$QUICK" = 1 ]; then
	SYN_ROWS=1000 SYN_EPOCHS=2 MED_ROWS=300 MED_EPOCHS=2 TORCH_STEPS=8 TORCH_SLOW_STEPS=4
	PRED_ROWS=1000 MEM_ROWS=5000 PAR_ROWS=10000 SCALE_ROWS="500 1000 2000"
	SGEMM_SECONDS=0.1
else
	SYN_ROWS=20000 SYN_EPOCHS=3 MED_ROWS=0 MED_EPOCHS=4 TORCH_STEPS=150 TORCH_SLOW_STEPS=50
	PRED_ROWS=20000 MEM_ROWS=100000 PAR_ROWS=200000 SCALE_ROWS="10000 50000 200000"
	SGEMM_SECONDS=1
fi
THREADS="1 2"

STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$MEDRNN_ROOT/bench/results/$STAMP$([ "$QUICK" = 1 ] && echo -quick || true)
LOGS=$OUT/logs
DATA=$OUT/data
BIN=$OUT/bin
mkdir -p "$LOGS" "$DATA" "$BIN"
RAW=$OUT/raw.tsv
META=$OUT/meta.tsv
: >"$RAW"
: >"$META"
START=$(date +%s)

# Record one measurement: kernel data threads key value
record()
{
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$RAW"
}

# Record one fact about the run: key value
meta()
{
	printf '%s\t%s\n' "$1" "$2" >>"$META"
}

# The load and the busiest processes right now, into a log
machine_load()
{
	{
		echo "== $(date '+%F %T') $1"
		top -b -n 1 -w 200 2>/dev/null | head -n 14 || uptime
	} >>"$LOGS/load.log"
}

# What else ran during a measurement: the machine's busy time (user,
# nice, system, irq, softirq and steal, from /proc/stat) minus the CPU
# time of what we measured, in CPUs.  Above about 0.2 on a 2-core
# machine, that measurement shared its cores with somebody else.
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
TIMEFORMAT='%R %U %S'
cpu_busy()
{
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}

# Others' CPUs: busy ticks over the window, our CPU seconds, wall seconds
others_cpu()
{
	awk -v b="$1" -v o="$2" -v w="$3" -v hz="$HZ" 'BEGIN {
		if (w <= 0) { print "nan"; exit }
		v = (b / hz - o) / w; if (v < 0) v = 0; printf "%.2f\n", v }'
}

# Run a command with its output in a log; sets TIMED_WALL, TIMED_CPU (its
# CPU seconds) and TIMED_BUSY (the machine's busy ticks meanwhile)
timed()
{
	local log=$1 b0 b1 rc=0 tf
	shift
	tf=$(mktemp "$OUT/time.XXXXXX")
	b0=$(cpu_busy)
	{ time "$@" >"$log" 2>&1; } 2>"$tf" || rc=$?
	b1=$(cpu_busy)
	read -r TIMED_WALL user sys <"$tf" || true
	rm -f "$tf"
	TIMED_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
	TIMED_BUSY=$((b1 - b0))
	return $rc
}

# Tokens/s over epochs 2..N (epoch 1 when there is one): rows and seconds
# per epoch as space-separated lists
steady_tps()
{
	awk -v r="$1" -v s="$2" -v T="$MAXLEN" 'BEGIN {
		n = split(r, R, " "); m = split(s, S, " ");
		if (n == 0 || n != m) { print "nan"; exit }
		first = n >= 2 ? 2 : 1; rows = 0; secs = 0;
		for (i = first; i <= n; i++) { rows += R[i]; secs += S[i] }
		if (secs <= 0) print "nan"; else printf "%.0f\n", rows * T / secs }'
}

# Print a list of n copies of a word
repeat_word()
{
	local i out=
	for ((i = 0; i < $2; i++)); do out+="$1 "; done
	printf '%s\n' "${out% }"
}

elapsed()
{
	local s=$(($(date +%s) - START))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

medrnn_step "medrnn benchmark$([ "$QUICK" = 1 ] && echo ' (--quick)' || true): results in $OUT"
if [ "$QUICK" = 1 ]; then
	medrnn_log "a smoke run: 7 to 11 minutes"
else
	medrnn_log "the full run takes about an hour on a 2-core machine (most of it in torch and the Prescott kernels)"
fi
machine_load start
medrnn_log "load: $(uptime | sed 's/.*load average/load average/')"

# ---------------------------------------------------------------------------
# Packages, build and install

medrnn_step "packages, build and install"
medrnn_deps bench
medrnn_build >"$LOGS/build.log" 2>&1 || { tail -n 30 "$LOGS/build.log" >&2; medrnn_die "build failed (see $LOGS/build.log)"; }
medrnn_install >>"$LOGS/build.log" 2>&1 || { tail -n 30 "$LOGS/build.log" >&2; medrnn_die "install failed (see $LOGS/build.log)"; }
# the core benchmark against src/core, with the Makefile's sources and flags
eval "$(make -s --no-print-directory print-core)"
CORE_CFLAGS="-std=c99 -D_POSIX_C_SOURCE=200809L $CORE_CFLAGS -pthread -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers"
# shellcheck disable=SC2086 # CORE_CFLAGS and CORE_SRCS are lists
"${CC:-cc}" $CORE_CFLAGS -o "$BIN/core_bench" bench/core_bench.c $CORE_SRCS -lopenblas -lm \
	>>"$LOGS/build.log" 2>&1 || medrnn_die "core_bench did not build (see $LOGS/build.log)"
# shellcheck disable=SC2086
"${CC:-cc}" $CORE_CFLAGS -o "$BIN/sgemm_peak" bench/sgemm_peak.c -lopenblas \
	>>"$LOGS/build.log" 2>&1 || medrnn_die "sgemm_peak did not build (see $LOGS/build.log)"
# the commit that was built: HEAD may move while the benchmark runs
BUILT=$(git -C "$MEDRNN_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$MEDRNN_ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ', src has local changes')
medrnn_log "built and installed ($BUILT)"

# ---------------------------------------------------------------------------
# Data: CSV files (header text,label) that all three sides read

medrnn_step "data"
# Write the first n rows of a CSV (cycling through them when n is larger; 0 = all)
csv_take()
{
	"$PY" - "$1" "$2" "$3" <<'PY'
import csv, itertools, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
csv.field_size_limit(2**31 - 1)
with open(src, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
if n > 0:
    rows = list(itertools.islice(itertools.cycle(rows), n))
with open(dst, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["text", "label"])
    w.writerows((r["text"], r["label"]) for r in rows)
PY
}
SCALE_MAX=0
for n in $SCALE_ROWS; do [ "$n" -gt "$SCALE_MAX" ] && SCALE_MAX=$n; done
"$PY" "$REFS/make_synthetic.py" --rows "$SYN_ROWS" --seed 0 --out "$DATA/syn_train.csv"
"$PY" "$REFS/make_synthetic.py" --rows "$PRED_ROWS" --seed 1 --out "$DATA/syn_pred.csv"
"$PY" "$REFS/make_synthetic.py" --rows "$SCALE_MAX" --seed 2 --out "$DATA/syn_scale.csv"
csv_take "$MEDICAL/train.csv" "$DATA/med_train.csv" "$MED_ROWS"
csv_take "$MEDICAL/test.csv" "$DATA/med_pred.csv" "$PRED_ROWS"
for d in syn med; do
	# a few rows, for torch runs whose inference is not measured
	csv_take "$DATA/${d}_pred.csv" "$DATA/${d}_small.csv" 256
done
for n in $SCALE_ROWS; do
	csv_take "$DATA/syn_scale.csv" "$DATA/syn_scale_$n.csv" "$n"
done
rm -f "$DATA/syn_scale.csv"		# 140 MB; make_synthetic.py --seed 2 writes it again
medrnn_log "synthetic: $SYN_ROWS training rows, $PRED_ROWS to predict; medical abstracts ($MEDICAL): $(
	"$PY" -c 'import csv,sys; csv.field_size_limit(2**31-1); print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=""))))' "$DATA/med_train.csv") training rows, $PRED_ROWS to predict (test rows repeated)"

# ---------------------------------------------------------------------------
# Kernel settings

CPU_FLAGS=" $(sed -n 's/^flags[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1) "
has_flags()
{
	local f
	for f; do
		case $CPU_FLAGS in *" $f "*) ;; *) return 1 ;; esac
	done
}
FAST_CORE=
if has_flags avx512f avx512bw avx512dq avx512vl; then
	FAST_CORE=SkylakeX
elif has_flags avx2 fma; then
	FAST_CORE=Haswell
fi
if [ -z "$FAST_CORE" ]; then
	KERNELS="asis generic"
elif [ "$QUICK" = 1 ]; then
	KERNELS="generic fast"		# as-is runs the same code with another kernel
else
	KERNELS="asis generic fast"
fi
KERNELS=${MEDRNN_BENCH_KERNELS:-$KERNELS}
for k in $KERNELS; do
	case $k in
		asis | generic) ;;
		fast) [ -n "$FAST_CORE" ] || medrnn_die "no fast kernels on this CPU (it has neither AVX-512 nor AVX2)" ;;
		*) medrnn_die "unrecognized kernel setting \"$k\" in MEDRNN_BENCH_KERNELS (known: asis generic fast)" ;;
	esac
done
# shellcheck disable=SC2086 # one word per setting
KERNELS=$(echo $KERNELS)
[ -n "$KERNELS" ] || medrnn_die "MEDRNN_BENCH_KERNELS names no kernel setting"
# the setting the memory, parallel and scale runs use: fast, else as-is,
# else the last one
SPECIAL=${KERNELS##* }
case " $KERNELS " in
	*" fast "*) SPECIAL=fast ;;
	*" asis "*) SPECIAL=asis ;;
esac
[ -n "${OPENBLAS_CORETYPE:-}" ] && medrnn_warn "ignoring OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE from the environment"
unset OPENBLAS_CORETYPE OMP_WAIT_POLICY OPENBLAS_NUM_THREADS OMP_NUM_THREADS
# the server's environment is set here for each setting, not by lib.sh's choice
_MEDRNN_OPENBLAS_DECIDED=1

# The OPENBLAS_CORETYPE of a setting (empty: OpenBLAS chooses)
coretype_of()
{
	case $1 in
		asis) echo ;;
		generic) echo Prescott ;;
		fast) echo "$FAST_CORE" ;;
		*) medrnn_die "unrecognized kernel setting \"$1\" (known: asis generic fast)" ;;
	esac
}

# Run a command with a setting's OPENBLAS_CORETYPE
with_kernel()
{
	local ct
	ct=$(coretype_of "$1")
	shift
	if [ -n "$ct" ]; then
		env OPENBLAS_CORETYPE="$ct" "$@"
	else
		env -u OPENBLAS_CORETYPE "$@"
	fi
}

# Check that a side runs the kernel the setting asked for
check_core()
{
	local kernel=$1 side=$2 got=$3 want
	want=$(eval "echo \${CORE_$kernel:-}")
	if [ -z "$got" ]; then
		medrnn_warn "$side: could not tell which OpenBLAS kernel ran"
	elif [ "$got" != "$want" ]; then
		medrnn_warn "$side ran OpenBLAS kernel \"$got\", expected \"$want\""
		record "$kernel" - - core_mismatch "$side:$got"
	fi
}

# ---------------------------------------------------------------------------
# Machine

meta date "$(date -u +%Y-%m-%d)"
meta quick "$QUICK"
meta arch "$(uname -m)"
meta cpu "$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
meta cpus "$(nproc)"
meta avx512 "$(has_flags avx512f && echo yes || echo no)"
meta kernel_settings "$KERNELS"
meta git "$BUILT"
meta postgres "$("$MEDRNN_PG_BINDIR/postgres" --version | sed 's/.*) //')"
meta torch "$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo '?')"
meta syn_rows "$SYN_ROWS"
meta med_rows "$(tail -n +2 "$DATA/med_train.csv" | "$PY" -c 'import csv,sys; csv.field_size_limit(2**31-1); print(sum(1 for _ in csv.reader(sys.stdin)))')"
meta syn_epochs "$SYN_EPOCHS"
meta med_epochs "$MED_EPOCHS"
meta torch_steps "$TORCH_STEPS"
meta torch_slow_steps "$TORCH_SLOW_STEPS"
meta pred_rows "$PRED_ROWS"
meta mem_rows "$MEM_ROWS"
meta par_rows "$PAR_ROWS"
meta scale_rows "$SCALE_ROWS"
meta special "$SPECIAL"
meta maxlen "$MAXLEN"
meta load_start "$(sed 's/ .*//' /proc/loadavg)"

for k in $KERNELS; do
	core=$(with_kernel "$k" "$BIN/sgemm_peak" --threads 1 --seconds 0.01 | sed -n 's/^# OpenBLAS core \([^,]*\),.*/\1/p')
	eval "CORE_$k=\$core"
	meta "core_$k" "$core"
	meta "coretype_$k" "$(coretype_of "$k")"
done
meta openblas "$(with_kernel asis "$BIN/sgemm_peak" --threads 1 --seconds 0.01 | sed -n 's/.*| OpenBLAS \([0-9.]*\).*/\1/p')"

# ---------------------------------------------------------------------------
# One kernel setting: sgemm, then a cluster with that kernel

PSQL=(psql -X -v ON_ERROR_STOP=1 -d medrnn_bench)

# Start a throwaway cluster whose server runs the setting's kernel
start_cluster()
{
	local kernel=$1 ct pid env_ct
	ct=$(coretype_of "$kernel")
	MEDRNN_SERVER_ENV=()
	[ -z "$ct" ] || MEDRNN_SERVER_ENV=("OPENBLAS_CORETYPE=$ct")
	medrnn_cluster_start || medrnn_die "the throwaway cluster did not start"
	# the server must really have it: read the postmaster's environment
	pid=$(head -n 1 "$MEDRNN_PGDATA/postmaster.pid")
	env_ct=$(tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^OPENBLAS_CORETYPE=//p')
	[ "$env_ct" = "$ct" ] ||
		medrnn_die "the server's OPENBLAS_CORETYPE is \"$env_ct\", expected \"$ct\""
	medrnn_log "server environment: OPENBLAS_CORETYPE=${env_ct:-(unset)}"
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE medrnn_bench"
	"${PSQL[@]}" -q >"$LOGS/load_$kernel.log" 2>&1 <<SQL
CREATE EXTENSION medrnn;
CREATE TABLE syn_train (text text, label text);
CREATE TABLE syn_pred (text text, label text);
CREATE TABLE med_train (text text, label text);
CREATE TABLE med_pred (text text, label text);
\\copy syn_train FROM '$DATA/syn_train.csv' WITH (FORMAT csv, HEADER true)
\\copy syn_pred FROM '$DATA/syn_pred.csv' WITH (FORMAT csv, HEADER true)
\\copy med_train FROM '$DATA/med_train.csv' WITH (FORMAT csv, HEADER true)
\\copy med_pred FROM '$DATA/med_pred.csv' WITH (FORMAT csv, HEADER true)
VACUUM ANALYZE;
SQL
}

# SQL training: rnn_train with medrnn.threads, the backend's peak memory
sql_train()
{
	local kernel=$1 d=$2 t=$3 epochs=$4 table=${5:-${2}_train} model=${6:-m_${2}_t$3}
	local log=$LOGS/sql_train_${kernel}_${table}_t$t.log base peak rows secs tps stmt cpu
	timed "$log" "${PSQL[@]}" -At <<SQL || medrnn_die "rnn_train failed (see $log)"
SET client_min_messages = notice;
LOAD 'medrnn';
-- touch the table's pages first, so the baseline holds them
SELECT 'SCAN', count(*), sum(length(text)) FROM $table;
SELECT 'BASE', substring(s from 'VmRSS:\s+(\d+)'), substring(s from 'VmHWM:\s+(\d+)')
FROM pg_read_file('/proc/self/status') s;
SET medrnn.threads = $t;
\\timing on
CREATE TABLE $model AS
  SELECT rnn_train('$table', 'text', 'label', '{"epochs": $epochs, "seed": 0}') AS model;
\\timing off
SELECT 'PEAK', substring(s from 'VmHWM:\s+(\d+)') FROM pg_read_file('/proc/self/status') s;
-- the backend's CPU ticks (utime + stime, all its threads)
SELECT 'CPU', split_part(f, ' ', 12)::bigint + split_part(f, ' ', 13)::bigint
FROM substring(pg_read_file('/proc/self/stat') from '\) (.*)$') f;
SELECT 'INFO', i->>'train_rows', i->>'maxlen', i->>'training_seconds',
       (SELECT string_agg(e->>'seconds', ' ') FROM jsonb_array_elements(i->'epochs') e),
       i->>'parameters', i->>'classes'
FROM (SELECT rnn_model_info(model) AS i FROM $model) s;
SQL
	base=$(awk -F'|' '$1 == "BASE" {print $2}' "$log")
	peak=$(awk -F'|' '$1 == "PEAK" {print $2}' "$log")
	rows=$(awk -F'|' '$1 == "INFO" {print $2}' "$log")
	secs=$(awk -F'|' '$1 == "INFO" {print $5}' "$log")
	stmt=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$log" | head -n 1)
	cpu=$(awk -F'|' -v hz="$HZ" -v c="$TIMED_CPU" '$1 == "CPU" {print $2 / hz + c}' "$log")
	record "$kernel" "$d" "$t" sql_others_cpu "$(others_cpu "$TIMED_BUSY" "$cpu" "$TIMED_WALL")"
	tps=$(steady_tps "$(repeat_word "$rows" "$(wc -w <<<"$secs")")" "$secs")
	record "$kernel" "$d" "$t" sql_epoch_seconds "$secs"
	record "$kernel" "$d" "$t" sql_rows "$rows"
	record "$kernel" "$d" "$t" sql_tokens_per_s "$tps"
	record "$kernel" "$d" "$t" sql_statement_seconds "$(awk -v m="$stmt" 'BEGIN {printf "%.2f", m / 1000}')"
	record "$kernel" "$d" "$t" sql_rss_before_kb "$base"
	record "$kernel" "$d" "$t" sql_hwm_kb "$peak"
	record "$kernel" "$d" "$t" sql_parameters "$(awk -F'|' '$1 == "INFO" {print $6}' "$log")"
	record "$kernel" "$d" "$t" classes "$(awk -F'|' '$1 == "INFO" {print $7}' "$log")"
	# the server warns of generic kernels (src/pg/glue.c) exactly when the
	# setting's kernel is one on a CPU that can run better ones
	local want=no got=no
	if [ -n "$FAST_CORE" ]; then
		case $(eval "echo \${CORE_$kernel:-}" | tr '[:upper:]' '[:lower:]') in
			prescott | katmai | coppermine | northwood | banias | core2 | penryn | \
				dunnington | nehalem | atom | sandybridge | barcelona | opteron) want=yes ;;
		esac
	fi
	! grep -q 'generic "' "$log" || got=yes
	record "$kernel" "$d" "$t" server_generic_warning "$got"
	if [ "$got" != "$want" ]; then
		medrnn_warn "the server's kernel is not the one asked for: generic-kernel warning $got, expected $want"
		record "$kernel" - - core_mismatch "server (generic-kernel warning $got, expected $want)"
	fi
	medrnn_log "SQL rnn_train $table, $t thread(s): $tps tokens/s (epochs: $secs s), peak $((peak / 1024)) MB (before $((base / 1024)) MB); others used $(others_cpu "$TIMED_BUSY" "$cpu" "$TIMED_WALL") CPUs"
}

# SQL prediction, one backend: the second of two runs over the table
sql_predict()
{
	local kernel=$1 d=$2 log=$LOGS/sql_predict_${1}_$2.log ms rps cpu
	timed "$log" "${PSQL[@]}" -At <<SQL || medrnn_die "rnn_predict failed (see $log)"
SET max_parallel_workers_per_gather = 0;
\\timing on
SELECT count(rnn_predict(m.model, t.text)) FROM ${d}_pred t, m_${d}_t1 m;
SELECT count(rnn_predict(m.model, t.text)) FROM ${d}_pred t, m_${d}_t1 m;
\\timing off
SELECT 'CPU', split_part(f, ' ', 12)::bigint + split_part(f, ' ', 13)::bigint
FROM substring(pg_read_file('/proc/self/stat') from '\) (.*)$') f;
SQL
	cpu=$(awk -F'|' -v hz="$HZ" -v c="$TIMED_CPU" '$1 == "CPU" {print $2 / hz + c}' "$log")
	record "$kernel" "$d" 1 sql_predict_others_cpu "$(others_cpu "$TIMED_BUSY" "$cpu" "$TIMED_WALL")"
	ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$log" | tail -n 1)
	rps=$(awk -v m="$ms" -v n="$PRED_ROWS" 'BEGIN {printf "%.1f", n / (m / 1000)}')
	record "$kernel" "$d" 1 sql_predict_rows_per_s "$rps"
	medrnn_log "SQL rnn_predict over $PRED_ROWS rows: $rps rows/s"
}

# The core alone: training (and prediction at 1 thread), and the memory need
core_run()
{
	local kernel=$1 d=$2 t=$3 epochs=$4 log=$LOGS/core_${1}_${2}_t$3.log rows secs tps
	local args=(--train "$DATA/${d}_train.csv" --epochs "$epochs" --threads "$t" --seed 0 --print-memory)
	[ "$t" != 1 ] || args+=(--test "$DATA/${d}_pred.csv" --predict-rows "$PRED_ROWS")
	timed "$log" with_kernel "$kernel" "$BIN/core_bench" "${args[@]}" ||
		medrnn_die "core_bench failed (see $log)"
	record "$kernel" "$d" "$t" core_others_cpu "$(others_cpu "$TIMED_BUSY" "$TIMED_CPU" "$TIMED_WALL")"
	check_core "$kernel" core_bench "$(sed -n 's/^# OpenBLAS core \([^,]*\),.*/\1/p' "$log")"
	rows=$(sed -n 's/^# \([0-9]*\) rows,.*/\1/p' "$log")
	secs=$(sed -n 's/^epoch [0-9]*: .* \([0-9.]*\) s [0-9]* tokens\/s$/\1/p' "$log" | tr '\n' ' ')
	tps=$(steady_tps "$(repeat_word "$rows" "$(wc -w <<<"$secs")")" "$secs")
	record "$kernel" "$d" "$t" core_epoch_seconds "${secs% }"
	record "$kernel" "$d" "$t" core_tokens_per_s "$tps"
	for key in need_bytes weights_adam_grads_bytes acts_bytes rows_bytes train_memory_bytes params; do
		record "$kernel" "$d" "$t" "core_$key" "$(sed -n "s/^RESULT memory.* $key=\([0-9]*\).*/\1/p" "$log")"
	done
	if [ "$t" = 1 ]; then
		record "$kernel" "$d" 1 core_predict_rows_per_s \
			"$(sed -n 's/^RESULT predict_rows_per_s.*=\([0-9.]*\) (.*/\1/p' "$log")"
	fi
	medrnn_log "core_bench $d, $t thread(s): $tps tokens/s (epochs: $secs s); others used $(others_cpu "$TIMED_BUSY" "$TIMED_CPU" "$TIMED_WALL") CPUs"
}

# torch_lstm_ref.py: one variant; prints its steady tokens/s
torch_run()
{
	local kernel=$1 d=$2 t=$3 epochs=$4 variant=$5 log=$LOGS/torch_${1}_${2}_t$3_$5.log
	local args=(--train "$DATA/${d}_train.csv" --epochs "$epochs" --threads "$t" --seed 0)
	local envs=() rows secs tps
	if [ "$t" != 1 ] && [ "$variant" = default ]; then
		args+=(--max-steps "$TORCH_SLOW_STEPS")
	elif [ "$d" = syn ]; then
		args+=(--max-steps "$TORCH_STEPS")
	fi
	if [ "$t" = 1 ]; then
		args+=(--test "$DATA/${d}_pred.csv")
	else
		args+=(--test "$DATA/${d}_small.csv")
	fi
	case $variant in
		default) ;;
		passive) envs+=(OMP_WAIT_POLICY=PASSIVE) ;;
		blas1) args+=(--blas-threads 1) ;;
	esac
	timed "$log" with_kernel "$kernel" env ${envs[@]+"${envs[@]}"} "$PY" "$REFS/torch_lstm_ref.py" "${args[@]}" ||
		medrnn_die "torch_lstm_ref.py failed (see $log)"
	record "$kernel" "$d" "$t" "torch_${variant}_others_cpu" "$(others_cpu "$TIMED_BUSY" "$TIMED_CPU" "$TIMED_WALL")"
	check_core "$kernel" "torch ($variant)" "$(sed -n 's/.*OpenBLAS corename=\([^ ]*\) .*/\1/p' "$log")"
	rows=$(awk -F, '/^[0-9]+,/ {printf "%s ", $5}' "$log")
	secs=$(awk -F, '/^[0-9]+,/ {printf "%s ", $4}' "$log")
	tps=$(steady_tps "$rows" "$secs")
	record "$kernel" "$d" "$t" "torch_${variant}_epoch_seconds" "${secs% }"
	record "$kernel" "$d" "$t" "torch_${variant}_epoch_rows" "${rows% }"
	record "$kernel" "$d" "$t" "torch_${variant}_tokens_per_s" "$tps"
	record "$kernel" "$d" "$t" "torch_${variant}_peak_rss_mib" "$(sed -n 's/^RESULT peak_rss_mib=\([0-9]*\).*/\1/p' "$log")"
	if [ "$t" = 1 ]; then
		record "$kernel" "$d" 1 torch_predict_rows_per_s \
			"$(sed -n 's/.*end_to_end_rows_per_s([^)]*)=\([0-9.]*\).*/\1/p' "$log")"
		record "$kernel" "$d" 1 torch_predict_model_only_rows_per_s \
			"$(sed -n 's/^RESULT infer_rows_per_s([^)]*)=\([0-9.]*\).*/\1/p' "$log")"
	fi
	medrnn_log "torch $d, $t thread(s), $variant: $tps tokens/s (epochs: $secs s); others used $(others_cpu "$TIMED_BUSY" "$TIMED_CPU" "$TIMED_WALL") CPUs"
	printf '%s\n' "$tps"
}

# torch at t threads: 1 thread as is; 2 threads the best of three settings
torch_best()
{
	local kernel=$1 d=$2 t=$3 epochs=$4 v tps best=0 best_v=
	if [ "$t" = 1 ]; then
		tps=$(torch_run "$kernel" "$d" 1 "$epochs" default)
		record "$kernel" "$d" 1 torch_tokens_per_s "$tps"
		record "$kernel" "$d" 1 torch_variant default
		return
	fi
	for v in default passive blas1; do
		tps=$(torch_run "$kernel" "$d" "$t" "$epochs" "$v")
		if awk -v a="$tps" -v b="$best" 'BEGIN {exit !(a + 0 > b + 0)}'; then
			best=$tps
			best_v=$v
		fi
	done
	record "$kernel" "$d" "$t" torch_tokens_per_s "$best"
	record "$kernel" "$d" "$t" torch_variant "$best_v"
}

# Backend memory over a long predict: RssAnon sampled from /proc
memory_predict()
{
	local kernel=$1 log=$LOGS/memory_predict.log samples=$LOGS/memory_predict_samples.tsv
	local pidfile=$OUT/predict.pid psql_pid pid="" tries=0
	"${PSQL[@]}" -q -c "CREATE TABLE syn_mem AS SELECT text FROM syn_pred, generate_series(1, ceil($MEM_ROWS::float8 / $PRED_ROWS)::int) LIMIT $MEM_ROWS" \
		-c "VACUUM ANALYZE syn_mem" >>"$log" 2>&1
	rm -f "$pidfile"
	"${PSQL[@]}" -At >>"$log" 2>&1 <<SQL &
SELECT pg_backend_pid() \\g $pidfile
SET max_parallel_workers_per_gather = 0;
\\timing on
SELECT 'COUNT', count(rnn_predict(m.model, t.text)) FROM syn_mem t, m_syn_t1 m;
\\timing off
SELECT 'PEAK', substring(s from 'VmHWM:\s+(\d+)') FROM pg_read_file('/proc/self/status') s;
SQL
	psql_pid=$!
	while [ -z "$pid" ] && [ $tries -lt 100 ]; do
		sleep 0.1
		pid=$(tr -dc '0-9' <"$pidfile" 2>/dev/null || true)
		tries=$((tries + 1))
	done
	printf 'seconds\tRssAnon_kB\tVmRSS_kB\n' >"$samples"
	local t0 now
	t0=$(date +%s.%N)
	while kill -0 "$psql_pid" 2>/dev/null; do
		if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
			now=$(date +%s.%N)
			awk -v t="$(awk -v a="$now" -v b="$t0" 'BEGIN {printf "%.1f", a - b}')" \
				'/^RssAnon:/ {a = $2} /^VmRSS:/ {r = $2} END {if (a != "") printf "%s\t%s\t%s\n", t, a, r}' \
				"/proc/$pid/status" >>"$samples" 2>/dev/null || true
		fi
		sleep 0.25
	done
	wait "$psql_pid" || medrnn_die "the long predict failed (see $log)"
	# a tenth into the run (and at least a second: the model is decoded) against the end
	awk -F'\t' 'NR > 1 {a[++n] = $2; if ($2 > m) m = $2}
		END {i = int(n / 10); if (i < 5) i = 5; if (i > n) i = n;
			 printf "%s %s %s %s\n", a[i], a[n], m, n}' "$samples" >"$OUT/mem.tmp"
	read -r early late maxanon nsamples <"$OUT/mem.tmp"
	rm -f "$OUT/mem.tmp" "$pidfile"
	record "$kernel" syn 1 mem_predict_rows "$MEM_ROWS"
	record "$kernel" syn 1 mem_predict_rss_anon_early_kb "$early"
	record "$kernel" syn 1 mem_predict_rss_anon_late_kb "$late"
	record "$kernel" syn 1 mem_predict_rss_anon_max_kb "$maxanon"
	record "$kernel" syn 1 mem_predict_samples "$nsamples"
	record "$kernel" syn 1 mem_predict_hwm_kb "$(awk -F'|' '$1 == "PEAK" {print $2}' "$log")"
	record "$kernel" syn 1 mem_predict_seconds \
		"$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$log" | tail -n 1 | awk '{printf "%.2f", $1 / 1000}')"
	medrnn_log "predict over $MEM_ROWS rows: backend RssAnon $((early / 1024)) MB early, $((late / 1024)) MB at the end ($nsamples samples)"
}

# Parallel query: the same predict with 0 and 2 workers, EXPLAIN ANALYZE
parallel_predict()
{
	local kernel=$1 log=$LOGS/parallel.log w ms
	"${PSQL[@]}" -q -c "CREATE TABLE syn_par AS SELECT text FROM syn_pred, generate_series(1, ceil($PAR_ROWS::float8 / $PRED_ROWS)::int) LIMIT $PAR_ROWS" \
		-c "ALTER TABLE syn_par SET (parallel_workers = 2)" -c "VACUUM ANALYZE syn_par" >"$log" 2>&1
	for w in 0 2; do
		"${PSQL[@]}" -q -At >"$LOGS/explain_workers_$w.txt" 2>&1 <<SQL
SET client_min_messages = error;
SET max_parallel_workers_per_gather = $w;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF)
SELECT count(rnn_predict(m.model, t.text)) FROM syn_par t, m_syn_t1 m;
SQL
		ms=$(sed -n 's/^Execution Time: \([0-9.]*\) ms/\1/p' "$LOGS/explain_workers_$w.txt")
		record "$kernel" syn "$w" par_seconds "$(awk -v m="$ms" 'BEGIN {printf "%.2f", m / 1000}')"
		medrnn_log "predict over $PAR_ROWS rows with max_parallel_workers_per_gather = $w: $ms ms"
	done
	record "$kernel" syn 2 par_workers_launched \
		"$(sed -n 's/.*Workers Launched: \([0-9]*\).*/\1/p' "$LOGS/explain_workers_2.txt" | head -n 1)"
}

# Scale: one epoch on growing tables of synthetic rows
scale_runs()
{
	local kernel=$1 n
	for n in $SCALE_ROWS; do
		"${PSQL[@]}" -q >>"$LOGS/scale_load.log" 2>&1 <<SQL
CREATE TABLE scale_$n (text text, label text);
\\copy scale_$n FROM '$DATA/syn_scale_$n.csv' WITH (FORMAT csv, HEADER true)
VACUUM ANALYZE scale_$n;
SQL
		rm -f "$DATA/syn_scale_$n.csv"
		sql_train "$kernel" "scale_$n" 1 1 "scale_$n" "m_scale_$n"
	done
}

run_kernel()
{
	local kernel=$1 t d epochs g
	medrnn_step "kernels: $kernel (OPENBLAS_CORETYPE=$(coretype_of "$kernel" | sed 's/^$/(unset)/'), OpenBLAS reports $(eval "echo \$CORE_$kernel")) [$(elapsed)]"
	machine_load "kernel $kernel"
	for t in $THREADS; do
		timed "$LOGS/sgemm_${kernel}_t$t.log" \
			with_kernel "$kernel" "$BIN/sgemm_peak" --threads "$t" --seconds "$SGEMM_SECONDS" ||
			medrnn_die "sgemm_peak failed"
		record "$kernel" - "$t" sgemm_others_cpu "$(others_cpu "$TIMED_BUSY" "$TIMED_CPU" "$TIMED_WALL")"
		g=$(sed -n 's/^RESULT sgemm_peak .*gflops=\([0-9.]*\).*/\1/p' "$LOGS/sgemm_${kernel}_t$t.log")
		check_core "$kernel" sgemm_peak "$(sed -n 's/^RESULT sgemm_peak .*core=\([^ ]*\).*/\1/p' "$LOGS/sgemm_${kernel}_t$t.log")"
		record "$kernel" - "$t" sgemm_peak_gflops "$g"
		record "$kernel" - "$t" sgemm_square_gflops \
			"$(sed -n 's/^RESULT sgemm shape=square_2048 .*gflops=\([0-9.]*\).*/\1/p' "$LOGS/sgemm_${kernel}_t$t.log")"
		medrnn_log "sgemm peak, $t thread(s): $g GFLOP/s"
	done
	start_cluster "$kernel"
	for d in syn med; do
		epochs=$SYN_EPOCHS
		[ "$d" = syn ] || epochs=$MED_EPOCHS
		for t in $THREADS; do
			medrnn_log "-- $d, $t thread(s) [$(elapsed)]"
			sql_train "$kernel" "$d" "$t" "$epochs"
			[ "$t" != 1 ] || sql_predict "$kernel" "$d"
			core_run "$kernel" "$d" "$t" "$epochs"
			torch_best "$kernel" "$d" "$t" "$epochs"
		done
	done
	if [ "$kernel" = "$SPECIAL" ]; then
		medrnn_log "-- memory over a long predict, parallel query, scale [$(elapsed)]"
		memory_predict "$kernel"
		parallel_predict "$kernel"
		scale_runs "$kernel"
	fi
	medrnn_cluster_stop
	machine_load "kernel $kernel done"
}

medrnn_keep_stdio
trap 'medrnn_restore_stdio; medrnn_cluster_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for k in $KERNELS; do
	run_kernel "$k"
done

meta load_end "$(sed 's/ .*//' /proc/loadavg)"
meta minutes "$(( ($(date +%s) - START + 30) / 60 ))"
machine_load end

# ---------------------------------------------------------------------------
# The table

medrnn_step "report [$(elapsed)]"
"$PY" "$MEDRNN_ROOT/bench/report.py" "$OUT" >"$OUT/table.md" || medrnn_die "bench/report.py failed"
cat "$OUT/table.md"
echo
echo "## Raw numbers ($RAW: kernel, data, threads, key, value)"
echo
echo '```'
cat "$RAW"
echo '```'
echo
echo "EXPLAIN ANALYZE with 2 workers ($LOGS/explain_workers_2.txt):"
echo
echo '```'
cat "$LOGS/explain_workers_2.txt" 2>/dev/null || true
echo '```'
medrnn_log "done in $(elapsed); logs in $OUT"
