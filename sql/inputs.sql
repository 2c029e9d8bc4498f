-- what rnn_train reads, and every way that can go wrong
SET client_min_messages = warning;
CREATE TABLE in_rows (id int, note text, dx text, n int, payload bytea);
INSERT INTO in_rows SELECT i, (ARRAY['fever cough', 'rash itch'])[i % 2 + 1], (i % 2)::text, i, '\x00'
FROM generate_series(1, 20) AS i;

-- relations and columns are resolved through the catalog and quoted
SELECT rnn_train('no_such_table', 'note', 'dx');
SELECT rnn_train('in_rows', 'no_such_column', 'dx');
SELECT rnn_train('in_rows', 'note', 'no_such_label');
SELECT rnn_train('in_rows', 'x"; DROP TABLE in_rows; --', 'dx');
SELECT rnn_train('in_rows', 'note', 'dx"); DROP TABLE in_rows; --');
SELECT count(*) AS still_there FROM in_rows;
SELECT rnn_train('in_rows', 'ctid', 'dx');
SELECT rnn_train('pg_class_oid_index', 'note', 'dx');
SELECT rnn_train(0, 'note', 'dx');

-- input types
SELECT rnn_train('in_rows', 'n', 'dx');
SELECT rnn_train('in_rows', 'payload', 'dx');

-- NULL arguments
SELECT rnn_train(NULL, 'note', 'dx');
SELECT rnn_train('in_rows', NULL, 'dx');
SELECT rnn_train('in_rows', 'note', NULL);

-- no usable rows, or only one class
CREATE TABLE empty_rows (note text, dx text);
SELECT rnn_train('empty_rows', 'note', 'dx');
INSERT INTO empty_rows VALUES (NULL, 'a'), ('x', NULL);
SELECT rnn_train('empty_rows', 'note', 'dx');
INSERT INTO empty_rows VALUES ('fever', 'a'), ('cough', 'a');
SELECT rnn_train('empty_rows', 'note', 'dx');

-- a single row of each of two classes is enough to train
DELETE FROM empty_rows WHERE note = 'cough';
INSERT INTO empty_rows VALUES ('rash', 'b');
SELECT (rnn_model_info(rnn_train('empty_rows', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'rows_used')::int AS two_rows;

-- the memory limit is checked before the model is allocated
SET medrnn.train_memory_limit = '1MB';
SELECT rnn_train('in_rows', 'note', 'dx', '{"epochs": 1, "hidden": [4096, 4096], "embed_dim": 4096}');
RESET medrnn.train_memory_limit;

-- token arrays train a token model; it reads arrays and refuses text, and vice versa
CREATE TABLE tok_rows AS
  SELECT i AS id,
         CASE WHEN i % 2 = 0 THEN ARRAY['J18.9', 'R05', NULL] ELSE ARRAY['L30.9', 'L29.9', 'R21'] END AS codes,
         (i % 2)::text AS dx
  FROM generate_series(1, 40) AS i;
CREATE TABLE tok_model AS
  SELECT rnn_train('tok_rows', 'codes', 'dx', '{"epochs": 30, "hidden": 4, "embed_dim": 4, "learning_rate": 0.05}') AS model;
SELECT rnn_model_info(model)->>'input' AS input, rnn_model_info(model)->>'vocabulary_size' AS codes FROM tok_model;
SELECT rnn_predict(model, ARRAY['L30.9', 'R21']) AS derm, rnn_predict(model, ARRAY['R05', NULL, 'J18.9']) AS resp
FROM tok_model;
SELECT rnn_predict(model, 'L30.9 R21') FROM tok_model;
SELECT rnn_predict_proba(model, ARRAY[['a', 'b'], ['c', 'd']]) FROM tok_model;
CREATE TABLE tok_2d AS SELECT ARRAY[['a', 'b'], ['c', 'd']] AS codes, (i % 2)::text AS dx FROM generate_series(1, 4) AS i;
SELECT rnn_train('tok_2d', 'codes', 'dx', '{"epochs": 1}');
CREATE TABLE text_model AS SELECT rnn_train('in_rows', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}') AS model;
SELECT rnn_predict(model, ARRAY['fever']) FROM text_model;

DROP TABLE in_rows, empty_rows, tok_rows, tok_2d, tok_model, text_model;
