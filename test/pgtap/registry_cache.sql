-- The per-backend cache of models predicted with by name: a damaged
-- deployed model raises an error and never leaves the cache (or a query
-- using it) with a freed or missing model; names are limited in characters
-- as the table limits them; and more names than the cache holds still each
-- predict with their own model.
BEGIN;
SELECT plan(19);
SET LOCAL client_min_messages = warning;

CREATE TABLE rc_notes AS
SELECT i AS id, (ARRAY['fever cough', 'rash itch', 'chest pain'])[i % 3 + 1] AS note,
       (ARRAY['respiratory', 'dermatology', 'cardiology'])[i % 3 + 1] AS dx
FROM generate_series(1, 60) AS i;

-- the good bytes of each deployed model, to predict with directly and to restore
CREATE TEMP TABLE rc_saved (name text PRIMARY KEY, model bytea NOT NULL);

-- damaged bytes in the registry: an error, not the cached model, not a crash

SELECT is((SELECT deployed FROM rnn_train_model('rc_a', 'rc_notes', 'note', 'dx',
                                               '{"epochs": 1, "hidden": 4, "embed_dim": 2}')),
          true, 'rc_a is trained and deployed');
INSERT INTO rc_saved SELECT name, model FROM rnn_model WHERE name = 'rc_a' AND deployed;
SELECT is(rnn_predict_proba('rc_a', 'fever cough'),
          (SELECT rnn_predict_proba(model, 'fever cough') FROM rc_saved WHERE name = 'rc_a'),
          'rc_a predicts by name with its deployed model, now cached');

-- the same transaction writes the new row version: same xmin, other ctid
UPDATE rnn_model SET model = '\x00'::bytea WHERE name = 'rc_a' AND deployed;
SELECT throws_ok($$SELECT rnn_predict('rc_a', 'fever cough')$$, '22P03', 'invalid medrnn model',
                 'once its bytes are damaged, predicting by name raises invalid medrnn model');
SELECT throws_ok($$SELECT rnn_predict(n.name, r.note) FROM (VALUES ('rc_a')) AS n(name), rc_notes r$$,
                 '22P03', 'invalid medrnn model',
                 'and again in the next query, on many rows');
SELECT is((SELECT count(*)::int FROM rc_notes), 60, 'the backend is alive after the errors');

UPDATE rnn_model r SET model = s.model FROM rc_saved s
WHERE r.name = s.name AND r.deployed AND s.name = 'rc_a';
SELECT is(rnn_predict_proba('rc_a', 'fever cough'),
          (SELECT rnn_predict_proba(model, 'fever cough') FROM rc_saved WHERE name = 'rc_a'),
          'with its good bytes restored, rc_a predicts by name again');

-- A query predicting by name calls a function that damages the deployed
-- model and predicts with it, catching the error.  The reload fails inside
-- the function; the query must go on with the model it started with (or
-- fail), never with a freed or missing one.

SELECT is((SELECT deployed FROM rnn_train_model('rc_b', 'rc_notes', 'note', 'dx',
                                               '{"epochs": 1, "hidden": 4, "embed_dim": 2}')),
          true, 'rc_b is trained and deployed');
INSERT INTO rc_saved SELECT name, model FROM rnn_model WHERE name = 'rc_b' AND deployed;
CREATE TEMP TABLE rc_b_rows AS
SELECT * FROM (VALUES (1, 'fever cough'), (2, 'rash itch'), (3, 'chest pain'), (4, 'fever cough')) AS t(id, note);

CREATE FUNCTION pg_temp.rc_damage_and_probe(p_name text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- a block of its own, so that the new row version has an xmin of its
    -- own (a subtransaction's) and even an xmin-only check sees the change
    BEGIN
        UPDATE rnn_model SET model = '\x00'::bytea WHERE name = p_name AND deployed;
    EXCEPTION WHEN others THEN
        RAISE;
    END;
    BEGIN
        RETURN rnn_predict(p_name, 'fever cough');
    EXCEPTION WHEN invalid_binary_representation THEN
        RETURN 'caught';
    END;
END
$$;

-- the outer prediction is evaluated before the function on each row
SELECT lives_ok($$CREATE TEMP TABLE rc_b_out AS
                  SELECT t.id, rnn_predict_proba('rc_b', t.note) AS proba,
                         pg_temp.rc_damage_and_probe('rc_b') AS probe
                  FROM rc_b_rows AS t$$,
                'a query whose own function damages the model it predicts with completes');
SELECT results_eq($$SELECT id, proba FROM rc_b_out ORDER BY id$$,
                  $$SELECT t.id, rnn_predict_proba(s.model, t.note)
                    FROM rc_b_rows AS t, rc_saved AS s WHERE s.name = 'rc_b' ORDER BY t.id$$,
                  'every row of that query was predicted by the model it started with');
SELECT is((SELECT array_agg(probe ORDER BY id) FROM rc_b_out), ARRAY['caught', 'caught', 'caught', 'caught'],
          'the function''s own prediction saw the damaged model on every row');
SELECT throws_ok($$SELECT rnn_predict('rc_b', 'fever cough')$$, '22P03', 'invalid medrnn model',
                 'the next query sees the damaged model');
SELECT is((SELECT count(*)::int FROM rc_b_out), 4, 'the backend is alive after it');

-- names are limited to 100 characters, as in the table, not bytes: 100
-- three-byte characters (U+8A3A) are 300 bytes

SELECT is((SELECT deployed FROM rnn_train_model(repeat(U&'\8A3A', 100), 'rc_notes', 'note', 'dx',
                                               '{"epochs": 1, "hidden": 4, "embed_dim": 2}')),
          true, 'a model with a name of 100 multibyte characters is trained and deployed');
SELECT is(rnn_predict_proba(repeat(U&'\8A3A', 100), 'chest pain'),
          (SELECT rnn_predict_proba(model, 'chest pain') FROM rnn_model
           WHERE name = repeat(U&'\8A3A', 100) AND deployed),
          'and predicts by name');
SELECT throws_ok($$SELECT rnn_predict(repeat(U&'\8A3A', 101), 'chest pain')$$, '42622', NULL,
                 'a name of 101 characters is too long');

-- more names than the cache holds (8): entries are evicted, also while
-- call sites of the running query still use their models

DO $$
BEGIN
    FOR i IN 1..10 LOOP
        PERFORM * FROM rnn_train_model('rc_d' || i, 'rc_notes', 'note', 'dx',
                                       jsonb_build_object('epochs', 1, 'hidden', 2 + i, 'embed_dim', 2, 'seed', i));
    END LOOP;
END
$$;
-- one call site after another in a single query, each name twice over, in
-- the order that makes each lookup evict the entry needed next
SELECT results_eq($$SELECT s.pass, s.n, rnn_predict_proba('rc_d' || s.n, 'fever cough')
                    FROM (SELECT pass, n FROM generate_series(1, 2) AS pass, generate_series(1, 10) AS n
                          ORDER BY pass, n OFFSET 0) AS s
                    ORDER BY s.pass, s.n$$,
                  $$SELECT pass, n, rnn_predict_proba(m.model, 'fever cough')
                    FROM generate_series(1, 2) AS pass, generate_series(1, 10) AS n
                    JOIN rnn_model m ON m.name = 'rc_d' || n AND m.deployed
                    ORDER BY pass, n$$,
                  'ten names predicted with twice over in one session each use their own model');
-- ten call sites alive at once: the first ones' entries are evicted while
-- they still predict on the next rows
SELECT results_eq($$SELECT t.id, ARRAY[rnn_predict_proba('rc_d1', t.note), rnn_predict_proba('rc_d2', t.note),
                                       rnn_predict_proba('rc_d3', t.note), rnn_predict_proba('rc_d4', t.note),
                                       rnn_predict_proba('rc_d5', t.note), rnn_predict_proba('rc_d6', t.note),
                                       rnn_predict_proba('rc_d7', t.note), rnn_predict_proba('rc_d8', t.note),
                                       rnn_predict_proba('rc_d9', t.note), rnn_predict_proba('rc_d10', t.note)]
                    FROM rc_b_rows AS t ORDER BY t.id$$,
                  $$SELECT t.id, ARRAY(SELECT rnn_predict_proba(m.model, t.note)
                                       FROM generate_series(1, 10) AS k
                                       JOIN rnn_model m ON m.name = 'rc_d' || k AND m.deployed
                                       ORDER BY k)
                    FROM rc_b_rows AS t ORDER BY t.id$$,
                  'ten call sites of one query, more than the cache holds, each keep their own model');
-- different models, so that a mix-up of names would show above
SELECT is((SELECT count(DISTINCT rnn_predict_proba(model, 'fever cough')::text)::int
           FROM rnn_model WHERE name LIKE 'rc\_d%' AND deployed),
          10, 'the ten models predict differently');
-- thirteen names used, and with no query running only the bound is kept
SELECT is((SELECT count(*)::int FROM pg_backend_memory_contexts WHERE name = 'medrnn named model'),
          8, 'the backend keeps 8 decoded models by name, not one per name ever used');

SELECT * FROM finish();
ROLLBACK;
