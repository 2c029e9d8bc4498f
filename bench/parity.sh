#!/usr/bin/env bash
#
# bench/parity.sh
#	  Same recipe, same result: rnn_train with {"epochs": 5} against the
#	  PyTorch reference (the same Keras recipe) on the medical abstracts,
#	  train.csv -> test.csv, over several seeds.
#
# Usage: bench/parity.sh [seeds]   (default "0 1 2")
#
# Prints each seed's test accuracy and macro-F1 for both, and the means.
# As root on Debian 12 (installs python3-torch for the reference).  The
# reference reads ../shared/bench (MEDRNN_BENCH to override).

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
SEEDS=${1:-"0 1 2"}

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"
REF=${MEDRNN_BENCH:-$MEDRNN_ROOT/../shared/bench}
DATA=$MEDRNN_ROOT/data/medical-abstracts
[ -f "$REF/torch_lstm_ref.py" ] || medrnn_die "no $REF/torch_lstm_ref.py (set MEDRNN_BENCH)"

medrnn_deps base bench
medrnn_build_and_start
export PGDATABASE=medrnn_parity
psql -X -q -d postgres -c "CREATE DATABASE $PGDATABASE"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION medrnn;
CREATE TABLE abstracts_train (text text, label text);
CREATE TABLE abstracts_test (text text, label text);
\\copy abstracts_train FROM '$DATA/train.csv' WITH (FORMAT csv, HEADER true)
\\copy abstracts_test FROM '$DATA/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE results (side text, seed int, accuracy float8, macro_f1 float8);
SQL

for seed in $SEEDS; do
	medrnn_step "seed $seed: rnn_train"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
INSERT INTO results
SELECT 'medrnn', $seed, (r->>'accuracy')::float8, (r->>'macro_f1')::float8
FROM (SELECT rnn_evaluate(rnn_train('abstracts_train', 'text', 'label', '{"epochs": 5, "seed": $seed}'),
                          'abstracts_test', 'text', 'label') AS r) AS s;
SQL
	medrnn_step "seed $seed: torch_lstm_ref.py"
	out=$(/usr/bin/python3 "$REF/torch_lstm_ref.py" --train "$DATA/train.csv" --test "$DATA/test.csv" \
		--epochs 5 --seed "$seed" | grep '^RESULT test_accuracy')
	acc=$(sed -n 's/.*test_accuracy=\([0-9.]*\).*/\1/p' <<<"$out")
	f1=$(sed -n 's/.*macro_f1=\([0-9.]*\).*/\1/p' <<<"$out")
	psql -X -q -c "INSERT INTO results VALUES ('torch', $seed, $acc, $f1)"
done

medrnn_step "results: test accuracy on 586 abstracts, 5 epochs"
psql -X <<'SQL'
SELECT seed, round(max(accuracy) FILTER (WHERE side = 'medrnn')::numeric, 4) AS medrnn_accuracy,
       round(max(accuracy) FILTER (WHERE side = 'torch')::numeric, 4) AS torch_accuracy,
       round(max(macro_f1) FILTER (WHERE side = 'medrnn')::numeric, 4) AS medrnn_macro_f1,
       round(max(macro_f1) FILTER (WHERE side = 'torch')::numeric, 4) AS torch_macro_f1
FROM results GROUP BY seed ORDER BY seed;
SELECT round(avg(accuracy) FILTER (WHERE side = 'medrnn')::numeric, 4) AS medrnn_mean,
       round(avg(accuracy) FILTER (WHERE side = 'torch')::numeric, 4) AS torch_mean,
       round(100 * (avg(accuracy) FILTER (WHERE side = 'medrnn') - avg(accuracy) FILTER (WHERE side = 'torch'))::numeric, 2)
         AS difference_points
FROM results;
SQL
