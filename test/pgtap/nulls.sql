-- NULL handling of every function
BEGIN;
SELECT plan(10);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE n_rows AS
  SELECT i AS id, (ARRAY['fever cough', 'rash itch'])[i % 2 + 1] AS note, (i % 2)::text AS dx
  FROM generate_series(1, 20) AS i;
CREATE TEMP TABLE n_model AS
  SELECT rnn_train('n_rows', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}') AS model;

SELECT is(rnn_predict(NULL::bytea, 'x'), NULL, 'rnn_predict of a NULL model is NULL');
SELECT is(rnn_predict(model, NULL::text), NULL, 'rnn_predict of a NULL text is NULL') FROM n_model;
SELECT is(rnn_predict(model, NULL::text[]), NULL, 'rnn_predict of a NULL array is NULL') FROM n_model;
SELECT is(rnn_predict_proba(NULL::bytea, 'x'), NULL, 'rnn_predict_proba of a NULL model is NULL');
SELECT is(rnn_model_info(NULL), NULL, 'rnn_model_info of NULL is NULL');
SELECT throws_ok($$SELECT rnn_train(NULL, 'note', 'dx')$$, '22004',
                 'relation, input column and label column must not be NULL', 'NULL relation is an error');
SELECT throws_ok($$SELECT rnn_train('n_rows', NULL, 'dx')$$, '22004', NULL, 'NULL input column is an error');
SELECT lives_ok($$SELECT rnn_train('n_rows', 'note', 'dx', NULL)$$, 'NULL options mean the defaults');

INSERT INTO n_rows VALUES (100, NULL, '1'), (101, 'fever', NULL);
SELECT is((rnn_model_info(rnn_train('n_rows', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'rows_skipped')::int,
          2, 'rows with a NULL input or label are skipped and counted');
DELETE FROM n_rows WHERE note IS NOT NULL AND dx IS NOT NULL;
SELECT throws_ok($$SELECT rnn_train('n_rows', 'note', 'dx')$$, '22000', 'no rows to train on',
                 'no usable rows is an error');

SELECT * FROM finish();
ROLLBACK;
