#!/usr/bin/env bash
#
# bench/physionet_los.sh
#	  Length of stay (days) from the first 48 hours of an ICU stay: the
#	  PhysioNet/CinC Challenge 2012 set-a stays of bench/physionet2012.sh
#	  (the same events, the same rnnseq per stay, the same train/test split
#	  of split.csv), with the regression target length_of_stay of
#	  outcomes_all.csv.  Stays whose length of stay is negative (-1: not
#	  known) are dropped, and counted.
#
#	  Baselines, on the same split: the training median (the best constant
#	  for MAE) and mean (the best constant for RMSE), and ordinary least
#	  squares on SAPS-I (regr_slope/regr_intercept over the training stays
#	  with a known SAPS-I; a test stay whose SAPS-I is -1, missing, gets the
#	  training median).
#
#	  medrnn: up to three candidate recipes, chosen without the test split:
#	  each is trained with seed 0 on 80% of the training stays (its own 20%
#	  validation_split watched by early stopping) and scored on the other
#	  20% of the training stays (every fifth stay by the MD5 of its
#	  record_id), by MAE, the issue's figure.  The kept epoch's val_loss is
#	  printed beside it, but it cannot rank the candidates: it is the
#	  training loss on the standardised target, squared error for "mse" and
#	  Huber's (at most half the squared error) for "huber".  The chosen
#	  recipe is then trained on all training stays per seed and scored on
#	  the test stays with rnn_evaluate (MAE, RMSE, R^2).
#
# Usage: bench/physionet_los.sh [seeds]
#	seeds default "0 1 2" (the final runs; selection always uses seed 0)
#
# Environment:
#	MEDRNN_PHYSIONET	the data (default ../shared/data/physionet2012)
#	MEDRNN_LOS_TABLE	where the final markdown table is saved (/tmp/los_table.md)
#	MEDRNN_PGPORT		the throwaway cluster's socket port (55495)
#
# Needs medrnn installed (make install) with regression support; it builds
# and installs nothing.  Starts its own throwaway cluster (scripts/lib.sh)
# and removes it at exit.  Trains on one thread (medrnn.threads' default,
# as bench/physionet2012.sh).  Results on stdout, progress on stderr.
# About 70 seconds on 2 cores (AMD EPYC), each training 2 to 10 s.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
case ${1:-} in
	-h | --help)
		sed -n '/^# Usage:/,/^# Needs/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0 ;;
esac
SEEDS=${1:-"0 1 2"}
for s in $SEEDS; do
	case $s in
		'' | *[!0-9]*) echo "usage: $0 [seeds]   (seeds: non-negative integers, e.g. \"0 1 2\")" >&2; exit 2 ;;
	esac
done

export MEDRNN_PGPORT=${MEDRNN_PGPORT:-55495}
# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"
DATA=${MEDRNN_PHYSIONET:-$MEDRNN_ROOT/../shared/data/physionet2012}
TABLE=${MEDRNN_LOS_TABLE:-/tmp/los_table.md}
for f in events.csv.gz outcomes_all.csv split.csv; do
	[ -f "$DATA/$f" ] || medrnn_die "no $DATA/$f (set MEDRNN_PHYSIONET)"
done

# ---------------------------------------------------------------------------
# Recipes
#
# bench/physionet2012.sh's recipe (hourly bins over 48 hours, one LSTM layer
# of 64, early stopping on a 20% validation split), as a regression
COMMON='"step": 60, "maxlen": 48, "hidden": 64, "validation_split": 0.2'
CANDIDATES="mse huber huber-d3"
declare -A RECIPE=(
	# the recipe as it is, squared error
	[mse]="$COMMON, \"epochs\": 20, \"early_stopping\": 4, \"loss\": \"mse\""
	# the same with Huber's loss (delta = 1 sd of the target): the long tail
	# of stays weighs less
	[huber]="$COMMON, \"epochs\": 20, \"early_stopping\": 4, \"loss\": \"huber\""
	# Huber with dropout 0.3 on the LSTM's inputs, and room to use it: 40
	# epochs, patience 8 (the death recipe keeps its 2nd epoch: it overfits fast)
	[huber-d3]="$COMMON, \"epochs\": 40, \"early_stopping\": 8, \"loss\": \"huber\", \"dropout\": 0.3"
)

START=$(date +%s)
elapsed()
{
	echo $(($(date +%s) - START))
}

# ---------------------------------------------------------------------------
# The cluster and the data (bench/physionet2012.sh's loading code)

medrnn_keep_stdio
trap 'medrnn_restore_stdio; medrnn_cluster_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
medrnn_cluster_start || medrnn_die "the throwaway cluster did not start"
DB=medrnn_los
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB"
export PGDATABASE=$DB

medrnn_step "loading $DATA"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION medrnn;
CREATE TABLE events (record_id int, minutes float8, variable text, value float8);
CREATE TABLE outcomes (record_id int PRIMARY KEY, saps_i int, sofa int, length_of_stay float8,
                       survival int, in_hospital_death int);
CREATE TABLE split (record_id int PRIMARY KEY, split text);
\\copy events FROM PROGRAM 'gzip -dc $DATA/events.csv.gz' WITH (FORMAT csv, HEADER true)
\\copy outcomes FROM '$DATA/outcomes_all.csv' WITH (FORMAT csv, HEADER true)
\\copy split FROM '$DATA/split.csv' WITH (FORMAT csv, HEADER true)
ANALYZE events;
SQL
psql -X -q -At -c "SELECT 1 FROM pg_proc WHERE proname = 'rnn_predict_value'" | grep -q 1 ||
	medrnn_die "the installed medrnn has no rnn_predict_value: install a version with regression (make install)"

medrnn_step "building one sequence per stay (rnn_seq over all event rows)"
# As bench/physionet2012.sh: in the descriptors recorded at time 0, -1 means
# "not recorded" and becomes a missing value
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE stays AS
SELECT o.record_id, s.split, o.length_of_stay, o.saps_i,
       rnn_seq(e.minutes, e.variable,
               CASE WHEN e.value = -1 AND e.variable IN ('Age', 'Gender', 'Height', 'Weight', 'ICUType')
                    THEN NULL ELSE e.value END) AS vitals
FROM outcomes o JOIN split s USING (record_id) LEFT JOIN events e USING (record_id)
GROUP BY o.record_id, s.split, o.length_of_stay, o.saps_i;
SQL

medrnn_step "dropping stays with length_of_stay < 0"
echo "## Data"
echo
psql -X -At -F ' ' -v ON_ERROR_STOP=1 <<'SQL'
SELECT format('stays with length_of_stay < 0, dropped: %s (train %s, test %s; values: %s; %s of them have no event after time 0)',
              count(*), count(*) FILTER (WHERE split = 'train'), count(*) FILTER (WHERE split = 'test'),
              string_agg(DISTINCT length_of_stay::text, ', '),
              count(*) FILTER (WHERE vitals IS NULL OR (rnn_seq_info(vitals)->>'last_time')::float8 <= 0))
FROM stays WHERE length_of_stay < 0;
SQL
# The tables trained and scored on, in record_id order (the validation split
# depends on the order rows are read)
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE los_train AS
  SELECT record_id, vitals, length_of_stay, saps_i FROM stays
  WHERE split = 'train' AND length_of_stay >= 0 ORDER BY record_id;
CREATE TABLE los_test AS
  SELECT record_id, vitals, length_of_stay, saps_i FROM stays
  WHERE split = 'test' AND length_of_stay >= 0 ORDER BY record_id;
-- selection: every fifth training stay by the MD5 of its record_id is held out
CREATE TABLE sel AS
  SELECT *, (row_number() OVER (ORDER BY md5(record_id::text), record_id) - 1) % 5 = 0 AS held_out
  FROM los_train;
CREATE TABLE sel_fit AS SELECT record_id, vitals, length_of_stay FROM sel WHERE NOT held_out ORDER BY record_id;
CREATE TABLE sel_val AS SELECT record_id, vitals, length_of_stay FROM sel WHERE held_out ORDER BY record_id;
ANALYZE;
CREATE TABLE results (stage text, recipe text, seed int, mae float8, rmse float8, r2 float8,
                      sql_mae float8, val_loss float8, best_epoch int, epochs_run int,
                      train_s float8, wall_s float8);
SQL
psql -X -At -F ' ' -v ON_ERROR_STOP=1 <<'SQL'
SELECT format('%s: %s stays, length of stay (days) mean %s, median %s, sd %s, max %s',
              t, n, round(mu::numeric, 2), med, round(sd::numeric, 2), mx)
FROM (SELECT 'train' AS t, 1 AS o, count(*) AS n, avg(length_of_stay) AS mu,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY length_of_stay) AS med,
             stddev_pop(length_of_stay) AS sd, max(length_of_stay) AS mx FROM los_train
      UNION ALL
      SELECT 'test', 2, count(*), avg(length_of_stay),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY length_of_stay),
             stddev_pop(length_of_stay), max(length_of_stay) FROM los_test
      UNION ALL
      SELECT 'selection fit (80% of train)', 3, count(*), avg(length_of_stay),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY length_of_stay),
             stddev_pop(length_of_stay), max(length_of_stay) FROM sel_fit
      UNION ALL
      SELECT 'selection held out (20% of train)', 4, count(*), avg(length_of_stay),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY length_of_stay),
             stddev_pop(length_of_stay), max(length_of_stay) FROM sel_val) x
ORDER BY o;
SQL
echo "loading and sequences: $(elapsed) s"

# ---------------------------------------------------------------------------
# Baselines on the test stays: training median, training mean, SAPS-I OLS

medrnn_step "baselines"
# MAE, RMSE and R^2 (scikit-learn's: 1 - SS_res / SS_tot around the test mean)
# of predictions p(record_id) over los_test, as results rows
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE saps_fit AS
SELECT regr_slope(length_of_stay, saps_i) AS slope, regr_intercept(length_of_stay, saps_i) AS intercept,
       regr_count(length_of_stay, saps_i) AS n_fit, regr_r2(length_of_stay, saps_i) AS r2_train,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY saps_i) FROM los_train WHERE saps_i >= 0) AS saps_median,
       (SELECT count(*) FROM los_train WHERE saps_i < 0) AS train_missing,
       (SELECT count(*) FROM los_test WHERE saps_i < 0) AS test_missing
FROM los_train WHERE saps_i >= 0;
CREATE TABLE baseline_pred AS
SELECT t.record_id, t.length_of_stay AS y,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY length_of_stay) FROM los_train) AS p_median,
       (SELECT avg(length_of_stay) FROM los_train) AS p_mean,
       f.intercept + f.slope * (CASE WHEN t.saps_i >= 0 THEN t.saps_i ELSE f.saps_median END) AS p_saps
FROM los_test t, saps_fit f;
INSERT INTO results (stage, recipe, seed, mae, rmse, r2)
SELECT 'baseline', b.name, NULL, avg(abs(b.p - b.y)), sqrt(avg((b.p - b.y) ^ 2)),
       1 - sum((b.p - b.y) ^ 2) / sum((b.y - m.ybar) ^ 2)
FROM (SELECT 'median' AS name, y, p_median AS p FROM baseline_pred
      UNION ALL SELECT 'mean', y, p_mean FROM baseline_pred
      UNION ALL SELECT 'saps', y, p_saps FROM baseline_pred) b,
     (SELECT avg(y) AS ybar FROM baseline_pred) m
GROUP BY b.name;
SQL
echo
echo "## Baselines"
echo
psql -X -At -F ' ' -v ON_ERROR_STOP=1 <<'SQL'
SELECT format('training median %s days, training mean %s days', p_median, round(p_mean::numeric, 3))
FROM baseline_pred LIMIT 1;
SELECT format('SAPS-I OLS on %s training stays with a known SAPS-I (%s without one left out of the fit): '
              'los = %s + %s * saps_i (training R^2 %s); SAPS-I missing (-1) in %s test stays: '
              'imputed with the training median SAPS-I, %s',
              n_fit, train_missing, round(intercept::numeric, 4), round(slope::numeric, 4),
              round(r2_train::numeric, 4), test_missing, saps_median)
FROM saps_fit;
SQL
echo "baselines done: $(elapsed) s"

# ---------------------------------------------------------------------------
# medrnn: train on table $3_fit-or-train, score on $4; $1 stage, $2 recipe, $5 seed

run_medrnn()
{
	local stage=$1 recipe=$2 train=$3 test=$4 seed=$5 t0 t1

	t0=$(date +%s.%N)
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
CREATE TEMP TABLE m AS
  SELECT rnn_train('$train', 'vitals', 'length_of_stay', '{${RECIPE[$recipe]}, "seed": $seed}') AS model;
CREATE TEMP TABLE i AS SELECT rnn_model_info(model) AS i FROM m;
INSERT INTO results
SELECT '$stage', '$recipe', $seed, (r->>'mae')::float8, (r->>'rmse')::float8, (r->>'r2')::float8,
       (SELECT avg(abs(rnn_predict_value(m.model, t.vitals) - t.length_of_stay)) FROM $test t),
       (i.i->'epochs'->((i.i->>'best_epoch')::int - 1)->>'val_loss')::float8,
       (i.i->>'best_epoch')::int, jsonb_array_length(i.i->'epochs'),
       (i.i->>'training_seconds')::float8, NULL
FROM m, i, LATERAL rnn_evaluate(m.model, '$test', 'vitals', 'length_of_stay') AS r;
SQL
	t1=$(date +%s.%N)
	psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 <<SQL >&2
UPDATE results SET wall_s = $t1 - $t0 WHERE stage = '$stage' AND recipe = '$recipe' AND seed = $seed;
SELECT '  $stage $recipe seed $seed on $test:', 'MAE', round(mae::numeric, 4), 'RMSE', round(rmse::numeric, 4),
       'R2', round(r2::numeric, 4), 'val_loss', round(val_loss::numeric, 4),
       'kept epoch', best_epoch || '/' || epochs_run, 'train s', round(train_s::numeric, 1),
       'wall s', round(wall_s::numeric, 1)
FROM results WHERE stage = '$stage' AND recipe = '$recipe' AND seed = $seed;
SQL
}

# ---------------------------------------------------------------------------
# Selection: seed 0, trained on 80% of the training stays, scored on the
# other 20% (the test stays play no part)

for r in $CANDIDATES; do
	medrnn_step "selection: $r, seed 0: {${RECIPE[$r]}}"
	run_medrnn select "$r" sel_fit sel_val 0
done
CHOSEN=$(psql -X -At -c "SELECT recipe FROM results WHERE stage = 'select' ORDER BY mae, recipe LIMIT 1")
BY_VAL_LOSS=$(psql -X -At -c "SELECT recipe FROM results WHERE stage = 'select' ORDER BY val_loss, recipe LIMIT 1")
echo
echo "## Selection (seed 0; trained on 80% of the training stays, scored on the other 20%; test stays unused)"
echo
echo "| candidate | options | held-out MAE | held-out RMSE | held-out R² | val_loss of kept epoch (its own loss, standardised target) | kept / run epochs | train s |"
echo "|---|---|--:|--:|--:|--:|--:|--:|"
for r in $CANDIDATES; do
	psql -X -At -F ' | ' -v ON_ERROR_STOP=1 <<SQL | sed 's/^/| /; s/$/ |/'
SELECT recipe || CASE WHEN recipe = '$CHOSEN' THEN ' **(chosen)**' ELSE '' END,
       '\`{${RECIPE[$r]}}\`', to_char(mae, 'FM990.0000'), to_char(rmse, 'FM990.0000'),
       to_char(r2, 'FM0.0000'), to_char(val_loss, 'FM0.0000'), best_epoch || ' / ' || epochs_run,
       to_char(train_s, 'FM9990.0')
FROM results WHERE stage = 'select' AND recipe = '$r';
SQL
done
echo
psql -X -At -F ' ' -v ON_ERROR_STOP=1 <<'SQL'
SELECT format('held-out 20%% of train, for scale: training-median baseline MAE %s, SAPS-I OLS MAE %s (both fit on the 80%%)',
              round(avg(abs(med - v.length_of_stay))::numeric, 4),
              round(avg(abs(f.intercept + f.slope * (CASE WHEN s.saps_i >= 0 THEN s.saps_i ELSE f.saps_median END)
                            - v.length_of_stay))::numeric, 4))
FROM sel_val v JOIN sel s USING (record_id),
     (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY length_of_stay) AS med FROM sel_fit) m,
     (SELECT regr_slope(length_of_stay, saps_i) AS slope, regr_intercept(length_of_stay, saps_i) AS intercept,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY saps_i) AS saps_median
      FROM sel WHERE NOT held_out AND saps_i >= 0) f;
SQL
echo "chosen by held-out MAE: $CHOSEN"
echo "(the lowest raw val_loss would pick $BY_VAL_LOSS; val_loss is squared error for mse and Huber's loss,"
echo " at most half the squared error, for huber: it only compares candidates of the same loss)"
echo "selection done: $(elapsed) s"

# ---------------------------------------------------------------------------
# Final: the chosen recipe on every seed, all training stays, scored on test

for seed in $SEEDS; do
	medrnn_step "final: $CHOSEN, seed $seed"
	run_medrnn final "$CHOSEN" los_train los_test "$seed"
done

medrnn_step "results"
# rnn_evaluate's MAE against the same computed in SQL from rnn_predict_value
psql -X -At -F ' ' -v ON_ERROR_STOP=1 <<'SQL' >&2
SELECT 'check: largest |rnn_evaluate MAE - SQL MAE from rnn_predict_value| over all models:',
       max(abs(mae - sql_mae)) FROM results WHERE stage <> 'baseline';
SQL
N_TEST=$(psql -X -At -c "SELECT count(*) FROM los_test")
N_TRAIN=$(psql -X -At -c "SELECT count(*) FROM los_train")
GOAL=$(psql -X -At -v ON_ERROR_STOP=1 <<'SQL'
SELECT CASE WHEN avg(f.mae) < s.mae THEN 'met' ELSE 'not met' END
       || format(': medrnn mean test MAE %s vs SAPS-I OLS %s (%s of %s seeds below it); '
                 'against the training median, the best constant for MAE, %s (%s of %s seeds below it)',
                 to_char(avg(f.mae), 'FM990.000'), to_char(s.mae, 'FM990.000'),
                 count(*) FILTER (WHERE f.mae < s.mae), count(*), to_char(md.mae, 'FM990.000'),
                 count(*) FILTER (WHERE f.mae < md.mae), count(*))
FROM results f, results s, results md
WHERE f.stage = 'final' AND s.stage = 'baseline' AND s.recipe = 'saps'
  AND md.stage = 'baseline' AND md.recipe = 'median'
GROUP BY s.mae, md.mae;
SQL
)
{
	echo "### Length of stay (days) from the first 48 h of vital signs, PhysioNet 2012 set-a"
	echo
	echo "Test split of split.csv: $N_TEST stays (training: $N_TRAIN; stays with length_of_stay < 0 dropped)."
	echo "medrnn: \`{${RECIPE[$CHOSEN]}, \"seed\": N}\` (\"$CHOSEN\", chosen on seed 0 by MAE on 20% of the training stays)."
	echo
	echo "| model | seed | test MAE (days) | test RMSE (days) | test R² | kept / run epochs | train s |"
	echo "|---|--:|--:|--:|--:|--:|--:|"
	psql -X -At -F ' | ' -v ON_ERROR_STOP=1 <<SQL | sed 's/^/| /; s/$/ |/'
SELECT CASE recipe WHEN 'median' THEN 'training median' WHEN 'mean' THEN 'training mean'
                   ELSE 'SAPS-I linear (OLS; missing SAPS-I = training median)' END,
       '', to_char(mae, 'FM990.000'), to_char(rmse, 'FM990.000'), to_char(r2, 'FM0.000'), '', ''
FROM results WHERE stage = 'baseline'
ORDER BY array_position(ARRAY['median', 'mean', 'saps'], recipe);
SELECT 'medrnn $CHOSEN', seed::text, to_char(mae, 'FM990.000'), to_char(rmse, 'FM990.000'),
       to_char(r2, 'FM0.000'), best_epoch || ' / ' || epochs_run, to_char(train_s, 'FM9990.0')
FROM results WHERE stage = 'final' ORDER BY seed;
SELECT '**medrnn $CHOSEN, mean (sd)**', string_agg(seed::text, ' ' ORDER BY seed),
       '**' || to_char(avg(mae), 'FM990.000') || '**' || coalesce(' (' || to_char(stddev_samp(mae), 'FM0.000') || ')', ''),
       to_char(avg(rmse), 'FM990.000') || coalesce(' (' || to_char(stddev_samp(rmse), 'FM0.000') || ')', ''),
       to_char(avg(r2), 'FM0.000') || coalesce(' (' || to_char(stddev_samp(r2), 'FM0.000') || ')', ''),
       '', to_char(avg(train_s), 'FM9990.0')
FROM results WHERE stage = 'final';
SQL
	echo
	echo "Goal (medrnn test MAE below the SAPS-I linear model's): $GOAL."
	echo "Baselines fit on the training stays only; sd is the sample sd over seeds."
} | tee "$TABLE"
echo
echo "table saved to $TABLE"
echo "total: $(elapsed) s on $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), $(nproc) CPUs"
