/* medrnn--0.3--0.4.sql: multi-label, multitask and regression models */

\echo Use "ALTER EXTENSION medrnn UPDATE TO '0.4'" to load this file. \quit

-- the labels a multi-label or multitask model predicts

CREATE FUNCTION rnn_predict_labels(model bytea, input text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'rnn_predict_labels'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_labels(model bytea, input text[])
RETURNS text[]
AS 'MODULE_PATHNAME', 'rnn_predict_labels'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_labels(model bytea, input rnnseq)
RETURNS text[]
AS 'MODULE_PATHNAME', 'rnn_predict_labels'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict_labels(bytea, text) IS
'labels of a multi-label or multitask model whose probability reaches the label''s decision threshold';
COMMENT ON FUNCTION rnn_predict_labels(bytea, text[]) IS
'labels of a multi-label or multitask model whose probability reaches the label''s decision threshold';
COMMENT ON FUNCTION rnn_predict_labels(bytea, rnnseq) IS
'labels of a multi-label or multitask model whose probability reaches the label''s decision threshold';

-- the number a regression model predicts, in its label's units

CREATE FUNCTION rnn_predict_value(model bytea, input text)
RETURNS float8
AS 'MODULE_PATHNAME', 'rnn_predict_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_value(model bytea, input text[])
RETURNS float8
AS 'MODULE_PATHNAME', 'rnn_predict_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_value(model bytea, input rnnseq)
RETURNS float8
AS 'MODULE_PATHNAME', 'rnn_predict_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict_value(bytea, text) IS
'the value a regression model predicts, in the units of its label';
COMMENT ON FUNCTION rnn_predict_value(bytea, text[]) IS
'the value a regression model predicts, in the units of its label';
COMMENT ON FUNCTION rnn_predict_value(bytea, rnnseq) IS
'the value a regression model predicts, in the units of its label';

-- the same by the deployed version of a named model

CREATE FUNCTION rnn_predict_labels(name text, input text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'rnn_predict_labels_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_labels(name text, input text[])
RETURNS text[]
AS 'MODULE_PATHNAME', 'rnn_predict_labels_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_labels(name text, input rnnseq)
RETURNS text[]
AS 'MODULE_PATHNAME', 'rnn_predict_labels_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_value(name text, input text)
RETURNS float8
AS 'MODULE_PATHNAME', 'rnn_predict_value_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_value(name text, input text[])
RETURNS float8
AS 'MODULE_PATHNAME', 'rnn_predict_value_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_value(name text, input rnnseq)
RETURNS float8
AS 'MODULE_PATHNAME', 'rnn_predict_value_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;
