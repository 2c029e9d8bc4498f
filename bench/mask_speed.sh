#!/usr/bin/env bash
#
# bench/mask_speed.sh
#	  What "mask": true buys in speed: training throughput in real tokens
#	  per second (tokens that are not padding, after truncation) of medrnn
#	  masked, medrnn unmasked and the PyTorch reference with --mask
#	  (packed sequences), side by side in one run, on the same rows,
#	  network and thread counts:
#	  - ClinTox, 1,182 SMILES, characters, maxlen 200;
#	  - the first 20,000 molecules of the unlabeled SMILES pool (labelled
#	    here by whether they hold a nitrogen, so there is something to
#	    fit), characters, maxlen 200;
#	  - the 2,302 medical abstracts, words, maxlen 300.
#	  The network is the reference's (embedding 128, LSTMs 128 and 64,
#	  last state, batch 32, Adam 1e-3) on both sides.  Then, masked only:
#	  ClinTox at maxlen 100, 200 and 400 (the epoch should cost the real
#	  tokens, not maxlen), and one-row rnn_predict of short and long
#	  molecules (the cost should follow the row's tokens).
#
# Usage: bench/mask_speed.sh [--quick] [--only train|maxlen|predict]
#	--quick: 2,000 pooled molecules and 2 epochs everywhere (a smoke run)
#	--only: one of the three parts (the table shows what was measured)
#
# As root on Debian 12.  Reads data/ and ../shared (the pool and the
# references; MEDRNN_BENCH_REFS and MEDRNN_BENCH_POOL to override).
# Results in bench/results/mask-<time>/ (table.md, raw.tsv, logs/).  The
# server's OpenBLAS kernel is scripts/lib.sh's choice (the environment's
# OPENBLAS_CORETYPE if set); torch gets the same.  About 40 minutes on 2
# cores.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

QUICK=0
ONLY=
while [ $# -gt 0 ]; do
	case $1 in
		--quick) QUICK=1 ;;
		--only)
			ONLY=${2:-}
			shift ;;
		-h | --help)
			sed -n '3,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
			exit 0 ;;
		*)
			echo "usage: bench/mask_speed.sh [--quick] [--only train|maxlen|predict]" >&2
			exit 2 ;;
	esac
	shift
done
case $ONLY in
	'' | train | maxlen | predict) ;;
	*)
		echo "usage: bench/mask_speed.sh [--quick] [--only train|maxlen|predict]" >&2
		exit 2 ;;
esac

# Whether to run a part
want()
{
	[ -z "$ONLY" ] || [ "$ONLY" = "$1" ]
}

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"

PY=/usr/bin/python3
REFS=${MEDRNN_BENCH_REFS:-$MEDRNN_ROOT/../shared/bench}
POOL=${MEDRNN_BENCH_POOL:-$MEDRNN_ROOT/../shared/data/unlabeled-smiles/smiles.csv.gz}
[ -f "$REFS/torch_lstm_ref.py" ] || medrnn_die "no $REFS/torch_lstm_ref.py (set MEDRNN_BENCH_REFS)"
[ -f "$POOL" ] || medrnn_die "no $POOL (set MEDRNN_BENCH_POOL)"
if [ "$QUICK" -eq 1 ]; then
	POOL_ROWS=2000
	EPOCHS=2
else
	POOL_ROWS=20000
	EPOCHS=3
fi

OUT=$MEDRNN_ROOT/bench/results/mask-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/logs" "$OUT/data" "$OUT/bin"
RAW=$OUT/raw.tsv
: >"$RAW"

medrnn_deps bench
medrnn_build_and_start
DB=medrnn_mask_speed
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION medrnn"
# torch and the core run the server's OpenBLAS kernel
CORE=$(medrnn_openblas_coretype 2>/dev/null)
if [ -n "$CORE" ]; then
	export OPENBLAS_CORETYPE=$CORE
else
	CORE="$(medrnn_openblas_corename) (OpenBLAS's own choice)"
fi
medrnn_log "OpenBLAS kernel: $CORE; CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"

# the numeric core, for counting real tokens as training windows them
eval "$(make -s --no-print-directory print-core)"
# shellcheck disable=SC2086 # CORE_SRCS and CORE_CFLAGS are word lists
cc -std=c99 -D_POSIX_C_SOURCE=200809L $CORE_CFLAGS -o "$OUT/bin/core_bench" bench/core_bench.c \
	$CORE_SRCS -lopenblas -lm -pthread

# ---------------------------------------------------------------------------
# data: CSV files (text,label) for torch and tables for SQL

cp data/clintox/train.csv "$OUT/data/clintox.csv"
cp data/clintox/test.csv "$OUT/data/clintox_test.csv"
cp data/medical-abstracts/train.csv "$OUT/data/abstracts.csv"
cp data/medical-abstracts/test.csv "$OUT/data/abstracts_test.csv"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE pool (text text);
\\copy pool FROM PROGRAM 'gzip -dc $POOL' WITH (FORMAT csv, HEADER true)
CREATE TABLE pool_rows AS
SELECT text, (text ~ '[Nn]')::int AS label FROM (SELECT text FROM pool LIMIT $POOL_ROWS) AS p;
\\copy pool_rows TO '$OUT/data/pool.csv' WITH (FORMAT csv, HEADER true)
\\copy (SELECT * FROM pool_rows LIMIT 500) TO '$OUT/data/pool_test.csv' WITH (FORMAT csv, HEADER true)
SQL
for name in clintox abstracts; do
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE ${name}_rows (text text, label text);
\\copy ${name}_rows FROM '$OUT/data/$name.csv' WITH (FORMAT csv, HEADER true)
SQL
done

# name, table, CSV, options (without epochs and mask), torch arguments
CASES=(
	"clintox|clintox_rows|clintox|\"tokenizer\": \"char\", \"maxlen\": 200|--char --maxlen 200"
	"pool|pool_rows|pool|\"tokenizer\": \"char\", \"maxlen\": 200|--char --maxlen 200"
	"abstracts|abstracts_rows|abstracts|\"maxlen\": 300|--maxlen 300"
)

# Real tokens of a case: the ids training reads that are not padding
real_tokens()
{
	"$OUT/bin/core_bench" --train "$1" --options "{$2}" --count-tokens |
		sed -n 's/^RESULT rows=[0-9]* real_tokens=\([0-9]*\).*/\1/p'
}

# Train in SQL: $1 case, $2 table, $3 options, $4 threads, $5 masked (true or
# false), $6 real tokens an epoch.  Records the mean seconds of epochs 2..N,
# real tokens/s and the backend's peak memory.
sql_train()
{
	local name=$1 table=$2 options=$3 threads=$4 mask=$5 tokens=$6 side out
	side=$([ "$mask" = true ] && echo masked || echo unmasked)
	out=$(psql -X -q -At -v ON_ERROR_STOP=1 <<SQL 2>"$OUT/logs/$name-$side-$threads.log"
SET client_min_messages = warning;
SET medrnn.threads = $threads;
CREATE TEMP TABLE m AS SELECT rnn_train('$table', 'text', 'label', '{$options, "epochs": $EPOCHS, "mask": $mask, "seed": 0}') AS model;
SELECT (SELECT avg((e->>'seconds')::float8) FROM jsonb_array_elements(rnn_model_info(model)->'epochs') WITH ORDINALITY AS x(e, i) WHERE i > 1)
       || ' ' || (SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\\s+(\\d+)'))[1])
FROM m;
SQL
)
	read -r secs hwm <<<"$out"
	printf '%s\t%s\t%s\tepoch_seconds\t%s\n' "$name" "$side" "$threads" "$secs" >>"$RAW"
	printf '%s\t%s\t%s\treal_tokens_per_s\t%s\n' "$name" "$side" "$threads" \
		"$(awk -v t="$tokens" -v s="$secs" 'BEGIN { printf "%.0f", t / s }')" >>"$RAW"
	printf '%s\t%s\t%s\tpeak_kb\t%s\n' "$name" "$side" "$threads" "$hwm" >>"$RAW"
	medrnn_log "$name medrnn $side, $threads threads: $secs s an epoch, peak $hwm kB"
}

# torch --mask: $1 case, $2 CSV name, $3 threads, then its arguments
torch_train()
{
	local name=$1 csv=$2 threads=$3 log tps peak
	shift 3
	log=$OUT/logs/$name-torch-$threads.log
	# OMP_WAIT_POLICY=PASSIVE: OpenMP threads must not spin against OpenBLAS's
	OMP_WAIT_POLICY=PASSIVE "$PY" "$REFS/torch_lstm_ref.py" --train "$OUT/data/$csv.csv" \
		--test "$OUT/data/${csv}_test.csv" --epochs "$EPOCHS" --threads "$threads" --mask "$@" >"$log" 2>&1
	# tokens/s of epochs 2..N (its CSV lines: epoch,loss,acc,seconds,rows,tokens_per_s,...)
	tps=$(awk -F, '/^[0-9]+,/ && $1 > 1 { s += $6; n++ } END { if (n) printf "%.0f", s / n }' "$log")
	peak=$(sed -n 's/.*peak_rss_mib=\([0-9]*\).*/\1/p' "$log")
	printf '%s\ttorch\t%s\treal_tokens_per_s\t%s\n' "$name" "$threads" "$tps" >>"$RAW"
	printf '%s\ttorch\t%s\tpeak_kb\t%s\n' "$name" "$threads" "$((peak * 1024))" >>"$RAW"
	medrnn_log "$name torch --mask, $threads threads: $tps real tokens/s, peak $peak MiB"
}

for c in "${CASES[@]}"; do
	want train || break
	IFS='|' read -r name table csv options torch_args <<<"$c"
	tokens=$(real_tokens "$OUT/data/$csv.csv" "$options")
	printf '%s\t-\t-\treal_tokens\t%s\n' "$name" "$tokens" >>"$RAW"
	medrnn_step "$name: $tokens real tokens an epoch"
	for threads in 1 2; do
		sql_train "$name" "$table" "$options" "$threads" true "$tokens"
		sql_train "$name" "$table" "$options" "$threads" false "$tokens"
		# shellcheck disable=SC2086 # torch_args is a word list
		torch_train "$name" "$csv" "$threads" $torch_args
	done
done

# the same rows at three maxlens, masked: the epoch follows the real tokens
want maxlen && medrnn_step "clintox masked at maxlen 100, 200, 400"
for maxlen in 100 200 400; do
	want maxlen || break
	options="\"tokenizer\": \"char\", \"maxlen\": $maxlen"
	tokens=$(real_tokens "$OUT/data/clintox.csv" "$options")
	sql_train "clintox-maxlen$maxlen" clintox_rows "$options" 1 true "$tokens"
	printf '%s\t-\t-\treal_tokens\t%s\n' "clintox-maxlen$maxlen" "$tokens" >>"$RAW"
	# the steps its length buckets compute (the longest row's, for every row of a batch)
	printf '%s\t-\t-\tbucketed_steps\t%s\n' "clintox-maxlen$maxlen" \
		"$("$OUT/bin/core_bench" --train "$OUT/data/clintox.csv" --options "{$options, \"mask\": true, \"seed\": 0}" \
			--count-tokens | sed -n 's/^RESULT .*bucketed_steps=\([0-9]*\).*/\1/p')" >>"$RAW"
done

# One-row prediction of short and long molecules: the cost follows the
# row.  Each timing is the best of three runs of the whole query, without
# JIT, after the model is loaded and the rows read once.
if want predict; then
	medrnn_step "rnn_predict of short and long molecules"
	psql -X -q -At -v ON_ERROR_STOP=1 >"$OUT/logs/predict.log" <<SQL
SET client_min_messages = warning;
SET jit = off;
CREATE TABLE pm AS
SELECT mask, rnn_train('pool_rows', 'text', 'label', jsonb_build_object('tokenizer', 'char', 'maxlen', 200, 'epochs', 1, 'mask', mask)) AS model
FROM (VALUES (true), (false)) AS v(mask);
CREATE TABLE short_rows AS SELECT text FROM pool WHERE length(text) BETWEEN 15 AND 25 LIMIT 2000;
CREATE TABLE long_rows AS SELECT text FROM pool WHERE length(text) BETWEEN 75 AND 95 LIMIT 2000;
VACUUM ANALYZE short_rows;
VACUUM ANALYZE long_rows;
-- the model joined from its table, as a query would read it
CREATE FUNCTION time_predict(masked bool, t regclass) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE
  t0 timestamptz;
  best float8 := 'Infinity';
BEGIN
  FOR i IN 0..3 LOOP
    t0 := clock_timestamp();
    EXECUTE format('SELECT count(rnn_predict(m.model, r.text)) FROM %s r, pm m WHERE m.mask = \$1', t)
      USING masked;
    IF i > 0 THEN
      best := least(best, extract(epoch FROM clock_timestamp() - t0));
    END IF;
  END LOOP;
  RETURN best;
END \$\$;
-- per row: the best time over the rows' count
SELECT (CASE WHEN mask THEN 'masked' ELSE 'unmasked' END) || ' '
       || (SELECT avg(length(text)) FROM short_rows) || ' '
       || time_predict(mask, 'short_rows') / (SELECT count(*) FROM short_rows) || ' '
       || (SELECT avg(length(text)) FROM long_rows) || ' '
       || time_predict(mask, 'long_rows') / (SELECT count(*) FROM long_rows)
FROM pm ORDER BY mask DESC;
SQL
	while read -r side short_len short_s long_len long_s; do
		printf 'predict\t%s\t1\tshort_tokens\t%s\n' "$side" "$short_len" >>"$RAW"
		printf 'predict\t%s\t1\tshort_seconds_per_row\t%s\n' "$side" "$short_s" >>"$RAW"
		printf 'predict\t%s\t1\tlong_tokens\t%s\n' "$side" "$long_len" >>"$RAW"
		printf 'predict\t%s\t1\tlong_seconds_per_row\t%s\n' "$side" "$long_s" >>"$RAW"
	done <"$OUT/logs/predict.log"
fi

medrnn_step "table"
"$PY" - "$RAW" "${CORE:-unknown}" "$POOL_ROWS" "$EPOCHS" >"$OUT/table.md" <<'PYTHON'
import sys
from collections import defaultdict
raw, core, pool_rows, epochs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
v = defaultdict(dict)
for line in open(raw):
    case, side, thr, key, val = line.rstrip("\n").split("\t")
    v[(case, side, thr)][key] = float(val) if val not in ("", "-") else None
def get(case, side, thr, key):
    return v.get((case, side, thr), {}).get(key)
names = {"clintox": "ClinTox, 1,182 SMILES, chars, maxlen 200",
         "pool": f"unlabeled SMILES, first {int(pool_rows):,}, chars, maxlen 200",
         "abstracts": "medical abstracts, 2,302, words, maxlen 300"}
print(f"Real tokens/s in training (mean of epochs 2..{epochs}); OpenBLAS kernel {core}.\n")
print("| data | threads | medrnn masked | medrnn unmasked | torch --mask | masked / torch | masked / unmasked (epoch time) | peak MB masked / unmasked / torch |")
print("|---|--:|--:|--:|--:|--:|--:|--:|")
for case in ("clintox", "pool", "abstracts"):
    if not any(k[0] == case for k in v):
        continue
    for thr in ("1", "2"):
        m = get(case, "masked", thr, "real_tokens_per_s")
        u = get(case, "unmasked", thr, "real_tokens_per_s")
        t = get(case, "torch", thr, "real_tokens_per_s")
        pk = [get(case, s, thr, "peak_kb") for s in ("masked", "unmasked", "torch")]
        fmt = lambda x: f"{x:,.0f}" if x else "—"
        ratio = lambda a, b: f"{a / b:.2f}×" if a and b else "—"
        print(f"| {names[case]} | {thr} | {fmt(m)} | {fmt(u)} | {fmt(t)} | {ratio(m, t)} | {ratio(m, u)} | "
              + " / ".join(f"{p / 1024:.0f}" if p else "—" for p in pk) + " |")
print("\nClinTox masked, 1 thread, the same rows at three maxlens:\n")
print("| maxlen | real tokens | steps computed (length buckets) | epoch seconds | real tokens/s | steps computed/s |")
print("|--:|--:|--:|--:|--:|--:|")
for ml in ("100", "200", "400"):
    c = f"clintox-maxlen{ml}"
    if get(c, "masked", "1", "epoch_seconds") is None:
        continue
    secs, steps = get(c, 'masked', '1', 'epoch_seconds'), get(c, '-', '-', 'bucketed_steps')
    print(f"| {ml} | {get(c, '-', '-', 'real_tokens'):,.0f} | {steps:,.0f} | {secs:.2f} | "
          f"{get(c, 'masked', '1', 'real_tokens_per_s'):,.0f} | {steps / secs:,.0f} |")
print("\nOne-row rnn_predict, up to 2,000 molecules of each length, 1 thread, best of three:\n")
print("| model | short: chars, ms/row | long: chars, ms/row | long / short time | long / short chars |")
print("|---|--:|--:|--:|--:|")
for side in ("masked", "unmasked"):
    st, ss = get("predict", side, "1", "short_tokens"), get("predict", side, "1", "short_seconds_per_row")
    lt, ls = get("predict", side, "1", "long_tokens"), get("predict", side, "1", "long_seconds_per_row")
    if st and ss and lt and ls:
        print(f"| {side} | {st:.0f}, {ss * 1000:.3f} | {lt:.0f}, {ls * 1000:.3f} | {ls / ss:.2f} | {lt / st:.2f} |")
PYTHON
cat "$OUT/table.md"
medrnn_log "results in $OUT"
