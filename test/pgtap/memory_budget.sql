-- A model's shape is whatever its bytes say, so prediction and explanation
-- check their workspace against medrnn.train_memory_limit before
-- allocating; and a long explanation stops for statement_timeout.
BEGIN;
SELECT plan(7);
SET LOCAL client_min_messages = warning;

CREATE TABLE budget_notes AS
SELECT i, repeat('fever cough ', 1 + i % 50) AS note, (i % 2)::text AS dx FROM generate_series(1, 40) AS i;
-- 3,000 steps: about 2 MB to predict, 16-32 MB to explain (chunks of path points)
CREATE TABLE budget_model AS
SELECT rnn_train('budget_notes', 'note', 'dx', '{"epochs": 1, "maxlen": 3000, "embed_dim": 4, "hidden": 8}') AS m;

SET LOCAL medrnn.train_memory_limit = '1MB';
SELECT throws_ok($$SELECT rnn_predict(m, 'fever') FROM budget_model$$, '54000',
                 'predicting with this model needs more memory than medrnn.train_memory_limit (1024 kB)',
                 'prediction refuses a model whose workspace is over the budget');
SET LOCAL medrnn.train_memory_limit = '8MB';
SELECT isnt((SELECT rnn_predict(m, 'fever') FROM budget_model), NULL, 'the same model predicts within 8 MB');
SELECT throws_ok($$SELECT count(*) FROM budget_model, rnn_explain(m, 'fever cough')$$, '54000',
                 'explaining with this model needs more memory than medrnn.train_memory_limit (8192 kB)',
                 'explanation refuses a workspace over the budget');
RESET medrnn.train_memory_limit;
SELECT is((SELECT count(*)::int FROM budget_model, rnn_explain(m, 'fever cough')), 2,
          'within the default budget it explains');

-- A long explanation (10,000 positions, 256 steps: about a second) stops for
-- statement_timeout between chunks of path points, not at its end: the
-- cancelled call takes a fraction of the whole one, timed side by side.
-- (Caught by name: pgTAP's throws_ok cannot catch a cancel.)
CREATE TABLE budget_long AS
SELECT rnn_train('budget_notes', 'note', 'dx', '{"epochs": 1, "maxlen": 10000, "embed_dim": 8, "hidden": 16}') AS m;
CREATE FUNCTION pg_temp.explain_seconds() RETURNS float8 LANGUAGE plpgsql AS $f$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    PERFORM count(*) FROM budget_long, rnn_explain(m, repeat('fever cough ', 5000), steps => 256);
    RETURN extract(epoch FROM clock_timestamp() - t0);
EXCEPTION WHEN query_canceled THEN
    RETURN -extract(epoch FROM clock_timestamp() - t0);    -- negative: cancelled
END
$f$;
CREATE TEMP TABLE budget_whole AS SELECT pg_temp.explain_seconds() AS t;
SET LOCAL statement_timeout = '20ms';
CREATE TEMP TABLE budget_cancelled AS SELECT pg_temp.explain_seconds() AS t;
RESET statement_timeout;
SELECT ok((SELECT t FROM budget_cancelled) < 0, 'statement_timeout cancels a long explanation');
SELECT ok(-(SELECT t FROM budget_cancelled) < (SELECT t FROM budget_whole) / 3,
          format('it stops in %s s, well before the %s s the whole explanation takes',
                 round(-(SELECT t FROM budget_cancelled)::numeric, 3), round((SELECT t FROM budget_whole)::numeric, 3)));
SELECT is((SELECT count(*)::int FROM budget_model, rnn_explain(m, 'fever', steps => 20)), 1,
          'and the backend explains again afterwards');

SELECT * FROM finish();
ROLLBACK;
