-- golden: what a model learns, predicts and explains, pinned exactly.
--
-- Small trainings that together use every option, tokenizer and input kind
-- (text, text[], rnnseq tokens, timed tokens, measurement grids timed by
-- numbers and by timestamps, SMILES variants, two threads), each reported as
-- its fingerprint (a hash of every model byte but the timings), and the
-- exact probabilities, explanations and metrics of fixed inputs.  The
-- expected output was recorded before the core's restructuring (issue 13)
-- and must not change unless a change means to change what models learn.
--
-- Floating-point results depend on the OpenBLAS kernels a CPU gets, so
-- expected/golden.out and expected/golden_N.out each hold one kernel
-- family's output (tools/record_golden.sh records them all on one machine).
SET client_min_messages = warning;
SET extra_float_digits = 3;
SET medrnn.threads = 1;

-- the data: shipped samples, cut small so each training takes a moment
CREATE TABLE g_abs (id serial, text text, label text);
\copy g_abs(text, label) FROM 'data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)
DELETE FROM g_abs WHERE id > 240;
CREATE TABLE g_mol (id serial, smiles text, toxic int);
\copy g_mol(smiles, toxic) FROM 'data/clintox/train.csv' WITH (FORMAT csv, HEADER true)
DELETE FROM g_mol WHERE id > 160 AND toxic = 0;
CREATE TABLE g_events (record_id int, minutes float8, variable text, value float8);
\copy g_events FROM PROGRAM 'gzip -dc data/physionet2012-sample/events.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE g_outcomes (record_id int PRIMARY KEY, died int);
\copy g_outcomes FROM 'data/physionet2012-sample/outcomes.csv' WITH (FORMAT csv, HEADER true)
DELETE FROM g_events WHERE minutes > 720;
SELECT (SELECT count(*) FROM g_abs) AS abstracts, (SELECT count(*) FROM g_mol) AS molecules,
       (SELECT count(*) FROM g_events) AS events;

-- the other input kinds, built from the same rows
CREATE TABLE g_tok AS
  SELECT id, (regexp_split_to_array(lower(left(text, 400)), '[^a-z]+'))[1:60] AS toks, label FROM g_abs;
UPDATE g_tok SET toks = toks || NULL::text WHERE id % 7 = 0;
CREATE TABLE g_seq AS
  SELECT id, rnn_seq(w ORDER BY n) AS words, label
  FROM g_tok, unnest(toks) WITH ORDINALITY AS u(w, n) WHERE n <= 40 GROUP BY id, label;
CREATE TABLE g_timed AS
  SELECT id, rnn_seq((n * 1.5)::float8, w) AS codes, label
  FROM g_tok, unnest(toks) WITH ORDINALITY AS u(w, n) WHERE n <= 40 GROUP BY id, label;
CREATE TABLE g_stays AS
  SELECT o.record_id, o.died,
         rnn_seq(e.minutes, e.variable, CASE WHEN e.value = -1 THEN NULL ELSE e.value END) AS vitals,
         rnn_seq(timestamptz '2012-01-01 00:00:00+00' + make_interval(mins => e.minutes::int),
                 e.variable, e.value) AS vitals_tz
  FROM g_outcomes o JOIN g_events e USING (record_id) GROUP BY o.record_id, o.died;

-- one training per row; together they set every option at least once
CREATE TABLE g_models (name text PRIMARY KEY, model bytea);
INSERT INTO g_models SELECT 'word_defaults', rnn_train('g_abs', 'text', 'label',
  '{"maxlen": 30, "num_words": 400, "embed_dim": 8, "hidden": [8, 4], "epochs": 2, "batch_size": 16, "seed": 1}');
INSERT INTO g_models SELECT 'word_regularised', rnn_train('g_abs', 'text', 'label',
  '{"tokenizer": "word", "lowercase": false, "num_words": 300, "maxlen": 25, "padding": "post",
    "truncating": "post", "embed_dim": 6, "hidden": 6, "bidirectional": true, "pooling": "max",
    "optimizer": "adam", "learning_rate": 0.01, "batch_size": 20, "epochs": 4, "clip_norm": 1.0,
    "seed": 2, "validation_split": 0.2, "early_stopping": true, "class_weight": "balanced",
    "dropout": 0.2, "recurrent_dropout": 0.1, "l2": 0.0001}');
INSERT INTO g_models SELECT 'word_mean_weighted', rnn_train('g_abs', 'text', 'label',
  '{"maxlen": 20, "num_words": 200, "embed_dim": 5, "hidden": [7, 5, 3], "pooling": "mean",
    "bidirectional": true, "padding": "pre", "truncating": "pre", "epochs": 5, "early_stopping": 2,
    "validation_split": 0.25, "class_weight": {"neoplasms": 2, "digestive system diseases": 0.5}, "seed": 3, "batch_size": 32}');
INSERT INTO g_models SELECT 'char_positive', rnn_train('g_mol', 'smiles', 'toxic',
  '{"tokenizer": "char", "lowercase": true, "maxlen": 40, "embed_dim": 6, "hidden": 8, "epochs": 2,
    "positive_label": "0", "seed": 4, "batch_size": 16}');
INSERT INTO g_models SELECT 'smiles_variants', rnn_train('g_mol', 'smiles', 'toxic',
  '{"tokenizer": "smiles", "smiles_variants": 3, "maxlen": 40, "embed_dim": 6, "hidden": 8,
    "bidirectional": true, "pooling": "max", "class_weight": "balanced", "epochs": 2, "seed": 5,
    "batch_size": 16}');
INSERT INTO g_models SELECT 'char_variants', rnn_train('g_mol', 'smiles', 'toxic',
  '{"tokenizer": "char", "smiles_variants": 2, "maxlen": 40, "embed_dim": 4, "hidden": 4, "epochs": 2,
    "seed": 6, "batch_size": 16}');
INSERT INTO g_models SELECT 'text_array', rnn_train('g_tok', 'toks', 'label',
  '{"maxlen": 30, "num_words": 300, "embed_dim": 6, "hidden": 6, "epochs": 2, "seed": 7, "batch_size": 16}');
INSERT INTO g_models SELECT 'seq_tokens', rnn_train('g_seq', 'words', 'label',
  '{"maxlen": 30, "num_words": 300, "embed_dim": 6, "hidden": 6, "epochs": 2, "seed": 8, "batch_size": 16}');
INSERT INTO g_models SELECT 'seq_timed', rnn_train('g_timed', 'codes', 'label',
  '{"maxlen": 30, "embed_dim": 6, "hidden": [6, 6], "pooling": "last", "epochs": 2, "seed": 9,
    "batch_size": 16}');
INSERT INTO g_models SELECT 'grid_number', rnn_train('g_stays', 'vitals', 'died',
  '{"step": 60, "origin": "zero", "maxlen": 12, "hidden": 8, "epochs": 3, "seed": 10, "batch_size": 16}');
INSERT INTO g_models SELECT 'grid_timestamp', rnn_train('g_stays', 'vitals_tz', 'died',
  '{"step": "1 hour", "origin": "first", "maxlen": 12, "hidden": 6, "bidirectional": true,
    "pooling": "mean", "epochs": 2, "seed": 11, "batch_size": 16}');
SET medrnn.threads = 2;
INSERT INTO g_models SELECT 'two_threads', rnn_train('g_abs', 'text', 'label',
  '{"maxlen": 30, "num_words": 400, "embed_dim": 8, "hidden": [8, 4], "epochs": 2, "batch_size": 16,
    "dropout": 0.1, "seed": 12}');
SET medrnn.threads = 1;

-- fingerprints: every byte of each model but its timings
SELECT name, rnn_model_info(model)->>'fingerprint' AS fingerprint FROM g_models ORDER BY name;

-- what each model records of its training
SELECT name, rnn_model_info(model) - '{fingerprint,size_bytes,epochs,training_seconds,created_at}'::text[] AS info
FROM g_models ORDER BY name;
SELECT name, jsonb_path_query_array(rnn_model_info(model)->'epochs', '$[*].loss') AS losses
FROM g_models ORDER BY name;

-- exact probabilities of fixed inputs
SELECT m.name, rnn_predict_proba(m.model, t.input) AS proba
FROM g_models m,
     (VALUES ('Chest pain radiating to the left arm; troponin elevated.'), ('')) AS t(input)
WHERE m.name LIKE 'word%' OR m.name = 'two_threads' ORDER BY m.name, t.input;
SELECT m.name, rnn_predict_proba(m.model, t.input) AS proba
FROM g_models m,
     (VALUES ('CC[N+](=O)[O-]'), ('[C@@H]1(Cl)CCCC1O'), ('not a molecule')) AS t(input)
WHERE m.name IN ('char_positive', 'smiles_variants', 'char_variants') ORDER BY m.name, t.input;
SELECT rnn_predict_proba(m.model, g.toks) AS proba
FROM g_models m, g_tok g WHERE m.name = 'text_array' AND g.id IN (1, 7, 100) ORDER BY g.id;
SELECT m.name, rnn_predict_proba(m.model, g.words) AS proba
FROM g_models m, g_seq g WHERE m.name = 'seq_tokens' AND g.id IN (2, 50) ORDER BY g.id;
SELECT m.name, rnn_predict_proba(m.model, g.codes) AS proba
FROM g_models m, g_timed g WHERE m.name = 'seq_timed' AND g.id IN (2, 50) ORDER BY g.id;
SELECT g.record_id, rnn_predict_proba(m.model, g.vitals) AS proba
FROM g_models m, g_stays g WHERE m.name = 'grid_number' ORDER BY g.record_id LIMIT 3;
SELECT g.record_id, rnn_predict_proba(m.model, g.vitals_tz) AS proba
FROM g_models m, g_stays g WHERE m.name = 'grid_timestamp' ORDER BY g.record_id LIMIT 3;

-- exact explanations
SELECT e.* FROM g_models m, g_abs g, rnn_explain(m.model, left(g.text, 200), NULL, 8) AS e
WHERE m.name = 'word_regularised' AND g.id = 3;
SELECT e.* FROM g_models m, g_abs g, rnn_explain(m.model, left(g.text, 150), 'neoplasms', 5) AS e
WHERE m.name = 'word_mean_weighted' AND g.id = 4;
SELECT e.* FROM g_models m, rnn_explain(m.model, 'CC[N+](=O)[O-]', '1', 6) AS e
WHERE m.name = 'smiles_variants';
SELECT e.* FROM g_models m, g_timed g, rnn_explain(m.model, g.codes, NULL, 4) AS e
WHERE m.name = 'seq_timed' AND g.id = 2 AND e.position BETWEEN 11 AND 18;
SELECT e.* FROM g_models m, g_stays g, rnn_explain(m.model, g.vitals, '1', 4) AS e
WHERE m.name = 'grid_number' AND g.record_id = (SELECT min(record_id) FROM g_stays)
  AND e.attribution <> 0 ORDER BY e.position, e.token LIMIT 12;

-- exact metrics
SELECT rnn_evaluate(model, 'g_abs', 'text', 'label') FROM g_models WHERE name = 'word_mean_weighted';
SELECT rnn_evaluate(model, 'g_mol', 'smiles', 'toxic') FROM g_models WHERE name = 'smiles_variants';
SELECT * FROM rnn_roc((SELECT model FROM g_models WHERE name = 'grid_number'), 'g_stays', 'vitals', 'died')
ORDER BY threshold DESC LIMIT 5;

DROP TABLE g_abs, g_mol, g_events, g_outcomes, g_tok, g_seq, g_timed, g_stays, g_models;
