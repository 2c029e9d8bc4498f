#!/usr/bin/env bash
#
# bench/sider_gaps.sh
#	  Multitask training with gaps: does the loss that leaves unknown labels
#	  out come close to the model that knows every label, and beat the naive
#	  pipeline that takes a missing label for a negative?  SIDER (27
#	  side-effect classes per drug, from SMILES) as jsonb labels, three
#	  versions of the TRAINING labels:
#	  - full:    every one of the 27 labels known, true or false;
#	  - gaps:    20 % of the (drug, label) entries removed (unknown: no loss);
#	  - hidneg:  the same entries set to false instead (hidden as negative).
#	  The 27 label names are those of the training rows.  The hidden entries
#	  are exactly the first 20 % of all (drug, label) pairs in the order of
#	  md5(mask seed || ':' || SMILES || ':' || label), mask seed 7: the
#	  same entries for every model seed.  One recipe for all three, seeds
#	  0 1 2; each model is evaluated on the FULL test labels (all 27 known,
#	  as jsonb): mean label ROC-AUC, mean PR-AUC, micro- and macro-F1 at the
#	  model's thresholds (chosen on its validation split).  The validation
#	  loss is each variant's own (its own labels), so it does not compare
#	  across variants.
#
# Usage: bench/sider_gaps.sh [seeds]   (default "0 1 2")
#
# Knobs (environment): MEDRNN_SIDER_DIR (the train.csv/test.csv directory;
# default ../shared/data/sider next to the repository), MEDRNN_SIDER_MASK_SEED
# (7), MEDRNN_SIDER_HIDE_PCT (20), MEDRNN_SIDER_VARIANTS (a subset of
# "full gaps hidneg"), MEDRNN_SIDER_TABLE (where the final
# Markdown table is also written; /tmp/sider_gaps_table.md), MEDRNN_PGPORT
# (the throwaway cluster's socket name; set it when other benchmarks run).
#
# Uses the medrnn already installed (it neither builds nor installs) and a
# throwaway cluster (scripts/lib.sh).  As root on Debian 12.  About 15 to
# 25 minutes on 2 busy cores (9 models of at most 30 SIDER epochs).

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
SEEDS=${1:-"0 1 2"}

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"
SIDER=${MEDRNN_SIDER_DIR:-$MEDRNN_ROOT/../shared/data/sider}
MASK_SEED=${MEDRNN_SIDER_MASK_SEED:-7}
HIDE_PCT=${MEDRNN_SIDER_HIDE_PCT:-20}
TABLE_OUT=${MEDRNN_SIDER_TABLE:-/tmp/sider_gaps_table.md}
VARIANTS=${MEDRNN_SIDER_VARIANTS:-"full gaps hidneg"}

# the recipe, identical for the three variants
OPTIONS='"tokenizer": "smiles", "epochs": 30, "validation_split": 0.1, "early_stopping": 5, "class_weight": "balanced", "dropout": 0.1'

if [ ! -r "$SIDER/train.csv" ] || [ ! -r "$SIDER/test.csv" ]; then
	medrnn_die "no SIDER train.csv/test.csv in $SIDER (set MEDRNN_SIDER_DIR)"
fi
[[ $MASK_SEED =~ ^[0-9]+$ ]] || medrnn_die "MEDRNN_SIDER_MASK_SEED must be an integer"
if ! [[ $HIDE_PCT =~ ^[0-9]+$ ]] || [ "$HIDE_PCT" -ge 100 ]; then
	medrnn_die "MEDRNN_SIDER_HIDE_PCT must be an integer from 0 to 99"
fi
for seed in $SEEDS; do
	[[ $seed =~ ^[0-9]+$ ]] || medrnn_die "seed \"$seed\" is not an integer"
done

medrnn_keep_stdio
trap 'medrnn_restore_stdio; medrnn_cluster_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
medrnn_cluster_start || medrnn_die "could not start the throwaway cluster"
export PGDATABASE=medrnn_sider_gaps
psql -X -q -d postgres -c "CREATE DATABASE $PGDATABASE"
# the server runs as postgres, but \copy reads the files as this user
SIDER=$(cd -- "$SIDER" && pwd -P)

medrnn_step "SIDER: load, label names, mask (seed $MASK_SEED, $HIDE_PCT %)"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION medrnn;
CREATE TABLE results (variant text, seed int, mean_roc_auc float8, mean_pr_auc float8,
                      micro_f1 float8, macro_f1 float8, best_epoch int, epochs_run int,
                      val_loss float8, train_s float8, wall_s float8, epochs jsonb);
CREATE TABLE sider_raw_train (id serial, text text, labels text[]);
CREATE TABLE sider_raw_test (id serial, text text, labels text[]);
\\copy sider_raw_train (text, labels) FROM '$SIDER/train.csv' WITH (FORMAT csv, HEADER true)
\\copy sider_raw_test (text, labels) FROM '$SIDER/test.csv' WITH (FORMAT csv, HEADER true)

-- the label names: the union over the training rows
CREATE TABLE sider_labels AS
  SELECT DISTINCT l AS label FROM sider_raw_train, unnest(labels) AS l WHERE l IS NOT NULL;

-- every (training drug, label) pair; the first $HIDE_PCT % in the seeded md5
-- order are hidden
CREATE TABLE sider_pairs AS
  SELECT id, text, label, positive,
         row_number() OVER (ORDER BY md5('$MASK_SEED' || ':' || text || ':' || label), id, label)
           <= round(count(*) OVER () * $HIDE_PCT / 100.0) AS hidden
  FROM (SELECT r.id, r.text, l.label, coalesce(l.label = ANY (r.labels), false) AS positive
        FROM sider_raw_train r CROSS JOIN sider_labels l) AS p;

CREATE TABLE sider_full_train AS
  SELECT id, text, jsonb_object_agg(label, positive) AS labels
  FROM sider_pairs GROUP BY id, text;
CREATE TABLE sider_gaps_train AS
  SELECT id, text, coalesce(jsonb_object_agg(label, positive) FILTER (WHERE NOT hidden), '{}') AS labels
  FROM sider_pairs GROUP BY id, text;
CREATE TABLE sider_hidneg_train AS
  SELECT id, text, jsonb_object_agg(label, positive AND NOT hidden) AS labels
  FROM sider_pairs GROUP BY id, text;

-- the test rows with all 27 labels known
CREATE TABLE sider_test AS
  SELECT r.id, r.text,
         jsonb_object_agg(l.label, coalesce(l.label = ANY (r.labels), false)) AS labels
  FROM sider_raw_test r CROSS JOIN sider_labels l GROUP BY r.id, r.text;
SQL

psql -X -v ON_ERROR_STOP=1 <<SQL >&2
SELECT (SELECT count(*) FROM sider_raw_train) AS train_rows,
       (SELECT count(*) FROM sider_raw_test) AS test_rows,
       (SELECT count(*) FROM sider_labels) AS labels,
       (SELECT count(*) FROM sider_pairs) AS train_pairs,
       (SELECT count(*) FILTER (WHERE hidden) FROM sider_pairs) AS hidden,
       (SELECT round(avg(positive::int)::numeric, 3) FROM sider_pairs) AS positive_rate,
       (SELECT round(avg(positive::int) FILTER (WHERE hidden)::numeric, 3) FROM sider_pairs) AS hidden_positive_rate,
       (SELECT count(*) FILTER (WHERE positive AND hidden) FROM sider_pairs) AS positives_turned_negative,
       (SELECT count(*) FROM sider_gaps_train WHERE labels = '{}') AS gaps_rows_knowing_nothing,
       (SELECT count(*) FROM sider_raw_test t, unnest(t.labels) AS l
        WHERE l NOT IN (SELECT label FROM sider_labels)) AS test_labels_not_in_train;
SQL
[ "$(psql -X -A -t -c 'SELECT count(*) FROM sider_labels')" = 27 ] ||
	medrnn_warn "expected 27 label names in the training rows"

for seed in $SEEDS; do
	for variant in $VARIANTS; do
		medrnn_step "seed $seed, $variant"
		start=$EPOCHREALTIME
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
SET medrnn.threads = 2;
CREATE TEMP TABLE m AS
  SELECT rnn_train('sider_${variant}_train', 'text', 'labels', '{$OPTIONS, "seed": $seed}') AS model;
INSERT INTO results (variant, seed, mean_roc_auc, mean_pr_auc, micro_f1, macro_f1,
                     best_epoch, epochs_run, val_loss, train_s, epochs)
SELECT '$variant', $seed, (r->>'mean_roc_auc')::float8, (r->>'mean_pr_auc')::float8,
       (r->>'micro_f1')::float8, (r->>'macro_f1')::float8,
       (i->>'best_epoch')::int, jsonb_array_length(i->'epochs'),
       (i->'epochs'->((i->>'best_epoch')::int - 1)->>'val_loss')::float8,
       (i->>'training_seconds')::float8, i->'epochs'
FROM m, rnn_model_info(m.model) AS i, LATERAL rnn_evaluate(m.model, 'sider_test', 'text', 'labels') AS r;
SQL
		wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
		psql -X -q -v ON_ERROR_STOP=1 -c "UPDATE results SET wall_s = $wall WHERE variant = '$variant' AND seed = $seed"
		psql -X -A -t -c "SELECT format('%s seed %s: mean ROC-AUC %s, micro-F1 %s, best epoch %s of %s, %s s',
			variant, seed, round(mean_roc_auc::numeric, 4), round(micro_f1::numeric, 4), best_epoch, epochs_run,
			round(train_s::numeric, 1)) FROM results WHERE variant = '$variant' AND seed = $seed" |
			while IFS= read -r line; do medrnn_log "$line"; done
		medrnn_log "  val loss by epoch: $(psql -X -A -t -c "SELECT string_agg(to_char((e->>'val_loss')::float8, 'FM0.0000'), ' ' ORDER BY n)
			FROM results, jsonb_array_elements(epochs) WITH ORDINALITY AS x(e, n)
			WHERE variant = '$variant' AND seed = $seed")"
	done
done

medrnn_step "results"
# the Markdown table: every run, then the mean over seeds of each variant
psql -X -A -t -F '' -v ON_ERROR_STOP=1 >"$TABLE_OUT" <<'SQL'
SELECT '| variant | seed | test mean ROC-AUC | test mean PR-AUC | test micro-F1 | test macro-F1 | best epoch / run | val loss (own labels) | train s |';
SELECT '|---|---|---|---|---|---|---|---|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |', variant, seed,
              to_char(mean_roc_auc, 'FM0.0000'), to_char(mean_pr_auc, 'FM0.0000'),
              to_char(micro_f1, 'FM0.0000'), to_char(macro_f1, 'FM0.0000'),
              best_epoch, epochs_run, to_char(val_loss, 'FM0.0000'), to_char(train_s, 'FM9990.0'))
FROM results
ORDER BY array_position(ARRAY['full', 'gaps', 'hidneg'], variant), seed;
SELECT format('| **%s, mean** | %s | **%s** | %s | **%s** | %s | | | %s |', variant,
              string_agg(seed::text, ' ' ORDER BY seed),
              to_char(avg(mean_roc_auc), 'FM0.0000'), to_char(avg(mean_pr_auc), 'FM0.0000'),
              to_char(avg(micro_f1), 'FM0.0000'), to_char(avg(macro_f1), 'FM0.0000'),
              to_char(avg(train_s), 'FM9990.0'))
FROM results GROUP BY variant
ORDER BY array_position(ARRAY['full', 'gaps', 'hidneg'], variant);
SQL
{
	echo
	echo "Paired by seed (ROC-AUC): gaps - full, gaps - hidneg"
	psql -X -v ON_ERROR_STOP=1 <<'SQL'
SELECT g.seed, round((g.mean_roc_auc - f.mean_roc_auc)::numeric, 4) AS gaps_minus_full,
       round((g.mean_roc_auc - h.mean_roc_auc)::numeric, 4) AS gaps_minus_hidneg,
       round((g.micro_f1 - f.micro_f1)::numeric, 4) AS micro_f1_gaps_minus_full,
       round((g.micro_f1 - h.micro_f1)::numeric, 4) AS micro_f1_gaps_minus_hidneg
FROM results g JOIN results f ON f.seed = g.seed AND f.variant = 'full'
     JOIN results h ON h.seed = g.seed AND h.variant = 'hidneg'
WHERE g.variant = 'gaps' ORDER BY g.seed;
SQL
} >&2
cat "$TABLE_OUT"
echo
echo "recipe: {$OPTIONS, \"seed\": N}; mask: seed $MASK_SEED, $HIDE_PCT % of the training (drug, label) entries"
echo "table written to $TABLE_OUT"
