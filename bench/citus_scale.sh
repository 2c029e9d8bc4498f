#!/usr/bin/env bash
#
# bench/citus_scale.sh
#	  Data-parallel training on Citus against single-node training, on this
#	  machine: a coordinator and two workers (scripts/citus.sh), the medical
#	  abstracts and PhysioNet 2012 (in-hospital death from the first 48 hours
#	  of ICU measurements), each seed trained
#	    single	on a local table of the coordinator (the usual rnn_train)
#	    dist4	"distributed" over 4 shards (2 per worker)
#	    dist8	"distributed" over 8 shards (4 per worker)
#	    dist4x	as dist4 with a 4x learning rate (the parts' steps are averaged)
#	  and scored on the same local test table.  For every run it prints the
#	  test figures, the wall time, the initial pass (the coordinator reads
#	  the rows once for the vocabulary and labels), each worker's training
#	  CPU seconds and the coordinator's averaging; then, from the dist4 and
#	  dist8 runs, a projection of the time on N workers (a model, not a
#	  measurement: this machine has two cores).  medrnn.threads is 1 on every
#	  node, so each part and the single-node run train on one core.
#
# Usage: bench/citus_scale.sh [SEEDS] [DATASETS] [SIDES]
#	(defaults "0 1 2", "abstracts physionet", "single dist4 dist8 dist4x")
# Environment: MEDRNN_ABSTRACTS, MEDRNN_PHYSIONET (data directories, default
# ../shared/data/...), and those of scripts/lib.sh and scripts/citus.sh.

set -euo pipefail
# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
# shellcheck source=../scripts/citus.sh
. "$MEDRNN_ROOT/scripts/citus.sh"
cd -- "$MEDRNN_ROOT"

SEEDS=${1:-"0 1 2"}
DATASETS=${2:-"abstracts physionet"}
SIDES=${3:-"single dist4 dist8 dist4x"}
ABSTRACTS=${MEDRNN_ABSTRACTS:-$MEDRNN_ROOT/../shared/data/medical-abstracts}
PHYSIONET=${MEDRNN_PHYSIONET:-$MEDRNN_ROOT/../shared/data/physionet2012}
# the default recipe for the abstracts; PhysioNet's of bench/physionet2012.sh
# without the validation split (data-parallel training runs fixed epochs)
EPOCHS=10
OPTS_abstracts="\"epochs\": $EPOCHS"
OPTS_physionet="\"step\": 60, \"maxlen\": 48, \"hidden\": 64, \"epochs\": $EPOCHS"

medrnn_deps citus
medrnn_build
medrnn_install
why=$(citus_available) || medrnn_die "$why"
citus_workdir
trap citus_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
citus_build || medrnn_die "building Citus failed (log: $CITUS_WORK/citus-build.log)"
medrnn_step "a coordinator and two workers"
citus_up || medrnn_die "the Citus cluster did not start"
for node in coord w1 w2; do
	on "$node" -c "ALTER DATABASE postgres SET medrnn.threads = 1" >/dev/null
done
medrnn_log "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores"

medrnn_step "loading the data"
on coord >/dev/null <<SQL
SET client_min_messages = warning;
CREATE TABLE results (data text, side text, seed int, m1 float8, m2 float8, wall float8,
                      init float8, epochs_s float8, coord_avg float8, cpu_w1 float8, cpu_w2 float8);
CREATE TABLE ab_train (id serial PRIMARY KEY, text text, label text);
CREATE TABLE ab_test (id serial PRIMARY KEY, text text, label text);
\\copy ab_train(text, label) FROM '$ABSTRACTS/train.csv' WITH (FORMAT csv, HEADER true)
\\copy ab_test(text, label) FROM '$ABSTRACTS/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE events (record_id int, minutes float8, variable text, value float8);
CREATE TABLE outcomes (record_id int PRIMARY KEY, died int);
CREATE TABLE split (record_id int PRIMARY KEY, split text);
\\copy events FROM PROGRAM 'gzip -dc $PHYSIONET/events.csv.gz' WITH (FORMAT csv, HEADER true)
\\copy outcomes FROM '$PHYSIONET/outcomes.csv' WITH (FORMAT csv, HEADER true)
\\copy split FROM '$PHYSIONET/split.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE stays AS
SELECT o.record_id, s.split, o.died,
       rnn_seq(e.minutes, e.variable,
               CASE WHEN e.value = -1 AND e.variable IN ('Age', 'Gender', 'Height', 'Weight', 'ICUType')
                    THEN NULL ELSE e.value END) AS vitals
FROM outcomes o JOIN split s USING (record_id) LEFT JOIN events e USING (record_id)
GROUP BY o.record_id, s.split, o.died;
CREATE TABLE ph_train AS SELECT record_id, vitals, died FROM stays WHERE split = 'train';
CREATE TABLE ph_test AS SELECT record_id, vitals, died FROM stays WHERE split = 'test';
-- the training tables again, hash-distributed over 4 and over 8 shards
CREATE TABLE ab_train_4 (LIKE ab_train);
SELECT create_distributed_table('ab_train_4', 'id', shard_count => 4);
INSERT INTO ab_train_4 SELECT * FROM ab_train;
CREATE TABLE ab_train_8 (LIKE ab_train);
SELECT create_distributed_table('ab_train_8', 'id', shard_count => 8);
INSERT INTO ab_train_8 SELECT * FROM ab_train;
CREATE TABLE ph_train_4 (LIKE ph_train);
SELECT create_distributed_table('ph_train_4', 'record_id', shard_count => 4);
INSERT INTO ph_train_4 SELECT * FROM ph_train;
CREATE TABLE ph_train_8 (LIKE ph_train);
SELECT create_distributed_table('ph_train_8', 'record_id', shard_count => 8);
INSERT INTO ph_train_8 SELECT * FROM ph_train;
SQL
on coord -c "SELECT 'abstracts: ' || (SELECT count(*) FROM ab_train) || ' training, ' || (SELECT count(*) FROM ab_test) || ' test rows; PhysioNet: ' || (SELECT count(*) FROM ph_train) || ' training, ' || (SELECT count(*) FROM ph_test) || ' test stays'"

# one run: train, score, and read its NOTICEs
run()
{
	local data=$1 side=$2 seed=$3 table input label opts test metrics log
	local coord_avg cpu1 cpu2

	case $data in
		abstracts) table=ab_train input=text label=label test=ab_test opts=$OPTS_abstracts
			metrics="(r->>'accuracy')::float8, (r->>'macro_f1')::float8" ;;
		physionet) table=ph_train input=vitals label=died test=ph_test opts=$OPTS_physionet
			metrics="(r->>'roc_auc')::float8, (r->>'pr_auc')::float8" ;;
	esac
	case $side in
		single) ;;
		dist4) table=${table}_4 opts="$opts, \"distributed\": true" ;;
		dist8) table=${table}_8 opts="$opts, \"distributed\": true" ;;
		dist4x) table=${table}_4 opts="$opts, \"distributed\": true, \"learning_rate\": 0.004" ;;
		*) medrnn_die "unknown side \"$side\"" ;;
	esac
	log=$CITUS_WORK/run.log
	on coord -c "SET client_min_messages = notice" -c "DROP TABLE IF EXISTS m" \
		-c "CREATE TABLE m AS SELECT clock_timestamp() AS t0, rnn_train('$table', '$input', '$label', '{$opts, \"seed\": $seed}') AS model, clock_timestamp() AS t1" \
		>"$log" 2>&1 || { cat "$log" >&2; medrnn_die "training failed: $data $side $seed"; }
	coord_avg=$(sed -n 's/.*the coordinator averaged and encoded for \([0-9.]*\) s.*/\1/p' "$log")
	cpu1=$(sed -n "s/.*node on port $((CITUS_PORT0 + 1)): \([0-9.]*\) s.*/\1/p" "$log")
	cpu2=$(sed -n "s/.*node on port $((CITUS_PORT0 + 2)): \([0-9.]*\) s.*/\1/p" "$log")
	on coord >/dev/null <<SQL
INSERT INTO results
SELECT '$data', '$side', $seed, $metrics, extract(epoch FROM m.t1 - m.t0),
       extract(epoch FROM m.t1 - m.t0) - (SELECT sum((e->>'seconds')::float8) FROM jsonb_array_elements(rnn_model_info(m.model)->'epochs') e),
       (SELECT sum((e->>'seconds')::float8) FROM jsonb_array_elements(rnn_model_info(m.model)->'epochs') e),
       ${coord_avg:-NULL}, ${cpu1:-NULL}, ${cpu2:-NULL}
FROM m, LATERAL rnn_evaluate(m.model, '$test', '$input', '$label') AS r;
SQL
	on coord -c "SELECT format('%s %s seed %s: %s %s, %s s', data, side, seed, round(m1::numeric, 4), round(m2::numeric, 4), round(wall::numeric, 1)) FROM results ORDER BY ctid DESC LIMIT 1"
}

for data in $DATASETS; do
	for side in $SIDES; do
		for seed in $SEEDS; do
			medrnn_step "$data, $side, seed $seed"
			run "$data" "$side" "$seed"
		done
	done
done

medrnn_step "results (test splits; m1/m2: accuracy/macro F1 for the abstracts, ROC-AUC/PR-AUC for PhysioNet)"
echo "| data | side | seeds | m1 | m1 sd | m2 | wall s | initial pass s | epochs s | averaging s | CPU w1 s | CPU w2 s |"
echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
on coord -F ' | ' -c "SELECT data, side, count(*) AS seeds,
       round(avg(m1)::numeric, 4) AS m1, round(stddev_samp(m1)::numeric, 4) AS m1_sd,
       round(avg(m2)::numeric, 4) AS m2,
       round(avg(wall)::numeric, 1) AS wall_s, round(avg(init)::numeric, 1) AS init_s,
       round(avg(epochs_s)::numeric, 1) AS epochs_s, round(avg(coord_avg)::numeric, 2) AS averaging_s,
       round(avg(cpu_w1)::numeric, 1) AS cpu_w1_s, round(avg(cpu_w2)::numeric, 1) AS cpu_w2_s
FROM results GROUP BY data, side ORDER BY data, array_position(ARRAY['single', 'dist4', 'dist8', 'dist4x'], side)" |
	sed 's/^/| /; s/$/ |/'

medrnn_step "projection (a model fitted to the runs above, not a measurement)"
# Per data set, with E epochs: C = the workers' CPU seconds per epoch (all rows),
# O(p) = an epoch's wall time beyond its compute on the two workers (C / 2),
# for p parts, fitted as a + b p from dist4 and dist8; I = the initial pass.
# T(N) = I + E (a + b * 2N + C / N): N workers of one core, 2 shards each.
# Single node: the measured wall time.
echo "| data | single s | CPU per epoch s | overhead fixed s | per part s | initial pass s | projected (N workers) |"
echo "|---|--:|--:|--:|--:|--:|---|"
on coord -F ' | ' -v epochs=$EPOCHS <<'SQL' | sed 's/^/| /; s/$/ |/'
WITH s AS (
  SELECT data, side, avg(wall) AS wall, avg(init) AS init, avg(epochs_s) AS epochs_s,
         avg(cpu_w1 + cpu_w2) AS cpu
  FROM results GROUP BY data, side),
f AS (
  SELECT d4.data, :epochs::float8 AS e, single.wall AS t1, d4.init AS i, d4.cpu / :epochs AS c,
         (d4.epochs_s - d4.cpu / 2) / :epochs AS o4, (d8.epochs_s - d8.cpu / 2) / :epochs AS o8
  FROM s d4 JOIN s d8 ON d8.data = d4.data AND d8.side = 'dist8'
            JOIN s single ON single.data = d4.data AND single.side = 'single'
  WHERE d4.side = 'dist4'),
p AS (
  SELECT f.*, (o8 - o4) / 4 AS b, o4 - 4 * (o8 - o4) / 4 AS a FROM f)
SELECT data, round(t1::numeric, 1) AS single_s, round(c::numeric, 2) AS cpu_per_epoch_s,
       round(a::numeric, 2) AS overhead_fixed_s, round(b::numeric, 3) AS overhead_per_part_s,
       round(i::numeric, 1) AS initial_pass_s,
       string_agg(format('N=%s: %s s (%sx)', n, round((i + e * (a + b * 2 * n + c / n))::numeric, 1),
                         round((t1 / (i + e * (a + b * 2 * n + c / n)))::numeric, 2)), '; ' ORDER BY n) AS projected
FROM p, unnest(ARRAY[1, 2, 4, 8, 16]) AS n
GROUP BY data, t1, c, a, b, i ORDER BY data;
SQL
