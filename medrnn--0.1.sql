/* medrnn--0.1.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION medrnn" to load this file. \quit

-- training

CREATE FUNCTION rnn_train(relation regclass, input_col name, label_col name,
                          options jsonb DEFAULT '{}')
RETURNS bytea
AS 'MODULE_PATHNAME', 'rnn_train'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION rnn_train(regclass, name, name, jsonb) IS
'train an LSTM classifier on a relation''s input and label columns; returns the model';

-- prediction

CREATE FUNCTION rnn_predict(model bytea, input text)
RETURNS text
AS 'MODULE_PATHNAME', 'rnn_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict(bytea, text) IS
'most probable label of a text';

CREATE FUNCTION rnn_predict(model bytea, input text[])
RETURNS text
AS 'MODULE_PATHNAME', 'rnn_predict_tokens'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict(bytea, text[]) IS
'most probable label of a sequence of tokens';

CREATE FUNCTION rnn_predict_proba(model bytea, input text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_predict_proba'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict_proba(bytea, text) IS
'probability of every label for a text';

CREATE FUNCTION rnn_predict_proba(model bytea, input text[])
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_predict_proba_tokens'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict_proba(bytea, text[]) IS
'probability of every label for a sequence of tokens';

-- inspection

CREATE FUNCTION rnn_model_info(model bytea)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_model_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnn_model_info(bytea) IS
'format, configuration, labels, options and training history of a model';
