#!/usr/bin/env bash
#
# test/suites/load.sh
#	  Prediction under load and over time:
#	  - pgbench, 8 clients for 60 s, each transaction predicting a random
#		abstract with a model read from a table: no failed transaction, no
#		aborted client; the rate goes to a diagnostic;
#	  - 100,000 predictions in one backend, in chunks of 10,000, while its
#		VmRSS is sampled from /proc: after the first chunk (warm-up), RSS
#		stays within 5 MB.
#
# Run by scripts/test.sh with the cluster's PG* variables and MEDRNN_*
# exported; prints TAP.  MEDRNN_LOAD_SECONDS shortens the pgbench run.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=medrnn_load
EXT=${MEDRNN_EXTENSION:-medrnn}
ROOT=${MEDRNN_ROOT:-$(pwd)}
BINDIR=${MEDRNN_PG_BINDIR:-/usr/lib/postgresql/15/bin}
SECONDS_PGBENCH=${MEDRNN_LOAD_SECONDS:-60}
CHUNKS=10
CHUNK_ROWS=10000
RSS_LIMIT_KB=5120
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-load.XXXXXX")
START=$SECONDS
SAMPLER_PID=

# Stop the sampler and the coprocess, drop the database and the work directory
cleanup()
{
	if [ -n "$SAMPLER_PID" ]; then
		kill "$SAMPLER_PID" 2>/dev/null || true
		wait "$SAMPLER_PID" 2>/dev/null || true
	fi
	if [ -n "${PSQL_PID:-}" ]; then
		kill "$PSQL_PID" 2>/dev/null || true
		wait "$PSQL_PID" 2>/dev/null || true
	fi
	dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# VmRSS (or the field $2) of a process in kB (empty once it is gone)
rss_kb()
{
	sed -n "s/^${2:-VmRSS}:[[:space:]]*\\([0-9]*\\) kB/\\1/p" "/proc/$1/status" 2>/dev/null || true
}

PGBENCH=$(command -v pgbench || true)
[ -n "$PGBENCH" ] || PGBENCH=$BINDIR/pgbench
if [ ! -x "$PGBENCH" ]; then
	echo "1..0 # SKIP pgbench not found (it comes with postgresql-client-15)"
	exit 0
fi

echo "1..8"

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb "$DB"
rc=0
(cd -- "$ROOT" && q -v ext="$EXT" -v rows=$((CHUNKS * CHUNK_ROWS)) >"$WORK/setup.out" 2>&1) <<'SQL' || rc=$?
SET client_min_messages = warning;
CREATE EXTENSION :"ext";
CREATE TABLE abstracts (text text, label text);
\copy abstracts (text, label) FROM 'data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)

-- the model lives in a table (827 kB: it is TOASTed, read and decoded per query)
CREATE TABLE lt_models (id int PRIMARY KEY, model bytea);
INSERT INTO lt_models
  SELECT 1, rnn_train('abstracts', 'text', 'label', '{"epochs": 1, "hidden": 8, "embed_dim": 8}');

-- texts to predict: the abstracts for pgbench, and a larger generated table
CREATE TABLE lt_notes AS SELECT row_number() OVER () AS id, text AS note FROM abstracts;
ALTER TABLE lt_notes ADD PRIMARY KEY (id);
CREATE TABLE lt_many AS
  SELECT i AS id, substr(n.note, 1 + (i * 37) % 300, 200 + i % 200) AS note
  FROM generate_series(1, :rows) AS i JOIN lt_notes n ON n.id = 1 + i % 2302;
ALTER TABLE lt_many ADD PRIMARY KEY (id);
ANALYZE;
SQL
ok "$rc" "setup: extension, an abstracts model in a table, $((CHUNKS * CHUNK_ROWS)) generated texts"
[ "$rc" -eq 0 ] || diag <"$WORK/setup.out"

# ---------------------------------------------------------------------------
# pgbench: 8 clients, random rows, the model from its table

nrows=$(q -c "SELECT count(*) FROM lt_notes")
cat >"$WORK/predict.sql" <<SQL
\\set id random(1, $nrows)
SELECT rnn_predict(m.model, t.note) FROM lt_models m, lt_notes t WHERE m.id = 1 AND t.id = :id;
SQL
rc=0
"$PGBENCH" -n -f "$WORK/predict.sql" -c 8 -j 2 -T "$SECONDS_PGBENCH" -d "$DB" \
	>"$WORK/pgbench.out" 2>"$WORK/pgbench.err" || rc=$?
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out")
latency=$(sed -n 's/^latency average = \([0-9.]* ms\).*/\1/p' "$WORK/pgbench.out")
aborted=$(grep -c -i 'aborted' "$WORK/pgbench.err" || true)
ok "$rc" "pgbench ran 8 clients for ${SECONDS_PGBENCH} s (exit status $rc)"
ok "$([ "${failed:-x}" = 0 ] && [ "$aborted" -eq 0 ] && [ "${processed:-0}" -gt 0 ] && echo 0 || echo 1)" \
	"no failed transaction and no aborted client (${processed:-?} processed, ${failed:-?} failed, $aborted aborted)"
echo "# pgbench: tps ${tps:-?}, latency ${latency:-?}, 8 clients, 2 threads, ${SECONDS_PGBENCH} s, 827 kB model"
if [ "$rc" -ne 0 ] || [ "${failed:-x}" != 0 ] || [ "$aborted" -ne 0 ]; then
	tail -n 20 "$WORK/pgbench.out" | diag
	head -n 20 "$WORK/pgbench.err" | diag
fi

# ---------------------------------------------------------------------------
# 100,000 predictions in one backend: RSS after warm-up within 5 MB

coproc PSQL { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -d "$DB" 2>&1; }
IN=${PSQL[1]}
OUT=${PSQL[0]}

# Send one statement to the coprocess; print the first line of its answer
ask()
{
	local line=""

	printf '%s\n' "$1" >&"$IN"
	read -r -t 600 line <&"$OUT" || true
	printf '%s\n' "$line"
}

pid=$(ask "SELECT pg_backend_pid();")
if ! [[ "$pid" =~ ^[0-9]+$ ]] || [ ! -r "/proc/$pid/status" ]; then
	ok 1 "the prediction backend's /proc/PID/status is readable (pid '$pid')"
	ok 1 "100,000 predictions"
	ok 1 "RSS within 5 MB after warm-up"
	ok 1 "RssAnon within 5 MB after warm-up"
	ok 1 "the backend survived"
	exit 0
fi
ok 0 "the prediction backend's /proc/$pid/status is readable"

# VmRSS counts the shared buffers a backend has touched: touch every page
# the chunks will read first, the way they read them (a sequential scan of a
# large table would go through a small ring of buffers instead), so that
# only private memory can grow
ask "SELECT set_config('enable_seqscan', 'off', false);" >/dev/null
ask "SELECT sum(length(note)) FROM lt_many WHERE id BETWEEN 1 AND $((CHUNKS * CHUNK_ROWS));" >/dev/null
ask "SELECT set_config('enable_seqscan', 'on', false);" >/dev/null

# sample its RSS every 0.1 s into a file, "ms VmRSS RssAnon" a line
(
	while [ -r "/proc/$pid/status" ]; do
		printf '%s %s %s\n' "$(date +%s%3N)" "$(rss_kb "$pid")" "$(rss_kb "$pid" RssAnon)"
		sleep 0.1
	done
) >"$WORK/rss.samples" &
SAMPLER_PID=$!

total=0
bad=0
warm_ms=
warm_rss=
warm_anon=
chunk_rss=()
chunk_anon=()
t_start=$(date +%s%3N)
for c in $(seq 1 "$CHUNKS"); do
	lo=$(((c - 1) * CHUNK_ROWS + 1))
	hi=$((c * CHUNK_ROWS))
	got=$(ask "SELECT count(rnn_predict(m.model, t.note)) FROM lt_models m, lt_many t WHERE m.id = 1 AND t.id BETWEEN $lo AND $hi;")
	if [[ "$got" =~ ^[0-9]+$ ]]; then
		total=$((total + got))
	else
		bad=$((bad + 1))
		echo "# chunk $c: $got"
	fi
	chunk_rss+=("$(rss_kb "$pid")")
	chunk_anon+=("$(rss_kb "$pid" RssAnon)")
	if [ "$c" -eq 1 ]; then
		warm_ms=$(date +%s%3N)
		warm_rss=${chunk_rss[0]}
		warm_anon=${chunk_anon[0]}
	fi
done
t_end=$(date +%s%3N)
alive=$(ask "SELECT pg_backend_pid();")
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=

ok "$([ "$total" -eq $((CHUNKS * CHUNK_ROWS)) ] && [ "$bad" -eq 0 ] && echo 0 || echo 1)" \
	"$total predictions in one backend in $((t_end - t_start)) ms"
max_rss=$(awk -v t="$warm_ms" '$1 >= t && $2 != "" { if ($2 > m) m = $2 } END { print m + 0 }' "$WORK/rss.samples")
for r in "${chunk_rss[@]}"; do
	[ -z "$r" ] || [ "$r" -le "$max_rss" ] || max_rss=$r
done
growth=$((max_rss - ${warm_rss:-0}))
ok "$([ -n "$warm_rss" ] && [ "$growth" -le "$RSS_LIMIT_KB" ] && echo 0 || echo 1)" \
	"after warm-up the backend's RSS stays within 5 MB: ${warm_rss:-?} kB after the first chunk, at most $max_rss kB after (+$growth kB)"
max_anon=$(awk -v t="$warm_ms" '$1 >= t && $3 != "" { if ($3 > m) m = $3 } END { print m + 0 }' "$WORK/rss.samples")
for r in "${chunk_anon[@]}"; do
	[ -z "$r" ] || [ "$r" -le "$max_anon" ] || max_anon=$r
done
growth=$((max_anon - ${warm_anon:-0}))
ok "$([ -n "$warm_anon" ] && [ "$growth" -le "$RSS_LIMIT_KB" ] && echo 0 || echo 1)" \
	"... and so does its private memory: RssAnon ${warm_anon:-?} kB after the first chunk, at most $max_anon kB after (+$growth kB)"
echo "# VmRSS after each chunk of $CHUNK_ROWS (kB): ${chunk_rss[*]}"
echo "# RssAnon after each chunk (kB): ${chunk_anon[*]}"
echo "# VmRSS samples after warm-up: $(awk -v t="$warm_ms" '$1 >= t' "$WORK/rss.samples" | wc -l)"
ok "$([ "$alive" = "$pid" ] && echo 0 || echo 1)" "the same backend is still there ($alive)"

exec {IN}>&-
wait "$PSQL_PID" 2>/dev/null || true
PSQL_PID=

echo "# load: $((SECONDS - START)) s"
