#!/usr/bin/env bash
#
# test/suites/bad_inputs.sh
#	  The bad-input matrix beyond sql/*.sql and test/pgtap/*.sql: 1 MB texts,
#	  token arrays and labels; one row; 10,000 classes; a table written to by
#	  another connection during training; NULL, empty and blank inputs and
#	  labels; empty token arrays and empty tokens (text[] and, where the
#	  extension has the type, rnnseq); text that is not UTF-8 (a
#	  SQL_ASCII database) and labels a LATIN1 database cannot show.
#
# Where either outcome is acceptable (10,000 classes), the suite reports
# which one happened and only requires a clean error: an SQLSTATE outside
# classes XX (internal error) and 58 (system error), and a live backend.
#
# Run by scripts/test.sh with the cluster's PG* variables and MEDRNN_*
# exported; prints TAP.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=medrnn_bad_inputs
DB_ASCII=medrnn_bad_inputs_ascii
DB_LATIN1=medrnn_bad_inputs_latin1
EXT=${MEDRNN_EXTENSION:-medrnn}
ROOT=${MEDRNN_ROOT:-$(pwd)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-bad-inputs.XXXXXX")
TINY='{"epochs": 1, "hidden": 4, "embed_dim": 4}'
BG_PID=
START=$SECONDS

# no NOTICE (training progress) in the answers
export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c client_min_messages=warning"

# Stop a background psql of ours, drop the databases and the work directory
cleanup()
{
	if [ -n "$BG_PID" ]; then
		kill "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	for db in "$DB" "$DB_ASCII" "$DB_LATIN1"; do
		dropdb --if-exists "$db" >/dev/null 2>&1 || true
	done
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The outcome of a statement on $DB: its first value, or "SQLSTATE: message"
try()
{
	q -c "SELECT bi_try(\$q\$$1\$q\$)" 2>&1 | head -n 1
}

# TAP for an odd input that may train a model or be refused: a model
# trained, then unreadable (22P03) or an internal error fails; a label (a
# or b) or a clean error passes
usable_or_refused()
{
	case $1 in
		a | b) ok 0 "$2 trains a usable model" ;;
		22P03:*) ok 1 "$2: rnn_train returns a model that cannot be read back: $1" ;;
		XX* | 58*) ok 1 "$2: internal error: $1" ;;
		*) ok 0 "$2 is refused cleanly: ${1:0:100}" ;;
	esac
}

LOG_START=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	LOG_START=$(stat -c %s "$MEDRNN_PGLOG")
fi

for db in "$DB" "$DB_ASCII" "$DB_LATIN1"; do
	dropdb --if-exists "$db" >/dev/null 2>&1 || true
done
createdb "$DB"
rc=0
(cd -- "$ROOT" && q -v ext="$EXT" >"$WORK/setup.out" 2>&1) <<'SQL' || rc=$?
SET client_min_messages = warning;
CREATE EXTENSION :"ext";

-- the first value of a statement as text, or its SQLSTATE and message
CREATE FUNCTION bi_try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  EXECUTE sql INTO r;
  RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE abstracts (text text, label text);
\copy abstracts (text, label) FROM 'data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)

-- 1 MB texts: words, one endless word, multibyte characters
CREATE TABLE mb_words AS
  SELECT i AS id, repeat(CASE WHEN i % 2 = 0 THEN 'fever cough ' ELSE 'rash itch ' END, 1048576 / 10) AS note,
         (i % 2)::text AS dx
  FROM generate_series(1, 4) AS i;
CREATE TABLE mb_oneword AS SELECT i AS id, repeat(chr(97 + i), 1048576) AS note, (i % 2)::text AS dx
  FROM generate_series(1, 2) AS i;
CREATE TABLE mb_multibyte AS SELECT i AS id, repeat(CASE WHEN i % 2 = 0 THEN 'é诊 ' ELSE 'ü断 ' END, 1048576 / 6) AS note,
         (i % 2)::text AS dx
  FROM generate_series(1, 2) AS i;
CREATE TABLE mb_tokens AS
  SELECT i AS id, array_fill(CASE WHEN i % 2 = 0 THEN 'J18.9' ELSE 'L30.9' END, ARRAY[1048576 / 8]) AS codes,
         (i % 2)::text AS dx
  FROM generate_series(1, 2) AS i;
CREATE TABLE mb_label AS SELECT * FROM (VALUES ('fever', repeat('L', 1048576)), ('rash', 'derm')) AS v(note, dx);
SQL
# the extension's rnnseq type, where it has one, adds two tests
HAVE_RNNSEQ=$(q -c "SELECT (to_regtype('rnnseq') IS NOT NULL)::int" 2>/dev/null || echo 0)
echo "1..$((25 + 2 * HAVE_RNNSEQ))"
ok "$rc" "setup: extension, abstracts, 1 MB tables"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/setup.out"

# ---------------------------------------------------------------------------
# 1 MB texts, token arrays and labels

is "$(try "SELECT rnn_model_info(rnn_train('mb_words', 'note', 'dx', '$TINY'))->>'rows_used'")" 4 \
	"trains on 1 MB texts (word tokenizer)"
is "$(try "SELECT rnn_model_info(rnn_train('mb_words', 'note', 'dx', '{\"epochs\": 1, \"hidden\": 4, \"embed_dim\": 4, \"tokenizer\": \"char\", \"maxlen\": 10000}'))->>'rows_used'")" 4 \
	"trains on 1 MB texts (char tokenizer, maxlen 10000)"
is "$(try "SELECT rnn_model_info(rnn_train('mb_oneword', 'note', 'dx', '$TINY'))->>'vocabulary_size'")" 2 \
	"trains on two 1 MB words: each is cut to one token"
is "$(try "SELECT rnn_model_info(rnn_train('mb_multibyte', 'note', 'dx', '$TINY'))->>'vocabulary_size'")" 2 \
	"trains on 1 MB of multibyte UTF-8 words"
is "$(try "SELECT rnn_model_info(rnn_train('mb_tokens', 'codes', 'dx', '$TINY'))->>'rows_used'")" 2 \
	"trains on token arrays of 131,072 tokens"
is "$(try "SELECT rnn_predict(rnn_train('mb_words', 'note', 'dx', '$TINY'), repeat('rash itch ', 104858) || 'fever')
               IN ('0', '1')")" true \
	"predicts a 1 MB text"
is "$(try "SELECT (SELECT count(*) FROM jsonb_object_keys(rnn_predict_proba(rnn_train('mb_tokens', 'codes', 'dx', '$TINY'),
                                                                             array_fill('J18.9'::text, ARRAY[200000]))))")" 2 \
	"predicts a token array of 200,000 tokens"
got=$(try "SELECT rnn_train('mb_label', 'note', 'dx', '$TINY') IS NOT NULL")
is "${got%%:*}" 22023 "a 1 MB label is refused: ${got:0:100}"

# ---------------------------------------------------------------------------
# one row; two rows of two classes as token arrays

q -c "CREATE TABLE one_row AS SELECT 'fever cough'::text AS note, 'resp'::text AS dx"
got=$(try "SELECT rnn_train('one_row', 'note', 'dx', '$TINY') IS NOT NULL")
is "${got%%:*}" 22000 "one row is an error: ${got:0:100}"
q -c "CREATE TABLE two_tok_rows AS SELECT * FROM (VALUES (ARRAY['J18.9'], 'resp'), (ARRAY['L30.9', 'R21'], 'derm')) AS v(codes, dx)"
is "$(try "SELECT rnn_predict(rnn_train('two_tok_rows', 'codes', 'dx', '{\"epochs\": 1, \"hidden\": 2, \"embed_dim\": 2}'), ARRAY['L30.9'])
               IN ('resp', 'derm')")" true \
	"two rows of two classes (token arrays) train a model that predicts"

# ---------------------------------------------------------------------------
# 10,000 classes

q -c "CREATE TABLE many_classes AS
      SELECT i AS id, 'w' || (i % 10000) || ' note' AS note, 'class' || (i % 10000) AS dx
      FROM generate_series(1, 20000) AS i"
t0=$SECONDS
got=$(try "SELECT rnn_model_info(model)->>'classes' || ' ' || length(model) || ' '
                  || (SELECT count(*) FROM jsonb_object_keys(rnn_predict_proba(model, 'w17 note'))) || ' '
                  || (rnn_predict(model, 'w17 note') LIKE 'class%')
           FROM (SELECT rnn_train('many_classes', 'note', 'dx', '{\"epochs\": 1, \"hidden\": 4, \"embed_dim\": 4}') AS model) AS s")
case $got in
	"10000 "*" 10000 true")
		ok 0 "10,000 classes (20,000 rows): trains, and predicts one of them ($((SECONDS - t0)) s)"
		echo "# 10,000 classes: trained; model of $(echo "$got" | awk '{ print $2 }') bytes, rnn_predict_proba has 10,000 keys"
		;;
	[0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]:*)
		case $got in
			XX* | 58*) ok 1 "10,000 classes: an internal error: $got" ;;
			*) ok 0 "10,000 classes: a clean error: ${got:0:120}" ;;
		esac
		;;
	*)
		ok 1 "10,000 classes: unexpected result: $got"
		;;
esac

# ---------------------------------------------------------------------------
# Rows written by another connection during training: the snapshot holds

q -c "CREATE TABLE conc AS SELECT * FROM abstracts"
start_rows=$(q -c "SELECT count(*) FROM conc")
PGAPPNAME=medrnn_bad_inputs_conc q -c "SET client_min_messages = warning" \
	-c "SELECT rnn_model_info(rnn_train('conc', 'text', 'label', '{\"epochs\": 60, \"hidden\": 8, \"embed_dim\": 8}'))->>'rows_used'" \
	>"$WORK/conc.out" 2>&1 &
BG_PID=$!
active=
for _ in $(seq 1 300); do
	active=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'medrnn_bad_inputs_conc' AND state = 'active'")
	[ -z "$active" ] || break
	sleep 0.1
done
sleep 0.5
t0=$(date +%s%3N)
rc=0
q -c "INSERT INTO conc SELECT 'inserted during training ' || i, 'neoplasms' FROM generate_series(1, 100) AS i" \
	-c "DELETE FROM conc WHERE ctid IN (SELECT ctid FROM conc LIMIT 50)" >"$WORK/writer.out" 2>&1 || rc=$?
ms=$(($(date +%s%3N) - t0))
still=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'medrnn_bad_inputs_conc' AND state = 'active'")
ok "$([ "$rc" -eq 0 ] && [ "$ms" -lt 2000 ] && [ -n "$active" ] && [ "$still" = 1 ] && echo 0 || echo 1)" \
	"another connection inserts 100 rows and deletes 50 during the training, committing in $ms ms (training still running: $still)"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/writer.out"
got=$(q -c "SET lock_timeout = '300ms'" -c "TRUNCATE conc" 2>&1 | head -n 1 || true)
case $got in
	*"canceling statement due to lock timeout"*) rc=0 ;;
	*) rc=1 ;;
esac
ok "$rc" "a TRUNCATE from another connection waits for the training's lock (lock_timeout: ${got:0:80})"
wait "$BG_PID" 2>/dev/null || true
BG_PID=
used=$(tail -n 1 "$WORK/conc.out")
is "$used" "$start_rows" "the training used the $start_rows rows of its snapshot"
is "$(q -c "SELECT count(*) FROM conc")" $((start_rows + 50)) "... and the other connection's changes are committed"

# ---------------------------------------------------------------------------
# NULL, empty and blank inputs and labels

q -c "CREATE TABLE blanks AS SELECT * FROM (VALUES ('', 'a'), ('', 'b'), ('x y', ''), ('fever', ''), (NULL, 'a'), ('z', NULL),
                                                   ('   ', 'a'), ('...', 'b'), (E'\t\n', 'b')) AS v(note, dx)"
got=$(try "SELECT (rnn_model_info(m)->'labels')::text || ' ' || (rnn_model_info(m)->>'rows_used') || ' '
                  || (rnn_model_info(m)->>'rows_skipped') || ' ' || (rnn_predict_proba(m, 'fever') ? '')
           FROM (SELECT rnn_train('blanks', 'note', 'dx', '$TINY') AS m) AS s")
is "$got" '["", "a", "b"] 7 2 true' \
	"the empty string is a label; empty and blank texts are rows (7 used), NULL input or label skipped (2)"
is "$(try "SELECT count(*) FROM (SELECT rnn_train('blanks', 'note', 'dx', '{\"epochs\": 40, \"hidden\": 4, \"embed_dim\": 4, \"learning_rate\": 0.05}') AS m) AS s,
                                  unnest(ARRAY['x y', 'fever']) AS t WHERE rnn_predict(m, t) = ''")" 2 \
	"a model predicts the empty-string label for the texts it was given with it"
q -c "CREATE TABLE all_empty AS SELECT * FROM (VALUES ('', 'a'), ('', 'b'), (' ', 'a')) AS v(note, dx)"
is "$(try "SELECT (rnn_model_info(m)->>'vocabulary_size') || ' ' || (rnn_predict(m, '') IN ('a', 'b')) || ' '
                  || (rnn_predict(m, 'never seen') IN ('a', 'b'))
           FROM (SELECT rnn_train('all_empty', 'note', 'dx', '$TINY') AS m) AS s")" "0 true true" \
	"texts that are all empty train as all padding (no vocabulary) and predict"

# token arrays: empty, all NULL, empty tokens
q -c "CREATE TABLE tok_blanks AS SELECT * FROM (VALUES ('{}'::text[], 'a'), ('{NULL,NULL}', 'b'), (ARRAY['k'], 'b'), (ARRAY['k', 'j'], 'a'))
      AS v(codes, dx)"
is "$(try "SELECT (rnn_model_info(m)->>'rows_used') || ' ' || (rnn_predict(m, '{}'::text[]) IN ('a', 'b')) || ' '
                  || (rnn_predict(m, '{NULL}'::text[]) IN ('a', 'b'))
           FROM (SELECT rnn_train('tok_blanks', 'codes', 'dx', '$TINY') AS m) AS s")" "4 true true" \
	"empty and all-NULL token arrays train as all padding and predict"
q -c "CREATE TABLE tok_empty_token AS SELECT * FROM (VALUES (ARRAY['', 'k'], 'a'), (ARRAY['k'], 'b')) AS v(codes, dx)"
got=$(try "SELECT rnn_predict(rnn_train('tok_empty_token', 'codes', 'dx', '$TINY'), ARRAY['k'])")
usable_or_refused "$got" "an empty-string token in a text[] row"

# rnnseq: an empty token, an empty variable name
if [ "$HAVE_RNNSEQ" = 1 ]; then
	q -c "CREATE TABLE seq_empty_token AS SELECT * FROM (VALUES ('[\"\", \"k\"]'::rnnseq, 'a'), ('[\"k\"]'::rnnseq, 'b')) AS v(s, dx)"
	got=$(try "SELECT rnn_predict(rnn_train('seq_empty_token', 's', 'dx', '$TINY'), '[\"k\"]'::rnnseq)")
	usable_or_refused "$got" "an empty-string token in an rnnseq token sequence"
	q -c "CREATE TABLE seq_empty_var AS
	      SELECT * FROM (VALUES ('[[0, \"\", 1], [1, \"HR\", 2]]'::rnnseq, 'a'), ('[[0, \"HR\", 3]]'::rnnseq, 'b')) AS v(s, dx)"
	got=$(try "SELECT rnn_predict(rnn_train('seq_empty_var', 's', 'dx', '{\"epochs\": 1, \"hidden\": 2, \"step\": 1}'),
	                              '[[0, \"HR\", 1]]'::rnnseq)")
	usable_or_refused "$got" "an empty variable name in an rnnseq measurement sequence"
fi

# ---------------------------------------------------------------------------
# Encodings: SQL_ASCII holds bytes that are not UTF-8; LATIN1 cannot show
# every label

# What both databases start with: the extension, bi_try (the SQLSTATE only:
# messages come in the database's encoding) and a table whose texts and
# labels both encodings can hold
ENCODING_PRELUDE=$(cat <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION :"ext";
CREATE FUNCTION bi_try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  EXECUTE sql INTO r;
  RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
CREATE TABLE good AS
  SELECT CASE WHEN i % 2 = 0 THEN 'fever café' ELSE 'rash' END AS note, CASE WHEN i % 2 = 0 THEN 'résp' ELSE 'derm' END AS dx
  FROM generate_series(1, 10) AS i;
SQL
)

createdb -E SQL_ASCII -T template0 --locale=C "$DB_ASCII"
rc=0
{
	printf '%s\n' "$ENCODING_PRELUDE"
	cat <<'SQL'
CREATE TABLE bad_text AS
  SELECT CASE WHEN i % 2 = 0 THEN E'caf\xe9 \xff fever' ELSE 'rash itch' END AS note, (i % 2)::text AS dx
  FROM generate_series(1, 10) AS i;
CREATE TABLE bad_label AS
  SELECT CASE WHEN i % 2 = 0 THEN 'fever' ELSE 'rash' END AS note, CASE WHEN i % 2 = 0 THEN E'r\xe9sp' ELSE 'derm' END AS dx
  FROM generate_series(1, 10) AS i;
SELECT bi_try($$SELECT rnn_train('bad_text', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}')::text$$)
       || ' ' || bi_try($$SELECT rnn_train('bad_label', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}')::text$$)
       || ' ' || bi_try($$SELECT rnn_predict(rnn_train('good', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'), E'caf\xe9')$$)
       || ' ' || bi_try($$SELECT (rnn_model_info(rnn_train('good', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->'labels')::text$$);
SQL
} | psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB_ASCII" -v ext="$EXT" >"$WORK/ascii.out" 2>&1 || rc=$?
is "$(tail -n 1 "$WORK/ascii.out")" '22021 22021 22021 ["derm", "résp"]' \
	"SQL_ASCII database: non-UTF-8 texts, labels and prediction inputs are 22021 errors; UTF-8 ones work"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/ascii.out"

createdb -E LATIN1 -T template0 --locale=C "$DB_LATIN1"
model_hex=$(q -c "SET client_min_messages = warning" \
	-c "CREATE TABLE cjk AS SELECT CASE WHEN i % 2 = 0 THEN 'fever' ELSE 'rash' END AS note,
	                               CASE WHEN i % 2 = 0 THEN '诊断' ELSE 'derm' END AS dx FROM generate_series(1, 10) AS i" \
	-c "SELECT encode(rnn_train('cjk', 'note', 'dx', '{\"epochs\": 1, \"hidden\": 2, \"embed_dim\": 2}'), 'hex')" | tail -n 1)
rc=0
{
	printf '%s\n' "$ENCODING_PRELUDE"
	cat <<'SQL'
CREATE TABLE cjk_model AS SELECT decode(:'hex', 'hex') AS model;
SELECT bi_try($$SELECT (rnn_model_info(rnn_train('good', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->'labels')::text$$)
       || ' ' || bi_try($$SELECT string_agg(rnn_predict(model, t), ',') FROM cjk_model, unnest(ARRAY['fever', 'rash', 'x']) AS t$$)
       || ' ' || bi_try($$SELECT rnn_predict_proba(model, 'fever')::text FROM cjk_model$$)
       || ' ' || bi_try($$SELECT (rnn_model_info(model)->'labels')::text FROM cjk_model$$);
SQL
} | PGCLIENTENCODING=UTF8 psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB_LATIN1" -v ext="$EXT" -v hex="$model_hex" \
	>"$WORK/latin1.out" 2>&1 || rc=$?
is "$(tail -n 1 "$WORK/latin1.out")" '["derm", "résp"] 22P05 22P05 22P05' \
	"LATIN1 database: LATIN1 text and labels train; a label LATIN1 cannot show is a 22P05 error"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/latin1.out"

# ---------------------------------------------------------------------------

ok "$(q -c 'SELECT 1' >/dev/null 2>&1 && echo 0 || echo 1)" "the server still accepts connections"
crashes=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	crashes=$(tail -c +$((LOG_START + 1)) "$MEDRNN_PGLOG" | grep -c -E 'terminated by signal|PANIC' || true)
fi
ok "$([ "$crashes" -eq 0 ] && echo 0 || echo 1)" "the server log has no \"terminated by signal\" since the suite started"

echo "# bad_inputs: $((SECONDS - START)) s"
