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

-- sequences

CREATE TYPE rnnseq;

CREATE FUNCTION rnnseq_in(cstring) RETURNS rnnseq
AS 'MODULE_PATHNAME', 'rnnseq_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnnseq_in(cstring) IS
'text input of rnnseq: JSON syntax, timed events sorted';

CREATE FUNCTION rnnseq_out(rnnseq) RETURNS cstring
AS 'MODULE_PATHNAME', 'rnnseq_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnnseq_out(rnnseq) IS
'text output of rnnseq: canonical JSON, timestamps in UTC, independent of settings';

-- STABLE like textrecv and textsend: strings travel in the client encoding
CREATE FUNCTION rnnseq_recv(internal) RETURNS rnnseq
AS 'MODULE_PATHNAME', 'rnnseq_recv'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnnseq_recv(internal) IS
'binary input of rnnseq, checked as strictly as text input';

CREATE FUNCTION rnnseq_send(rnnseq) RETURNS bytea
AS 'MODULE_PATHNAME', 'rnnseq_send'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnnseq_send(rnnseq) IS
'binary output of rnnseq';

CREATE TYPE rnnseq (
    INPUT = rnnseq_in,
    OUTPUT = rnnseq_out,
    RECEIVE = rnnseq_recv,
    SEND = rnnseq_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE rnnseq IS
'sequence of clinical events: tokens ["J18.9", null], timed tokens [[0, "J18.9"]] or measurements [[0, "HR", 80]]; times are numbers or RFC 3339 timestamps; at most 1000000 events and 256-byte strings';

CREATE FUNCTION rnn_seq_info(seq rnnseq) RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_seq_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_info(rnnseq) IS
'kind, time_type, events, distinct tokens or variables, nulls (NULL tokens, or NULL values of measurements), first_time, last_time and dropped (rows the aggregate skipped) of a sequence';

-- aggregate support: the state is internal, so none of these is callable from SQL

CREATE FUNCTION rnn_seq_tokens_transfn(internal, text) RETURNS internal
AS 'MODULE_PATHNAME', 'rnn_seq_tokens_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_tokens_transfn(internal, text) IS
'transition function of rnn_seq(text)';

CREATE FUNCTION rnn_seq_timed_transfn(internal, float8, text) RETURNS internal
AS 'MODULE_PATHNAME', 'rnn_seq_timed_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_timed_transfn(internal, float8, text) IS
'transition function of rnn_seq(float8, text)';

CREATE FUNCTION rnn_seq_timed_tz_transfn(internal, timestamptz, text) RETURNS internal
AS 'MODULE_PATHNAME', 'rnn_seq_timed_tz_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_timed_tz_transfn(internal, timestamptz, text) IS
'transition function of rnn_seq(timestamptz, text)';

CREATE FUNCTION rnn_seq_measure_transfn(internal, float8, text, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'rnn_seq_measure_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_measure_transfn(internal, float8, text, float8) IS
'transition function of rnn_seq(float8, text, float8)';

CREATE FUNCTION rnn_seq_measure_tz_transfn(internal, timestamptz, text, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'rnn_seq_measure_tz_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_measure_tz_transfn(internal, timestamptz, text, float8) IS
'transition function of rnn_seq(timestamptz, text, float8)';

CREATE FUNCTION rnn_seq_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'rnn_seq_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_combine(internal, internal) IS
'combine function of the timed rnn_seq aggregates';

CREATE FUNCTION rnn_seq_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'rnn_seq_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_serialize(internal) IS
'serialization function of the timed rnn_seq aggregates';

CREATE FUNCTION rnn_seq_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'rnn_seq_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_deserialize(bytea, internal) IS
'deserialization function of the timed rnn_seq aggregates';

CREATE FUNCTION rnn_seq_finalfn(internal) RETURNS rnnseq
AS 'MODULE_PATHNAME', 'rnn_seq_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION rnn_seq_finalfn(internal) IS
'final function of the rnn_seq aggregates: sorts timed events, builds the sequence';

-- no combine function: the result depends on the order of the rows
CREATE AGGREGATE rnn_seq(token text) (
    SFUNC = rnn_seq_tokens_transfn,
    STYPE = internal,
    FINALFUNC = rnn_seq_finalfn,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE rnn_seq(text) IS
'tokens in the aggregate''s input order, set with ORDER BY inside the call (rnn_seq(code ORDER BY seq)); NULL tokens are kept; order-dependent, so it has no combine function and no partial (parallel) aggregation';

CREATE AGGREGATE rnn_seq(at float8, token text) (
    SFUNC = rnn_seq_timed_transfn,
    STYPE = internal,
    FINALFUNC = rnn_seq_finalfn,
    COMBINEFUNC = rnn_seq_combine,
    SERIALFUNC = rnn_seq_serialize,
    DESERIALFUNC = rnn_seq_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE rnn_seq(float8, text) IS
'timed tokens sorted by time (no ORDER BY needed; parallel safe); NULL tokens are kept, rows with a NULL time are skipped and counted';

CREATE AGGREGATE rnn_seq(at timestamptz, token text) (
    SFUNC = rnn_seq_timed_tz_transfn,
    STYPE = internal,
    FINALFUNC = rnn_seq_finalfn,
    COMBINEFUNC = rnn_seq_combine,
    SERIALFUNC = rnn_seq_serialize,
    DESERIALFUNC = rnn_seq_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE rnn_seq(timestamptz, text) IS
'timed tokens sorted by time (no ORDER BY needed; parallel safe); NULL tokens are kept, rows with a NULL time are skipped and counted';

CREATE AGGREGATE rnn_seq(at float8, variable text, value float8) (
    SFUNC = rnn_seq_measure_transfn,
    STYPE = internal,
    FINALFUNC = rnn_seq_finalfn,
    COMBINEFUNC = rnn_seq_combine,
    SERIALFUNC = rnn_seq_serialize,
    DESERIALFUNC = rnn_seq_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE rnn_seq(float8, text, float8) IS
'irregular measurements in long format, sorted by time (no ORDER BY needed; parallel safe); NULL values are kept as missing, rows with a NULL time or variable are skipped and counted';

CREATE AGGREGATE rnn_seq(at timestamptz, variable text, value float8) (
    SFUNC = rnn_seq_measure_tz_transfn,
    STYPE = internal,
    FINALFUNC = rnn_seq_finalfn,
    COMBINEFUNC = rnn_seq_combine,
    SERIALFUNC = rnn_seq_serialize,
    DESERIALFUNC = rnn_seq_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE rnn_seq(timestamptz, text, float8) IS
'irregular measurements in long format, sorted by time (no ORDER BY needed; parallel safe); NULL values are kept as missing, rows with a NULL time or variable are skipped and counted';

-- prediction and explanation of sequences

CREATE FUNCTION rnn_predict(model bytea, input rnnseq)
RETURNS text
AS 'MODULE_PATHNAME', 'rnn_predict_seq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict(bytea, rnnseq) IS
'most probable label of a sequence of tokens or measurements';

CREATE FUNCTION rnn_predict_proba(model bytea, input rnnseq)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_predict_proba_seq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict_proba(bytea, rnnseq) IS
'probability of every label for a sequence of tokens or measurements';

CREATE FUNCTION rnn_explain(model bytea, input rnnseq, target_label text DEFAULT NULL,
                            steps int DEFAULT 50)
RETURNS TABLE("position" int, token text, attribution float8)
AS 'MODULE_PATHNAME', 'rnn_explain'
LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100000 ROWS 100;

COMMENT ON FUNCTION rnn_explain(bytea, rnnseq, text, int) IS
'integrated-gradients attribution of every token of a token sequence, or of every variable in every time bin of a measurement sequence';
