-- rnn_train and rnn_predict end to end on a small, clearly separable set
SET client_min_messages = warning;
SET extra_float_digits = 0;

-- three classes, each marked by one of its own words, among shared filler words
CREATE TABLE notes (id int PRIMARY KEY, note text, dx text);
INSERT INTO notes
SELECT i,
       concat_ws(' ',
         (SELECT string_agg(w.f[(i * 7 + j * 3) % 8 + 1], ' ') FROM generate_series(1, (i * 7) % 5) AS j),
         w.kw[i % 3 + 1][(i / 3) % 3 + 1],
         (SELECT string_agg(w.f[(i * 5 + j * 11) % 8 + 1], ' ') FROM generate_series(1, (i * 11) % 4) AS j)),
       w.dx[i % 3 + 1]
FROM generate_series(1, 300) AS i,
     (SELECT ARRAY['patient', 'seen', 'today', 'stable', 'reports', 'mild', 'since', 'week'] AS f,
             ARRAY[['fever', 'cough', 'wheeze'], ['rash', 'itch', 'blister'], ['chest', 'palpitations', 'angina']] AS kw,
             ARRAY['respiratory', 'dermatology', 'cardiology'] AS dx) AS w;

CREATE TABLE dx_model AS
  SELECT rnn_train('notes', 'note', 'dx',
                   '{"epochs": 8, "hidden": [16, 8], "embed_dim": 8, "learning_rate": 0.005, "seed": 1}') AS model;

-- predictions on unseen phrasings
SELECT input, rnn_predict(m.model, input) AS predicted
FROM dx_model m,
     (VALUES ('Patient reports COUGH since a week.'), ('mild itch, today'), ('Angina!')) AS v(input)
ORDER BY 1;

-- the whole training table is predicted correctly
SELECT count(*) FILTER (WHERE rnn_predict(m.model, n.note) = n.dx) AS correct, count(*) AS total
FROM notes n, dx_model m;

-- probabilities: one key per label, each in [0, 1], summing to 1
SELECT jsonb_object_keys(rnn_predict_proba(m.model, 'fever')) AS label FROM dx_model m ORDER BY 1;
SELECT bool_and(value::float8 BETWEEN 0 AND 1) AS in_range,
       abs(sum(value::float8) - 1) < 1e-5 AS sums_to_one
FROM dx_model m, jsonb_each_text(rnn_predict_proba(m.model, 'rash'));
SELECT (rnn_predict_proba(m.model, 'patient seen today rash') ->> 'dermatology')::float8 > 0.5 AS most_likely FROM dx_model m;

-- the label with the highest probability is the prediction
SELECT rnn_predict(m.model, n.note) = (SELECT key FROM jsonb_each_text(rnn_predict_proba(m.model, n.note))
                                       ORDER BY value::float8 DESC LIMIT 1) AS agrees
FROM notes n, dx_model m WHERE n.id IN (1, 2, 3);

-- empty, unknown-word and very long inputs still predict (all padding, or the last maxlen words)
SELECT rnn_predict(m.model, '') IS NOT NULL AS empty_ok,
       rnn_predict(m.model, 'zzz qqq xxx') IS NOT NULL AS unknown_ok,
       rnn_predict(m.model, repeat('filler ', 100000) || 'mild rash reports') AS long_input
FROM dx_model m;

-- NULL in, NULL out (the prediction functions are STRICT)
SELECT rnn_predict(m.model, NULL) IS NULL AS null_input, rnn_predict(NULL, 'x') IS NULL AS null_model
FROM dx_model m;

-- what the model says about itself
SELECT info->'labels' AS labels, info->'hidden' AS hidden, info->>'input' AS input,
       info->>'tokenizer' AS tokenizer, (info->>'parameters')::int AS parameters,
       (info->>'rows_used')::int AS rows_used, (info->>'rows_skipped')::int AS rows_skipped,
       jsonb_array_length(info->'epochs') AS epochs, info->>'format_version' AS format_version,
       info->'options'->>'seed' AS seed, info->'options'->>'num_words' AS num_words,
       info->>'positive_label' AS positive_label, length(info->>'fingerprint') AS fingerprint_hex
FROM (SELECT rnn_model_info(model) AS info FROM dx_model) AS s;
SELECT bool_and((e->>'loss')::float8 > 0 AND (e->>'accuracy')::float8 BETWEEN 0 AND 1
                AND (e->>'seconds')::float8 >= 0) AS epochs_ok,
       -- timings to the millisecond, not the clock's 17 digits
       bool_and((e->>'seconds')::numeric = round((e->>'seconds')::numeric, 3)) AND
       bool_and((rnn_model_info(m.model)->>'training_seconds')::numeric
                = round((rnn_model_info(m.model)->>'training_seconds')::numeric, 3)) AS timings_rounded
FROM dx_model m, jsonb_array_elements(rnn_model_info(m.model)->'epochs') AS e;
SELECT (rnn_model_info(model)->'epochs'->-1->>'loss')::float8 < (rnn_model_info(model)->'epochs'->0->>'loss')::float8
       AS loss_went_down
FROM dx_model;

-- rows with a NULL input or label are skipped and counted
INSERT INTO notes VALUES (1001, NULL, 'cardiology'), (1002, 'fever', NULL);
SELECT (rnn_model_info(rnn_train('notes', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 4}'))
        ->>'rows_skipped')::int AS skipped;

-- labels of any type are kept as their text form; binary labels name a positive class
CREATE TABLE flags AS
  SELECT id, note, dx = 'cardiology' AS cardiac, (dx = 'cardiology')::int AS cardiac01 FROM notes WHERE note IS NOT NULL;
SELECT rnn_model_info(rnn_train('flags', 'note', 'cardiac', '{"epochs": 1, "hidden": 4, "embed_dim": 4}'))->'labels' AS bool_labels;
SELECT rnn_model_info(rnn_train('flags', 'note', 'cardiac', '{"epochs": 1, "hidden": 4, "embed_dim": 4}'))->>'positive_label' AS bool_positive;
SELECT rnn_model_info(rnn_train('flags', 'note', 'cardiac01', '{"epochs": 1, "hidden": 4, "embed_dim": 4}'))->>'positive_label' AS int_positive;
SELECT rnn_model_info(rnn_train('flags', 'note', 'cardiac01',
       '{"epochs": 1, "hidden": 4, "embed_dim": 4, "positive_label": "0"}'))->>'positive_label' AS chosen_positive;

-- views, materialized views and other schemas work; names are quoted
CREATE SCHEMA "Clinic Data";
CREATE VIEW "Clinic Data"."Cardiac Notes" AS SELECT note AS "Note Text", cardiac AS "Is Cardiac?" FROM flags;
SELECT rnn_model_info(rnn_train('"Clinic Data"."Cardiac Notes"', 'Note Text', 'Is Cardiac?',
       '{"epochs": 1, "hidden": 4, "embed_dim": 4}'))->>'rows_used' AS view_rows;
CREATE MATERIALIZED VIEW mv AS SELECT * FROM flags;
SELECT rnn_model_info(rnn_train('mv', 'note', 'cardiac', '{"epochs": 1, "hidden": 4, "embed_dim": 4}'))->>'rows_used' AS matview_rows;

-- varchar and char inputs read as text
CREATE TABLE vnotes AS SELECT note::varchar(200) AS note, dx FROM notes WHERE note IS NOT NULL AND dx IS NOT NULL;
SELECT rnn_model_info(rnn_train('vnotes', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 4}'))->>'rows_used' AS varchar_rows;

-- char tokenizer keeps case; the vocabulary is the set of characters
CREATE TABLE smiles (s text, toxic int);
INSERT INTO smiles SELECT CASE WHEN i % 2 = 0 THEN 'CCO' || repeat('c', i % 5) ELSE 'N#N' || repeat('C', i % 4) END, i % 2
FROM generate_series(1, 60) i;
SELECT info->>'tokenizer' AS tokenizer, info->>'lowercase' AS lowercase, info->>'vocabulary_size' AS chars
FROM (SELECT rnn_model_info(rnn_train('smiles', 's', 'toxic', '{"tokenizer": "char", "epochs": 1, "hidden": 4, "embed_dim": 4}')) AS info) s;

-- smiles tokenizer: a bracket atom, Cl and Br are one token each, so a
-- vocabulary of atoms; the text given to rnn_predict is read the same way
CREATE TABLE halides (s text, halogen text);
INSERT INTO halides
SELECT CASE WHEN i % 2 = 0 THEN 'c1ccccc1Cl' ELSE '[Na+].[Br-]' END || repeat('C', i % 4),
       CASE WHEN i % 2 = 0 THEN 'chloro' ELSE 'bromo' END
FROM generate_series(1, 60) i;
CREATE TABLE halide_model AS
SELECT rnn_train('halides', 's', 'halogen', '{"tokenizer": "smiles", "epochs": 20, "hidden": 8, "embed_dim": 4, "learning_rate": 0.02}') AS model;
SELECT info->>'tokenizer' AS tokenizer, info->>'lowercase' AS lowercase, info->>'vocabulary_size' AS tokens
FROM (SELECT rnn_model_info(model) AS info FROM halide_model) s;
SELECT rnn_predict(model, 'c1ccccc1ClCC') AS chloro, rnn_predict(model, '[Na+].[Br-]C') AS bromo FROM halide_model;

DROP SCHEMA "Clinic Data" CASCADE;
DROP MATERIALIZED VIEW mv;
DROP TABLE notes, dx_model, flags, vnotes, smiles, halides, halide_model;
