#!/usr/bin/env bash
#
# bench/mask_accuracy.sh
#	  Does "mask": true cost accuracy?  The README's text recipes, each as
#	  published and with "mask": true added (nothing else changed), on the
#	  same train/test splits and seeds:
#	  - ClinTox: the SMILES recipe with ten SMILES variants, and the same
#	    network refitted on all training rows for 12 epochs; test ROC-AUC
#	    and PR-AUC.
#	  - Medical abstracts: the best configuration (maxlen 300, validation
#	    split, early stopping); test accuracy and macro-F1.
#	  Also each run's training seconds, so the table shows what the mask
#	  saves, and the validation loss of its kept epoch (where the recipe
#	  has a validation split), which is what a choice between the two
#	  should go by: the test rows are for reporting.  PhysioNet 2012 has its own script: bench/physionet2012.sh
#	  "0 1 2" "plain masked".
#
# Usage: bench/mask_accuracy.sh [seeds]   (default "0 1 2")
#
# Reads the shipped data/ splits.  As root on Debian 12.  About 40 minutes
# on 2 cores.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
SEEDS=${1:-"0 1 2"}

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
# shellcheck source=record.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/record.sh"
cd -- "$MEDRNN_ROOT"
MA=$MEDRNN_ROOT/data/medical-abstracts

# The README's recipes (bench/real_cases.sh, bench/clintox_variants.sh)
CT_VARIANTS='"tokenizer": "smiles", "smiles_variants": 10, "maxlen": 200, "class_weight": "balanced", "bidirectional": true, "pooling": "max", "learning_rate": 0.003, "epochs": 60, "validation_split": 0.2, "early_stopping": 10'
CT_ALL_ROWS='"tokenizer": "smiles", "maxlen": 200, "class_weight": "balanced", "bidirectional": true, "pooling": "max", "learning_rate": 0.003, "epochs": 12'
MA_OPTIONS='"maxlen": 300, "num_words": 5000, "bidirectional": true, "pooling": "mean", "dropout": 0.3, "class_weight": "balanced", "epochs": 30, "validation_split": 0.2, "early_stopping": 3'

start_results_db medrnn_mask_accuracy
psql -X -q -v ON_ERROR_STOP=1 <<SQL
ALTER TABLE results ADD COLUMN seconds float8, ADD COLUMN val_loss float8;
CREATE TABLE ma_train (text text, label text);
CREATE TABLE ma_test (text text, label text);
\\copy ma_train FROM '$MA/train.csv' WITH (FORMAT csv, HEADER true)
\\copy ma_test FROM '$MA/test.csv' WITH (FORMAT csv, HEADER true)
SQL
trap medrnn_cluster_stop EXIT

# the training seconds and the kept epoch's validation loss of the model
# record_medrnn has at hand
SECONDS_SQL="UPDATE results SET seconds = (SELECT (i->>'training_seconds')::float8 FROM m, rnn_model_info(model) AS i),
  val_loss = (SELECT (i->'epochs'->((i->>'best_epoch')::int - 1)->>'val_loss')::float8 FROM m, rnn_model_info(model) AS i)
  WHERE seconds IS NULL;"

for seed in $SEEDS; do
	for mask in false true; do
		side=$([ "$mask" = true ] && echo masked || echo plain)
		medrnn_step "clintox seed $seed, $side: SMILES recipe with variants"
		record_medrnn clintox "variants-$side" "$seed" NULL "$CT_VARIANTS, \"mask\": $mask" roc_auc pr_auc \
			ct smiles toxic "$SECONDS_SQL"
		medrnn_step "clintox seed $seed, $side: SMILES, all training rows, 12 epochs"
		record_medrnn clintox "all-rows-$side" "$seed" NULL "$CT_ALL_ROWS, \"mask\": $mask" roc_auc pr_auc \
			ct smiles toxic "$SECONDS_SQL"
		medrnn_step "abstracts seed $seed, $side: best configuration"
		record_medrnn abstracts "best-$side" "$seed" NULL "$MA_OPTIONS, \"mask\": $mask" accuracy macro_f1 \
			ma text label "$SECONDS_SQL"
	done
done

medrnn_step "results"
psql -X -v ON_ERROR_STOP=1 <<'SQL'
\echo Per run (m1, m2: ROC-AUC and PR-AUC for ClinTox, accuracy and macro-F1 for the abstracts)
SELECT task, side, seed, round(m1::numeric, 4) AS m1, round(m2::numeric, 4) AS m2, best_epoch,
       round(val_loss::numeric, 4) AS val_loss, round(seconds::numeric, 1) AS train_s
FROM results ORDER BY task, side, seed;
\echo Means over seeds
SELECT task, side, count(*) AS runs, round(avg(m1)::numeric, 4) AS mean_m1, round(avg(m2)::numeric, 4) AS mean_m2,
       round(avg(val_loss)::numeric, 4) AS mean_val_loss, round(avg(seconds)::numeric, 1) AS mean_train_s
FROM results GROUP BY task, side ORDER BY task, side;
SQL
echo "clintox variants: {$CT_VARIANTS, \"mask\": false|true, \"seed\": N}"
echo "clintox all rows: {$CT_ALL_ROWS, \"mask\": false|true, \"seed\": N}"
echo "abstracts best:   {$MA_OPTIONS, \"mask\": false|true, \"seed\": N}"
