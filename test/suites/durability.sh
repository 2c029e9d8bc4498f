#!/usr/bin/env bash
#
# test/suites/durability.sh
#	  Models are ordinary bytea values, so they must be exactly as durable as
#	  any other data:
#	  - kill -9 of a backend in the middle of CREATE TABLE AS SELECT
#		rnn_train(...): the postmaster restarts, the table does not exist,
#		the models committed before are intact and predict as before;
#	  - pg_dump -Fc and pg_restore into a new database: the models predict
#		identically (rnn_predict_proba output, as text, for a set of inputs);
#	  - a streaming hot standby made with pg_basebackup -R -X stream from the
#		running cluster: a model inserted on the primary after the standby is
#		up is replayed and predicts identically there.
#
# The standby is a second throwaway cluster in its own temporary directory,
# next to the suite's cluster; it needs only the defaults the suite's
# cluster already has (wal_level = replica, max_wal_senders > 0, and the
# "local replication all trust" line initdb -A trust writes).  It is stopped
# and removed on exit.
#
# Run by scripts/test.sh with the cluster's PG* variables and MEDRNN_*
# exported; prints TAP.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=medrnn_durability
DB2=medrnn_durability_restored
EXT=${MEDRNN_EXTENSION:-medrnn}
ROOT=${MEDRNN_ROOT:-$(pwd)}
BINDIR=${MEDRNN_PG_BINDIR:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-durability.XXXXXX")
SMALL='{"epochs": 1, "hidden": 8, "embed_dim": 8}'
LONG='{"epochs": 30}'
SB_BASE=
SB_PORT=$((${PGPORT:-5432} + 1))
BG_PID=
START=$SECONDS

RUNUSER=$(command -v runuser 2>/dev/null || echo /usr/sbin/runuser)

# Run a command as the server's owner (postgres when we are root), from a
# directory it can read
as_pg()
{
	local dir=$1

	shift
	if [ "$(id -u)" -eq 0 ]; then
		(cd -- "$dir" && "$RUNUSER" -u postgres -- "$@")
	else
		(cd -- "$dir" && "$@")
	fi
}

# Stop and remove the standby, drop the databases and the work directory
cleanup()
{
	if [ -n "$BG_PID" ]; then
		kill "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	if [ -n "$SB_BASE" ]; then
		if [ -f "$SB_BASE/data/postmaster.pid" ]; then
			as_pg "$SB_BASE" "$BINDIR/pg_ctl" -D "$SB_BASE/data" -m immediate -w -t 60 stop \
				>/dev/null 2>&1 || true
		fi
		rm -rf -- "$SB_BASE"
	fi
	dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	dropdb --if-exists "$DB2" >/dev/null 2>&1 || true
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Wait up to $1 seconds until a query on the suite's database works
wait_ready()
{
	local tries=0

	while [ $tries -lt $(($1 * 10)) ]; do
		if pg_isready -q -d "$DB" && q -c "SELECT 1" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
	return 1
}

# Every model's probabilities for every input, one "id|input|json" a line
PREDICTIONS="SELECT m.id, i.id, rnn_predict(m.model, i.note), rnn_predict_proba(m.model, i.note)::text
             FROM dm_models m, dm_inputs i ORDER BY m.id, i.id"

echo "1..17"

LOG_START=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	LOG_START=$(stat -c %s "$MEDRNN_PGLOG")
fi

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
dropdb --if-exists "$DB2" >/dev/null 2>&1 || true
createdb "$DB"
rc=0
(cd -- "$ROOT" && q -v ext="$EXT" -v small="$SMALL" >"$WORK/setup.out" 2>&1) <<'SQL' || rc=$?
SET client_min_messages = warning;
CREATE EXTENSION :"ext";
CREATE TABLE abstracts (text text, label text);
\copy abstracts (text, label) FROM 'data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE dm_models (id int PRIMARY KEY, model bytea NOT NULL);
INSERT INTO dm_models SELECT 1, rnn_train('abstracts', 'text', 'label', :'small');
INSERT INTO dm_models SELECT 2, rnn_train('abstracts', 'text', 'label', '{"epochs": 1, "hidden": [8, 4], "embed_dim": 4, "num_words": 500, "seed": 3}');
CREATE TABLE dm_inputs (id int PRIMARY KEY, note text);
INSERT INTO dm_inputs
  SELECT row_number() OVER (), note
  FROM (SELECT left(text, 600) AS note FROM abstracts ORDER BY md5(text) LIMIT 25) AS a
  UNION ALL SELECT 1000 + i, n FROM unnest(ARRAY['', 'fever', 'Tumor of the colon.', repeat('heart ', 300)]) WITH ORDINALITY AS u(n, i);
SQL
ok "$rc" "setup: extension, abstracts, 2 committed models, $(q -c 'SELECT count(*) FROM dm_inputs' 2>/dev/null || echo 0) inputs"
[ "$rc" -eq 0 ] || diag <"$WORK/setup.out"
q -c "$PREDICTIONS" >"$WORK/before.txt" 2>&1 || true

# ---------------------------------------------------------------------------
# kill -9 in the middle of CREATE TABLE AS SELECT rnn_train(...)

PGAPPNAME=medrnn_kill_victim q -c "SET client_min_messages = warning" \
	-c "CREATE TABLE dm_killed AS SELECT rnn_train('abstracts', 'text', 'label', '$LONG') AS model" \
	>"$WORK/kill.out" 2>&1 &
BG_PID=$!
pid=
for _ in $(seq 1 300); do
	pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'medrnn_kill_victim'
	            AND state = 'active' AND query LIKE '%rnn_train%'" 2>/dev/null || true)
	[ -z "$pid" ] || break
	sleep 0.1
done
killed=1
if [ -n "$pid" ]; then
	sleep 2
	kill -KILL "$pid" && killed=0
fi
wait "$BG_PID" 2>/dev/null || true
BG_PID=
ok "$killed" "kill -9 of the backend ${pid:-?} two seconds into CREATE TABLE AS SELECT rnn_train(...)"
t0=$SECONDS
ready=1
wait_ready 120 && ready=0
ok "$ready" "the postmaster restarted and accepts queries again ($((SECONDS - t0)) s)"
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	tail -c +$((LOG_START + 1)) "$MEDRNN_PGLOG" | grep -E 'terminated by signal 9|all server processes terminated|database system is ready' |
		head -n 5 | diag || true
fi
left=$(q -c "SELECT count(*) FROM pg_class WHERE relname = 'dm_killed'" 2>&1 || true)
ok "$([ "$left" = 0 ] && echo 0 || echo 1)" "the table being created does not exist ($left relations named dm_killed)"
q -c "$PREDICTIONS" >"$WORK/after_crash.txt" 2>&1 || true
cmp -s "$WORK/before.txt" "$WORK/after_crash.txt"
ok $? "the committed models are intact and predict exactly as before the crash ($(wc -l <"$WORK/before.txt") predictions)"
cmp -s "$WORK/before.txt" "$WORK/after_crash.txt" || diff "$WORK/before.txt" "$WORK/after_crash.txt" | head -n 10 | diag || true
rc=0
q -c "SET client_min_messages = warning" \
	-c "CREATE TABLE dm_again AS SELECT rnn_train('abstracts', 'text', 'label', '$SMALL') AS model" \
	-c "SELECT rnn_model_info(model)->>'rows_used' FROM dm_again" >"$WORK/again.out" 2>&1 || rc=$?
ok "$([ "$rc" -eq 0 ] && [ "$(tail -n 1 "$WORK/again.out")" = 2302 ] && echo 0 || echo 1)" \
	"the same CREATE TABLE AS with a short training works after the restart"
[ "$rc" -eq 0 ] || diag <"$WORK/again.out"

# ---------------------------------------------------------------------------
# pg_dump -Fc / pg_restore into a new database

rc=0
pg_dump -Fc -d "$DB" -f "$WORK/dump.custom" 2>"$WORK/dump.err" || rc=$?
ok "$rc" "pg_dump -Fc of the database ($(stat -c %s "$WORK/dump.custom" 2>/dev/null || echo 0) bytes)"
[ "$rc" -eq 0 ] || diag <"$WORK/dump.err"
rc=0
createdb "$DB2"
pg_restore --exit-on-error -d "$DB2" "$WORK/dump.custom" >"$WORK/restore.out" 2>&1 || rc=$?
ok "$rc" "pg_restore into a new database"
[ "$rc" -eq 0 ] || diag <"$WORK/restore.out"
psql -X -q -At -d "$DB2" -c "$PREDICTIONS" >"$WORK/restored.txt" 2>&1 || true
same_bytes=$(psql -X -q -At -d "$DB2" -c "SELECT string_agg(md5(model), ',' ORDER BY id) FROM dm_models" 2>&1 || true)
orig_bytes=$(q -c "SELECT string_agg(md5(model), ',' ORDER BY id) FROM dm_models" 2>&1 || true)
cmp -s "$WORK/before.txt" "$WORK/restored.txt" && [ "$same_bytes" = "$orig_bytes" ]
ok $? "the restored models are byte-identical and predict identically ($(wc -l <"$WORK/restored.txt") rnn_predict/rnn_predict_proba pairs compared)"
cmp -s "$WORK/before.txt" "$WORK/restored.txt" || diff "$WORK/before.txt" "$WORK/restored.txt" | head -n 10 | diag || true

# ---------------------------------------------------------------------------
# A streaming hot standby

SB_BASE=$(mktemp -d "${MEDRNN_PGTMP:-/tmp}/medrnn-sb.XXXXXX")
mkdir -m 700 "$SB_BASE/data" "$SB_BASE/sock"
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres:postgres "$SB_BASE"
fi
rc=0
as_pg "$SB_BASE" "$BINDIR/pg_basebackup" -D "$SB_BASE/data" -R -X stream -c fast \
	-h "$PGHOST" -p "$PGPORT" -U "${PGUSER:-postgres}" >"$WORK/basebackup.out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then
	{
		echo
		echo "# hot standby of medrnn's durability suite"
		echo "port = $SB_PORT"
		echo "unix_socket_directories = '$SB_BASE/sock'"
		echo "listen_addresses = ''"
		echo "hot_standby = on"
	} >>"$SB_BASE/data/postgresql.conf"
	as_pg "$SB_BASE" "$BINDIR/pg_ctl" -D "$SB_BASE/data" -l "$SB_BASE/server.log" -w -t 60 start \
		>>"$WORK/basebackup.out" 2>&1 || rc=$?
fi
# psql on the standby
sq()
{
	psql -X -q -At -v ON_ERROR_STOP=1 -h "$SB_BASE/sock" -p "$SB_PORT" -d "$DB" "$@"
}
standby=$(sq -c "SELECT pg_is_in_recovery()" 2>&1 || true)
ok "$([ "$rc" -eq 0 ] && [ "$standby" = t ] && echo 0 || echo 1)" \
	"a hot standby made with pg_basebackup -R -X stream is up and in recovery ($standby)"
if [ "$rc" -ne 0 ] || [ "$standby" != t ]; then
	diag <"$WORK/basebackup.out"
	tail -n 20 "$SB_BASE/server.log" 2>/dev/null | diag || true
fi

rc=0
q -c "SET client_min_messages = warning" \
	-c "INSERT INTO dm_models SELECT 3, rnn_train('abstracts', 'text', 'label', '{\"epochs\": 1, \"hidden\": 6, \"embed_dim\": 6, \"seed\": 11}')" \
	>"$WORK/insert.out" 2>&1 || rc=$?
lsn=$(q -c "SELECT pg_current_wal_lsn()" 2>/dev/null || true)
ok "$rc" "a new model inserted on the primary after the standby started (WAL at ${lsn:-?})"
[ "$rc" -eq 0 ] || diag <"$WORK/insert.out"
replayed=1
t0=$SECONDS
if [ -n "$lsn" ]; then
	for _ in $(seq 1 300); do
		if [ "$(sq -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null || true)" = t ]; then
			replayed=0
			break
		fi
		sleep 0.1
	done
fi
ok "$replayed" "the standby replayed up to that LSN ($((SECONDS - t0)) s)"
q -c "$PREDICTIONS" >"$WORK/primary.txt" 2>&1 || true
sq -c "$PREDICTIONS" >"$WORK/standby.txt" 2>&1 || true
n3=$(grep -c '^3|' "$WORK/standby.txt" || true)
cmp -s "$WORK/primary.txt" "$WORK/standby.txt" && [ "$n3" -gt 0 ]
ok $? "rnn_predict and rnn_predict_proba on the standby equal the primary's, new model included ($(wc -l <"$WORK/standby.txt") pairs, $n3 of the new model)"
cmp -s "$WORK/primary.txt" "$WORK/standby.txt" || diff "$WORK/primary.txt" "$WORK/standby.txt" | head -n 10 | diag || true
info_p=$(q -c "SELECT rnn_model_info(model)->>'fingerprint' FROM dm_models WHERE id = 3" 2>&1 || true)
info_s=$(sq -c "SELECT rnn_model_info(model)->>'fingerprint' FROM dm_models WHERE id = 3" 2>&1 || true)
ok "$([ -n "$info_p" ] && [ "$info_p" = "$info_s" ] && echo 0 || echo 1)" "rnn_model_info on the standby gives the same fingerprint"

# training only reads, so it works in a read-only hot standby transaction
rc=0
sq -c "SET client_min_messages = warning" \
	-c "SELECT rnn_model_info(rnn_train('abstracts', 'text', 'label', '$SMALL'))->>'rows_used'" \
	>"$WORK/standby_train.out" 2>&1 || rc=$?
ok "$([ "$rc" -eq 0 ] && [ "$(tail -n 1 "$WORK/standby_train.out")" = 2302 ] && echo 0 || echo 1)" \
	"rnn_train works on the hot standby (a read-only transaction)"
[ "$rc" -eq 0 ] || diag <"$WORK/standby_train.out"

rc=0
as_pg "$SB_BASE" "$BINDIR/pg_ctl" -D "$SB_BASE/data" -m fast -w -t 60 stop >/dev/null 2>&1 || rc=$?
ok "$rc" "the standby stops cleanly"
if grep -q -E 'terminated by signal|PANIC' "$SB_BASE/server.log" 2>/dev/null; then
	grep -E -B2 -A3 'terminated by signal|PANIC' "$SB_BASE/server.log" | head -n 20 | diag
fi

# only the one kill -9 of ours may show in the primary's log
crashes=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	crashes=$(tail -c +$((LOG_START + 1)) "$MEDRNN_PGLOG" | grep -E 'terminated by signal|PANIC' |
		grep -v -c "terminated by signal 9" || true)
fi
ok "$([ "$crashes" -eq 0 ] && echo 0 || echo 1)" "no other backend died: the only \"terminated by signal\" is our kill -9"

echo "# durability: $((SECONDS - START)) s"
