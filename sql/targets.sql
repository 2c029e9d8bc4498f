-- Labels beyond one class: the label column's type picks the task.  A
-- float8 column trains a regression, a text[] column a multi-label model,
-- a jsonb object column a multitask model whose missing labels are unknown.
SET client_min_messages = warning;
CREATE FUNCTION tg_draw(a int, b int, m int) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT abs(('x' || substr(md5(a::text || '/' || b::text), 1, 8))::bit(32)::int) % m $$;

-- a note mentions some findings among fillers; the value counts the
-- severe ones, the label set names the findings
CREATE TABLE tg_rows AS
SELECT i AS id,
       concat_ws(' ', CASE WHEN i % 2 = 0 THEN 'fever' END, CASE WHEN i % 3 = 0 THEN 'rash' END,
                 CASE WHEN i % 5 = 0 THEN 'angina' END,
                 (SELECT string_agg((ARRAY['patient', 'seen', 'today', 'stable'])[tg_draw(i, j, 4) + 1], ' ')
                  FROM generate_series(1, tg_draw(i, 0, 3) + 1) AS j)) AS note,
       (i % 2 = 0)::int * 1.5 + (i % 5 = 0)::int * 4.0 + tg_draw(i, 1, 100) / 400.0 AS severity,
       array_remove(ARRAY[CASE WHEN i % 2 = 0 THEN 'fever' END, CASE WHEN i % 3 = 0 THEN 'rash' END,
                          CASE WHEN i % 5 = 0 THEN 'angina' END], NULL) AS findings,
       jsonb_strip_nulls(jsonb_build_object(
           'fever', CASE WHEN i % 4 < 3 THEN (i % 2 = 0) END,
           'angina', CASE WHEN i % 7 < 5 THEN (i % 5 = 0)::int END)) AS results
FROM generate_series(1, 240) AS i;
ALTER TABLE tg_rows ALTER severity TYPE float8;
INSERT INTO tg_rows VALUES (1001, 'fever', 'NaN', NULL, '{}'), (1002, 'rash', 'Infinity', '{}', NULL),
                           (1003, NULL, 1.0, '{fever}', '{"fever": true}');

-- regression: NaN and infinite labels are skipped and counted like NULLs
-- (a NOTICE says so; the model records them among its skipped rows)
CREATE TABLE tg_reg AS
SELECT rnn_train('tg_rows', 'note', 'severity',
                 '{"epochs": 25, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "seed": 1}') AS model;
SELECT i->>'task' AS task, i->'labels' AS labels, i->>'loss' AS loss, i->>'rows_used' AS used,
       i->>'rows_skipped' AS skipped, round((i->>'target_mean')::numeric, 3) AS target_mean,
       i->>'format_version' AS format
FROM (SELECT rnn_model_info(model) AS i FROM tg_reg) s;
-- predictions in the label's units: angina adds about 4
SELECT rnn_predict_value(model, 'angina stable') - rnn_predict_value(model, 'stable') > 3 AS angina_adds,
       abs(rnn_predict_value(model, 'fever') - 1.5) < 1 AS fever_near,
       (rnn_predict_proba(model, 'fever')->>'value')::float8 = rnn_predict_value(model, 'fever') AS proba_is_value
FROM tg_reg;
SELECT e->>'task' AS task, (e->>'rows')::int AS rows, (e->>'skipped_nonfinite')::int AS nonfinite,
       (e->>'r2')::float8 > 0.8 AS r2_high, (e->>'rmse')::float8 < 0.8 AS rmse_low,
       jsonb_object_keys(e->'residual_quantiles') AS quantile
FROM (SELECT rnn_evaluate(model, 'tg_rows', 'note', 'severity') AS e FROM tg_reg) s;
-- the attributions add up to the prediction's change, in the label's units
SELECT token, attribution > 2 AS strong FROM rnn_explain((SELECT model FROM tg_reg), 'angina stable');
-- a model of another kind is a clear error
SELECT rnn_predict(model, 'fever') FROM tg_reg;
SELECT rnn_predict_labels(model, 'fever') FROM tg_reg;
SELECT * FROM rnn_roc((SELECT model FROM tg_reg), 'tg_rows', 'note', 'severity');
-- numbers are read as float8, not as text: a numeric of 200 digits trains, one past
-- float8's range is an error, and extra_float_digits does not change what a model learns
CREATE TABLE tg_num AS
SELECT note, severity::numeric(10, 3) + 1e-200 AS severity, severity / 3 AS thirds
FROM tg_rows WHERE severity BETWEEN 0 AND 100;
SELECT length(max(severity)::text) > 200 AS long_text,
       rnn_model_info(rnn_train('tg_num', 'note', 'severity', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'rows_used' AS used
FROM tg_num;
SET medrnn.threads = 1;
SET extra_float_digits = -3;
CREATE TABLE tg_fp AS
SELECT rnn_model_info(rnn_train('tg_num', 'note', 'thirds', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'fingerprint' AS fp;
SET extra_float_digits = 3;
SELECT fp = rnn_model_info(rnn_train('tg_num', 'note', 'thirds', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'fingerprint'
       AS same_model FROM tg_fp;
RESET extra_float_digits;
RESET medrnn.threads;
INSERT INTO tg_num VALUES ('fever', 1e400);
SELECT rnn_train('tg_num', 'note', 'severity', '{"epochs": 1}');
DROP TABLE tg_num, tg_fp;
-- Huber's loss, and integers as a regression when asked
SELECT rnn_model_info(rnn_train('tg_rows', 'note', 'id',
                                '{"task": "regression", "loss": "huber", "epochs": 1, "hidden": 4, "embed_dim": 4}'))->>'loss';

-- multi-label: one sigmoid per label; an empty set is negative for all
CREATE TABLE tg_ml AS
SELECT rnn_train('tg_rows', 'note', 'findings',
                 '{"epochs": 25, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "seed": 1,
                   "validation_split": 0.25, "class_weight": "balanced"}') AS model;
SELECT i->>'task' AS task, i->'labels' AS labels, i->>'rows_used' AS used, i->>'rows_skipped' AS skipped,
       (SELECT bool_and(t::float8 > 0 AND t::float8 < 1) FROM jsonb_array_elements_text(i->'thresholds') t) AS thresholds_ok
FROM (SELECT rnn_model_info(model) AS i FROM tg_ml) s;
SELECT rnn_predict_labels(model, 'fever rash patient') AS both, rnn_predict_labels(model, 'stable today') AS none,
       jsonb_object_keys(rnn_predict_proba(model, 'angina')) AS label
FROM tg_ml;
SELECT e->>'task' AS task, (e->>'mean_roc_auc')::float8 > 0.9 AS auc_high, (e->>'micro_f1')::float8 > 0.8 AS f1_high,
       (e->>'subset_accuracy')::float8 > 0.5 AS subsets, (e->>'hamming_loss')::float8 < 0.2 AS hamming_low,
       (e->>'rows')::int AS rows
FROM (SELECT rnn_evaluate(model, 'tg_rows', 'note', 'findings') AS e FROM tg_ml) s;
SELECT count(*) > 2 AS points, bool_and(tpr BETWEEN 0 AND 1) AS tpr_ok
FROM rnn_roc((SELECT model FROM tg_ml), 'tg_rows', 'note', 'findings', 'rash');
SELECT * FROM rnn_roc((SELECT model FROM tg_ml), 'tg_rows', 'note', 'findings', 'cough');
SELECT rnn_predict_value(model, 'fever') FROM tg_ml;
-- explained toward one label
SELECT token, attribution > 0 AS toward FROM rnn_explain((SELECT model FROM tg_ml), 'rash stable', 'rash')
WHERE token = 'rash';

-- multitask: a missing key is unknown, not negative; a row knowing nothing is skipped
CREATE TABLE tg_mt AS
SELECT rnn_train('tg_rows', 'note', 'results',
                 '{"epochs": 25, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "seed": 1}') AS model;
SELECT i->>'rows_used' AS used, i->>'rows_skipped' AS skipped FROM (SELECT rnn_model_info(model) AS i FROM tg_mt) s;
SELECT e->>'task' AS task, (e->>'skipped_unknown')::int AS unknown_rows,
       (e->'per_label'->'fever'->>'known')::int < (e->>'rows')::int AS fever_has_gaps,
       (e->>'mean_roc_auc')::float8 > 0.9 AS auc_high
FROM (SELECT rnn_evaluate(model, 'tg_rows', 'note', 'results') AS e FROM tg_mt) s;
SELECT rnn_predict_labels(model, 'fever angina') FROM tg_mt;

-- every input: SMILES with variants (the prediction averages the rewrites)
CREATE TABLE tg_mol AS
SELECT m AS smiles, length(regexp_replace(m, '[^C]', '', 'g'))::float8 AS carbons
FROM unnest(ARRAY['CCO', 'CCCO', 'CCCCO', 'OCCO', 'CC(C)O', 'CC(C)CO', 'CCC(C)CO', 'CCCCCO',
                  'CC(=O)O', 'CCC(=O)O', 'OC(C)C(C)O', 'CCOCC', 'CCCCCCO', 'CC(C)(C)O']) AS m;
CREATE TABLE tg_mol_model AS
SELECT rnn_train('tg_mol', 'smiles', 'carbons',
                 '{"tokenizer": "smiles", "smiles_variants": 4, "epochs": 30, "hidden": 8, "embed_dim": 4,
                   "learning_rate": 0.02, "seed": 2}') AS model;
SELECT rnn_model_info(model)->>'smiles_variants' AS variants,
       rnn_predict_value(model, 'CCCCCCO') > rnn_predict_value(model, 'CO') AS longer_more
FROM tg_mol_model;
-- and measurement sequences (rnnseq) with a label set
CREATE TABLE tg_seq AS
SELECT i AS id,
       format('[[0, "HR", %s], [30, "HR", %s], [60, "SBP", %s]]', 70 + i % 2 * 50, 75 + i % 2 * 45 + i % 5,
              120 - (i % 3 = 0)::int * 45 + i % 4)::rnnseq AS vitals,
       array_remove(ARRAY[CASE WHEN i % 2 = 1 THEN 'tachycardia' END,
                          CASE WHEN i % 3 = 0 THEN 'hypotension' END], NULL) AS alarms
FROM generate_series(1, 120) AS i;
CREATE TABLE tg_seq_model AS
SELECT rnn_train('tg_seq', 'vitals', 'alarms',
                 '{"step": 30, "maxlen": 3, "hidden": 8, "epochs": 30, "learning_rate": 0.02, "seed": 1}') AS model;
SELECT rnn_predict_labels(model, '[[0, "HR", 125], [30, "HR", 124], [60, "SBP", 75]]'::rnnseq) AS both,
       rnn_predict_labels(model, '[[0, "HR", 70], [30, "HR", 72], [60, "SBP", 121]]'::rnnseq) AS none,
       (rnn_evaluate(model, 'tg_seq', 'vitals', 'alarms')->>'micro_f1')::float8 > 0.9 AS f1_high
FROM tg_seq_model;

-- bad labels and options
CREATE TABLE tg_bad (note text, j jsonb, t text[], s text, v float8);
INSERT INTO tg_bad VALUES ('fever', '[1, 2]', '{""}', 'x', 1), ('rash', '{"a": 2}', '{a}', 'y', 1);
SELECT rnn_train('tg_bad', 'note', 'j');
UPDATE tg_bad SET j = '{"a": 2}';
SELECT rnn_train('tg_bad', 'note', 'j');
UPDATE tg_bad SET j = '{"a": {"b": 1}}';
SELECT rnn_train('tg_bad', 'note', 'j');
UPDATE tg_bad SET j = '{}';
SELECT rnn_train('tg_bad', 'note', 'j');
SELECT rnn_train('tg_bad', 'note', 't');
-- a constant target has nothing to learn
SELECT rnn_train('tg_bad', 'note', 'v');
SELECT rnn_train('tg_bad', 'note', 's', '{"task": "regression"}');
SELECT rnn_train('tg_bad', 'note', 't', '{"task": "multitask"}');
SELECT rnn_train('tg_bad', 'note', 's', '{"loss": "huber"}');
SELECT rnn_train('tg_rows', 'note', 'findings', '{"positive_label": "rash"}');
SELECT rnn_train('tg_rows', 'note', 'severity', '{"class_weight": "balanced"}');
SELECT rnn_train('tg_rows', 'note', 'findings', '{"class_weight": {"rash": 2}}');
SELECT rnn_train('tg_rows', 'note', 'severity', '{"task": "mystery"}');
-- the wrong model kind for a function, by name too
SELECT version, deployed, metric
FROM rnn_train_model('tg_sev', 'tg_rows', 'note', 'severity', '{"epochs": 2, "hidden": 4, "embed_dim": 4}');
SELECT rnn_predict_value('tg_sev', 'angina') > rnn_predict_value('tg_sev', 'stable') IS NOT NULL AS answered;
SELECT rnn_predict('tg_sev', 'angina');
SELECT rnn_predict_labels('tg_sev', 'angina');
SELECT rnn_report(model) LIKE '<!DOCTYPE html>%' AS reported FROM tg_ml;
DELETE FROM rnn_deployment WHERE name = 'tg_sev';
DELETE FROM rnn_model WHERE name = 'tg_sev';

DROP TABLE tg_rows, tg_reg, tg_ml, tg_mt, tg_bad, tg_mol, tg_mol_model, tg_seq, tg_seq_model;
DROP FUNCTION tg_draw;
