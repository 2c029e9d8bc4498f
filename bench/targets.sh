#!/usr/bin/env bash
#
# bench/targets.sh
#	  The targets beyond one label: multi-label SIDER (27 side-effect
#	  classes, a text[] label column) and the regressions Lipophilicity and
#	  ESOL (float8 label columns), all from SMILES, against TF-IDF character
#	  1-4-grams (../shared/bench/tfidf_multi_ref.py: one logistic regression
#	  per label, or ridge regression) and, for the regressions, predicting
#	  the training mean.  Two modes:
#
#	  select  choose one recipe per dataset, honestly: every candidate is
#	          trained with seed 0 on 80% of train.csv and scored on the other
#	          20% of train.csv (held out by the MD5 of the SMILES); test.csv
#	          is not even loaded.  The score is the dataset's own figure
#	          (mean label ROC-AUC for SIDER, RMSE for the regressions), from
#	          rnn_evaluate, so a model with SMILES variants is scored as it
#	          predicts (the mean over its variants); the validation loss of
#	          each model's kept epoch (its own validation_split, which early
#	          stopping watches) is printed beside it.  Prints the candidates'
#	          figures and the chosen recipes, as a MEDRNN_TARGETS_RECIPES
#	          line for the final mode.
#	  final   (the default) the chosen recipes, trained on all of train.csv
#	          per seed, scored on test.csv; prints one row per (dataset,
#	          recipe): each seed's figure, their mean and sd, the second
#	          figure (micro-F1, or MAE), the baselines and whether the
#	          issue's target is met.
#
# Usage: bench/targets.sh select
#        bench/targets.sh [final] [seeds]      (seeds default "0 1 2")
#
# Environment:
#	MEDRNN_TARGETS_DATA     the data root holding sider/, lipophilicity/ and
#	                        esol/ (train.csv, test.csv); default ../shared/data
#	MEDRNN_BENCH            the shared reference scripts; default ../shared/bench
#	MEDRNN_TARGETS_RECIPES  the final mode's recipes, "sider=NAME lipophilicity=NAME
#	                        esol=NAME" (names of CANDIDATES below); default: the
#	                        choice of the recorded select run (CHOSEN below)
#	MEDRNN_TARGETS_DATASETS a subset of "sider lipophilicity esol" (the default),
#	                        e.g. "esol" for a quick run
#	MEDRNN_PGPORT           the throwaway cluster's socket port; default 55491
#
# Needs medrnn installed (make install) and python3-sklearn; it builds and
# installs nothing.  Starts its own throwaway cluster (scripts/lib.sh) and
# removes it at exit.  Trains on 2 threads; results are deterministic (the
# same figures run to run).  On 2 cores (AMD EPYC) shared with other jobs
# (load 3 to 5): select 14.4 minutes, final (3 seeds) 11.6 to 15.7 minutes,
# most of it Lipophilicity with SMILES variants; on a quiet machine about
# half (ESOL's select: 40 s quiet, about 100 s under that load).

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
MODE=final
case ${1:-} in
	select) MODE=select; shift ;;
	final) shift ;;
	'' | [0-9]*) ;;
	-h | --help)
		sed -n '/^# Usage:/,/^# Needs/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0 ;;
	*) echo "usage: $0 select | $0 [final] [seeds]" >&2; exit 2 ;;
esac
SEEDS=${1:-"0 1 2"}
[ "$MODE" = final ] || SEEDS=0

export MEDRNN_PGPORT=${MEDRNN_PGPORT:-55491}
# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
# shellcheck source=record.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/record.sh"
cd -- "$MEDRNN_ROOT"
DATA=${MEDRNN_TARGETS_DATA:-$MEDRNN_ROOT/../shared/data}
REF=${MEDRNN_BENCH:-$MEDRNN_ROOT/../shared/bench}
PY=/usr/bin/python3
[ -f "$REF/tfidf_multi_ref.py" ] || medrnn_die "no $REF/tfidf_multi_ref.py (set MEDRNN_BENCH)"

# ---------------------------------------------------------------------------
# Recipes
#
# What every candidate shares: SMILES tokens, masked padding (a row runs its
# real tokens only, so maxlen 200 costs nothing for short molecules), a
# seeded 10% validation split of the rows it trains on, and early stopping
# on its loss with patience 8 (the best epoch is kept).  Per dataset: the
# epoch cap and batch size, which keep the run within its time (Lipophilicity
# has 3,360 training rows and batches of 64 halve its epoch time).
COMMON='"tokenizer": "smiles", "mask": true, "maxlen": 200, "validation_split": 0.1, "early_stopping": 8'
declare -A BASE=(
	[sider]="$COMMON, \"epochs\": 40, \"batch_size\": 32"
	[lipophilicity]="$COMMON, \"epochs\": 40, \"batch_size\": 64"
	[esol]="$COMMON, \"epochs\": 100, \"batch_size\": 32"
)
# The candidates, the same four for each dataset
CANDIDATES="lstm bimax bimax-v5 bimax-v5-d2"
declare -A RECIPE=(
	# the default network: embedding 128, LSTM 128 then 64, the last state
	[lstm]='"hidden": [128, 64], "pooling": "last"'
	# the same layers read both ways, max-pooled over the real steps
	[bimax]='"hidden": [128, 64], "bidirectional": true, "pooling": "max"'
	# the same with SMILES enumeration: 5 strings per molecule
	[bimax-v5]='"hidden": [128, 64], "bidirectional": true, "pooling": "max", "smiles_variants": 5'
	# the same with dropout 0.2 on each layer's inputs
	[bimax-v5-d2]='"hidden": [128, 64], "bidirectional": true, "pooling": "max", "smiles_variants": 5, "dropout": 0.2'
	# bimax-v5 with room to run: on Lipophilicity two of three seeds reached
	# the 40-epoch cap with the validation loss still falling (the later key
	# wins in jsonb); not a selection candidate
	[bimax-v5-long]='"hidden": [128, 64], "bidirectional": true, "pooling": "max", "smiles_variants": 5, "epochs": 100'
)
# The choice of the recorded select run (bench/targets.sh select, 2026-12-03)
CHOSEN=${MEDRNN_TARGETS_RECIPES:-"sider=lstm lipophilicity=bimax-v5 esol=bimax-v5"}

# dataset: label column, its SQL type, the rnn_evaluate keys (the headline
# figure first), the reference's mode
declare -A LABEL=([sider]=labels [lipophilicity]=value [esol]=value)
declare -A LTYPE=([sider]='text[]' [lipophilicity]=float8 [esol]=float8)
declare -A KEY1=([sider]=mean_roc_auc [lipophilicity]=rmse [esol]=rmse)
declare -A KEY2=([sider]=micro_f1 [lipophilicity]=mae [esol]=mae)
declare -A REFMODE=([sider]=--multilabel [lipophilicity]=--regression [esol]=--regression)
DATASETS=${MEDRNN_TARGETS_DATASETS:-"sider lipophilicity esol"}
for d in $DATASETS; do
	[ -n "${LABEL[$d]+x}" ] || medrnn_die "unknown dataset \"$d\" in MEDRNN_TARGETS_DATASETS (known: sider lipophilicity esol)"
done
for d in $DATASETS; do
	if [ ! -f "$DATA/$d/train.csv" ] || [ ! -f "$DATA/$d/test.csv" ]; then
		medrnn_die "no $DATA/$d/train.csv or test.csv (set MEDRNN_TARGETS_DATA)"
	fi
done

# the options of dataset $1's recipe $2
options()
{
	printf '%s, %s' "${BASE[$1]}" "${RECIPE[$2]}"
}

# the recipe chosen for dataset $1
chosen()
{
	local pair name

	for pair in $CHOSEN; do
		if [ "${pair%%=*}" = "$1" ]; then
			name=${pair#*=}
			[ -n "${RECIPE[$name]+x}" ] || medrnn_die "unknown recipe \"$name\" for $1 (known: $CANDIDATES)"
			printf '%s\n' "$name"
			return 0
		fi
	done
	medrnn_die "no recipe for $1 in \"$CHOSEN\""
}

# ---------------------------------------------------------------------------
# The cluster, the data and the results table

START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-targets.XXXXXX")
medrnn_keep_stdio
trap 'medrnn_restore_stdio; medrnn_cluster_stop; rm -rf -- "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
medrnn_cluster_start
export PGDATABASE=medrnn_targets
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $PGDATABASE"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION medrnn;
-- bench/record.sh's results table, plus: the model's training seconds, the
-- validation loss of its kept epoch, the epochs it ran, the wall seconds of
-- rnn_train and rnn_evaluate together
CREATE TABLE results (task text, side text, seed int, fold int, m1 float8, m2 float8, best_epoch int,
                      seconds float8, val_loss float8, epochs_run int, wall float8);
SQL
psql -X -q -At -c "SELECT 1 FROM pg_proc WHERE proname = 'rnn_predict_value'" | grep -q 1 ||
	medrnn_die "the installed medrnn has no rnn_predict_value: install this version (make install)"

# The tables of dataset $d: ${d}_train and ${d}_test (the CSV files; in select
# mode test.csv is not loaded), and in select mode ${d}_val_train and
# ${d}_val_test, the 80% and 20% of train.csv (every fifth row by the MD5
# of its SMILES), with the same as CSV files for the reference.
for d in $DATASETS; do
	medrnn_step "loading $DATA/$d"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE ${d}_train (text text, ${LABEL[$d]} ${LTYPE[$d]});
\\copy ${d}_train FROM '$DATA/$d/train.csv' WITH (FORMAT csv, HEADER true)
SQL
	if [ "$MODE" = final ]; then
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE ${d}_test (text text, ${LABEL[$d]} ${LTYPE[$d]});
\\copy ${d}_test FROM '$DATA/$d/test.csv' WITH (FORMAT csv, HEADER true)
SQL
	else
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE ${d}_split AS
SELECT *, (row_number() OVER (ORDER BY md5(text), text) - 1) % 5 = 0 AS held_out FROM ${d}_train;
CREATE TABLE ${d}_val_train AS SELECT text, ${LABEL[$d]} FROM ${d}_split WHERE NOT held_out;
CREATE TABLE ${d}_val_test AS SELECT text, ${LABEL[$d]} FROM ${d}_split WHERE held_out;
\\copy ${d}_val_train TO '$WORK/${d}_train.csv' WITH (FORMAT csv, HEADER true)
\\copy ${d}_val_test TO '$WORK/${d}_test.csv' WITH (FORMAT csv, HEADER true)
SQL
	fi
done
psql -X -q -At -F ' ' -c "ANALYZE" -c "SELECT 'rows:', string_agg(format('%s %s', relname, reltuples::bigint), ', ' ORDER BY relname)
	FROM pg_class WHERE relkind = 'r' AND relname ~ '_(train|test)$'" >&2

# The training seconds, kept epoch's validation loss and epochs run of the
# model record_medrnn has at hand (temporary table m)
MODEL_SQL="UPDATE results SET seconds = (SELECT (i->>'training_seconds')::float8 FROM m, rnn_model_info(model) AS i),
  val_loss = (SELECT (i->'epochs'->((i->>'best_epoch')::int - 1)->>'val_loss')::float8 FROM m, rnn_model_info(model) AS i),
  epochs_run = (SELECT jsonb_array_length(i->'epochs') FROM m, rnn_model_info(model) AS i)
  WHERE seconds IS NULL AND side NOT IN ('tfidf', 'mean');"

# Train and score medrnn: $1 task, $2 dataset, $3 recipe, $4 seed, $5 table prefix
run_medrnn()
{
	local t0 t1
	t0=$(date +%s.%N)
	record_medrnn "$1" "$3" "$4" NULL "$(options "$2" "$3")" "${KEY1[$2]}" "${KEY2[$2]}" \
		"$5" text "${LABEL[$2]}" "$MODEL_SQL"
	t1=$(date +%s.%N)
	psql -X -q -c "UPDATE results SET wall = $t1 - $t0 WHERE task = '$1' AND side = '$3' AND seed = $4"
	psql -X -q -At -F ' ' -c "SELECT '  $1 $3 seed $4:', '${KEY1[$2]}', round(m1::numeric, 4),
		'${KEY2[$2]}', round(m2::numeric, 4), 'best epoch', best_epoch || '/' || epochs_run,
		'val_loss', round(val_loss::numeric, 4), 'train s', round(seconds::numeric, 1)
		FROM results WHERE task = '$1' AND side = '$3' AND seed = $4" >&2
}

# The baselines on CSV files $2 (train) and $3 (test) of dataset $1, as task
# $4: the TF-IDF reference (side "tfidf": for SIDER mean label ROC-AUC and
# micro-F1, else RMSE and MAE), and for the regressions the training mean
# (side "mean": RMSE, MAE) computed in SQL from tables $5_train and $5_test
run_baselines()
{
	local d=$1 k1 k2
	if [ "$d" = sider ]; then
		k1=mean_label_roc_auc k2=micro_f1
	else
		k1=rmse k2=mae
	fi
	record_ref "$4" tfidf 0 NULL "$k1" "$k2" "$PY" "$REF/tfidf_multi_ref.py" "${REFMODE[$d]}" --char \
		--train "$2" --test "$3"
	if [ "$d" != sider ]; then
		psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO results (task, side, seed, m1, m2)
		SELECT '$4', 'mean', 0, sqrt(avg((t.value - m.mu) ^ 2)), avg(abs(t.value - m.mu))
		FROM $5_test t, (SELECT avg(value) AS mu FROM $5_train) m"
	fi
}

# ---------------------------------------------------------------------------
# select: the candidates on seed 0, scored on the held-out 20% of train.csv

if [ "$MODE" = select ]; then
	for d in $DATASETS; do
		medrnn_step "$d: baselines on the held-out 20% of train.csv"
		run_baselines "$d" "$WORK/${d}_train.csv" "$WORK/${d}_test.csv" "$d-val" "${d}_val"
		for r in $CANDIDATES; do
			medrnn_step "$d: candidate $r, seed 0: {$(options "$d" "$r")}"
			run_medrnn "$d-val" "$d" "$r" 0 "${d}_val"
		done
	done
	medrnn_step "selection results"
	echo "Selection: seed 0, trained on 80% of train.csv, scored on the other 20% of train.csv (test.csv not loaded)"
	echo
	echo "| dataset | candidate | held-out figure | second figure | val_loss (kept epoch) | kept / run epochs | train s |"
	echo "|---|---|--:|--:|--:|--:|--:|"
	psql -X -At -F ' | ' -v ON_ERROR_STOP=1 <<SQL | sed 's/^/| /; s/$/ |/'
SELECT split_part(task, '-val', 1),
       side,
       CASE WHEN task LIKE 'sider%' THEN 'ROC-AUC ' ELSE 'RMSE ' END || to_char(m1, 'FM0.0000'),
       CASE WHEN task LIKE 'sider%' THEN 'micro-F1 ' ELSE 'MAE ' END || to_char(m2, 'FM0.0000'),
       coalesce(to_char(val_loss, 'FM0.0000'), ''),
       coalesce(best_epoch || ' / ' || epochs_run, ''),
       coalesce(to_char(seconds, 'FM9990.0'), '')
FROM results
ORDER BY array_position(ARRAY['sider-val', 'lipophilicity-val', 'esol-val'], task),
         array_position(string_to_array('$CANDIDATES tfidf mean', ' '), side);
SQL
	echo
	choice=
	for d in $DATASETS; do
		if [ "$d" = sider ]; then order=DESC; else order=ASC; fi
		best=$(psql -X -At -c "SELECT side FROM results WHERE task = '$d-val'
			AND side NOT IN ('tfidf', 'mean') ORDER BY m1 $order, side LIMIT 1")
		echo "$d: chosen $best {$(options "$d" "$best")}"
		choice="$choice${choice:+ }$d=$best"
	done
	echo "MEDRNN_TARGETS_RECIPES=\"$choice\""
	echo "select took $(($(date +%s) - START)) s"
	exit 0
fi

# ---------------------------------------------------------------------------
# final: the chosen recipes on the seeds, trained on train.csv, scored on test.csv

for d in $DATASETS; do
	r=$(chosen "$d")
	medrnn_step "$d: baselines on test.csv"
	run_baselines "$d" "$DATA/$d/train.csv" "$DATA/$d/test.csv" "$d" "$d"
	for seed in $SEEDS; do
		medrnn_step "$d: $r, seed $seed: {$(options "$d" "$r")}"
		run_medrnn "$d" "$d" "$r" "$seed" "$d"
	done
done

medrnn_step "results"
echo "Test split; medrnn trained on all of train.csv (its own 10% validation split picks the epoch)"
echo "per seed; mean (sample sd).  SIDER: mean label ROC-AUC over 27 labels, micro-F1 second;"
echo "regressions: RMSE, MAE second.  Seeds: $SEEDS."
echo
echo "| dataset | recipe | figure | per seed | mean (sd) | second figure, mean | TF-IDF char 1-4 | predict the mean | target | met | kept epochs | train s per seed |"
echo "|---|---|---|---|--:|--:|--:|--:|--:|---|---|--:|"
psql -X -At -F ' | ' -v ON_ERROR_STOP=1 <<SQL | sed 's/^/| /; s/$/ |/'
WITH tg(task, ord, figure, goal, higher) AS (
	VALUES ('sider', 1, 'mean label ROC-AUC', 0.66, true),
	       ('lipophilicity', 2, 'RMSE', 0.70, false),
	       ('esol', 3, 'RMSE', 0.80, false))
SELECT r.task, r.side, tg.figure,
       string_agg(to_char(r.m1, 'FM0.0000'), ' ' ORDER BY r.seed),
       to_char(avg(r.m1), 'FM0.0000') || coalesce(' (' || to_char(stddev_samp(r.m1), 'FM0.0000') || ')', ''),
       CASE WHEN tg.higher THEN 'micro-F1 ' ELSE 'MAE ' END || to_char(avg(r.m2), 'FM0.0000'),
       (SELECT to_char(t.m1, 'FM0.0000') FROM results t WHERE t.task = r.task AND t.side = 'tfidf'),
       coalesce((SELECT to_char(t.m1, 'FM0.0000') FROM results t WHERE t.task = r.task AND t.side = 'mean'), '-'),
       CASE WHEN tg.higher THEN '>= ' ELSE '<= ' END || to_char(tg.goal, 'FM0.00'),
       CASE WHEN (tg.higher AND avg(r.m1) >= tg.goal) OR (NOT tg.higher AND avg(r.m1) <= tg.goal)
            THEN 'yes' ELSE 'no' END,
       string_agg(r.best_epoch || '/' || r.epochs_run, ' ' ORDER BY r.seed),
       string_agg(to_char(r.seconds, 'FM9990.0'), ' ' ORDER BY r.seed)
FROM results r JOIN tg USING (task)
WHERE r.side NOT IN ('tfidf', 'mean')
GROUP BY r.task, r.side, tg.ord, tg.figure, tg.goal, tg.higher
ORDER BY tg.ord;
SQL
echo
for d in $DATASETS; do
	r=$(chosen "$d")
	echo "$d, $r: {$(options "$d" "$r"), \"seed\": N}"
done
echo "TF-IDF: $REF/tfidf_multi_ref.py --char (character 1-4-grams; logistic regression per label, or ridge)"
echo "final took $(($(date +%s) - START)) s on $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), $(nproc) CPUs"
