-- data-parallel training ("distributed"): on a table of one node the
-- aggregate runs as one part (or as PostgreSQL's parallel workers' parts);
-- test/suites/citus.sh runs it over Citus shards
SET client_min_messages = warning;
SET extra_float_digits = 0;
SET max_parallel_workers_per_gather = 0;

CREATE TABLE dp_rows (id int PRIMARY KEY, note text, dx text, toks text[], y float8);
INSERT INTO dp_rows
SELECT i,
       concat_ws(' ', w.f[i % 8 + 1], w.kw[i % 3 + 1][(i / 3) % 3 + 1], w.f[(i * 5) % 8 + 1]),
       w.dx[i % 3 + 1],
       ARRAY[w.f[i % 8 + 1], w.kw[i % 3 + 1][(i / 3) % 3 + 1]],
       (i % 3) * 10.0 + (i % 7) * 0.1
FROM generate_series(1, 300) AS i,
     (SELECT ARRAY['patient', 'seen', 'today', 'stable', 'reports', 'mild', 'since', 'week'] AS f,
             ARRAY[['fever', 'cough', 'wheeze'], ['rash', 'itch', 'blister'], ['chest', 'palpitations', 'angina']] AS kw,
             ARRAY['respiratory', 'dermatology', 'cardiology'] AS dx) AS w;
-- rows it skips and counts: NULL input, NULL label
INSERT INTO dp_rows VALUES (301, NULL, 'cardiology', NULL, 1), (302, 'fever', NULL, '{fever}', NULL);

CREATE TABLE dp_models AS
SELECT 'classes' AS kind, rnn_train('dp_rows', 'note', 'dx',
         '{"distributed": true, "epochs": 12, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "seed": 1}') AS model
UNION ALL
SELECT 'tokens', rnn_train('dp_rows', 'toks', 'dx',
         '{"distributed": true, "epochs": 12, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "seed": 1}')
UNION ALL
SELECT 'values', rnn_train('dp_rows', 'note', 'y',
         '{"distributed": true, "epochs": 12, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "seed": 1}');

-- a model like any other: its epochs, its options, and it learned the rows
SELECT kind, rnn_model_info(model)->>'task' AS task,
       jsonb_array_length(rnn_model_info(model)->'epochs') AS epochs,
       rnn_model_info(model)->'options'->'distributed' AS distributed,
       rnn_model_info(model)->>'rows_used' AS rows_used,
       (rnn_model_info(model)->'epochs'->11->>'loss')::float8 < (rnn_model_info(model)->'epochs'->0->>'loss')::float8 AS loss_fell
FROM dp_models ORDER BY kind;
SELECT (rnn_evaluate(model, 'dp_rows', 'note', 'dx')->>'accuracy')::float8 > 0.9 AS learned_classes
FROM dp_models WHERE kind = 'classes';
SELECT (rnn_evaluate(model, 'dp_rows', 'note', 'y')->>'r2')::float8 > 0.5 AS learned_values
FROM dp_models WHERE kind = 'values';
-- reproducible: the same options give the same model
SELECT count(*) AS same_predictions FROM dp_rows r, dp_models m
WHERE m.kind = 'classes' AND rnn_predict_proba(m.model, r.note) =
      rnn_predict_proba(rnn_train('dp_rows', 'note', 'dx',
         '{"distributed": true, "epochs": 12, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "seed": 1}'), r.note)
  AND r.id = 1;

-- what it does not do
SELECT rnn_train('dp_rows', 'note', 'dx', '{"distributed": true, "validation_split": 0.2}');
SELECT rnn_train('dp_rows', 'note', 'dx', '{"distributed": true, "early_stopping": true}');
SELECT rnn_train('dp_rows', 'note', 'dx', '{"distributed": true, "tokenizer": "char", "smiles_variants": 2}');
SELECT rnn_train('dp_rows', 'toks', 'dx', '{"distributed": true, "task": "multilabel"}');
SELECT rnn_pretrain('dp_rows', 'note', '{"distributed": true}');

-- the aggregate itself: one part per run here, its text form read back
SELECT length(rnn_train_epoch(m.model, r.note, r.dx, 1)::text::rnn_train_state::text) > 0 AS round_trip
FROM dp_rows r, dp_models m WHERE m.kind = 'classes';
SELECT rnn_train_epoch(m.model, r.toks, r.dx, 1) IS NOT NULL AS tokens_part
FROM dp_rows r, dp_models m WHERE m.kind = 'tokens';
-- a text model given tokens, and a NULL model
SELECT rnn_train_epoch(m.model, r.toks, r.dx, 1) FROM dp_rows r, dp_models m WHERE m.kind = 'classes';
SELECT rnn_train_epoch(NULL::bytea, r.note, r.dx, 1) FROM dp_rows r;
-- states come from anyone: every malformed one is refused
SELECT 'zz'::rnn_train_state;
SELECT 'abc'::rnn_train_state;
SELECT '4d525453'::rnn_train_state;
SELECT '4d52545301000000ffffffff00000000'::rnn_train_state;
-- more weights than bytes; a byte after the last part; negative rows
SELECT '4d5254530100000001000000000000000a0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000e8030000000000000000000000000000'::rnn_train_state;
SELECT '4d5254530100000001000000000000000a000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002000000000000000000803f0000004001'::rnn_train_state;
SELECT '4d525453010000000100000000000000fbffffffffffffff0000000000000000000000000000000000000000000000000000000000000000000000000000000002000000000000000000803f00000040'::rnn_train_state;
-- the transition function outside an aggregate
SELECT rnn_train_epoch_step(NULL::rnn_train_state, NULL::bytea, 'x'::text, 'y'::text, 1);
