#!/usr/bin/env bash
#
# test/suites/citus.sh
#	  medrnn on a Citus cluster: a coordinator and two workers, each a
#	  throwaway PostgreSQL cluster on a loopback port, with medrnn on every
#	  node.  Each check compares a distributed table with the same rows in
#	  a local table:
#	  - bytea prediction and probabilities are pushed down to the workers
#		(EXPLAIN shows the call in the workers' plans) and equal the local
#		answers;
#	  - the registry as reference tables (rnn_distribute_registry):
#		rnn_train_model over a distributed table on the coordinator,
#		prediction by name on the workers, which follow rnn_deploy and
#		rnn_rollback at their next query;
#	  - rnn_seq per patient over a distributed event table;
#	  - rnn_evaluate, rnn_roc and rnn_explain over distributed tables;
#	  - a damaged model in a distributed query: the worker's error, every
#		node still up;
#	  - statement_timeout and cancel of a long distributed prediction;
#	  - data-parallel training ("distributed"): every shard trains, on both
#		workers, reproducibly, within the workers' memory limit, shows in
#		rnn_progress on the workers and the coordinator, and a cancel ends it
#		on every node.
#
# Citus is not in Debian: when it is not installed, the suite builds it from
# ../shared/vendor/citus-13.0.5.tar.gz (root only, 2 to 5 minutes on two
# cores) and skips, saying why, when neither is there (scripts/citus.sh).
# Prints TAP.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"
# shellcheck source=../../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

# shellcheck source=../../scripts/citus.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/citus.sh"

ROOT=$MEDRNN_ROOT
EXT=${MEDRNN_EXTENSION:-medrnn}
NODES=("${CITUS_NODES[@]}")

trap citus_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Citus: installed, or built from the vendored source
if ! why=$(citus_available); then
	echo "1..0 # SKIP $why"
	exit 0
fi
citus_workdir
if ! citus_build; then
	tail -n 30 "$CITUS_WORK/citus-build.log" | diag
	echo "Bail out! building Citus failed"
	exit 1
fi

echo "1..23"

if ! out=$(citus_up 2>&1); then
	echo "$out" | diag
	echo "Bail out! the Citus cluster did not start"
	exit 1
fi
started=3
is "$started/$(on coord -c "SELECT count(*) FROM citus_get_active_worker_nodes()")/$(on w1 -c "SELECT extversion FROM pg_extension WHERE extname = '$EXT'")" \
	"3/2/$(on coord -c "SELECT extversion FROM pg_extension WHERE extname = '$EXT'")" \
	"three nodes up, two active workers, and CREATE EXTENSION on the coordinator reached the workers"

# ---- the data: notes and ICU events, distributed and local
on coord >/dev/null <<SQL
SET client_min_messages = warning;
CREATE TABLE notes_l (id int PRIMARY KEY, text text, label text);
CREATE TEMP TABLE raw (text text, label text);
\\copy raw FROM '$ROOT/data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO notes_l SELECT row_number() OVER (), text, label FROM raw;
CREATE TABLE notes_d (LIKE notes_l);
SELECT create_distributed_table('notes_d', 'id', shard_count => 8);
INSERT INTO notes_d SELECT * FROM notes_l;
CREATE TABLE events_l (record_id int, minutes float8, variable text, value float8);
\\copy events_l FROM PROGRAM 'gzip -dc $ROOT/data/physionet2012-sample/events.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE events_d (LIKE events_l);
SELECT create_distributed_table('events_d', 'record_id', shard_count => 8);
INSERT INTO events_d SELECT * FROM events_l;
CREATE TABLE outcomes (record_id int PRIMARY KEY, died int);
\\copy outcomes FROM '$ROOT/data/physionet2012-sample/outcomes.csv' WITH (FORMAT csv, HEADER true)
SELECT create_reference_table('outcomes');
-- models live in a reference table: a copy on every node, joined locally
CREATE TABLE models (name text PRIMARY KEY, model bytea);
SELECT create_reference_table('models');
INSERT INTO models
  SELECT 'dx', rnn_train('notes_l', 'text', 'label',
                         '{"epochs": 2, "num_words": 3000, "maxlen": 60, "embed_dim": 16, "hidden": 16, "seed": 1}');
SQL

# ---- bytea prediction, pushed down
# "same" when two queries give the same rows (as multisets, at least one),
# else the row counts and how many rows of each the other lacks
diff_count()
{
	on coord -c "SELECT CASE WHEN n > 0 AND a = 0 AND b = 0 THEN 'same' ELSE n || ' rows, ' || a || ' and ' || b || ' unmatched' END
		FROM (SELECT (SELECT count(*) FROM ($1) x) AS n,
		             (SELECT count(*) FROM (($1) EXCEPT ALL ($2)) x) AS a,
		             (SELECT count(*) FROM (($2) EXCEPT ALL ($1)) x) AS b) c" 2>&1
}
is "$(diff_count "SELECT n.id, rnn_predict(m.model, n.text), rnn_predict_proba(m.model, n.text)::text FROM notes_d n, models m WHERE m.name = 'dx'" \
	"SELECT n.id, rnn_predict(m.model, n.text), rnn_predict_proba(m.model, n.text)::text FROM notes_l n, models m WHERE m.name = 'dx'")" same \
	"rnn_predict and rnn_predict_proba over a distributed table equal the local answers, row for row"
plan=$(on coord -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT n.id, rnn_predict(m.model, n.text) FROM notes_d n, models m WHERE m.name = 'dx'")
echo "$plan" | grep -q "Task Count: 8" && echo "$plan" | grep -q "Output: n.id, rnn_predict(m.model, n.text)" &&
	echo "$plan" | grep -q "Node: host=127.0.0.1"
ok $? "EXPLAIN shows 8 shard tasks and rnn_predict in the workers' plans"
analyze=$(on coord -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(rnn_predict(m.model, n.text)) FROM notes_d n, models m WHERE m.name = 'dx'")
echo "$analyze" | grep -q "Tuple data received from nodes" && echo "$analyze" | grep -Eq "Seq Scan on notes_d_[0-9]+ n \(actual rows=[1-9]"
st=$?
ok $st "EXPLAIN ANALYZE shows the workers' scans of their shards"
[ $st = 0 ] || echo "$analyze" | diag

# ---- the registry on Citus
is "$(on w1 -c "SELECT string_agg(logicalrelid::text || ':' || partmethod::text, ' ' ORDER BY logicalrelid::text) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'rnn_%'")" \
	"rnn_deployment:n rnn_model:n" "rnn_distribute_registry made rnn_model and rnn_deployment reference tables, known on the workers"
out=$(on coord 2>&1 <<'SQL'
SET client_min_messages = warning;
SELECT version, deployed FROM rnn_train_model('dx', 'notes_d', 'text', 'label',
  '{"epochs": 1, "num_words": 2000, "maxlen": 50, "embed_dim": 8, "hidden": 8, "seed": 1}');
SELECT version, deployed FROM rnn_train_model('dx', 'notes_d', 'text', 'label',
  '{"epochs": 1, "num_words": 2000, "maxlen": 50, "embed_dim": 8, "hidden": 8, "seed": 2}', 0.2, 'always');
SQL
)
is "$(echo "$out" | tr '\n' ' ')" "1|t 2|t " "rnn_train_model over a distributed table on the coordinator: two versions, the second deployed"
by_name()
{
	diff_count "SELECT n.id, rnn_predict('dx', n.text), rnn_predict_proba('dx', n.text)::text FROM notes_d n" \
		"SELECT n.id, rnn_predict(r.model, n.text), rnn_predict_proba(r.model, n.text)::text FROM notes_l n, rnn_model r WHERE r.name = 'dx' AND r.version = $1"
}
# one session throughout: Citus keeps its connections to the workers, so
# the workers' backends keep their cached models between these queries
session=$(on coord 2>&1 <<SQL
SELECT 'v2:' || count(*) FROM ((SELECT n.id, rnn_predict('dx', n.text) FROM notes_d n) EXCEPT ALL (SELECT n.id, rnn_predict(r.model, n.text) FROM notes_l n, rnn_model r WHERE r.name = 'dx' AND r.version = 2)) a;
SELECT 'rollback:' || rnn_rollback('dx');
SELECT 'v1:' || count(*) FROM ((SELECT n.id, rnn_predict('dx', n.text) FROM notes_d n) EXCEPT ALL (SELECT n.id, rnn_predict(r.model, n.text) FROM notes_l n, rnn_model r WHERE r.name = 'dx' AND r.version = 1)) a;
SELECT 'deploy:' || rnn_deploy('dx', 2);
SELECT 'v2 again:' || count(*) FROM ((SELECT n.id, rnn_predict('dx', n.text) FROM notes_d n) EXCEPT ALL (SELECT n.id, rnn_predict(r.model, n.text) FROM notes_l n, rnn_model r WHERE r.name = 'dx' AND r.version = 2)) a;
SQL
)
is "$(echo "$session" | tr '\n' ' ')" "v2:0 rollback:1 v1:0 deploy:2 v2 again:0 " \
	"prediction by name on the workers follows rnn_rollback and rnn_deploy at the next query of the same session"
is "$(by_name 2)" same "by name, probabilities too, equal the deployed version's bytea answers"

# ---- sequences per patient, built on the workers
seq_q="SELECT record_id, rnn_seq(minutes, variable, value)::text FROM %s GROUP BY record_id"
# shellcheck disable=SC2059 # the format is ours
is "$(diff_count "$(printf "$seq_q" events_d)" "$(printf "$seq_q" events_l)")" same \
	"rnn_seq GROUP BY the distribution column over distributed events equals the local sequences"
on coord >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE TABLE stays_d AS SELECT o.record_id, o.died, rnn_seq(e.minutes, e.variable, e.value) AS vitals
  FROM outcomes o JOIN events_l e USING (record_id) GROUP BY o.record_id, o.died;
CREATE TABLE stays_l AS SELECT * FROM stays_d;
SELECT create_distributed_table('stays_d', 'record_id', shard_count => 8);
INSERT INTO models SELECT 'icu', rnn_train('stays_l', 'vitals', 'died',
  '{"epochs": 2, "step": 60, "maxlen": 48, "hidden": 8, "seed": 1}');
SQL
is "$(diff_count "SELECT s.record_id, rnn_predict_proba(m.model, s.vitals)::text FROM stays_d s, models m WHERE m.name = 'icu'" \
	"SELECT s.record_id, rnn_predict_proba(m.model, s.vitals)::text FROM stays_l s, models m WHERE m.name = 'icu'")" same \
	"a measurement model predicts each patient's sequence on the workers as locally"

# ---- evaluation and explanations over distributed tables
eval_q="SELECT jsonb_build_object('acc', round((r->>'accuracy')::numeric, 10), 'f1', round((r->>'macro_f1')::numeric, 10), 'n', r->'rows')::text FROM models m, rnn_evaluate(m.model, '%s', 'text', 'label') r WHERE m.name = 'dx'"
# shellcheck disable=SC2059
ev_d=$(on coord -c "$(printf "$eval_q" notes_d)" 2>&1)
# shellcheck disable=SC2059
ev_l=$(on coord -c "$(printf "$eval_q" notes_l)" 2>&1)
roc_q="SELECT count(*) || ':' || round(sum(tpr + fpr)::numeric, 8) FROM models m, rnn_roc(m.model, '%s', 'vitals', 'died') WHERE m.name = 'icu'"
# shellcheck disable=SC2059
roc_d=$(on coord -c "$(printf "$roc_q" stays_d)" 2>&1)
# shellcheck disable=SC2059
roc_l=$(on coord -c "$(printf "$roc_q" stays_l)" 2>&1)
is "$ev_d $roc_d" "$ev_l $roc_l" "rnn_evaluate and rnn_roc over distributed tables equal the local figures"
is "$(diff_count "SELECT n.id, rnn_explain(m.model, n.text, steps => 8)::text FROM notes_d n, models m WHERE m.name = 'dx' AND n.id <= 60" \
	"SELECT n.id, rnn_explain(m.model, n.text, steps => 8)::text FROM notes_l n, models m WHERE m.name = 'dx' AND n.id <= 60")" same \
	"rnn_explain over a distributed table equals the local explanations"

# ---- a damaged model in a distributed query
on coord >/dev/null <<'SQL'
INSERT INTO models SELECT 'damaged', substr(model, 1, length(model) / 2) FROM models WHERE name = 'dx';
SQL
err=$(on coord -v VERBOSITY=verbose -c "SELECT count(rnn_predict(m.model, n.text)) FROM notes_d n, models m WHERE m.name = 'damaged'" 2>&1 || true)
alive=0
for node in "${NODES[@]}"; do
	[ "$(on "$node" -c "SELECT 1")" = 1 ] && ! grep -q "terminated by signal" "$CITUS_WORK/$node/server.log" &&
		alive=$((alive + 1))
done
echo "$err" | grep -Eq "ERROR:  22P03: " && echo "$err" | grep -q "while executing command on 127.0.0.1" && [ "$alive" = 3 ]
st=$?
ok $st "a damaged model gives the worker's invalid-binary-representation error, and no node lost a backend"
[ $st = 0 ] || echo "$err" | diag

# ---- statement_timeout and cancel of a long distributed prediction
on coord >/dev/null <<'SQL'
CREATE TABLE big_d (id bigserial, text text);
SELECT create_distributed_table('big_d', 'id', shard_count => 8);
INSERT INTO big_d (text) SELECT n.text FROM notes_l n, generate_series(1, 6);
SQL
long_q="SELECT count(rnn_predict(m.model, b.text)) FROM big_d b, models m WHERE m.name = 'dx'"
timed()
{
	local t0 t1

	t0=$(date +%s%N)
	on coord -c "SET citus.max_adaptive_executor_pool_size = $1" -c "SET statement_timeout = '1s'" \
		-c "$long_q" >/dev/null 2>"$CITUS_WORK/timeout.err" || true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
ms_pool2=$(timed 2)
ms_pool16=$(timed 16)
grep -q "canceling statement due to statement timeout" "$CITUS_WORK/timeout.err" && [ "$ms_pool2" -lt 2000 ]
ok $? "statement_timeout 1s ends a long distributed prediction in ${ms_pool2} ms with one connection per worker core (citus.max_adaptive_executor_pool_size 2)"
echo "with Citus's default pool of 16 connections per worker: ${ms_pool16} ms (the cancels of the running shard queries are sent one at a time while they hold both cores)" | diag
on coord -c "SET citus.max_adaptive_executor_pool_size = 2" -c "$long_q" >/dev/null 2>"$CITUS_WORK/cancel.err" &
bg=$!
pid=
for _ in $(seq 1 50); do
	pid=$(on coord -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT count(rnn_predict(m.model, b.text))%' AND state = 'active' AND pid <> pg_backend_pid()" | head -1)
	[ -n "$pid" ] && break
	sleep 0.1
done
sleep 0.5
t0=$(date +%s%N)
[ -n "$pid" ] && on coord -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$bg" || true
t1=$(date +%s%N)
ms_cancel=$(((t1 - t0) / 1000000))
grep -q "canceling statement due to user request" "$CITUS_WORK/cancel.err" && [ "$ms_cancel" -lt 1500 ]
ok $? "pg_cancel_backend ends it in ${ms_cancel} ms"

# ---- data-parallel training where the rows are
dp_opts='"distributed": true, "epochs": 4, "num_words": 2000, "maxlen": 50, "embed_dim": 8, "hidden": 8, "seed": 3'
dp_train()
{
	on coord -v VERBOSITY=verbose 2>&1 <<SQL
SET client_min_messages = notice;
INSERT INTO models SELECT '$1', rnn_train('notes_d', 'text', 'label', '{$dp_opts}');
SQL
}
log1=$(dp_train dp1)
parts=$(echo "$log1" | grep -c "(8 parts, 2302 rows)" || true)
echo "$log1" | grep -q "node on port $((CITUS_PORT0 + 1)): .* node on port $((CITUS_PORT0 + 2)): \|node on port $((CITUS_PORT0 + 2)): .* node on port $((CITUS_PORT0 + 1)): "
both=$?
[ "$parts" = 4 ] && [ "$both" = 0 ]
st=$?
ok $st "rnn_train with \"distributed\" over 8 shards: each of 4 epochs averages 8 parts (2302 rows), trained on both workers"
[ $st = 0 ] || echo "$log1" | grep "NOTICE\|DETAIL\|ERROR" | diag
losses=$(echo "$log1" | sed -n 's/.*epoch [0-9]*\/4: loss \([0-9.]*\).*/\1/p' | tr '\n' ' ')
# shellcheck disable=SC2086 # four numbers
set -- $losses
[ $# = 4 ] && awk -v a="$1" -v b="$4" 'BEGIN { exit !(b < a) }'
ok $? "its training loss falls from the first epoch to the last ($losses)"
dp_train dp2 >/dev/null
is "$(diff_count "SELECT n.id, rnn_predict_proba(m.model, n.text)::text FROM notes_l n, models m WHERE m.name = 'dp1'" \
	"SELECT n.id, rnn_predict_proba(m.model, n.text)::text FROM notes_l n, models m WHERE m.name = 'dp2'")" same \
	"trained twice, the same model: the parts are averaged in an order of their own, not the shards' answering order"
err=$(on coord -v VERBOSITY=verbose -c "SELECT rnn_train('notes_d', 'text', 'label', '{\"distributed\": true, \"validation_split\": 0.2}')" 2>&1 || true)
echo "$err" | grep -q 'ERROR:  22023: option "validation_split" cannot be used with "distributed"'
st=$?
ok $st "options data-parallel training does not honour are refused (validation_split)"
[ $st = 0 ] || echo "$err" | diag
for node in w1 w2; do
	on "$node" -c "ALTER DATABASE postgres SET medrnn.train_memory_limit = '1MB'" >/dev/null
done
err=$(on coord -v VERBOSITY=verbose -c "SELECT rnn_train('notes_d', 'text', 'label', '{\"distributed\": true, \"epochs\": 1, \"maxlen\": 400, \"hidden\": 64}')" 2>&1 || true)
for node in w1 w2; do
	on "$node" -c "ALTER DATABASE postgres RESET medrnn.train_memory_limit" >/dev/null
done
# refused before allocating: the model's predictor, or the part's rows and
# training state, over the worker's budget
echo "$err" | grep -q "ERROR:  54000: .*needs more .*medrnn.train_memory_limit" &&
	echo "$err" | grep -q "while executing command on 127.0.0.1"
st=$?
ok $st "each worker holds its part to its own medrnn.train_memory_limit (1MB there): the worker's error"
[ $st = 0 ] || echo "$err" | diag
on coord -c "SET client_min_messages = warning" \
	-c "SELECT rnn_train('notes_d', 'text', 'label', '{\"distributed\": true, \"epochs\": 200, \"num_words\": 2000, \"maxlen\": 50}')" \
	>/dev/null 2>"$CITUS_WORK/dp_cancel.err" &
bg=$!
pid=
for _ in $(seq 1 100); do
	pid=$(on w1 -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%rnn_train_epoch%' AND state = 'active'")
	[ "$pid" != 0 ] && break
	sleep 0.1
done
progress=
for _ in $(seq 1 50); do
	# a part shows once it trains (rows_total > 0); before, it is reading its rows
	progress=$( (on w1 -c "SELECT epoch || ':' || rows_total FROM rnn_progress WHERE rows_total > 0"
		on w2 -c "SELECT epoch || ':' || rows_total FROM rnn_progress WHERE rows_total > 0") | head -1 || true)
	[ -n "$progress" ] && break
	sleep 0.1
done
[ -n "$progress" ] && [ "${progress%%:*}" -ge 1 ] && [ "${progress#*:}" -gt 0 ]
ok $? "a worker's rnn_progress shows its part training (epoch:rows $progress)"
coord_progress=$(on coord -c "SELECT epochs || ':' || rows_total FROM rnn_progress")
is "$coord_progress" "200:2302" "the coordinator's rnn_progress shows the epochs and rows of the whole training"
pid=$(on coord -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT rnn_train(%' AND state = 'active' AND pid <> pg_backend_pid()" | head -1)
t0=$(date +%s%N)
[ -n "$pid" ] && on coord -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$bg" || true
t1=$(date +%s%N)
busy=1
for _ in $(seq 1 20); do
	busy=$(($(on w1 -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%rnn_train_epoch%' AND state = 'active' AND pid <> pg_backend_pid()") + \
		$(on w2 -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%rnn_train_epoch%' AND state = 'active' AND pid <> pg_backend_pid()")))
	[ "$busy" = 0 ] && break
	sleep 0.1
done
ms=$(((t1 - t0) / 1000000))
grep -q "canceling statement due to user request" "$CITUS_WORK/dp_cancel.err" && [ "$ms" -lt 2000 ] && [ "$busy" = 0 ]
st=$?
ok $st "pg_cancel_backend ends a distributed training in ${ms} ms, and no worker goes on training"
[ $st = 0 ] || cat "$CITUS_WORK/dp_cancel.err" | diag
