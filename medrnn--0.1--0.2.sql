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

-- training progress (needs medrnn in shared_preload_libraries)

CREATE FUNCTION rnn_training_progress()
RETURNS TABLE(pid int, relation regclass, epoch int, epochs int, rows_done bigint, rows_total bigint,
              loss float8, last_epoch_loss float8, started timestamptz, elapsed interval,
              remaining interval)
AS 'MODULE_PATHNAME', 'rnn_training_progress'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION rnn_training_progress() IS
'one row per running rnn_train: epoch, rows done, loss so far, elapsed and estimated remaining time';

CREATE VIEW rnn_progress AS SELECT * FROM rnn_training_progress();

COMMENT ON VIEW rnn_progress IS
'trainings running now, in any session (needs medrnn in shared_preload_libraries)';

-- model registry

CREATE TABLE rnn_model (
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    version     int NOT NULL CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  name NOT NULL DEFAULT current_user,
    relation    text NOT NULL,
    input_col   name NOT NULL,
    label_col   name NOT NULL,
    options     jsonb NOT NULL,
    test_size   float8 NOT NULL,
    metric      text NOT NULL,
    score       float8,
    metrics     jsonb NOT NULL,
    model       bytea NOT NULL,
    deployed    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (name, version)
);

COMMENT ON TABLE rnn_model IS
'registry of trained models: every version, its held-out metrics, and which one is deployed';

CREATE UNIQUE INDEX rnn_model_one_deployed ON rnn_model (name) WHERE deployed;

CREATE TABLE rnn_deployment (
    name        text NOT NULL,
    version     int NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deployed_by name NOT NULL DEFAULT current_user,
    reason      text NOT NULL,
    FOREIGN KEY (name, version) REFERENCES rnn_model (name, version) ON DELETE CASCADE
);

COMMENT ON TABLE rnn_deployment IS
'every deployment of a model version, newest last: the history rollback goes back through';

-- registry rows belong to the users: pg_dump dumps them
SELECT pg_catalog.pg_extension_config_dump('rnn_model', '');
SELECT pg_catalog.pg_extension_config_dump('rnn_deployment', '');

-- what each role may do is governed by grants on the tables (README, Operations)
REVOKE ALL ON rnn_model, rnn_deployment FROM PUBLIC;

CREATE FUNCTION rnn_deploy(name text, version int, reason text DEFAULT 'deploy')
RETURNS int
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m_name ALIAS FOR $1;
    m_version ALIAS FOR $2;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.rnn_model r WHERE r.name = m_name AND r.version = m_version) THEN
        RAISE EXCEPTION 'model "%" has no version %', m_name, m_version
            USING ERRCODE = 'undefined_object',
                  HINT = 'See SELECT name, version FROM rnn_model.';
    END IF;
    -- one deployed version per name: take the row locks in a fixed order
    PERFORM 1 FROM @extschema@.rnn_model r WHERE r.name = m_name ORDER BY r.version FOR UPDATE;
    UPDATE @extschema@.rnn_model r SET deployed = false WHERE r.name = m_name AND r.deployed AND r.version <> m_version;
    UPDATE @extschema@.rnn_model r SET deployed = true WHERE r.name = m_name AND r.version = m_version;
    INSERT INTO @extschema@.rnn_deployment (name, version, reason) VALUES (m_name, m_version, $3);
    RETURN m_version;
END
$$;

COMMENT ON FUNCTION rnn_deploy(text, int, text) IS
'make a version of a named model the deployed one';

CREATE FUNCTION rnn_rollback(name text)
RETURNS int
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m_name ALIAS FOR $1;
    cur int;
    prev int;
BEGIN
    SELECT r.version INTO cur FROM @extschema@.rnn_model r WHERE r.name = m_name AND r.deployed;
    IF cur IS NULL THEN
        RAISE EXCEPTION 'no deployed model named "%"', m_name USING ERRCODE = 'undefined_object';
    END IF;
    -- the version deployed before the current deployment
    SELECT d.version INTO prev
    FROM @extschema@.rnn_deployment d
    WHERE d.name = m_name AND d.version <> cur
      AND d.deployed_at < (SELECT max(d2.deployed_at) FROM @extschema@.rnn_deployment d2
                           WHERE d2.name = m_name AND d2.version = cur)
    ORDER BY d.deployed_at DESC LIMIT 1;
    IF prev IS NULL THEN
        RAISE EXCEPTION 'model "%" has no earlier deployment to roll back to', m_name
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN @extschema@.rnn_deploy(m_name, prev, 'rollback from version ' || cur);
END
$$;

COMMENT ON FUNCTION rnn_rollback(text) IS
'deploy again the version that was deployed before the current one';

CREATE FUNCTION rnn_train_model(name text, relation regclass, input_col name, label_col name,
                                options jsonb DEFAULT '{}', test_size float8 DEFAULT 0.2,
                                deploy text DEFAULT 'if_better')
RETURNS TABLE(version int, deployed boolean, metric text, score float8, previous_score float8,
              metrics jsonb)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m_name ALIAS FOR $1;
    seed text := coalesce(options->>'seed', '0');
    new_model bytea;
    new_metrics jsonb;
    old_model bytea;
    old_version int;
    old_metrics jsonb;
    key text;
    new_score float8;
    old_score float8;
    new_version int;
    do_deploy boolean;
BEGIN
    IF m_name IS NULL OR relation IS NULL OR input_col IS NULL OR label_col IS NULL THEN
        RAISE EXCEPTION 'name, relation, input column and label column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF test_size IS NULL OR NOT (test_size > 0 AND test_size < 1) THEN
        RAISE EXCEPTION 'test_size must be greater than 0 and less than 1'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', test_size);
    END IF;
    IF deploy IS NULL OR deploy NOT IN ('if_better', 'always', 'never') THEN
        RAISE EXCEPTION 'deploy must be one of "if_better", "always", "never"'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %L.', deploy);
    END IF;
    -- one retraining of a name at a time
    PERFORM pg_advisory_xact_lock(hashtext('medrnn.rnn_train_model'), hashtext(m_name));

    -- a seeded, stratified hold-out: in each label, the rows with the smallest
    -- hash of (seed, row) are held out, at least one row of each label kept
    IF to_regclass('pg_temp.medrnn_holdout') IS NOT NULL THEN
        DROP TABLE pg_temp.medrnn_holdout CASCADE;
    END IF;
    EXECUTE format(
        'CREATE TEMP TABLE medrnn_holdout AS '
        'SELECT input, label, rn <= least(round($1 * cnt), cnt - 1) AS held_out FROM ('
        '  SELECT %1$I AS input, %2$I AS label,'
        '         row_number() OVER (PARTITION BY %2$I ORDER BY md5($2 || %1$I::text || %2$I::text), %1$I::text) AS rn,'
        '         count(*) OVER (PARTITION BY %2$I) AS cnt'
        '  FROM %3$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL) AS s',
        input_col, label_col, relation)
    USING test_size, seed;
    CREATE TEMP VIEW medrnn_holdout_train AS SELECT input, label FROM pg_temp.medrnn_holdout WHERE NOT held_out;
    CREATE TEMP VIEW medrnn_holdout_test AS SELECT input, label FROM pg_temp.medrnn_holdout WHERE held_out;

    new_model := @extschema@.rnn_train('pg_temp.medrnn_holdout_train', 'input', 'label', options);
    new_metrics := @extschema@.rnn_evaluate(new_model, 'pg_temp.medrnn_holdout_test', 'input', 'label');
    -- the key metric: ROC-AUC for two classes, macro F1 otherwise
    key := CASE WHEN new_metrics ? 'roc_auc' THEN 'roc_auc' ELSE 'macro_f1' END;
    new_score := (new_metrics->>key)::float8;

    -- the deployed version, scored on the same held-out rows
    SELECT r.version, r.model INTO old_version, old_model
    FROM @extschema@.rnn_model r WHERE r.name = m_name AND r.deployed;
    IF old_model IS NOT NULL THEN
        BEGIN
            old_metrics := @extschema@.rnn_evaluate(old_model, 'pg_temp.medrnn_holdout_test', 'input', 'label');
            old_score := (old_metrics->>key)::float8;
        EXCEPTION WHEN others THEN
            -- the old model cannot read these rows (say, another input kind): no comparison
            old_score := NULL;
        END;
    END IF;

    SELECT coalesce(max(r.version), 0) + 1 INTO new_version FROM @extschema@.rnn_model r WHERE r.name = m_name;
    do_deploy := CASE deploy
        WHEN 'always' THEN true
        WHEN 'never' THEN false
        ELSE old_model IS NULL OR (new_score IS NOT NULL AND (old_score IS NULL OR new_score > old_score))
    END;
    INSERT INTO @extschema@.rnn_model (name, version, relation, input_col, label_col, options,
                                       test_size, metric, score, metrics, model)
    VALUES (m_name, new_version, relation::text, input_col, label_col,
            @extschema@.rnn_model_info(new_model)->'options', test_size, key, new_score, new_metrics,
            new_model);
    IF do_deploy THEN
        PERFORM @extschema@.rnn_deploy(m_name, new_version,
            CASE deploy WHEN 'always' THEN 'deploy=always'
                 ELSE format('%s %s beats %s', key, new_score, coalesce(old_score::text, 'no deployed model')) END);
    END IF;
    DROP VIEW pg_temp.medrnn_holdout_train, pg_temp.medrnn_holdout_test;
    DROP TABLE pg_temp.medrnn_holdout;
    RETURN QUERY SELECT new_version, do_deploy, key, new_score, old_score, new_metrics;
END
$$;

COMMENT ON FUNCTION rnn_train_model(text, regclass, name, name, jsonb, float8, text) IS
'train a new version of a named model on a seeded stratified split, score it on the held-out rows against the deployed version, store it, and deploy it if better (or always, or never)';

-- prediction with the deployed version of a named model

CREATE FUNCTION rnn_predict(name text, input text)
RETURNS text
AS 'MODULE_PATHNAME', 'rnn_predict_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict(name text, input text[])
RETURNS text
AS 'MODULE_PATHNAME', 'rnn_predict_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict(name text, input rnnseq)
RETURNS text
AS 'MODULE_PATHNAME', 'rnn_predict_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_proba(name text, input text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_predict_proba_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_proba(name text, input text[])
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_predict_proba_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

CREATE FUNCTION rnn_predict_proba(name text, input rnnseq)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'rnn_predict_proba_named'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION rnn_predict(text, text) IS 'most probable label, by the deployed version of a named model';
COMMENT ON FUNCTION rnn_predict(text, text[]) IS 'most probable label, by the deployed version of a named model';
COMMENT ON FUNCTION rnn_predict(text, rnnseq) IS 'most probable label, by the deployed version of a named model';
COMMENT ON FUNCTION rnn_predict_proba(text, text) IS 'probability of every label, by the deployed version of a named model';
COMMENT ON FUNCTION rnn_predict_proba(text, text[]) IS 'probability of every label, by the deployed version of a named model';
COMMENT ON FUNCTION rnn_predict_proba(text, rnnseq) IS 'probability of every label, by the deployed version of a named model';
