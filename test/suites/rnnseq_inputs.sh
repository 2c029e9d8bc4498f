#!/usr/bin/env bash
#
# test/suites/rnnseq_inputs.sh
#	  rnnseq input is untrusted.  Its binary form (rnnseq_send /
#	  rnnseq_recv) goes through COPY ... (FORMAT binary), the one way SQL
#	  reaches a type's receive function:
#	  - round trips of every kind, of aggregate output, and of strings in
#		the client encoding (LATIN1);
#	  - crafted payloads, each loaded into an rnnseq column: the valid ones
#		(events and strings in any order) come back canonical, every
#		malformed one fails with its SQLSTATE and detail;
#	  - mutated payloads (every prefix, byte flips, insertions, deletions of
#		valid ones), and mutated text literals: each either fails with an
#		rnnseq error or loads as a value that round-trips, and no backend
#		crashes.
#
# A payload is built in SQL as a bytea and written with psql's
#	\copy (SELECT id, payload ...) TO file WITH (FORMAT binary)
# A bytea field of a binary COPY file is the raw bytes, so reading the same
# file into a table (id int, s rnnseq) hands exactly those bytes to
# rnnseq_recv.
#
# Run by scripts/test.sh with the cluster's PG* variables and MEDRNN_*
# exported; prints TAP.  MEDRNN_RNNSEQ_MUTATIONS sets the number of text
# mutations (default 8000).

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=medrnn_rnnseq_inputs
TEXT_MUTATIONS=${MEDRNN_RNNSEQ_MUTATIONS:-8000}
EXT=${MEDRNN_EXTENSION:-medrnn}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-rnnseq.XXXXXX")

# Drop the database and the work directory, whatever happened
cleanup()
{
	dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LOG_START=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	LOG_START=$(stat -c %s "$MEDRNN_PGLOG")
fi

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb "$DB"

# ---------------------------------------------------------------------------
# Setup: values to round-trip, payload builders and the crafted cases

q -v ext="$EXT" >"$WORK/setup.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
CREATE EXTENSION :"ext";

CREATE TABLE rt (id int PRIMARY KEY, s rnnseq);
INSERT INTO rt VALUES
  (1, '[]'),
  (2, '["J18.9", null, "é", "日本語", "J18.9", "\"\\\n"]'),
  (3, '[[0, "J18.9"], [1.5, null], [-1e300, "x"]]'),
  (4, '[[0, "HR", 80], [30, "HR", null], [0, "HR", -0.0], [5e-324, "SpO2", 1.7976931348623157e308]]'),
  (5, '[["2024-01-01T10:00:00.123456+02:00", "HR", 80], ["0001-01-01T00:00:00Z", "T", null]]'),
  (6, '{"kind": "measurements", "time_type": "number", "dropped": 2, "events": []}'),
  (7, '{"kind": "timed_tokens", "time_type": "timestamp", "dropped": 1, "events": [["9999-12-31T23:59:59.999999Z", "a"]]}');
INSERT INTO rt
  SELECT 8, rnn_seq(CASE WHEN i % 97 = 0 THEN NULL ELSE (i * 31 % 1000) / 8.0 END, 'v' || (i % 11),
                    CASE WHEN i % 13 = 0 THEN NULL ELSE i / 7.0 END)
  FROM generate_series(1, 5000) AS i;
INSERT INTO rt
  SELECT 9, rnn_seq(timestamptz '2024-01-01 00:00:00+00' + i * interval '1.5 second', 'code' || (i % 5))
  FROM generate_series(1, 3000) AS i;
INSERT INTO rt
  SELECT 10, rnn_seq('tok' || (i % 17) ORDER BY i DESC) FROM generate_series(1, 2000) AS i;
-- representable in LATIN1, for the client-encoding round trip
INSERT INTO rt VALUES (11, '[[0, "é", 1], [1, "naïve", 2]]');
CREATE TABLE rt_back (id int, s rnnseq);
CREATE TABLE rt_latin1 (id int, s rnnseq);

-- payload builders, network byte order
CREATE FUNCTION u8(v int) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT set_byte('\x00'::bytea, 0, v) $$;
CREATE FUNCTION i32(v int) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT int4send(v) $$;
CREATE FUNCTION f64(v float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT float8send(v) $$;
CREATE FUNCTION str(t text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT int4send(octet_length(t)) || convert_to(t, 'UTF8') $$;
CREATE FUNCTION hdr(version int, kind int, time_kind int, n int, n_strings int, n_dropped int)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT u8(version) || u8(kind) || u8(time_kind) || i32(n) || i32(n_strings) || i32(n_dropped)
$$;

-- state "ok" expects the value to load and print as detail; otherwise
-- loading must fail with that SQLSTATE and a message or detail containing it
CREATE TABLE cases (id int PRIMARY KEY, name text, payload bytea, state text, detail text);
INSERT INTO cases VALUES
  (1, 'empty sequence', hdr(1, 0, 0, 0, 0, 0), 'ok', '[]'),
  (2, 'tokens, strings in any order', hdr(1, 1, 0, 3, 2, 0) || str('b') || str('a') || i32(0) || i32(1) || i32(-1),
   'ok', '["b", "a", null]'),
  (3, 'timed tokens in any order come back sorted',
   hdr(1, 2, 1, 3, 2, 0) || str('R05') || str('J18') || f64(2) || i32(0) || f64(1) || i32(-1) || f64(1) || i32(1),
   'ok', '[[1, "J18"], [1, null], [2, "R05"]]'),
  (4, 'measurements with a NULL value',
   hdr(1, 3, 1, 2, 1, 0) || str('HR') || f64(30) || i32(0) || u8(1) || f64(0) || i32(0) || u8(0) || f64(80),
   'ok', '[[0, "HR", 80], [30, "HR", null]]'),
  (5, 'a timestamp', hdr(1, 2, 2, 1, 1, 0) || str('a') || f64(1704103200.5) || i32(0),
   'ok', '[["2024-01-01T10:00:00.5Z", "a"]]'),
  (6, 'only skipped rows', hdr(1, 3, 1, 0, 0, 4),
   'ok', '{"kind": "measurements", "time_type": "number", "dropped": 4, "events": []}'),
  (7, 'a string of 256 bytes', hdr(1, 1, 0, 1, 1, 0) || str(repeat('x', 256)) || i32(0),
   'ok', '["' || repeat('x', 256) || '"]'),
  (8, 'the float8 of the last microsecond of 9999 (the spacing of float8 there is 30 us)',
   hdr(1, 2, 2, 1, 1, 0) || str('a') || f64(253402300800) || i32(0), 'ok', '[["9999-12-31T23:59:59.999999Z", "a"]]'),
  (10, 'no bytes', '\x', '22P03', 'The value ends inside the header.'),
  (11, 'a short header', substring(hdr(1, 0, 0, 0, 0, 0) FROM 1 FOR 14), '22P03', 'The value ends inside the header.'),
  (12, 'version 0', hdr(0, 0, 0, 0, 0, 0), '22P03', 'Format version 0 is not supported; the version is 1.'),
  (13, 'version 2', hdr(2, 0, 0, 0, 0, 0), '22P03', 'Format version 2 is not supported; the version is 1.'),
  (14, 'kind 4', hdr(1, 4, 0, 0, 0, 0), '22P03', 'Unrecognized kind 4.'),
  (15, 'tokens with a time kind', hdr(1, 1, 1, 1, 1, 0) || str('a') || i32(0), '22P03', 'Time kind 1 does not go with kind 1.'),
  (16, 'timed tokens without a time kind', hdr(1, 2, 0, 1, 1, 0) || str('a') || f64(0) || i32(0),
   '22P03', 'Time kind 0 does not go with kind 2.'),
  (17, 'time kind 3', hdr(1, 3, 3, 0, 0, 1), '22P03', 'Time kind 3 does not go with kind 3.'),
  (18, 'a negative event count', hdr(1, 1, 0, -1, 0, 0), '22P03', 'Negative count: -1 events, 0 strings, 0 skipped rows.'),
  (19, 'a negative string count', hdr(1, 1, 0, 1, -1, 0), '22P03', 'Negative count: 1 events, -1 strings, 0 skipped rows.'),
  (20, 'a negative skipped count', hdr(1, 3, 1, 0, 0, -5), '22P03', 'Negative count: 0 events, 0 strings, -5 skipped rows.'),
  (21, 'more than 1000000 events', hdr(1, 1, 0, 1000001, 0, 0), '54000', 'rnnseq cannot have more than 1000000 events'),
  (22, 'more strings than events', hdr(1, 1, 0, 1, 2, 0) || str('a') || str('b') || i32(0),
   '22P03', '2 strings for 1 events; every string must be used by an event.'),
  (23, 'an empty sequence with skipped rows', hdr(1, 0, 0, 0, 0, 1), '22P03', 'An empty sequence of kind 0 cannot have events or skipped rows.'),
  (29, 'an empty sequence with events (found by fuzz_seq)', hdr(1, 0, 0, 1, 0, 0) || i32(-1),
   '22P03', 'An empty sequence of kind 0 cannot have events or skipped rows.'),
  (24, 'tokens without events', hdr(1, 1, 0, 0, 0, 0), '22P03', 'A token sequence must have events and no skipped rows.'),
  (25, 'tokens with skipped rows', hdr(1, 1, 0, 1, 0, 1) || i32(-1), '22P03', 'A token sequence must have events and no skipped rows.'),
  (26, 'a timed sequence with nothing', hdr(1, 2, 1, 0, 0, 0), '22P03', 'A timed sequence without events must have skipped rows.'),
  (27, 'a million events in no bytes', hdr(1, 3, 1, 1000000, 0, 0),
   '22P03', '0 strings and 1000000 events need at least 13000000 bytes, but 0 remain.'),
  (28, 'the last event missing', hdr(1, 1, 0, 2, 0, 0) || i32(-1),
   '22P03', '0 strings and 2 events need at least 8 bytes, but 4 remain.'),
  (30, 'a negative string length', hdr(1, 1, 0, 1, 1, 0) || i32(-1) || i32(0), '22P03', 'String 1 has length -1, but 4 bytes remain.'),
  (31, 'a string longer than the rest', hdr(1, 1, 0, 1, 1, 0) || i32(100) || '\x6162'::bytea || i32(0),
   '22P03', 'String 1 has length 100, but 6 bytes remain.'),
  (32, 'a string of 257 bytes', hdr(1, 1, 0, 1, 1, 0) || str(repeat('x', 257)) || i32(0), '54000', 'string too long for type rnnseq'),
  (33, 'a zero byte in a string', hdr(1, 1, 0, 1, 1, 0) || i32(3) || '\x610062'::bytea || i32(0),
   '22021', 'invalid byte sequence for encoding "UTF8": 0x00'),
  (34, 'invalid UTF-8', hdr(1, 1, 0, 1, 1, 0) || i32(2) || '\x61ff'::bytea || i32(0),
   '22021', 'invalid byte sequence for encoding "UTF8": 0xff'),
  (35, 'a repeated string', hdr(1, 1, 0, 2, 2, 0) || str('a') || str('a') || i32(0) || i32(1), '22P03', 'String 2 repeats an earlier string.'),
  (36, 'an unused string', hdr(1, 1, 0, 2, 2, 0) || str('a') || str('b') || i32(0) || i32(0), '22P03', 'String 2 is not used by any event.'),
  (40, 'a string index past the dictionary', hdr(1, 1, 0, 1, 1, 0) || str('a') || i32(1),
   '22P03', 'Event 1 has string index 1, but there are 1 strings.'),
  (41, 'string index -2', hdr(1, 1, 0, 1, 1, 0) || str('a') || i32(-2), '22P03', 'Event 1 has string index -2, but there are 1 strings.'),
  (42, 'a NULL variable', hdr(1, 3, 1, 1, 0, 0) || f64(0) || i32(-1) || u8(0) || f64(1), '22P03', 'Event 1 has a null variable.'),
  (43, 'a NaN time', hdr(1, 2, 1, 1, 1, 0) || str('a') || f64('NaN') || i32(0), '22P03', 'Event 1 has a time that is not finite.'),
  (44, 'an infinite time', hdr(1, 2, 1, 1, 1, 0) || str('a') || f64('-Infinity') || i32(0), '22P03', 'Event 1 has a time that is not finite.'),
  (45, 'a timestamp between microseconds', hdr(1, 2, 2, 1, 1, 0) || str('a') || f64(0.0000005) || i32(0),
   '22P03', 'Event 1 has a timestamp that is not a whole microsecond from 0001-01-01 to 9999-12-31 UTC.'),
  (46, 'a timestamp in year 10000', hdr(1, 2, 2, 1, 1, 0) || str('a') || f64(253402387200) || i32(0),
   '22P03', 'Event 1 has a timestamp that is not a whole microsecond from 0001-01-01 to 9999-12-31 UTC.'),
  (47, 'a timestamp of -0', hdr(1, 2, 2, 1, 1, 0) || str('a') || f64('-0') || i32(0),
   '22P03', 'Event 1 has a timestamp that is not a whole microsecond from 0001-01-01 to 9999-12-31 UTC.'),
  (48, 'null flag 2', hdr(1, 3, 1, 1, 1, 0) || str('HR') || f64(0) || i32(0) || u8(2) || f64(1),
   '22P03', 'Event 1 has null flag 2; it must be 0 or 1.'),
  (49, 'a NaN value', hdr(1, 3, 1, 1, 1, 0) || str('HR') || f64(0) || i32(0) || u8(0) || f64('NaN'),
   '22P03', 'Event 1 has a value that is not finite.'),
  (50, 'an infinite value', hdr(1, 3, 1, 1, 1, 0) || str('HR') || f64(0) || i32(0) || u8(0) || f64('Infinity'),
   '22P03', 'Event 1 has a value that is not finite.'),
  (51, 'a truncated value',
   hdr(1, 3, 1, 2, 1, 0) || str('HR') || f64(0) || i32(0) || u8(0) || f64(1) || f64(1) || i32(0) || u8(0) || '\x0102'::bytea,
   '22P03', 'The value ends inside an event''s value.'),
  (52, 'a trailing byte', hdr(1, 0, 0, 0, 0, 0) || '\x00'::bytea, '22P03', 'Unexpected data after the last event (1 bytes).'),
  (53, 'a trailing event', hdr(1, 1, 0, 1, 0, 0) || i32(-1) || i32(-1), '22P03', 'Unexpected data after the last event (4 bytes).');
CREATE TABLE loaded (id int, s rnnseq);
SQL
if grep -q ERROR "$WORK/setup.out"; then
	echo "1..1"
	ok 1 "setup: extension, values and crafted payloads"
	diag <"$WORK/setup.out"
	exit 0
fi

mapfile -t RT_IDS < <(q -c "SELECT id FROM rt ORDER BY id")
mapfile -t CASES < <(q -F $'\t' -c "SELECT id, name, state, detail FROM cases ORDER BY id")
echo "1..$((1 + ${#RT_IDS[@]} + 3 + ${#CASES[@]} + 3 + 1))"
ok 0 "setup: extension, values and crafted payloads"

# ---------------------------------------------------------------------------
# Round trips: rnnseq_send to a binary COPY file, rnnseq_recv back

q -c "\\copy rt TO '$WORK/rt.bin' WITH (FORMAT binary)" &&
	q -c "\\copy rt_back FROM '$WORK/rt.bin' WITH (FORMAT binary)" 2>"$WORK/rt.err" || true
for id in "${RT_IDS[@]}"; do
	same=$(q -c "SELECT count(*) FROM rt a JOIN rt_back b USING (id)
		WHERE id = $id AND rnnseq_send(a.s) = rnnseq_send(b.s) AND a.s::text = b.s::text
		AND rnn_seq_info(a.s) = rnn_seq_info(b.s)" 2>&1 || true)
	kind=$(q -c "SELECT rnn_seq_info(s) ->> 'kind' FROM rt WHERE id = $id" 2>&1 || true)
	ok "$([ "$same" = 1 ] && echo 0 || echo 1)" "round trip $id ($kind): same bytes, text and info"
	if [ "$same" != 1 ]; then
		{ echo "$same"; cat "$WORK/rt.err"; } | diag
	fi
done

# strings travel in the client encoding: one byte for "é" in LATIN1
PGCLIENTENCODING=LATIN1 q -c "\\copy (SELECT id, s FROM rt WHERE id = 11) TO '$WORK/latin1.bin' WITH (FORMAT binary)" 2>"$WORK/latin1.err" || true
q -c "\\copy (SELECT id, s FROM rt WHERE id = 11) TO '$WORK/utf8.bin' WITH (FORMAT binary)" 2>>"$WORK/latin1.err" || true
diff=$(($(stat -c %s "$WORK/utf8.bin" 2>/dev/null || echo 0) - $(stat -c %s "$WORK/latin1.bin" 2>/dev/null || echo 0)))
ok "$([ "$diff" -eq 2 ] && echo 0 || echo 1)" "LATIN1 client: strings are sent in the client encoding (2 bytes shorter)"
[ "$diff" -eq 2 ] || { echo "size difference $diff"; cat "$WORK/latin1.err"; } | diag
PGCLIENTENCODING=LATIN1 q -c "\\copy rt_latin1 FROM '$WORK/latin1.bin' WITH (FORMAT binary)" 2>>"$WORK/latin1.err" || true
same=$(q -c "SELECT count(*) FROM rt a JOIN rt_latin1 b USING (id) WHERE rnnseq_send(a.s) = rnnseq_send(b.s)" 2>&1 || true)
ok "$([ "$same" = 1 ] && echo 0 || echo 1)" "LATIN1 client: received back into the same UTF8 value"
[ "$same" = 1 ] || { echo "$same"; cat "$WORK/latin1.err"; } | diag
err=$(q -v VERBOSITY=verbose -c "\\copy rt_latin1 FROM '$WORK/latin1.bin' WITH (FORMAT binary)" 2>&1 | tr '\n' ' ' || true)
case $err in
	*22021*) ok 0 "LATIN1 bytes read by a UTF8 client are rejected (22021)" ;;
	*) ok 1 "LATIN1 bytes read by a UTF8 client are rejected (22021)"; echo "$err" | diag ;;
esac

# ---------------------------------------------------------------------------
# Crafted payloads

for line in "${CASES[@]}"; do
	IFS=$'\t' read -r id name state detail <<<"$line"
	file="$WORK/case_$id.bin"
	q -c "\\copy (SELECT id, payload FROM cases WHERE id = $id) TO '$file' WITH (FORMAT binary)"
	err=$(q -v VERBOSITY=verbose -c "\\copy loaded FROM '$file' WITH (FORMAT binary)" 2>&1 | tr '\n' ' ' || true)
	if [ "$state" = ok ]; then
		got=$(q -c "SELECT s::text FROM loaded WHERE id = $id" 2>&1 || true)
		if [ -z "$err" ] && [ "$got" = "$detail" ]; then
			ok 0 "case $id, $name: loads as $detail"
		else
			ok 1 "case $id, $name: loads as $detail"
			printf 'got: %s\nerror: %s\n' "$got" "$err" | diag
		fi
	else
		case $err in
			*"ERROR:  $state:"*"$detail"*) ok 0 "case $id, $name: $state $detail" ;;
			*)
				ok 1 "case $id, $name: $state $detail"
				echo "$err" | diag
				;;
		esac
	fi
done

# ---------------------------------------------------------------------------
# Mutated payloads: all prefixes and random damage of valid ones, in one
# session each way; every row either loads or fails with an rnnseq SQLSTATE

q >"$WORK/bfuzz.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SELECT setseed(0.25);
CREATE TABLE bsrc AS
  SELECT id, rnnseq_send(s) AS b FROM rt WHERE id IN (2, 3, 4, 5, 6, 7)
  UNION ALL SELECT 100 + id, payload FROM cases WHERE state = 'ok';
CREATE TABLE bfuzz (id serial PRIMARY KEY, kind text, payload bytea);
-- every proper prefix
INSERT INTO bfuzz (kind, payload)
  SELECT 'prefix', substring(b FROM 1 FOR k) FROM bsrc, generate_series(0, length(b) - 1) AS k;
-- one to three random bytes overwritten, inserted or deleted
INSERT INTO bfuzz (kind, payload)
  SELECT 'damage', d FROM (
    SELECT (SELECT CASE (random() * 2)::int
                     WHEN 0 THEN set_byte(b, (random() * (length(b) - 1))::int, (random() * 255)::int)
                     WHEN 1 THEN overlay(b PLACING set_byte('\x00'::bytea, 0, (random() * 255)::int)
                                        FROM 1 + (random() * length(b))::int FOR 0)
                     ELSE overlay(b PLACING '\x'::bytea FROM 1 + (random() * (length(b) - 1))::int FOR 1)
                   END) AS d
    FROM bsrc, generate_series(1, 60) AS r) AS m;
-- a high-bit flip of each count in the header
INSERT INTO bfuzz (kind, payload)
  SELECT 'count', set_byte(b, k, get_byte(b, k) # 128) FROM bsrc, generate_series(3, 14) AS k WHERE length(b) > 14;
CREATE TABLE bloaded (id int, s rnnseq);
SQL
mapfile -t BIDS < <(q -c "SELECT id FROM bfuzz ORDER BY id" 2>/dev/null || true)
for id in "${BIDS[@]}"; do
	echo "\\copy (SELECT id, payload FROM bfuzz WHERE id = $id) TO '$WORK/b_$id.bin' WITH (FORMAT binary)"
done | psql -X -q -d "$DB" >>"$WORK/bfuzz.out" 2>&1 || true
for id in "${BIDS[@]}"; do
	echo "\\copy bloaded FROM '$WORK/b_$id.bin' WITH (FORMAT binary)"
done | psql -X -q -d "$DB" -v VERBOSITY=sqlstate >"$WORK/bfuzz.load" 2>&1 || true
nerr=$(grep -c 'ERROR:' "$WORK/bfuzz.load" || true)
codes=$(grep -o 'ERROR:  [0-9A-Z]\{5\}' "$WORK/bfuzz.load" | sort | uniq -c | awk '{print $3 " " $1}' | paste -sd, - || true)
bad_codes=$(grep -o 'ERROR:  [0-9A-Z]\{5\}' "$WORK/bfuzz.load" | grep -v -c -E '22P03|22021|54000' || true)
read -r nloaded nround < <(q -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE rnnseq_send(s) = rnnseq_send(s::text::rnnseq)
	AND rnn_seq_info(s) IS NOT NULL) FROM bloaded" 2>/dev/null || echo "-1 -2")
status=1
if [ "${#BIDS[@]}" -gt 0 ] && [ $((nerr + nloaded)) -eq "${#BIDS[@]}" ] && [ "$bad_codes" -eq 0 ] &&
	[ "$nloaded" -eq "$nround" ]; then
	status=0
fi
ok "$status" "${#BIDS[@]} mutated payloads: $nerr rejected ($codes), $nloaded loaded and round-trip"
if [ "$status" -ne 0 ]; then
	{ echo "loaded $nloaded, round trips $nround, other SQLSTATEs $bad_codes"; grep -v -E 'ERROR:  (22P03|22021|54000)' "$WORK/bfuzz.load" | head -n 20; head -n 20 "$WORK/bfuzz.out"; } | diag
fi

# Mutated text: deletions, insertions and replacements of JSON pieces
q -v n="$TEXT_MUTATIONS" >"$WORK/tfuzz.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SET tfuzz.n = :n;
CREATE FUNCTION mutate(s text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  pieces text[] := ARRAY['[', ']', ',', '"', '\', 'null', '0', '-', '1e400', 'e', '.', ' ', '{', '}', ':',
                         '\u', 'd83d', '\ud83d', 'T', 'Z', '+01:00', '2024-02-30T00:00:00Z', 'é', 'true',
                         '"kind"', '"dropped"', '1e-400', '-0', '9999', '0000'];
  piece text;
  pos int;
BEGIN
  FOR k IN 1 .. 1 + (random() * 2)::int LOOP
    pos := 1 + (random() * length(s))::int;
    piece := pieces[1 + (random() * (array_length(pieces, 1) - 1))::int];
    CASE (random() * 3)::int
      WHEN 0 THEN s := overlay(s PLACING '' FROM pos FOR 1 + (random() * 3)::int);
      WHEN 1 THEN s := overlay(s PLACING piece FROM pos FOR 0);
      WHEN 2 THEN s := overlay(s PLACING piece FROM pos FOR 1);
      ELSE s := left(s, pos);
    END CASE;
  END LOOP;
  RETURN s;
END $$;
CREATE TABLE tfuzz_result (accepted int, round_trip int, rejected int, wrong text[], states text[]);
SELECT setseed(0.75);
DO $$
DECLARE
  seeds text[] := ARRAY(SELECT s::text FROM rt WHERE id <= 7 ORDER BY id);
  n int := current_setting('tfuzz.n')::int;
  m text;
  v rnnseq;
  accepted int := 0;
  round_trip int := 0;
  rejected int := 0;
  wrong text[] := '{}';
  states text[] := '{}';
BEGIN
  FOR i IN 1 .. n LOOP
    m := mutate(seeds[1 + i % array_length(seeds, 1)]);
    BEGIN
      v := m::rnnseq;
      accepted := accepted + 1;
      IF rnnseq_send(v) = rnnseq_send(v::text::rnnseq) AND v::text = v::text::rnnseq::text THEN
        round_trip := round_trip + 1;
      ELSE
        wrong := wrong || ('does not round-trip: ' || m);
      END IF;
    EXCEPTION WHEN OTHERS THEN
      rejected := rejected + 1;
      states := states || SQLSTATE;
      IF SQLERRM NOT LIKE '%rnnseq%' THEN
        wrong := wrong || (SQLSTATE || ' ' || SQLERRM || ': ' || m);
      END IF;
    END;
  END LOOP;
  INSERT INTO tfuzz_result VALUES (accepted, round_trip, rejected, wrong, states);
END $$;
SQL
read -r accepted round rejected nwrong states < <(q -F ' ' -c "SELECT accepted, round_trip, rejected, cardinality(wrong),
	(SELECT string_agg(st || ' ' || c, ',' ORDER BY st) FROM (SELECT st, count(*) AS c FROM unnest(states) AS st GROUP BY st) AS g)
	FROM tfuzz_result" 2>/dev/null || echo "-1 -1 -1 -1 none")
status=1
if [ "$accepted" -ge 0 ] && [ $((accepted + rejected)) -eq "$TEXT_MUTATIONS" ] && [ "$nwrong" -eq 0 ] &&
	[ "$round" -eq "$accepted" ]; then
	status=0
fi
ok "$status" "$TEXT_MUTATIONS mutated text literals: $rejected rejected ($states), every error names rnnseq; $accepted accepted and round-trip"
if [ "$status" -ne 0 ]; then
	{ cat "$WORK/tfuzz.out"; q -c "SELECT unnest(wrong[1:20]) FROM tfuzz_result" 2>&1; } | diag
fi

# The session still works after all of that
alive=$(q -c "SELECT rnn_seq_info('[[0, \"HR\", 80]]') ->> 'events'" 2>&1 || true)
ok "$([ "$alive" = 1 ] && echo 0 || echo 1)" "a new session still reads and writes rnnseq"
[ "$alive" = 1 ] || echo "$alive" | diag

# ---------------------------------------------------------------------------
# No backend crashed

crashes=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	crashes=$(tail -c +$((LOG_START + 1)) "$MEDRNN_PGLOG" | grep -c -E 'terminated by signal|PANIC' || true)
fi
ok "$([ "$crashes" -eq 0 ] && echo 0 || echo 1)" "the server log has no \"terminated by signal\" since the suite started"
