#!/usr/bin/env bash
#
# bench/clintox_variants.sh
#	  ClinTox with SMILES variants ("smiles_variants": 10): each epoch trains
#	  every molecule on one of ten SMILES strings of it (the one written
#	  and nine random rewrites), and prediction averages over the ten.
#	  Side by side, in one run, with the same recipe without variants and
#	  TF-IDF + logistic regression on character 1-4-grams:
#	  1. the test split, seeds 0-4;
#	  2. the five cross-validation folds of bench/real_cases.sh (the
#	     training rows only), seeds 0-2, paired by fold.
#	  The recipe is bench/real_cases.sh's SMILES (or char) recipe: early
#	  stopping on a stratified validation split of the training rows picks
#	  the epoch.
#
# Usage: bench/clintox_variants.sh [tokenizer] [test seeds] [cross-validation seeds]
#        (default "smiles", "0 1 2 3 4" and "0 1 2"; "char" runs
#        bench/real_cases.sh's char recipe instead)
#
# Reads data/clintox and ../shared/bench (MEDRNN_BENCH to override).  As
# root on Debian 12 (installs python3-sklearn).  About 50 minutes on 2 cores.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
TOKENIZER=${1:-smiles}
CT_SEEDS=${2:-"0 1 2 3 4"}
CV_SEEDS=${3:-"0 1 2"}
case $TOKENIZER in
	smiles | char) ;;
	*) echo "usage: $0 [smiles|char] [test seeds] [cross-validation seeds]" >&2; exit 2 ;;
esac

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
# shellcheck source=record.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/record.sh"
cd -- "$MEDRNN_ROOT"
REF=${MEDRNN_BENCH:-$MEDRNN_ROOT/../shared/bench}
[ -f "$REF/tfidf_lr_ref.py" ] || medrnn_die "no $REF/tfidf_lr_ref.py (set MEDRNN_BENCH)"
CT=$MEDRNN_ROOT/data/clintox
PY=/usr/bin/python3

# bench/real_cases.sh's SMILES (or char) recipe, and the same with ten variants
RECIPE='"tokenizer": "'$TOKENIZER'", "maxlen": 200, "class_weight": "balanced", "bidirectional": true, "pooling": "max", "learning_rate": 0.003, "epochs": 60, "validation_split": 0.2, "early_stopping": 10'
VARIANTS="$RECIPE, \"smiles_variants\": 10"

start_results_db medrnn_clintox_variants

for seed in $CT_SEEDS; do
	medrnn_step "clintox seed $seed: rnn_train, $TOKENIZER recipe with variants"
	record_medrnn clintox "$TOKENIZER-variants" "$seed" NULL "$VARIANTS" roc_auc pr_auc ct smiles toxic
	medrnn_step "clintox seed $seed: rnn_train, $TOKENIZER recipe"
	record_medrnn clintox "$TOKENIZER-recipe" "$seed" NULL "$RECIPE" roc_auc pr_auc ct smiles toxic
done
medrnn_step "clintox: tfidf_lr_ref.py --char --ngram-max 4"
record_tfidf clintox NULL "$CT/train.csv" "$CT/test.csv"

CV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-cv.XXXXXX")
trap 'rm -rf -- "$CV_DIR"; medrnn_cluster_stop' EXIT
make_clintox_folds "$CV_DIR"
for fold in 0 1 2 3 4; do
	medrnn_step "clintox fold $fold: tfidf_lr_ref.py --char --ngram-max 4"
	record_tfidf clintox-cv "$fold" "$CV_DIR/train$fold.csv" "$CV_DIR/test$fold.csv"
	for seed in $CV_SEEDS; do
		medrnn_step "clintox fold $fold seed $seed: rnn_train, $TOKENIZER recipe with and without variants"
		record_medrnn clintox-cv "$TOKENIZER-variants" "$seed" "$fold" "$VARIANTS" roc_auc pr_auc \
			"ct_cv$fold" smiles toxic
		record_medrnn clintox-cv "$TOKENIZER-recipe" "$seed" "$fold" "$RECIPE" roc_auc pr_auc \
			"ct_cv$fold" smiles toxic
	done
done

medrnn_step "results"
show_clintox_results
echo "$TOKENIZER recipe:   {$RECIPE, \"seed\": N}"
echo "with variants:   {$VARIANTS, \"seed\": N}"
