#!/usr/bin/env bash
#
# bench/real_cases.sh
#	  The two text cases of the README's Accuracy section, each next to the
#	  shared references on the same train/test split:
#	  - ClinTox (SMILES -> failed clinical trial for toxicity, 7.5 %
#	    positive): medrnn's recipe for it (and the same network refitted
#	    on all training rows), with the char and with the smiles tokenizer,
#	    TF-IDF + logistic regression on character 1-4-grams, and the
#	    PyTorch LSTM on characters; test ROC-AUC and PR-AUC.
#	  - ClinTox again, by 5-fold stratified cross-validation of the training
#	    rows: both all-rows networks and the TF-IDF baseline on the same
#	    folds, because 23 toxic test molecules make one split's figures
#	    noisy (89 toxic training molecules make five folds of about 18).
#	  - Medical abstracts (5 conditions): the default recipe and the best
#	    configuration found on a validation split, against TF-IDF + logistic
#	    regression; test accuracy and macro-F1.
#
# Usage: bench/real_cases.sh [clintox seeds] [abstracts seeds] [cross-validation seeds]
#        (default "0 1 2 3 4", "0 1 2" and "0 1 2")
#
# Reads the shipped data/ splits and the references in ../shared/bench
# (MEDRNN_BENCH to override).  As root on Debian 12 (installs python3-torch
# and python3-sklearn).  About 50 minutes on 2 cores.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
CT_SEEDS=${1:-"0 1 2 3 4"}
MA_SEEDS=${2:-"0 1 2"}
CV_SEEDS=${3:-"0 1 2"}

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"
REF=${MEDRNN_BENCH:-$MEDRNN_ROOT/../shared/bench}
[ -f "$REF/torch_lstm_ref.py" ] || medrnn_die "no $REF/torch_lstm_ref.py (set MEDRNN_BENCH)"
CT=$MEDRNN_ROOT/data/clintox
MA=$MEDRNN_ROOT/data/medical-abstracts
PY=/usr/bin/python3

# The recipes, each chosen by its validation loss in a small grid (a
# stratified validation_split of 0.2 of the training rows; ClinTox over
# seeds 0-2, the abstracts on seed 0); the test rows played no part.  The
# README's Accuracy section lists the grid.
CT_OPTIONS='"tokenizer": "char", "maxlen": 200, "class_weight": "balanced", "bidirectional": true, "pooling": "max", "learning_rate": 0.003, "epochs": 60, "validation_split": 0.2, "early_stopping": 10'
# The same network refitted on all the training rows, without a validation
# split, for the 12 epochs the recipe's runs keep about (their best epochs
# were 8 to 16)
CT_ALL_ROWS='"tokenizer": "char", "maxlen": 200, "class_weight": "balanced", "bidirectional": true, "pooling": "max", "learning_rate": 0.003, "epochs": 12'
# The same two with the SMILES tokenizer (atoms, not letters), nothing
# else changed
CT_SMILES_OPTIONS=${CT_OPTIONS/'"tokenizer": "char"'/'"tokenizer": "smiles"'}
CT_SMILES_ALL_ROWS=${CT_ALL_ROWS/'"tokenizer": "char"'/'"tokenizer": "smiles"'}
MA_DEFAULT='"epochs": 10'
MA_OPTIONS='"maxlen": 300, "num_words": 5000, "bidirectional": true, "pooling": "mean", "dropout": 0.3, "class_weight": "balanced", "epochs": 30, "validation_split": 0.2, "early_stopping": 3'
# The torch reference has no class weights or early stopping: its --char
# LSTM with our window length, for as many epochs as our recipe's runs
# typically keep
TORCH_CT_ARGS=(--char --maxlen 200 --epochs 10)

medrnn_deps base bench
medrnn_build_and_start
export PGDATABASE=medrnn_real_cases
psql -X -q -d postgres -c "CREATE DATABASE $PGDATABASE"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION medrnn;
CREATE TABLE ct_train (smiles text, toxic int);
CREATE TABLE ct_test (smiles text, toxic int);
\\copy ct_train FROM '$CT/train.csv' WITH (FORMAT csv, HEADER true)
\\copy ct_test FROM '$CT/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE ma_train (text text, label text);
CREATE TABLE ma_test (text text, label text);
\\copy ma_train FROM '$MA/train.csv' WITH (FORMAT csv, HEADER true)
\\copy ma_test FROM '$MA/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE results (task text, side text, seed int, fold int, m1 float8, m2 float8, best_epoch int);
SQL

# Record a reference's RESULT lines: $1 task, $2 side, $3 seed, $4 fold (or
# NULL), $5 and $6 the RESULT keys to keep, then the command
record_ref()
{
	local task=$1 side=$2 seed=$3 fold=$4 k1=$5 k2=$6 out v1 v2

	shift 6
	out=$("$@" | grep '^RESULT')
	v1=$(sed -n "s/.*[ ]$k1=\([0-9.]*\).*/\1/p; s/^RESULT $k1=\([0-9.]*\).*/\1/p" <<<"$out" | head -n 1)
	v2=$(sed -n "s/.*[ ]$k2=\([0-9.]*\).*/\1/p; s/^RESULT $k2=\([0-9.]*\).*/\1/p" <<<"$out" | head -n 1)
	[ -n "$v1" ] && [ -n "$v2" ] || medrnn_die "$side: no $k1/$k2 in its output"
	psql -X -q -c "INSERT INTO results VALUES ('$task', '$side', $seed, $fold, $v1, $v2, NULL)"
}

# Train (on 2 threads) and evaluate medrnn: $1 task, $2 side, $3 seed, $4 fold
# (or NULL), $5 options, $6 $7 the rnn_evaluate keys to keep, $8 table
# prefix, $9 ${10} the columns
record_medrnn()
{
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
SET medrnn.threads = 2;
CREATE TEMP TABLE m AS SELECT rnn_train('${8}_train', '$9', '${10}', '{$5, "seed": $3}') AS model;
INSERT INTO results
SELECT '$1', '$2', $3, $4, (r->>'$6')::float8, (r->>'$7')::float8,
       (rnn_model_info(m.model)->>'best_epoch')::int
FROM m, LATERAL rnn_evaluate(m.model, '${8}_test', '$9', '${10}') AS r;
SQL
}

for seed in $CT_SEEDS; do
	medrnn_step "clintox seed $seed: rnn_train, char recipe"
	record_medrnn clintox char-recipe "$seed" NULL "$CT_OPTIONS" roc_auc pr_auc ct smiles toxic
	medrnn_step "clintox seed $seed: rnn_train, char, all training rows"
	record_medrnn clintox char-all-rows "$seed" NULL "$CT_ALL_ROWS" roc_auc pr_auc ct smiles toxic
	medrnn_step "clintox seed $seed: rnn_train, smiles recipe"
	record_medrnn clintox smiles-recipe "$seed" NULL "$CT_SMILES_OPTIONS" roc_auc pr_auc ct smiles toxic
	medrnn_step "clintox seed $seed: rnn_train, smiles, all training rows"
	record_medrnn clintox smiles-all-rows "$seed" NULL "$CT_SMILES_ALL_ROWS" roc_auc pr_auc ct smiles toxic
	medrnn_step "clintox seed $seed: torch_lstm_ref.py ${TORCH_CT_ARGS[*]}"
	record_ref clintox torch "$seed" NULL roc_auc pr_auc \
		"$PY" bench/ref_pr_auc.py "$REF/torch_lstm_ref.py" --train "$CT/train.csv" --test "$CT/test.csv" \
		"${TORCH_CT_ARGS[@]}" --seed "$seed"
done
medrnn_step "clintox: tfidf_lr_ref.py --char --ngram-max 4"
record_ref clintox tfidf 0 NULL roc_auc pr_auc \
	"$PY" bench/ref_pr_auc.py "$REF/tfidf_lr_ref.py" --train "$CT/train.csv" --test "$CT/test.csv" \
	--char --ngram-max 4

# Five stratified folds of the training rows, each molecule's fold fixed by
# the MD5 of its SMILES; the reference reads the same folds as CSV files
medrnn_step "clintox: 5-fold cross-validation of the training rows"
CV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-cv.XXXXXX")
trap 'rm -rf -- "$CV_DIR"; medrnn_cluster_stop' EXIT
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE ct_folds AS
	SELECT smiles, toxic,
	       (row_number() OVER (PARTITION BY toxic ORDER BY md5(smiles), smiles) - 1) % 5 AS fold
	FROM ct_train"
for fold in 0 1 2 3 4; do
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE ct_cv${fold}_train AS SELECT smiles, toxic FROM ct_folds WHERE fold <> $fold;
CREATE TABLE ct_cv${fold}_test AS SELECT smiles, toxic FROM ct_folds WHERE fold = $fold;
\\copy (SELECT smiles AS text, toxic AS label FROM ct_cv${fold}_train) TO '$CV_DIR/train$fold.csv' WITH (FORMAT csv, HEADER true)
\\copy (SELECT smiles AS text, toxic AS label FROM ct_cv${fold}_test) TO '$CV_DIR/test$fold.csv' WITH (FORMAT csv, HEADER true)
SQL
	medrnn_step "clintox fold $fold: tfidf_lr_ref.py --char --ngram-max 4"
	record_ref clintox-cv tfidf 0 "$fold" roc_auc pr_auc \
		"$PY" bench/ref_pr_auc.py "$REF/tfidf_lr_ref.py" --train "$CV_DIR/train$fold.csv" \
		--test "$CV_DIR/test$fold.csv" --char --ngram-max 4
	for seed in $CV_SEEDS; do
		medrnn_step "clintox fold $fold seed $seed: rnn_train, char and smiles all-rows options"
		record_medrnn clintox-cv char-all-rows "$seed" "$fold" "$CT_ALL_ROWS" roc_auc pr_auc \
			"ct_cv$fold" smiles toxic
		record_medrnn clintox-cv smiles-all-rows "$seed" "$fold" "$CT_SMILES_ALL_ROWS" roc_auc pr_auc \
			"ct_cv$fold" smiles toxic
	done
done

for seed in $MA_SEEDS; do
	medrnn_step "abstracts seed $seed: default recipe"
	record_medrnn abstracts medrnn-default "$seed" NULL "$MA_DEFAULT" accuracy macro_f1 ma text label
	medrnn_step "abstracts seed $seed: best configuration"
	record_medrnn abstracts medrnn-best "$seed" NULL "$MA_OPTIONS" accuracy macro_f1 ma text label
done
medrnn_step "abstracts: tfidf_lr_ref.py"
record_ref abstracts tfidf 0 NULL test_accuracy macro_f1 \
	"$PY" "$REF/tfidf_lr_ref.py" --train "$MA/train.csv" --test "$MA/test.csv"

medrnn_step "results"
psql -X -v ON_ERROR_STOP=1 <<'SQL'
\echo ClinTox, test split (296 molecules, 23 toxic): ROC-AUC and PR-AUC
SELECT side, seed, round(m1::numeric, 4) AS roc_auc, round(m2::numeric, 4) AS pr_auc, best_epoch
FROM results WHERE task = 'clintox' ORDER BY side, seed;
SELECT side, count(*) AS runs, round(avg(m1)::numeric, 4) AS mean_roc_auc,
       round(min(m1)::numeric, 4) AS min, round(max(m1)::numeric, 4) AS max,
       round(avg(m2)::numeric, 4) AS mean_pr_auc
FROM results WHERE task = 'clintox' GROUP BY side ORDER BY side;
\echo ClinTox, 5-fold cross-validation of the 1,182 training rows (89 toxic): ROC-AUC and PR-AUC per fold
SELECT side, seed, fold, round(m1::numeric, 4) AS roc_auc, round(m2::numeric, 4) AS pr_auc
FROM results WHERE task = 'clintox-cv' ORDER BY side, seed, fold;
SELECT side, count(*) AS runs, round(avg(m1)::numeric, 4) AS mean_roc_auc,
       round(min(m1)::numeric, 4) AS min, round(max(m1)::numeric, 4) AS max,
       round(avg(m2)::numeric, 4) AS mean_pr_auc
FROM results WHERE task = 'clintox-cv' GROUP BY side ORDER BY side;
\echo Paired by fold: medrnn (mean over its seeds) minus TF-IDF; the last row of each side is the mean
SELECT m.side, m.fold, round(avg(m.m1 - t.m1)::numeric, 4) AS roc_auc_diff,
       round(avg(m.m2 - t.m2)::numeric, 4) AS pr_auc_diff
FROM results m JOIN results t ON t.task = m.task AND t.fold = m.fold AND t.side = 'tfidf'
WHERE m.task = 'clintox-cv' AND m.side <> 'tfidf'
GROUP BY m.side, ROLLUP (m.fold) ORDER BY m.side, m.fold NULLS LAST;
\echo Medical abstracts, test split (586 abstracts, 5 classes): accuracy and macro-F1
SELECT side, seed, round(m1::numeric, 4) AS accuracy, round(m2::numeric, 4) AS macro_f1, best_epoch
FROM results WHERE task = 'abstracts' ORDER BY side, seed;
SELECT side, count(*) AS runs, round(avg(m1)::numeric, 4) AS mean_accuracy,
       round(avg(m2)::numeric, 4) AS mean_macro_f1,
       round(min(m2)::numeric, 4) AS min_f1, round(max(m2)::numeric, 4) AS max_f1
FROM results WHERE task = 'abstracts' GROUP BY side ORDER BY side;
SQL
echo "clintox char recipe:     {$CT_OPTIONS, \"seed\": N}"
echo "clintox char all rows:   {$CT_ALL_ROWS, \"seed\": N}"
echo "clintox smiles recipe:   {$CT_SMILES_OPTIONS, \"seed\": N}"
echo "clintox smiles all rows: {$CT_SMILES_ALL_ROWS, \"seed\": N}"
echo "abstracts default: {$MA_DEFAULT, \"seed\": N}"
echo "abstracts best:    {$MA_OPTIONS, \"seed\": N}"
echo "torch clintox:     torch_lstm_ref.py ${TORCH_CT_ARGS[*]} --seed N"
