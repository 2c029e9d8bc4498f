/* medrnn--0.2--0.3.sql: the model report */

\echo Use "ALTER EXTENSION medrnn UPDATE TO '0.3'" to load this file. \quit

CREATE FUNCTION rnn_report(model bytea, relation regclass DEFAULT NULL, input_col name DEFAULT NULL,
                           label_col name DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'rnn_report'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION rnn_report(bytea, regclass, name, name, jsonb) IS
'a self-contained HTML report of a model: its card and training curves, and with a relation its evaluation plots and explained examples';

CREATE FUNCTION rnn_report(name text, relation regclass DEFAULT NULL, input_col name DEFAULT NULL,
                           label_col name DEFAULT NULL, options jsonb DEFAULT '{}', version int DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m_name ALIAS FOR $1;
    m_version ALIAS FOR $6;
    r record;
    history jsonb;
BEGIN
    SELECT m.version, m.model, m.created_at, m.created_by, m.relation, m.input_col, m.label_col,
           m.test_size, m.metric, m.score, m.deployed
      INTO r
      FROM @extschema@.rnn_model m
     WHERE m.name = m_name AND (m.version = m_version OR (m_version IS NULL AND m.deployed));
    IF NOT FOUND THEN
        IF m_version IS NULL THEN
            RAISE EXCEPTION 'no deployed model named "%"', m_name
                USING ERRCODE = 'undefined_object',
                      HINT = 'Give a version, or see SELECT name, version, deployed FROM rnn_model.';
        END IF;
        RAISE EXCEPTION 'model "%" has no version %', m_name, m_version
            USING ERRCODE = 'undefined_object',
                  HINT = 'See SELECT name, version FROM rnn_model.';
    END IF;
    SELECT jsonb_agg(jsonb_build_object('version', d.version, 'deployed_at', d.deployed_at,
                                        'deployed_by', d.deployed_by, 'reason', d.reason)
                     ORDER BY d.deployed_at)
      INTO history
      FROM @extschema@.rnn_deployment d
     WHERE d.name = m_name;
    RETURN @extschema@.rnn_report(r.model, relation, input_col, label_col,
        jsonb_build_object('title', format('%s, version %s', m_name, r.version))
        || coalesce(options, '{}')
        || jsonb_build_object('lineage', jsonb_build_object(
               'name', m_name, 'version', r.version, 'deployed', r.deployed,
               'created_at', r.created_at, 'created_by', r.created_by,
               'trained_on', format('%s (%s -> %s)', r.relation, r.input_col, r.label_col),
               'test_size', r.test_size, 'metric', r.metric, 'held_out_score', r.score,
               'deployments', coalesce(history, '[]'))));
END
$$;

COMMENT ON FUNCTION rnn_report(text, regclass, name, name, jsonb, int) IS
'the report of a named model (the deployed version, or the given one), with its registry lineage';
