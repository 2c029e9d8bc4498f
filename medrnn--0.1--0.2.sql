/* medrnn--0.1--0.2.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION medrnn UPDATE TO '0.2'" to load this file. \quit

-- evaluation

CREATE FUNCTION rnn_evaluate(model bytea, relation regclass, input_col name, label_col name)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_evaluate'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION rnn_evaluate(bytea, regclass, name, name) IS
'accuracy, F1, confusion matrix, log loss and (binary) ROC-AUC, PR-AUC, Brier score and calibration of a model on a relation''s rows';

CREATE FUNCTION rnn_roc(model bytea, relation regclass, input_col name, label_col name)
RETURNS TABLE(threshold float8, tpr float8, fpr float8, "precision" float8)
AS 'MODULE_PATHNAME', 'rnn_roc'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1000;

COMMENT ON FUNCTION rnn_roc(bytea, regclass, name, name) IS
'ROC curve of a binary model on a relation''s rows: one row per distinct score threshold';

-- explanation

CREATE FUNCTION rnn_explain(model bytea, input text, target_label text DEFAULT NULL,
                            steps int DEFAULT 50)
RETURNS TABLE("position" int, token text, attribution float8)
AS 'MODULE_PATHNAME', 'rnn_explain'
LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100000 ROWS 100;

COMMENT ON FUNCTION rnn_explain(bytea, text, text, int) IS
'integrated-gradients attribution of every token of a text toward the predicted (or target) label';

CREATE FUNCTION rnn_explain(model bytea, input text[], target_label text DEFAULT NULL,
                            steps int DEFAULT 50)
RETURNS TABLE("position" int, token text, attribution float8)
AS 'MODULE_PATHNAME', 'rnn_explain'
LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100000 ROWS 100;

COMMENT ON FUNCTION rnn_explain(bytea, text[], text, int) IS
'integrated-gradients attribution of every token of a token array toward the predicted (or target) label';
