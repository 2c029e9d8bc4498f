#!/usr/bin/env bash
#
# bench/physionet2012.sh
#	  The PhysioNet/CinC Challenge 2012 case: in-hospital death from the
#	  first 48 hours of an ICU stay (set-a, 4,000 stays, 1.75 M events),
#	  end to end in SQL: load the event rows, build one rnnseq per stay with
#	  the rnn_seq aggregate, train on the train split, score the test split.
#
# Usage: bench/physionet2012.sh [seeds] [sides]
#	seeds default "0 1 2 3 4"; sides are "plain" (the recipe, the default)
#	and "masked" (the recipe with "mask": true: a stay's grid ends at its
#	last event)
#
# Reads ../shared/data/physionet2012 (MEDRNN_PHYSIONET to override).  Prints,
# per seed, test ROC-AUC, PR-AUC and the Challenge score min(Se, +P) at the
# best threshold, then their mean; and the aggregate's wall time and the
# backend's peak memory while building the sequences.  As root on Debian 12.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
SEEDS=${1:-"0 1 2 3 4"}
SIDES=${2:-plain}

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"
DATA=${MEDRNN_PHYSIONET:-$MEDRNN_ROOT/../shared/data/physionet2012}
[ -f "$DATA/events.csv.gz" ] || medrnn_die "no $DATA/events.csv.gz (set MEDRNN_PHYSIONET)"

# the recipe: hourly bins over 48 hours, one LSTM layer, a stratified 20%
# validation split for early stopping (the test split is never looked at)
OPTIONS='"step": 60, "maxlen": 48, "hidden": 64, "epochs": 20, "validation_split": 0.2, "early_stopping": 4'

medrnn_deps
medrnn_build_and_start
DB=medrnn_physionet
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB"
export PGDATABASE=$DB

medrnn_step "loading $DATA"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION medrnn;
CREATE TABLE events (record_id int, minutes float8, variable text, value float8);
CREATE TABLE outcomes (record_id int PRIMARY KEY, died int);
CREATE TABLE split (record_id int PRIMARY KEY, split text);
\\copy events FROM PROGRAM 'gzip -dc $DATA/events.csv.gz' WITH (FORMAT csv, HEADER true)
\\copy outcomes FROM '$DATA/outcomes.csv' WITH (FORMAT csv, HEADER true)
\\copy split FROM '$DATA/split.csv' WITH (FORMAT csv, HEADER true)
ANALYZE events;
SQL

medrnn_step "building one sequence per stay (rnn_seq over all event rows)"
# In the descriptors recorded at time 0, -1 means "not recorded": the
# source's convention, turned into SQL NULL (a missing value) here.
# The backend's peak memory is read from /proc while the query runs.
psql -X -q -v ON_ERROR_STOP=1 <<'SQL' &
\timing on
CREATE TABLE stays AS
SELECT o.record_id, s.split, o.died,
       rnn_seq(e.minutes, e.variable,
               CASE WHEN e.value = -1 AND e.variable IN ('Age', 'Gender', 'Height', 'Weight', 'ICUType')
                    THEN NULL ELSE e.value END) AS vitals
FROM outcomes o JOIN split s USING (record_id) LEFT JOIN events e USING (record_id)
GROUP BY o.record_id, s.split, o.died;
SQL
agg=$!
peak=0
while kill -0 "$agg" 2>/dev/null; do
	for p in $(pgrep -f "postgres: (.*$DB|parallel worker)" || true); do
		hwm=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
		[ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
	done
	sleep 0.2
done
wait "$agg"
echo "aggregate: peak memory of a backend or parallel worker (VmHWM) ${peak} kB"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT split, count(*) AS stays, sum(died) AS deaths,
       sum((rnn_seq_info(vitals)->>'events')::int) AS events
FROM stays GROUP BY split ORDER BY split;
CREATE VIEW stays_train AS SELECT record_id, vitals, died FROM stays WHERE split = 'train';
CREATE VIEW stays_test AS SELECT record_id, vitals, died FROM stays WHERE split = 'test';
CREATE TABLE results (side text, seed int, roc_auc float8, pr_auc float8, challenge float8,
                      seconds float8);
SQL

for side in $SIDES; do
	case $side in
		plain) extra= ;;
		masked) extra=', "mask": true' ;;
		*) medrnn_die "unknown side \"$side\" (plain, masked)" ;;
	esac
	for seed in $SEEDS; do
		medrnn_step "$side, seed $seed: training"
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
CREATE TABLE m_${side}_$seed AS
  SELECT rnn_train('stays_train', 'vitals', 'died', '{$OPTIONS$extra, "seed": $seed}') AS model;
INSERT INTO results
SELECT '$side', $seed, (r->>'roc_auc')::float8, (r->>'pr_auc')::float8,
       (SELECT max(least(tpr, precision)) FROM rnn_roc(m.model, 'stays_test', 'vitals', 'died')),
       (rnn_model_info(m.model)->>'training_seconds')::float8
FROM m_${side}_$seed m, LATERAL rnn_evaluate(m.model, 'stays_test', 'vitals', 'died') AS r;
SQL
	done
done

medrnn_step "results (test split: 800 stays, 111 deaths)"
psql -X -v ON_ERROR_STOP=1 <<'SQL'
SELECT side, seed, round(roc_auc::numeric, 4) AS roc_auc, round(pr_auc::numeric, 4) AS pr_auc,
       round(challenge::numeric, 4) AS "min(Se,+P)", round(seconds::numeric, 1) AS train_s
FROM results ORDER BY side, seed;
SELECT side, round(avg(roc_auc)::numeric, 4) AS mean_roc_auc, round(stddev(roc_auc)::numeric, 4) AS sd,
       round(avg(pr_auc)::numeric, 4) AS mean_pr_auc, round(avg(challenge)::numeric, 4) AS "mean min(Se,+P)",
       round(avg(seconds)::numeric, 1) AS mean_train_s
FROM results GROUP BY side ORDER BY side;
SQL
echo "options: {$OPTIONS, \"seed\": N}"
