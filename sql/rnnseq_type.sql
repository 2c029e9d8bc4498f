-- the rnnseq type: its text form, round trips, limits and every input error
SET client_min_messages = warning;

-- every kind
SELECT '[]'::rnnseq;
SELECT '  [ ]  '::rnnseq;
SELECT '["J18.9", "R05", null]'::rnnseq;
SELECT '[null]'::rnnseq;
SELECT '[""]'::rnnseq;
SELECT '[[0, "J18.9"], [1.5, null]]'::rnnseq;
SELECT '[[0, "HR", 80], [30, "HR", null]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00Z", "HR", 80]]'::rnnseq;
SELECT E'[\n\t[ 0 ,\r"a" ] ]'::rnnseq;
SELECT '[[0,"HR",80],[30,"HR",null]]'::rnnseq;

-- tokens keep their order and duplicates
SELECT '["b", "a", null, "b", "a"]'::rnnseq;

-- timed events are sorted: time, then token (NULL last); duplicates are kept
SELECT '[[2, "b"], [1, "z"], [1, null], [1, "a"], [0, "c"], [1, "a"]]'::rnnseq;
-- measurements: time, variable, then NULL value last, then value
SELECT '[[0, "HR", 90], [0, "HR", null], [0, "HR", 80], [0, "BP", 120], [-1, "HR", 1]]'::rnnseq;
-- string order is byte order, shorter first on a common prefix
SELECT '[[0, "b"], [0, "ab"], [0, "a"], [0, "B"], [0, "é"], [0, ""]]'::rnnseq;
-- -0 is kept and sorts before 0
SELECT '[[0, "a"], [-0, "a"]]'::rnnseq;
SELECT '[[0, "v", 0], [0, "v", -0.0]]'::rnnseq;

-- numbers print in shortest round-trip form, whatever extra_float_digits says
SELECT '[[0.1, "a", 0.30000000000000004], [1e20, "b", -1.5e-7], [100, "c", 5e-324], [1E2, "d", 2.2250738585072014E-308], [-1.7976931348623157e308, "e", 1.7976931348623157e+308]]'::rnnseq;
SET extra_float_digits = -15;
SELECT '[[0.1, "a", 0.30000000000000004], [0.3333333333333333, "b", 2]]'::rnnseq;
SET extra_float_digits = 3;
SELECT '[[0.1, "a", 0.30000000000000004], [0.3333333333333333, "b", 2]]'::rnnseq;
RESET extra_float_digits;
-- negative, huge, tiny and subnormal times
SELECT '[[-1e300, "a"], [1e300, "b"], [-0.5, "c"], [1e-310, "d"], [123456789012345678901234567890, "e"]]'::rnnseq;

-- strings: escapes in, minimal escapes out
SELECT '["\"quoted\"", "back\\slash", "\/", "\u00e9t\u00E9", "\ud83d\ude00", "tab\there", "nl\nx", "\b\f\r", "\u0001\u001f\u007f"]'::rnnseq;
SELECT '["日本語", "é", "naïve café", "\u65e5"]'::rnnseq;

-- timestamps: offsets become UTC, fractions print only when not zero
SELECT '[["2024-01-01T10:00:00+01:00", "a"], ["2024-01-01T10:00:00-05:30", "b"], ["2024-01-01T10:00:00-00:00", "c"]]'::rnnseq;
SELECT '[["2024-02-29T23:59:59.5Z", "a"], ["2024-02-29T23:59:59.000001Z", "b"], ["2024-02-29T23:59:59.120000Z", "c"], ["2024-02-29T23:59:59.0Z", "d"], ["2024-02-29T23:59:59.999999Z", "e"]]'::rnnseq;
SELECT '[["0001-01-01T00:00:00Z", "min"], ["9999-12-31T23:59:59.999999Z", "max"], ["1969-12-31T23:59:59.999999Z", "before 1970"], ["1900-03-01T00:00:00Z", "x"], ["2000-02-29T12:00:00Z", "y"]]'::rnnseq;
SELECT '[["0001-01-01T01:00:00+01:00", "min"], ["9999-12-31T22:00:00-01:59", "max"], ["2024-03-01T00:30:00+01:00", "leap"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00Z", "HR", 80], ["2024-01-01T10:00:00.25Z", "HR", null], ["2023-12-31T23:00:00-11:00", "SpO2", 97]]'::rnnseq;
-- output depends neither on TimeZone nor on DateStyle
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SELECT '[["2024-07-01T12:00:00+02:00", "a"]]'::rnnseq;
RESET TimeZone;
RESET DateStyle;

-- the object form of a sequence that an aggregate built while skipping rows
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 2, "events": [[30, "HR", 80], [0, "HR", null]]}'::rnnseq;
SELECT '{"kind": "timed_tokens", "time_type": "timestamp", "dropped": 1, "events": []}'::rnnseq;
SELECT ' { "kind" : "timed_tokens" , "time_type" : "number" , "dropped" : 2147483647 , "events" : [ [1, "a"] ] } '::rnnseq;

-- round trips: in, out and in again give the same bytes and text
CREATE TABLE rt (id int, t text);
INSERT INTO rt VALUES
  (1, '[]'),
  (2, '["J18.9", "R05", null, "J18.9"]'),
  (3, '[[1.5, null], [0, "J18.9"], [0, "A"]]'),
  (4, '[[30, "HR", null], [0, "HR", 80], [0, "HR", -0.0], [0, "HR", 0]]'),
  (5, '[["2024-01-01T10:00:00+01:00", "HR", 80], ["1969-12-31T23:59:59.999999Z", "T", null]]'),
  (6, '["\"", "\\", "\u00e9", "\ud83d\ude00", "\u0001", "日本語"]'),
  (7, '[[-1e300, "a"], [1e300, "b"], [5e-324, "c"], [0.1, "d"], [-0, "e"]]'),
  (8, '{"kind": "measurements", "time_type": "timestamp", "dropped": 3, "events": [["2024-01-01T00:00:00Z", "x", 1]]}'),
  (9, '{"kind": "timed_tokens", "time_type": "number", "dropped": 1, "events": []}'),
  (10, '[["0001-01-01T00:00:00Z", "a"], ["9999-12-31T23:59:59.999999Z", "b"], ["2250-06-01T12:34:56.789012Z", "c"]]');
SELECT id, rnnseq_send(t::rnnseq) = rnnseq_send(t::rnnseq::text::rnnseq) AS same_bytes,
       t::rnnseq::text = t::rnnseq::text::rnnseq::text AS same_text
FROM rt ORDER BY id;

-- 300 random sequences: the same bytes through text, and for any order of their elements
SELECT setseed(0.5);
CREATE TABLE rnd AS
  SELECT g, i, round((random() * 100)::numeric, (random() * 4)::int)::float8 AS t,
         (ARRAY['HR', 'SpO2', 'Temp', 'é', 'a"b'])[1 + (random() * 4)::int] AS var,
         CASE WHEN random() < 0.1 THEN NULL ELSE random() * 200 - 50 END AS val
  FROM generate_series(1, 300) AS g, generate_series(1, 1 + (g % 40)) AS i;
CREATE TABLE rnd_text AS
  SELECT g,
         '[' || string_agg(format('[%s, %s, %s]', t, to_json(var), coalesce(val::text, 'null')), ', ' ORDER BY i) || ']' AS in_order,
         '[' || string_agg(format('[%s, %s, %s]', t, to_json(var), coalesce(val::text, 'null')), ', ' ORDER BY i DESC) || ']' AS reversed
  FROM rnd GROUP BY g;
SELECT count(*) AS sequences,
       count(*) FILTER (WHERE rnnseq_send(in_order::rnnseq) = rnnseq_send(in_order::rnnseq::text::rnnseq)) AS round_trip,
       count(*) FILTER (WHERE rnnseq_send(in_order::rnnseq) = rnnseq_send(reversed::rnnseq)) AS order_free
FROM rnd_text;

-- rnn_seq_info
SELECT rnn_seq_info('[]');
SELECT rnn_seq_info('["a", null, "a", "b"]');
SELECT rnn_seq_info('[[2, "J18.9"], [1, null]]');
SELECT rnn_seq_info('[[30, "HR", null], [0, "HR", 80], [5, "SpO2", 99]]');
SELECT rnn_seq_info('[["2024-01-01T10:00:00+01:00", "HR", 80], ["2024-01-02T00:00:00.5Z", "HR", 81]]');
SELECT rnn_seq_info('{"kind": "measurements", "time_type": "number", "dropped": 4, "events": []}');

-- a large value is stored (toasted) and read back unchanged
CREATE TABLE big AS
  SELECT ('[' || string_agg(format('[%s, "v%s", %s]', i, i % 10, i), ', ') || ']')::rnnseq AS s
  FROM generate_series(1, 100000) AS i;
SELECT rnn_seq_info(s) ->> 'events' AS events, md5(s::text) = md5(s::text::rnnseq::text) AS same FROM big;

-- limits: strings of 256 bytes, 1000000 events
SELECT rnn_seq_info(('["' || repeat('x', 256) || '"]')::rnnseq) ->> 'distinct' AS ok_256;
SELECT ('["' || repeat('x', 257) || '"]')::rnnseq;
SELECT ('[[0, "' || repeat('é', 129) || '", 1]]')::rnnseq;
SELECT rnn_seq_info(('[' || repeat('"a", ', 999999) || '"a"]')::rnnseq) ->> 'events' AS ok_1000000;
SELECT ('[' || repeat('"a", ', 1000000) || '"a"]')::rnnseq;

-- errors: structure
SELECT ''::rnnseq;
SELECT '   '::rnnseq;
SELECT 'null'::rnnseq;
SELECT '"a"'::rnnseq;
SELECT '['::rnnseq;
SELECT '["a"'::rnnseq;
SELECT '["a",'::rnnseq;
SELECT '["a",]'::rnnseq;
SELECT '[,]'::rnnseq;
SELECT '["a"] x'::rnnseq;
SELECT '["a"]]'::rnnseq;
SELECT '["a" "b"]'::rnnseq;
SELECT '[1]'::rnnseq;
SELECT '[true]'::rnnseq;
SELECT '[{}]'::rnnseq;
SELECT '[[]]'::rnnseq;
SELECT '[[1]]'::rnnseq;
SELECT '[[1, "a", 2, 3]]'::rnnseq;
SELECT '[[1, "a"'::rnnseq;
SELECT '[[1 "b"]]'::rnnseq;
SELECT '[[1, "b"] [2, "c"]]'::rnnseq;
-- errors: mixed shapes
SELECT '["a", [1, "b"]]'::rnnseq;
SELECT '[[1, "b"], "a"]'::rnnseq;
SELECT '[[1, "b"], null]'::rnnseq;
SELECT '[[1, "b"], [2, "c", 3]]'::rnnseq;
SELECT '[[1, "b", 3], [2, "c"]]'::rnnseq;
SELECT '[[0, "a"], ["2024-01-01T00:00:00Z", "b"]]'::rnnseq;
SELECT '[["2024-01-01T00:00:00Z", "b", 1], [0, "a", 2]]'::rnnseq;
-- errors: items
SELECT '[[null, "a"]]'::rnnseq;
SELECT '[[null, "a", 1]]'::rnnseq;
SELECT '[[0, null, 1]]'::rnnseq;
SELECT '[[0, 1]]'::rnnseq;
SELECT '[[0, 1, 2]]'::rnnseq;
SELECT '[[0, "a", "b"]]'::rnnseq;
SELECT '[[0, "a", true]]'::rnnseq;
SELECT '[[0, ["a"]]]'::rnnseq;
SELECT '[[true, "a"]]'::rnnseq;
SELECT '[[{"t": 0}, "a"]]'::rnnseq;
-- errors: strings
SELECT '["abc]'::rnnseq;
SELECT '["a\x"]'::rnnseq;
SELECT '["a\'::rnnseq;
SELECT '["\u12"]'::rnnseq;
SELECT '["\u12G4"]'::rnnseq;
SELECT '["\u0000"]'::rnnseq;
SELECT '["\ud83d"]'::rnnseq;
SELECT '["\ud83dx"]'::rnnseq;
SELECT '["\ud83d\u0041"]'::rnnseq;
SELECT '["\ude00"]'::rnnseq;
SELECT E'["a\tb"]'::rnnseq;
SELECT E'["a\nb"]'::rnnseq;
SELECT '[''a'']'::rnnseq;
-- errors: numbers
SELECT '[[01, "a"]]'::rnnseq;
SELECT '[[1., "a"]]'::rnnseq;
SELECT '[[.5, "a"]]'::rnnseq;
SELECT '[[+1, "a"]]'::rnnseq;
SELECT '[[-, "a"]]'::rnnseq;
SELECT '[[1e, "a"]]'::rnnseq;
SELECT '[[1e+, "a"]]'::rnnseq;
SELECT '[[1.5.2, "a"]]'::rnnseq;
SELECT '[[0x10, "a"]]'::rnnseq;
SELECT '[[1_000, "a"]]'::rnnseq;
SELECT '[[NaN, "a"]]'::rnnseq;
SELECT '[[Infinity, "a"]]'::rnnseq;
SELECT '[[-Infinity, "a"]]'::rnnseq;
SELECT '[[1e400, "a"]]'::rnnseq;
SELECT '[[-1e400, "a"]]'::rnnseq;
SELECT '[[0, "a", 1e400]]'::rnnseq;
SELECT '[[1e-400, "a"]]'::rnnseq;
SELECT '[[123456789012345678901234567890123456789012345678901234567890e300, "a"]]'::rnnseq;
-- errors: literals
SELECT '[nul]'::rnnseq;
SELECT '[nullx]'::rnnseq;
SELECT '[NULL]'::rnnseq;
SELECT '[None]'::rnnseq;
-- errors: timestamps
SELECT '[["2024-01-01", "a"]]'::rnnseq;
SELECT '[["2024-01-01 10:00:00Z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00", "a"]]'::rnnseq;
SELECT '[["2024-01-01t10:00:00z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00Z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00.Z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00.1234567Z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00+0100", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00+01", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00Z ", "a"]]'::rnnseq;
SELECT '[["+2024-01-01T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["12024-01-01T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["2024-1-01T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["yesterday", "a"]]'::rnnseq;
SELECT '[["2024-13-01T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["2024-00-01T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["2023-02-29T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["1900-02-29T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["2024-04-31T10:00:00Z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T24:00:00Z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T23:60:00Z", "a"]]'::rnnseq;
SELECT '[["2016-12-31T23:59:60Z", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00+24:00", "a"]]'::rnnseq;
SELECT '[["2024-01-01T10:00:00+01:60", "a"]]'::rnnseq;
SELECT '[["0000-01-01T00:00:00Z", "a"]]'::rnnseq;
SELECT '[["0001-01-01T00:00:00+00:01", "a"]]'::rnnseq;
SELECT '[["9999-12-31T23:59:59-00:01", "a"]]'::rnnseq;
-- errors: the object form
SELECT '{}'::rnnseq;
SELECT '{"kind": "measurements"}'::rnnseq;
SELECT '{"time_type": "number", "kind": "measurements", "dropped": 1, "events": []}'::rnnseq;
SELECT '{"kind": "tokens", "time_type": "number", "dropped": 1, "events": []}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "date", "dropped": 1, "events": []}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 0, "events": []}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 1.5, "events": []}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 2147483648, "events": []}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": "1", "events": []}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 1, "events": {}}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 1, "events": [[0, "a"]]}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 1, "events": [["2024-01-01T00:00:00Z", "a", 1]]}'::rnnseq;
SELECT '{"kind": "timed_tokens", "time_type": "number", "dropped": 1, "events": ["a"]}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 1, "events": []'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 1, "events": [], "x": 1}'::rnnseq;
SELECT '{"kind": "measurements", "time_type": "number", "dropped": 1, "events": []}]'::rnnseq;
SELECT '{"kind" "measurements"}'::rnnseq;
SELECT '{"kind": "measurements" "time_type": "number"}'::rnnseq;
SELECT '{kind: "measurements"}'::rnnseq;
-- a long input is quoted only in part, cut on a character boundary
SELECT ('[' || repeat('"abc", ', 30) || '1]')::rnnseq;
SELECT ('["' || repeat('é', 40) || '", 1]')::rnnseq;

-- the SQLSTATE of each kind of error
CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
SELECT sqlstate_of($$SELECT '[1]'::rnnseq$$) AS syntax,
       sqlstate_of($$SELECT '[[null, "a"]]'::rnnseq$$) AS null_time,
       sqlstate_of($$SELECT '[["2024-02-30T00:00:00Z", "a"]]'::rnnseq$$) AS bad_date,
       sqlstate_of($$SELECT '[[1e400, "a"]]'::rnnseq$$) AS overflow,
       sqlstate_of($$SELECT '[["0001-01-01T00:30:00+01:00", "a"]]'::rnnseq$$) AS ts_range,
       sqlstate_of($$SELECT ('["' || repeat('x', 257) || '"]')::rnnseq$$) AS too_long,
       sqlstate_of($$SELECT ('[' || repeat('1, ', 1000000) || '1]')::rnnseq$$) AS not_tokens,
       sqlstate_of($$SELECT ('[' || repeat('null, ', 1000000) || 'null]')::rnnseq$$) AS too_many;

-- input and output are immutable and parallel safe; binary I/O follows the client encoding
SELECT p.oid::regprocedure, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p WHERE p.proname IN ('rnnseq_in', 'rnnseq_out', 'rnnseq_recv', 'rnnseq_send', 'rnn_seq_info')
ORDER BY p.proname;
SELECT typname, typlen, typalign, typstorage FROM pg_type WHERE typname = 'rnnseq';
SELECT obj_description('rnnseq'::regtype, 'pg_type') IS NOT NULL AS commented;

-- leave nothing behind: a column of type rnnseq would pin the extension
DROP TABLE rt, rnd, rnd_text, big;
DROP FUNCTION sqlstate_of(text);
