-- the rnn_seq aggregates: order, NULLs, empty groups, ties, limits, and
-- parallel plans that give the serial result
SET client_min_messages = warning;

-- rnn_seq(token): the aggregate's input order, set with ORDER BY in the call
CREATE TABLE visits (patient int, visit int, code text);
INSERT INTO visits VALUES
  (1, 3, 'I10'), (1, 1, 'J18.9'), (1, 2, NULL), (1, 4, 'J18.9'),
  (2, 1, 'E11'),
  (3, 1, NULL), (3, 2, NULL);
SELECT patient, rnn_seq(code ORDER BY visit) FROM visits GROUP BY patient ORDER BY patient;
SELECT patient, rnn_seq(code ORDER BY visit DESC) FROM visits GROUP BY patient ORDER BY patient;
SELECT rnn_seq(DISTINCT code ORDER BY code) FROM visits;
SELECT rnn_seq(code ORDER BY patient, visit) FILTER (WHERE code IS NOT NULL) FROM visits;
SELECT rnn_seq_info(rnn_seq(code ORDER BY visit)) FROM visits WHERE patient = 1;
-- no rows give NULL, as for every SQL aggregate
SELECT rnn_seq(code) IS NULL AS no_rows FROM visits WHERE false;
SELECT patient, rnn_seq(code ORDER BY visit) FILTER (WHERE code <> 'E11') FROM visits GROUP BY patient ORDER BY patient;

-- rnn_seq(float8, token): sorted by time, then token with NULL last; NULL
-- tokens kept, NULL times skipped and counted
CREATE TABLE dx (patient int, t float8, code text);
INSERT INTO dx VALUES
  (1, 5, 'I10'), (1, 0, 'J18.9'), (1, 2.5, NULL), (1, 2.5, 'R05'), (1, 2.5, 'A00'),
  (1, NULL, 'X'), (1, 0, 'J18.9'),
  (2, -1, 'E11'),
  (3, NULL, 'A'), (3, NULL, NULL);
SELECT patient, rnn_seq(t, code) FROM dx GROUP BY patient ORDER BY patient;
SELECT patient, rnn_seq_info(rnn_seq(t, code)) FROM dx GROUP BY patient ORDER BY patient;
-- ORDER BY in the call changes nothing
SELECT bool_and(rnnseq_send(a) = rnnseq_send(b)) AS same
FROM (SELECT rnn_seq(t, code ORDER BY t DESC, code DESC) AS a, rnn_seq(t, code) AS b
      FROM dx GROUP BY patient) AS s;
-- integer and numeric times take the float8 form
SELECT rnn_seq(i, 'x' || i) FROM generate_series(3, 1, -1) AS i;
SELECT rnn_seq(i::numeric / 4, 'x') FROM generate_series(1, 3) AS i;

-- rnn_seq(timestamptz, token): stored in UTC, whatever the TimeZone
CREATE TABLE dx_ts (patient int, at timestamptz, code text);
SET TimeZone = 'Europe/Paris';
INSERT INTO dx_ts VALUES
  (1, '2024-03-01 10:00:00', 'J18.9'), (1, '2024-03-01 09:00:00+00', 'R05'),
  (1, '2024-03-01 10:00:00.123456', NULL), (1, NULL, 'Z'),
  (2, '1969-07-20 20:17:40+00', 'moon'), (2, '0001-01-01 00:00:00+00', 'start'),
  (2, '9999-12-31 23:59:59.999999+00', 'end');
SELECT patient, rnn_seq(at, code) FROM dx_ts GROUP BY patient ORDER BY patient;
SET TimeZone = 'Pacific/Auckland';
SELECT patient, rnn_seq(at, code) FROM dx_ts GROUP BY patient ORDER BY patient;
RESET TimeZone;

-- rnn_seq(float8, variable, value): sorted by time, variable, NULL value
-- last, value; NULL values kept, NULL time or variable skipped and counted
CREATE TABLE vitals (patient int, t float8, var text, val float8);
INSERT INTO vitals VALUES
  (1, 30, 'HR', 88), (1, 0, 'HR', 80), (1, 0, 'SpO2', NULL), (1, 0, 'HR', NULL),
  (1, 0, 'HR', 79.5), (1, 15, 'Temp', 37.2), (1, 0, 'HR', 80),
  (1, NULL, 'HR', 90), (1, 45, NULL, 1), (1, NULL, NULL, NULL),
  (2, 10, 'HR', NULL),
  (3, NULL, 'HR', 70), (3, 5, NULL, 70);
SELECT patient, rnn_seq(t, var, val) FROM vitals GROUP BY patient ORDER BY patient;
SELECT patient, rnn_seq_info(rnn_seq(t, var, val)) FROM vitals GROUP BY patient ORDER BY patient;
SELECT rnn_seq(t, var, val) IS NULL AS no_rows FROM vitals WHERE patient = 99;
-- FILTER drops rows before the aggregate sees them: they are not counted
SELECT patient, rnn_seq(t, var, val) FILTER (WHERE val > 85) FROM vitals GROUP BY patient ORDER BY patient;
-- the output reads back as the same value
SELECT bool_and(rnnseq_send(s) = rnnseq_send(s::text::rnnseq)) AS round_trip
FROM (SELECT rnn_seq(t, var, val) AS s FROM vitals GROUP BY patient) AS g;

-- rnn_seq(timestamptz, variable, value)
SELECT rnn_seq(timestamptz '2024-01-01 00:00:00+00' + t * interval '1 minute', var, val)
FROM vitals WHERE patient = 1;
SELECT rnn_seq(timestamptz '2024-01-01 00:00:00+00' + t * interval '1 second', var, val)
FROM vitals WHERE patient = 3;

-- as a window function: the sequence so far (peers included)
SELECT patient, t, rnn_seq(t, code) OVER (PARTITION BY patient ORDER BY t)
FROM dx WHERE t IS NOT NULL ORDER BY patient, t, code;

-- errors
SELECT rnn_seq('NaN'::float8, 'a');
SELECT rnn_seq('Infinity'::float8, 'a');
SELECT rnn_seq('-Infinity'::float8, 'a', 1);
SELECT rnn_seq(0, 'HR', 'NaN'::float8);
SELECT rnn_seq(0, 'HR', '-Infinity'::float8);
SELECT rnn_seq('infinity'::timestamptz, 'a');
SELECT rnn_seq('-infinity'::timestamptz, 'a', 1);
SELECT rnn_seq('10000-01-01 00:00:00+00'::timestamptz, 'a');
SELECT rnn_seq('0001-01-01 00:00:00+00'::timestamptz - interval '1 microsecond', 'a', 1);
SELECT rnn_seq(repeat('x', 257));
SELECT rnn_seq(0, repeat('é', 129));
SELECT rnn_seq(0, repeat('x', 257), 1);
SELECT rnn_seq(t, code) FROM (VALUES (1::float8, 'a'), ('NaN', 'b')) AS v(t, code);
SELECT rnn_seq('2024-01-01', 'a');
-- 1000000 events per value; skipped rows do not count
SELECT rnn_seq_info(rnn_seq(i % 1000, 'v' || (i % 7), i)) ->> 'events' AS events
FROM generate_series(1, 1000000) AS i;
SELECT rnn_seq_info(rnn_seq(CASE WHEN i <= 1000000 THEN i END, 'a'))
FROM generate_series(1, 1000005) AS i;
SELECT rnn_seq(i, 'a') FROM generate_series(1, 1000001) AS i;
SELECT rnn_seq('a') FROM generate_series(1, 1000001) AS i;

-- the aggregates' definitions
SELECT a.aggfnoid::regprocedure, a.aggcombinefn <> 0 AS combine, a.aggserialfn <> 0 AS serial,
       a.aggdeserialfn <> 0 AS deserial, p.proparallel, obj_description(a.aggfnoid, 'pg_proc') IS NOT NULL AS commented
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.proname = 'rnn_seq' ORDER BY a.aggfnoid::regprocedure::text;

-- parallel aggregation: partial states in workers, combined in the leader,
-- give byte-identical sequences to the serial plan, group by group
CREATE TABLE ev AS
  SELECT i % 997 AS pid,
         CASE WHEN i % 3001 = 0 THEN NULL ELSE ((i / 997) % 37) / 4.0 END::float8 AS t,
         CASE WHEN i % 4001 = 0 THEN NULL ELSE 'v' || (i % 13) END AS var,
         CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 101) / 3.0 END::float8 AS val
  FROM generate_series(1, 200000) AS i;
ALTER TABLE ev ADD COLUMN at timestamptz;
UPDATE ev SET at = timestamptz '2024-01-01 00:00:00+00' + t * interval '1 minute';
ANALYZE ev;

-- true if the plan of q has a line matching pat
CREATE FUNCTION plan_has(q text, pat text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF line ~ pat THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END $$;
-- run q under EXPLAIN ANALYZE (so a CREATE TABLE AS creates its table) and
-- return how many parallel workers it launched
CREATE FUNCTION workers_launched(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  line text;
  n int := 0;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line ~ 'Workers Launched: ' THEN
      n := n + substring(line FROM 'Workers Launched: (\d+)')::int;
    END IF;
  END LOOP;
  RETURN n;
END $$;

SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_g AS
  SELECT pid, md5(rnnseq_send(rnn_seq(t, var, val))) AS m1, md5(rnnseq_send(rnn_seq(at, var, val))) AS m2,
         md5(rnnseq_send(rnn_seq(t, var))) AS m3, md5(rnnseq_send(rnn_seq(at, var))) AS m4,
         (rnn_seq_info(rnn_seq(t, var, val)) ->> 'dropped')::int AS dropped
  FROM ev GROUP BY pid;
CREATE TABLE serial_1 AS
  SELECT md5(rnnseq_send(rnn_seq(t, var, val))) AS m1, md5(rnnseq_send(rnn_seq(at, var))) AS m4 FROM ev;
SELECT count(*) AS groups, count(*) FILTER (WHERE dropped > 0) AS with_dropped FROM serial_g;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SELECT plan_has($$SELECT pid, rnn_seq(t, var, val), rnn_seq(at, var, val), rnn_seq(t, var), rnn_seq(at, var)
                  FROM ev GROUP BY pid$$, '^ *(->  )?Partial (Hash|Group)Aggregate') AS partial_grouped,
       plan_has($$SELECT rnn_seq(t, var, val) FROM ev$$, '^ *(->  )?Partial Aggregate') AS partial_plain,
       plan_has($$SELECT pid, rnn_seq(var ORDER BY t) FROM ev GROUP BY pid$$, 'Partial') AS partial_untimed;

-- hashed grouping
SET enable_hashagg = on;
SET enable_sort = off;
SELECT plan_has($$SELECT pid, rnn_seq(t, var, val) FROM ev GROUP BY pid$$, 'Partial HashAggregate') AS hashed;
SELECT workers_launched($$CREATE TABLE par_hash AS
  SELECT pid, md5(rnnseq_send(rnn_seq(t, var, val))) AS m1, md5(rnnseq_send(rnn_seq(at, var, val))) AS m2,
         md5(rnnseq_send(rnn_seq(t, var))) AS m3, md5(rnnseq_send(rnn_seq(at, var))) AS m4
  FROM ev GROUP BY pid$$) > 0 AS used_workers;
-- sorted grouping
SET enable_hashagg = off;
SET enable_sort = on;
SELECT plan_has($$SELECT pid, rnn_seq(t, var, val) FROM ev GROUP BY pid$$, 'Partial GroupAggregate') AS sorted;
SELECT workers_launched($$CREATE TABLE par_sort AS
  SELECT pid, md5(rnnseq_send(rnn_seq(t, var, val))) AS m1, md5(rnnseq_send(rnn_seq(at, var, val))) AS m2,
         md5(rnnseq_send(rnn_seq(t, var))) AS m3, md5(rnnseq_send(rnn_seq(at, var))) AS m4
  FROM ev GROUP BY pid$$) > 0 AS used_workers;
RESET enable_hashagg;
RESET enable_sort;
-- one group of the whole table
SELECT workers_launched($$CREATE TABLE par_1 AS
  SELECT md5(rnnseq_send(rnn_seq(t, var, val))) AS m1, md5(rnnseq_send(rnn_seq(at, var))) AS m4 FROM ev$$) > 0 AS used_workers;

SELECT count(*) AS groups,
       count(*) FILTER (WHERE s.m1 = h.m1 AND s.m2 = h.m2 AND s.m3 = h.m3 AND s.m4 = h.m4) AS hashed_equal,
       count(*) FILTER (WHERE s.m1 = o.m1 AND s.m2 = o.m2 AND s.m3 = o.m3 AND s.m4 = o.m4) AS sorted_equal
FROM serial_g AS s FULL JOIN par_hash AS h USING (pid) FULL JOIN par_sort AS o USING (pid);
SELECT s.m1 = p.m1 AND s.m4 = p.m4 AS whole_table_equal FROM serial_1 AS s, par_1 AS p;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- leave nothing behind: a column of type rnnseq would pin the extension
DROP TABLE visits, dx, dx_ts, vitals, ev, serial_g, serial_1, par_hash, par_sort, par_1;
DROP FUNCTION plan_has(text, text), workers_launched(text);
