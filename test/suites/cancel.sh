#!/usr/bin/env bash
#
# test/suites/cancel.sh
#	  Training respects interrupts: statement_timeout, pg_cancel_backend and
#	  pg_terminate_backend stop a long rnn_train within about a second (and
#	  statement_timeout and pg_cancel_backend a long rnn_pretrain); a
#	  cancelled backend gives back its memory and trains again; a cancelled
#	  CREATE TABLE AS leaves no table; a terminated backend leaves no row in
#	  rnn_progress.
#
# The long training is a default-size model on the medical-abstracts train
# set (several seconds an epoch) for 30 epochs, so it is always interrupted
# in the middle of an epoch.
#
# Run by scripts/test.sh with the cluster's PG* variables and MEDRNN_*
# exported; prints TAP.  The rnn_progress check needs the library in
# shared_preload_libraries, as scripts/test.sh starts the cluster; it is
# skipped on a cluster without.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=medrnn_cancel
EXT=${MEDRNN_EXTENSION:-medrnn}
ROOT=${MEDRNN_ROOT:-$(pwd)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-cancel.XXXXXX")
LONG="rnn_train('abstracts', 'text', 'label', '{\"epochs\": 30}')"
LONG_LM="rnn_pretrain('abstracts', 'text', '{\"epochs\": 30, \"maxlen\": 300}')"
SMALL="rnn_train('abstracts', 'text', 'label', '{\"epochs\": 1, \"hidden\": 8, \"embed_dim\": 8}')"
START=$SECONDS
BG_PID=

# Stop a background psql of ours, drop the database and the work directory
cleanup()
{
	if [ -n "$BG_PID" ]; then
		kill "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	                           WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null 2>&1 || true
	dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Milliseconds since the epoch
now_ms()
{
	date +%s%3N
}

# Wait up to 30 s for a session with application_name $1 to be running the
# long rnn_train, plus $2 more milliseconds so it is well into training;
# prints its pid
wait_training()
{
	local app=$1 extra=$2 pid="" tries=0

	while [ $tries -lt 300 ]; do
		pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app'
		            AND state = 'active' AND query ~ 'rnn_(train|pretrain).*\"epochs\": 30'" 2>/dev/null || true)
		[ -z "$pid" ] || break
		sleep 0.1
		tries=$((tries + 1))
	done
	if [ -n "$pid" ]; then
		sleep "$(awk -v ms="$extra" 'BEGIN { printf "%.3f", ms / 1000 }')"
	fi
	printf '%s\n' "$pid"
}

# cancel_and_wait APPNAME MS: cancel the training of the background client
# $BG_PID, MS milliseconds into it, and wait up to 30 s for that client to end
cancel_and_wait()
{
	local pid

	pid=$(wait_training "$1" "$2")
	[ -z "$pid" ] || q -c "SELECT pg_cancel_backend($pid)" >/dev/null
	for _ in $(seq 1 300); do
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
}

# Wait up to $2 seconds for background process $1 to exit; prints the
# milliseconds since $3 at which it was seen gone
wait_gone_ms()
{
	local pid=$1 limit=$(($2 * 1000)) t0=$3 t

	while kill -0 "$pid" 2>/dev/null; do
		t=$(now_ms)
		if [ $((t - t0)) -gt "$limit" ]; then
			break
		fi
		sleep 0.02
	done
	t=$(now_ms)
	printf '%s\n' $((t - t0))
}

echo "1..18"

LOG_START=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	LOG_START=$(stat -c %s "$MEDRNN_PGLOG")
fi

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb "$DB"
rc=0
(cd -- "$ROOT" && q -v ext="$EXT" >"$WORK/setup.out" 2>&1) <<'SQL' || rc=$?
SET client_min_messages = warning;
CREATE EXTENSION :"ext";
CREATE TABLE abstracts (text text, label text);
\copy abstracts (text, label) FROM 'data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)
SQL
ok "$rc" "setup: extension and the medical-abstracts train set ($(q -c 'SELECT count(*) FROM abstracts' 2>/dev/null || echo 0) rows)"
[ "$rc" -eq 0 ] || diag <"$WORK/setup.out"

# Without the library preloaded rnn_progress is always empty, so a check that
# it has no row would prove nothing
preloaded=
IFS=', ' read -r -a libs <<<"$(q -c 'SHOW shared_preload_libraries' 2>/dev/null || true)"
for lib in ${libs[@]+"${libs[@]}"}; do
	lib=${lib//\"/}
	lib=${lib##*/}
	if [ "${lib%.so}" = "$EXT" ]; then
		preloaded=1
	fi
done
NO_GHOST="rnn_progress has no row left for the terminated backend"

# ---------------------------------------------------------------------------
# statement_timeout = 1s: the whole statement ends within 2.5 s

# check_timeout CALL NAME TAG: a long CALL (rnn_train or rnn_pretrain) under
# statement_timeout = 1s
check_timeout()
{
	local t0 elapsed out="$WORK/timeout_$3.out"

	t0=$(now_ms)
	q -c "SET client_min_messages = warning" -c "SET statement_timeout = '1s'" -c "SELECT length($1)" \
		>"$out" 2>&1 || true
	elapsed=$(($(now_ms) - t0))
	grep -q 'canceling statement due to statement timeout' "$out"
	ok $? "statement_timeout = '1s' cancels a long $2"
	ok "$([ "$elapsed" -lt 2500 ] && echo 0 || echo 1)" "... and the statement ends ${elapsed} ms after it started (limit 2500)"
	[ "$elapsed" -lt 2500 ] || diag <"$out"
}

check_timeout "$LONG" rnn_train train
# pretraining too, whose next-token softmax at every step makes each batch long
check_timeout "$LONG_LM" rnn_pretrain pretrain

# ---------------------------------------------------------------------------
# pg_cancel_backend from a second connection, with two training threads

# check_cancel CALL NAME TAG: cancel a long CALL 2 s into it
check_cancel()
{
	local pid t0 ms out="$WORK/cancel_$3.out"

	PGAPPNAME=medrnn_cancel_$3 q -c "SET client_min_messages = warning" -c "SET medrnn.threads = 2" \
		-c "SELECT length($1)" >"$out" 2>&1 &
	BG_PID=$!
	pid=$(wait_training "medrnn_cancel_$3" 2000)
	if [ -n "$pid" ]; then
		t0=$(now_ms)
		q -c "SELECT pg_cancel_backend($pid)" >/dev/null
		ms=$(wait_gone_ms "$BG_PID" 10 "$t0")
		wait "$BG_PID" 2>/dev/null || true
		BG_PID=
		grep -q 'canceling statement due to user request' "$out"
		ok $? "pg_cancel_backend cancels a long $2 (medrnn.threads = 2)"
		ok "$([ "$ms" -lt 1000 ] && echo 0 || echo 1)" "... within 1 s: the client got its error ${ms} ms after the cancel"
		[ "$ms" -lt 1000 ] || diag <"$out"
	else
		ok 1 "pg_cancel_backend cancels a long $2: it never showed in pg_stat_activity"
		ok 1 "... within 1 s"
		diag <"$out"
	fi
}

check_cancel "$LONG" rnn_train train
check_cancel "$LONG_LM" rnn_pretrain pretrain

# ---------------------------------------------------------------------------
# pg_terminate_backend: the backend is gone within 1 s, the server is fine

PGAPPNAME=medrnn_terminate_victim q -c "SET client_min_messages = warning" -c "SELECT length($LONG)" \
	>"$WORK/terminate.out" 2>&1 &
BG_PID=$!
pid=$(wait_training medrnn_terminate_victim 2000)
if [ -n "$pid" ]; then
	before=
	if [ -n "$preloaded" ]; then
		before=$(q -c "SELECT count(*) FROM rnn_progress WHERE pid = $pid" 2>/dev/null || true)
	fi
	t0=$(now_ms)
	q -c "SELECT pg_terminate_backend($pid)" >/dev/null
	gone=
	while [ $(($(now_ms) - t0)) -lt 5000 ]; do
		if [ -z "$(q -c "SELECT 1 FROM pg_stat_activity WHERE pid = $pid")" ] && ! kill -0 "$pid" 2>/dev/null; then
			gone=$(($(now_ms) - t0))
			break
		fi
		sleep 0.02
	done
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	ok "$([ -n "$gone" ] && [ "$gone" -lt 1000 ] && echo 0 || echo 1)" \
		"pg_terminate_backend ends the training backend within 1 s (${gone:-more than 5000} ms)"
	grep -q 'terminating connection due to administrator command' "$WORK/terminate.out" ||
		diag <"$WORK/terminate.out"
	# A FATAL skips the training's PG_FINALLY; the backend's exit callback
	# must clear its slot.  It runs after the backend leaves
	# pg_stat_activity, hence a short wait.
	if [ -z "$preloaded" ]; then
		skip "$NO_GHOST: $EXT is not in shared_preload_libraries"
	elif [ -z "$gone" ]; then
		skip "$NO_GHOST: the backend did not exit"
	else
		after=
		for _ in $(seq 1 20); do
			after=$(q -c "SELECT count(*) FROM rnn_progress WHERE pid = $pid" 2>/dev/null || true)
			[ "$after" != 0 ] || break
			sleep 0.1
		done
		ok "$([ "$before" = 1 ] && [ "$after" = 0 ] && echo 0 || echo 1)" \
			"$NO_GHOST (${before:-no} row while training, ${after:-no} after)"
	fi
else
	ok 1 "pg_terminate_backend ends the training backend: the training never showed in pg_stat_activity"
	skip "$NO_GHOST: the training never showed"
	diag <"$WORK/terminate.out"
fi
ok "$(q -c 'SELECT 1' >/dev/null 2>&1 && echo 0 || echo 1)" "the server still accepts connections"

# ---------------------------------------------------------------------------
# One backend: warm up, baseline, cancelled training, memory, train again

cat >"$WORK/memory.sql" <<SQL
SET client_min_messages = warning;
-- warm up: the library, OpenBLAS, the catalog caches of this path
SELECT 'warmup ' || length($SMALL);
SELECT 'warmup_mem ' || sum(total_bytes) FROM pg_backend_memory_contexts;
SELECT 'baseline ' || sum(total_bytes) FROM pg_backend_memory_contexts;
SELECT 'rss_baseline ' || substring(pg_read_file('/proc/self/status') FROM 'RssAnon:\s*(\d+ kB)');
SELECT 'started ' || pg_backend_pid();
SELECT 'never ' || length($LONG);
SELECT 'after ' || sum(total_bytes) FROM pg_backend_memory_contexts;
SELECT 'rss_after ' || substring(pg_read_file('/proc/self/status') FROM 'RssAnon:\s*(\d+ kB)');
SELECT 'contexts ' || name || ' ' || total_bytes FROM pg_backend_memory_contexts
WHERE name LIKE '%medrnn%' OR total_bytes > 1048576;
SELECT 'again ' || (rnn_model_info($SMALL)->>'rows_used');
SELECT 'after_again ' || sum(total_bytes) FROM pg_backend_memory_contexts;
SQL
PGAPPNAME=medrnn_memory_victim psql -X -q -At -d "$DB" -f "$WORK/memory.sql" >"$WORK/memory.out" 2>&1 &
BG_PID=$!
cancel_and_wait medrnn_memory_victim 2500
baseline=$(sed -n 's/^baseline //p' "$WORK/memory.out")
after=$(sed -n 's/^after //p' "$WORK/memory.out")
again=$(sed -n 's/^again //p' "$WORK/memory.out")
after_again=$(sed -n 's/^after_again //p' "$WORK/memory.out")
grep -q 'canceling statement due to user request' "$WORK/memory.out" && ! grep -q '^never ' "$WORK/memory.out"
ok $? "a long training in a warmed-up backend is cancelled"
if [ -n "$baseline" ] && [ -n "$after" ]; then
	delta=$((after - baseline))
	ok "$([ "$delta" -lt 1048576 ] && echo 0 || echo 1)" \
		"after the cancel the backend's memory contexts hold $after bytes, $delta more than the baseline $baseline (limit 1 MB)"
else
	ok 1 "after the cancel the backend's memory is back to its baseline: no figures"
fi
grep '^contexts ' "$WORK/memory.out" | diag || true
ok "$([ "$again" = 2302 ] && echo 0 || echo 1)" "a second training in the same backend works (rows_used ${again:-none})"
if [ -n "$baseline" ] && [ -n "$after_again" ]; then
	echo "# memory contexts: baseline $baseline, after the cancel $after, after a second training $after_again bytes"
fi
echo "# private memory (RssAnon, not asserted: OpenBLAS and malloc are outside the contexts):" \
	"$(sed -n 's/^rss_baseline //p' "$WORK/memory.out") before, $(sed -n 's/^rss_after //p' "$WORK/memory.out") after the cancel"
[ "$again" = 2302 ] || diag <"$WORK/memory.out"

# ---------------------------------------------------------------------------
# CREATE TABLE AS SELECT rnn_train(...), cancelled: no table

PGAPPNAME=medrnn_ctas_victim q -c "SET client_min_messages = warning" \
	-c "CREATE TABLE cancelled_model AS SELECT $LONG AS model" >"$WORK/ctas.out" 2>&1 &
BG_PID=$!
cancel_and_wait medrnn_ctas_victim 1500
grep -q 'canceling statement due to user request' "$WORK/ctas.out"
ok $? "a CREATE TABLE AS SELECT rnn_train(...) is cancelled"
left=$(q -c "SELECT count(*) FROM pg_class WHERE relname = 'cancelled_model'")
ok "$([ "$left" = 0 ] && echo 0 || echo 1)" "... and leaves no table behind ($left relations named cancelled_model)"

crashes=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	crashes=$(tail -c +$((LOG_START + 1)) "$MEDRNN_PGLOG" | grep -c -E 'terminated by signal|PANIC' || true)
fi
ok "$([ "$crashes" -eq 0 ] && echo 0 || echo 1)" "the server log has no \"terminated by signal\" since the suite started"

echo "# cancel: $((SECONDS - START)) s"
