-- A model and its metrics do not depend on the session's float output
-- settings: model bytes (options, hence the fingerprint) and the JSON of
-- rnn_model_info and rnn_evaluate are written in shortest round-trip form.
BEGIN;
SELECT plan(3);
SET LOCAL client_min_messages = warning;

CREATE TABLE ss_notes AS
SELECT i, (ARRAY['fever cough', 'rash itch', 'chest pain'])[i % 3 + 1] AS note, (i % 3)::text AS dx
FROM generate_series(1, 60) AS i;
SET LOCAL extra_float_digits = -15;
CREATE TABLE ss_low AS
SELECT rnn_train('ss_notes', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2, "learning_rate": 0.0123456789}') AS m;
CREATE TABLE ss_low_eval AS SELECT rnn_evaluate(m, 'ss_notes', 'note', 'dx') AS e FROM ss_low;
SET LOCAL extra_float_digits = 3;
CREATE TABLE ss_high AS
SELECT rnn_train('ss_notes', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2, "learning_rate": 0.0123456789}') AS m;
CREATE TABLE ss_high_eval AS SELECT rnn_evaluate(m, 'ss_notes', 'note', 'dx') AS e FROM ss_high;
RESET extra_float_digits;

SELECT is((SELECT rnn_model_info(m)->>'fingerprint' FROM ss_low), (SELECT rnn_model_info(m)->>'fingerprint' FROM ss_high),
          'the same model whatever extra_float_digits the trainer had');
SELECT is((SELECT rnn_model_info(m)->'options'->>'learning_rate' FROM ss_low), '0.0123456789',
          'options keep every digit under extra_float_digits = -15');
SELECT is((SELECT e->>'log_loss' FROM ss_low_eval), (SELECT e->>'log_loss' FROM ss_high_eval),
          'metrics print the same under any extra_float_digits');

SELECT * FROM finish();
ROLLBACK;
