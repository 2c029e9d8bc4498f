-- upgrading: models made by version 0.1 predict identically after
-- ALTER EXTENSION medrnn UPDATE, and the new functions read them
-- (in a database of its own: other tests' tables hold medrnn's types, so
-- the extension cannot be dropped here)
SET client_min_messages = warning;
\set regress_db :DBNAME
CREATE DATABASE medrnn_upgrade;
\c medrnn_upgrade
SET client_min_messages = warning;
CREATE EXTENSION medrnn VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'medrnn';
SELECT count(*) AS evaluate_functions FROM pg_proc WHERE proname = 'rnn_evaluate';

CREATE TABLE up_rows AS
  SELECT i AS id, (ARRAY['fever cough', 'rash itch', 'chest pain'])[i % 3 + 1] || ' day ' || (i % 7) AS note,
         (ARRAY['resp', 'derm', 'cardio'])[i % 3 + 1] AS dx
  FROM generate_series(1, 60) AS i;
CREATE TABLE up_models AS
  SELECT s AS seed, rnn_train('up_rows', 'note', 'dx',
                              format('{"epochs": 2, "hidden": [8, 4], "embed_dim": 4, "seed": %s}', s)::jsonb) AS model
  FROM generate_series(1, 2) AS s;
CREATE TABLE up_before AS
  SELECT m.seed, r.id, rnn_predict(m.model, r.note) AS label, rnn_predict_proba(m.model, r.note)::text AS proba
  FROM up_models m, up_rows r;

ALTER EXTENSION medrnn UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'medrnn';
SELECT count(*) AS evaluate_functions, (SELECT count(*) FROM pg_proc WHERE proname = 'rnn_report') AS report_functions
FROM pg_proc WHERE proname = 'rnn_evaluate';

-- the same predictions, to the last digit
SELECT count(*) AS rows,
       count(*) FILTER (WHERE b.label = rnn_predict(m.model, r.note)
                        AND b.proba = rnn_predict_proba(m.model, r.note)::text) AS identical
FROM up_before b JOIN up_models m USING (seed) JOIN up_rows r USING (id);
-- and the new functions take the old models
SELECT seed, (rnn_evaluate(model, 'up_rows', 'note', 'dx')->>'rows')::int AS evaluated,
       (SELECT count(*) FROM rnn_explain(model, 'fever cough day 3')) AS explained,
       rnn_model_info(model)->>'format_version' AS format_version
FROM up_models ORDER BY seed;
-- the registry came with the update, and can adopt an old model
SELECT count(*) AS registered FROM rnn_model;
SELECT version, deployed FROM rnn_train_model('up', 'up_rows', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2}');
-- and 0.3's report reads an old model
SELECT left(rnn_report(model), 15) AS report_of_an_old_model FROM up_models WHERE seed = 1;
-- 0.4's functions know an old model for a classifier
SELECT rnn_predict_value(model, 'fever') FROM up_models WHERE seed = 1;
-- 0.5 pretrains on the same rows and fine-tunes from that
SELECT rnn_model_info(rnn_train('up_rows', 'note', 'dx',
                                rnn_pretrain('up_rows', 'note', '{"epochs": 1, "hidden": 4, "embed_dim": 2}'),
                                '{"epochs": 1}'))->'base_model'->>'rows_used' AS fine_tuned_from_rows;
-- 0.6: rnn_train_model leaves no temporary relation behind (Citus could not drop its views),
-- and the registry goes onto Citus only where Citus is
SELECT version, deployed FROM rnn_train_model('up', 'up_rows', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2}');
SELECT count(*) AS temporary_relations FROM pg_class WHERE relpersistence = 't';
SELECT rnn_distribute_registry();

\c :regress_db
DROP DATABASE medrnn_upgrade;
