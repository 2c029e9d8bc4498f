#!/usr/bin/env bash
#
# test/suites/operations.sh
#	  What the people who run medrnn rely on:
#	  - live progress: a second connection sees a running rnn_train in
#		rnn_progress, with its epoch and rows moving forward, and the row
#		goes away when training ends or is cancelled;
#	  - the registry cache: a connection that has cached the deployed model
#		sees another connection's deployment at its next query;
#	  - scheduled retraining with pg_cron: the job's command, run the way
#		pg_cron runs it, adds a version and deploys it by the policy; one real
#		scheduled run shows in cron.job_run_details; a failing retrain leaves
#		the deployed version untouched;
#	  - read scaling: prediction under a parallel plan equals serial.
#
# Needs the cluster scripts/test.sh starts (medrnn and pg_cron preloaded,
# cron.database_name = 'postgres').  Prints TAP.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=postgres					# pg_cron runs its jobs in cron.database_name
ROOT=${MEDRNN_ROOT:-$(pwd)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-ops.XXXXXX")
BG_PID=

cleanup()
{
	if [ -n "$BG_PID" ]; then
		kill "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	psql -X -q -d $DB >/dev/null 2>&1 <<'SQL' || true
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'medrnn-ops-%';
DROP TABLE IF EXISTS ops_notes, ops_big;
DELETE FROM rnn_deployment WHERE name LIKE 'ops-%';
DELETE FROM rnn_model WHERE name LIKE 'ops-%';
SQL
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# diag with arguments: each one a diagnostic line or more
note()
{
	printf '%s\n' "$@" | diag
}

echo "1..12"

# ---- setup: the extensions and a table of notes
q >/dev/null <<SQL
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS medrnn;
DROP TABLE IF EXISTS ops_notes;
CREATE TABLE ops_notes (id serial, text text, label text);
\\copy ops_notes(text, label) FROM '$ROOT/data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)
SQL

# ---- live progress, seen from another connection
psql -X -q -d $DB -c "SELECT length(rnn_train('ops_notes', 'text', 'label', '{\"epochs\": 4}'))" \
	>"$WORK/train.out" 2>&1 &
BG_PID=$!
first='' second=''
for _ in $(seq 1 100); do
	row=$(q -c "SELECT pid, relation, epoch, epochs, rows_done, rows_total FROM rnn_progress" | head -1)
	if [ -n "$row" ]; then
		if [ -z "$first" ]; then
			first=$row
		elif [ "$row" != "$first" ]; then
			second=$row
			break
		fi
	fi
	sleep 0.3
done
note "progress: $first" "then:     $second"
IFS='|' read -r p1 rel1 e1 es1 d1 t1 <<<"$first"
IFS='|' read -r _ _ e2 _ d2 _ <<<"${second:-||||||}"
[ -n "$first" ] && [ "$rel1" = "ops_notes" ] && [ "$es1" = 4 ] && [ "$t1" = 2302 ]
ok $? "rnn_progress shows the running training (its relation, 4 epochs, 2302 rows an epoch)"
[ -n "$second" ] && { [ "${e2:-0}" -gt "$e1" ] || [ "${d2:-0}" -gt "$d1" ]; }
ok $? "its epoch or rows done move forward between two looks"
q -c "SELECT (loss > 0 AND elapsed > '0'::interval AND remaining IS NOT NULL) FROM rnn_progress WHERE pid = $p1" \
	| grep -qx t
ok $? "it reports the loss so far, the elapsed and the estimated remaining time"
q -c "SELECT pg_cancel_backend($p1)" >/dev/null
wait "$BG_PID" || true
BG_PID=
gone=1
for _ in $(seq 1 20); do
	if [ "$(q -c "SELECT count(*) FROM rnn_progress WHERE pid = $p1")" = 0 ]; then
		gone=0
		break
	fi
	sleep 0.1
done
ok $gone "a cancelled training leaves no progress row"

# ---- the registry cache across connections
q >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT * FROM rnn_train_model('ops-cache', 'ops_notes', 'text', 'label', '{"epochs": 1, "hidden": 4, "embed_dim": 4, "seed": 1}');
SELECT * FROM rnn_train_model('ops-cache', 'ops_notes', 'text', 'label', '{"epochs": 1, "hidden": 4, "embed_dim": 4, "seed": 2}', 0.2, 'never');
SELECT rnn_deploy('ops-cache', 1);
SQL
want1=$(q -c "SELECT rnn_predict_proba(model, 'acute myocardial infarction') FROM rnn_model WHERE name = 'ops-cache' AND version = 1")
want2=$(q -c "SELECT rnn_predict_proba(model, 'acute myocardial infarction') FROM rnn_model WHERE name = 'ops-cache' AND version = 2")
# connection A stays open: it predicts (caching version 1), waits while
# connection B deploys version 2, then predicts again
mkfifo "$WORK/a.in"
psql -X -q -At -d $DB <"$WORK/a.in" >"$WORK/a.out" 2>&1 &
BG_PID=$!
exec 3>"$WORK/a.in"
echo "SELECT 'A1:' || rnn_predict_proba('ops-cache', 'acute myocardial infarction')::text;" >&3
for _ in $(seq 1 50); do grep -q '^A1:' "$WORK/a.out" && break; sleep 0.1; done
q -c "SELECT rnn_deploy('ops-cache', 2)" >/dev/null
echo "SELECT 'A2:' || rnn_predict_proba('ops-cache', 'acute myocardial infarction')::text;" >&3
for _ in $(seq 1 50); do grep -q '^A2:' "$WORK/a.out" && break; sleep 0.1; done
exec 3>&-
wait "$BG_PID" || true
BG_PID=
[ "$(sed -n 's/^A1://p' "$WORK/a.out")" = "$want1" ] && [ "$want1" != "$want2" ]
ok $? "a connection predicts with the deployed version 1 and caches it"
[ "$(sed -n 's/^A2://p' "$WORK/a.out")" = "$want2" ]
ok $? "after another connection deploys version 2, its next query uses version 2"

# ---- scheduled retraining with pg_cron
CMD="SELECT version FROM rnn_train_model('ops-cron', 'ops_notes', 'text', 'label', '{\"epochs\": 1, \"hidden\": 8, \"embed_dim\": 8}')"
q >/dev/null <<SQL
SET client_min_messages = warning;
SELECT * FROM rnn_train_model('ops-cron', 'ops_notes', 'text', 'label', '{"epochs": 1, "hidden": 2, "embed_dim": 2, "learning_rate": 0.0001}');
SELECT cron.schedule('medrnn-ops-retrain', '* * * * *', \$cron\$$CMD\$cron\$);
SELECT cron.schedule('medrnn-ops-broken', '* * * * *',
       \$cron\$SELECT rnn_train_model('ops-cron', 'ops_notes', 'text', 'label', '{"epochs": -1}')\$cron\$);
SQL
# the way pg_cron runs a job: its command, alone, in a new session as its user
cmd=$(q -c "SELECT command FROM cron.job WHERE jobname = 'medrnn-ops-retrain'")
user=$(q -c "SELECT username FROM cron.job WHERE jobname = 'medrnn-ops-retrain'")
psql -X -q -At -U "$user" -d $DB -c "$cmd" >"$WORK/job.out" 2>&1
status=$?
note "job run by hand: $(tr '\n' ' ' <"$WORK/job.out")"
[ $status -eq 0 ] && [ "$(q -c "SELECT count(*) FROM rnn_model WHERE name = 'ops-cron'")" = 2 ]
ok $? "running the scheduled command adds version 2"
q -c "SELECT (v2.deployed = (v2.score > v1.score)) FROM rnn_model v1, rnn_model v2
      WHERE v1.name = 'ops-cron' AND v1.version = 1 AND v2.name = 'ops-cron' AND v2.version = 2" | grep -qx t
ok $? "and deploys it exactly when it beats version 1 on the held-out rows"
deployed_before=$(q -c "SELECT version FROM rnn_model WHERE name = 'ops-cron' AND deployed")
bcmd=$(q -c "SELECT command FROM cron.job WHERE jobname = 'medrnn-ops-broken'")
! psql -X -q -At -d $DB -c "$bcmd" >"$WORK/broken.out" 2>&1
ok $? "a broken retrain fails: $(head -1 "$WORK/broken.out")"

# one real scheduled run of each job (the next minute boundary)
since=$(q -c "SELECT now()")
for _ in $(seq 1 75); do
	n=$(q -c "SELECT count(DISTINCT jobid) FROM cron.job_run_details
	          WHERE start_time >= '$since' AND status IN ('succeeded', 'failed')
	            AND jobid IN (SELECT jobid FROM cron.job WHERE jobname LIKE 'medrnn-ops-%')")
	[ "$n" = 2 ] && break
	sleep 1
done
note "$(q -c "SELECT j.jobname, d.status, left(d.return_message, 80) FROM cron.job_run_details d
              JOIN cron.job j USING (jobid) WHERE d.start_time >= '$since' AND j.jobname LIKE 'medrnn-ops-%'")"
q -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
      WHERE d.start_time >= '$since' AND j.jobname = 'medrnn-ops-retrain' AND d.status = 'succeeded'" | grep -qx 1 &&
	[ "$(q -c "SELECT count(*) FROM rnn_model WHERE name = 'ops-cron'")" = 3 ]
ok $? "pg_cron's own scheduled run succeeded and added version 3"
deployed_after=$(q -c "SELECT version FROM rnn_model WHERE name = 'ops-cron' AND deployed")
q -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
      WHERE d.start_time >= '$since' AND j.jobname = 'medrnn-ops-broken' AND d.status = 'failed'" | grep -qx 1 &&
	{ [ "$deployed_after" = "$deployed_before" ] ||
	  q -c "SELECT deployed FROM rnn_model WHERE name = 'ops-cron' AND version = 3" | grep -qx t; }
ok $? "the failing scheduled run is recorded as failed and deployed nothing (deployed: $deployed_before -> $deployed_after)"

# ---- read scaling: a parallel plan predicts like a serial one
q >/dev/null <<'SQL'
DROP TABLE IF EXISTS ops_big;
CREATE TABLE ops_big AS SELECT t.id * 10 + g AS id, t.text FROM ops_notes t, generate_series(1, 4) AS g;
ANALYZE ops_big;
ANALYZE rnn_model;
SQL
serial=$(q -c "SET max_parallel_workers_per_gather = 0" \
	-c "SELECT md5(string_agg(rnn_predict(m.model, b.text), ',' ORDER BY b.id))
	    FROM ops_big b, (SELECT model FROM rnn_model WHERE name = 'ops-cache' AND version = 1) m")
# the planner's own costs; only small tables are allowed a parallel scan
plan=$(q -c "SET min_parallel_table_scan_size = 0" -c "SET max_parallel_workers_per_gather = 2" \
	-c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	    SELECT rnn_predict(m.model, b.text) FROM ops_big b, (SELECT model FROM rnn_model WHERE name = 'ops-cache' AND version = 1) m")
parallel=$(q -c "SET min_parallel_table_scan_size = 0" -c "SET max_parallel_workers_per_gather = 2" \
	-c "SELECT md5(string_agg(p, ',' ORDER BY id)) FROM (
	      SELECT b.id, rnn_predict(m.model, b.text) AS p
	      FROM ops_big b, (SELECT model FROM rnn_model WHERE name = 'ops-cache' AND version = 1) m) AS s")
note "$plan"
grep -q "Workers Launched: [12]" <<<"$plan" && grep -B1 -A3 "Gather" <<<"$plan" | grep -q "Nested Loop" &&
	[ "$serial" = "$parallel" ]
ok $? "prediction runs in parallel workers and gives the serial result"
