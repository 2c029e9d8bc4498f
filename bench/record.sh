# shellcheck shell=bash
#
# bench/record.sh
#	  Sourced by the accuracy benchmarks, after scripts/lib.sh: starting a
#	  throwaway cluster with a database for the results and the ClinTox
#	  splits, the ways to fill the results table (from a reference script's
#	  RESULT lines, from the TF-IDF reference on a ClinTox split, or from
#	  medrnn trained and evaluated in SQL), the ClinTox cross-validation
#	  folds, and the ClinTox results printed side by side.  The scripts set
#	  REF (the shared references) and PY (the Python that runs them).

# Build, install and start a cluster, and make database $1 ($PGDATABASE
# from then on) with the extension, the results table and the ClinTox
# tables ct_train and ct_test
start_results_db()
{
	medrnn_deps base bench
	medrnn_build_and_start
	export PGDATABASE=$1
	psql -X -q -d postgres -c "CREATE DATABASE $PGDATABASE"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION medrnn;
CREATE TABLE results (task text, side text, seed int, fold int, m1 float8, m2 float8, best_epoch int);
CREATE TABLE ct_train (smiles text, toxic int);
CREATE TABLE ct_test (smiles text, toxic int);
\\copy ct_train FROM '$MEDRNN_ROOT/data/clintox/train.csv' WITH (FORMAT csv, HEADER true)
\\copy ct_test FROM '$MEDRNN_ROOT/data/clintox/test.csv' WITH (FORMAT csv, HEADER true)
SQL
}

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

# Record tfidf_lr_ref.py on character 1-4-grams: $1 task, $2 fold (or
# NULL), $3 $4 the training and test CSV files
record_tfidf()
{
	record_ref "$1" tfidf 0 "$2" roc_auc pr_auc \
		"$PY" bench/ref_pr_auc.py "$REF/tfidf_lr_ref.py" --train "$3" --test "$4" \
		--char --ngram-max 4
}

# Train (on 2 threads) and evaluate medrnn: $1 task, $2 side, $3 seed, $4 fold
# (or NULL), $5 options, $6 $7 the rnn_evaluate keys to keep, $8 table
# prefix, $9 ${10} the columns; ${11}, if given, is more SQL to run while
# the model is at hand (temporary table m, column model)
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
${11:-}
SQL
}

# Five stratified folds of ct_train, each molecule's fold fixed by the MD5
# of its SMILES: tables ct_cvK_train and ct_cvK_test, and the same as CSV
# files in $1 (trainK.csv, testK.csv) for the references
make_clintox_folds()
{
	local dir=$1 fold

	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE ct_folds AS
	SELECT smiles, toxic,
	       (row_number() OVER (PARTITION BY toxic ORDER BY md5(smiles), smiles) - 1) % 5 AS fold
	FROM ct_train"
	for fold in 0 1 2 3 4; do
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE ct_cv${fold}_train AS SELECT smiles, toxic FROM ct_folds WHERE fold <> $fold;
CREATE TABLE ct_cv${fold}_test AS SELECT smiles, toxic FROM ct_folds WHERE fold = $fold;
\\copy (SELECT smiles AS text, toxic AS label FROM ct_cv${fold}_train) TO '$dir/train$fold.csv' WITH (FORMAT csv, HEADER true)
\\copy (SELECT smiles AS text, toxic AS label FROM ct_cv${fold}_test) TO '$dir/test$fold.csv' WITH (FORMAT csv, HEADER true)
SQL
	done
}

# The ClinTox rows of the results: per run, per side, and paired by fold
show_clintox_results()
{
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
SQL
}
