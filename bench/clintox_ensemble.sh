#!/usr/bin/env bash
#
# bench/clintox_ensemble.sh
#	  ClinTox: the SMILES recipe with ten variants per molecule
#	  (bench/clintox_variants.sh), one model per seed and the mean of the
#	  seeds' probabilities, an ensemble any SQL user can build:
#
#	    SELECT avg((rnn_predict_proba(m.model, t.smiles)->>'1')::float8)
#	    FROM tox_models m ... GROUP BY t.smiles
#
#	  1. the test split: five seeds, and their ensemble;
#	  2. the five cross-validation folds of bench/real_cases.sh: three
#	     seeds per fold, and their ensemble.
#	  Next to TF-IDF + logistic regression on character 1-4-grams.  The
#	  ensemble's ROC-AUC and PR-AUC (average precision) are scikit-learn's.
#
# Usage: bench/clintox_ensemble.sh [test seeds] [cross-validation seeds]
#        (default "0 1 2 3 4" and "0 1 2")
#
# Reads data/clintox and ../shared/bench (MEDRNN_BENCH to override).  As
# root on Debian 12 (installs python3-sklearn).  About 30 minutes on 2 cores.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
CT_SEEDS=${1:-"0 1 2 3 4"}
CV_SEEDS=${2:-"0 1 2"}

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
# shellcheck source=record.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/record.sh"
cd -- "$MEDRNN_ROOT"
REF=${MEDRNN_BENCH:-$MEDRNN_ROOT/../shared/bench}
[ -f "$REF/tfidf_lr_ref.py" ] || medrnn_die "no $REF/tfidf_lr_ref.py (set MEDRNN_BENCH)"
CT=$MEDRNN_ROOT/data/clintox
PY=/usr/bin/python3
VARIANTS='"tokenizer": "smiles", "smiles_variants": 10, "maxlen": 200, "class_weight": "balanced", "bidirectional": true, "pooling": "max", "learning_rate": 0.003, "epochs": 60, "validation_split": 0.2, "early_stopping": 10'

start_results_db medrnn_clintox_ensemble
psql -X -q -c "CREATE TABLE probs (task text, fold int, seed int, row_id text, toxic int, p float8)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-ensemble.XXXXXX")
trap 'rm -rf -- "$WORK"; medrnn_cluster_stop' EXIT

# Train one model ($1 task, $2 seed, $3 fold or NULL, $4 table prefix),
# record its own figures and keep its positive-class probability of each
# test row (by ctid: the test tables are never written to)
train_member()
{
	record_medrnn "$1" variants-single "$2" "$3" "$VARIANTS" roc_auc pr_auc "$4" smiles toxic \
		"INSERT INTO probs
		 SELECT '$1', $3, $2, t.ctid::text, t.toxic, (rnn_predict_proba(m.model, t.smiles)->>'1')::float8
		 FROM m, ${4}_test t;"
}

# Score the mean of the members' probabilities: $1 task, $2 fold or NULL
score_ensemble()
{
	local task=$1 fold=$2 out roc pr

	psql -X -q -v ON_ERROR_STOP=1 -c "\\copy (SELECT toxic, avg(p) FROM probs WHERE task = '$task' AND fold IS NOT DISTINCT FROM $fold GROUP BY row_id, toxic) TO '$WORK/ens.csv' WITH (FORMAT csv)"
	out=$("$PY" -c '
import csv, sys
from sklearn.metrics import average_precision_score, roc_auc_score
rows = list(csv.reader(open(sys.argv[1])))
y = [int(r[0]) for r in rows]
p = [float(r[1]) for r in rows]
print(roc_auc_score(y, p), average_precision_score(y, p))' "$WORK/ens.csv")
	read -r roc pr <<<"$out"
	psql -X -q -c "INSERT INTO results VALUES ('$task', 'variants-ensemble', 0, $fold, $roc, $pr, NULL)"
}

for seed in $CT_SEEDS; do
	medrnn_step "clintox seed $seed: rnn_train, smiles recipe with variants"
	train_member clintox "$seed" NULL ct
done
score_ensemble clintox NULL
medrnn_step "clintox: tfidf_lr_ref.py --char --ngram-max 4"
record_tfidf clintox NULL "$CT/train.csv" "$CT/test.csv"

make_clintox_folds "$WORK"
for fold in 0 1 2 3 4; do
	medrnn_step "clintox fold $fold: tfidf_lr_ref.py --char --ngram-max 4"
	record_tfidf clintox-cv "$fold" "$WORK/train$fold.csv" "$WORK/test$fold.csv"
	for seed in $CV_SEEDS; do
		medrnn_step "clintox fold $fold seed $seed: rnn_train, smiles recipe with variants"
		train_member clintox-cv "$seed" "$fold" "ct_cv$fold"
	done
	score_ensemble clintox-cv "$fold"
done

medrnn_step "results"
show_clintox_results
echo "members: {$VARIANTS, \"seed\": N}; the ensemble averages their probabilities"
