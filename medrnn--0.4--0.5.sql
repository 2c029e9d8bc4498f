/* medrnn--0.4--0.5.sql: pretraining a language model, and fine-tuning from one */

\echo Use "ALTER EXTENSION medrnn UPDATE TO '0.5'" to load this file. \quit

CREATE FUNCTION rnn_pretrain(relation regclass, input_col name, options jsonb DEFAULT '{}')
RETURNS bytea
AS 'MODULE_PATHNAME', 'rnn_pretrain'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION rnn_pretrain(regclass, name, jsonb) IS
'pretrain a language model (next-token prediction) on a relation''s input column, labels not needed; returns the model to fine-tune';

-- options has no default: rnn_train(relation, input, label, '{...}') must stay the four-argument form
CREATE FUNCTION rnn_train(relation regclass, input_col name, label_col name, base_model bytea,
                          options jsonb)
RETURNS bytea
AS 'MODULE_PATHNAME', 'rnn_train'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION rnn_train(regclass, name, name, bytea, jsonb) IS
'fine-tune: train a model starting from a pretrained language model''s vocabulary, embedding and layers';

CREATE FUNCTION rnn_pretrain_model(name text, relation regclass, input_col name,
                                   options jsonb DEFAULT '{}', deploy boolean DEFAULT true)
RETURNS TABLE(version int, deployed boolean, perplexity float8, val_perplexity float8)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m_name ALIAS FOR $1;
    new_model bytea;
    info jsonb;
    new_version int;
BEGIN
    IF m_name IS NULL OR relation IS NULL OR input_col IS NULL THEN
        RAISE EXCEPTION 'name, relation and input column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- one training of a name at a time, as rnn_train_model
    PERFORM pg_advisory_xact_lock(hashtext('medrnn.rnn_train_model'), hashtext(m_name));
    new_model := @extschema@.rnn_pretrain(relation, input_col, coalesce(options, '{}'));
    info := @extschema@.rnn_model_info(new_model);
    SELECT coalesce(max(r.version), 0) + 1 INTO new_version FROM @extschema@.rnn_model r WHERE r.name = m_name;
    -- a language model has no label and no held-out test: its score is its perplexity
    -- on its own validation rows (lower is better), or on its training rows without them
    INSERT INTO @extschema@.rnn_model (name, version, relation, input_col, label_col, options,
                                       test_size, metric, score, metrics, model)
    VALUES (m_name, new_version, relation::text, input_col, '', info->'options',
            coalesce((info->'options'->>'validation_split')::float8, 0),
            CASE WHEN info->'val_perplexity' = 'null' THEN 'perplexity' ELSE 'val_perplexity' END,
            coalesce(nullif(info->'val_perplexity', 'null'), info->'perplexity')::float8,
            jsonb_build_object('perplexity', info->'perplexity', 'val_perplexity', info->'val_perplexity',
                               'rows_used', info->'rows_used'),
            new_model);
    IF deploy THEN
        PERFORM @extschema@.rnn_deploy(m_name, new_version, 'pretrained');
    END IF;
    RETURN QUERY SELECT new_version, coalesce(deploy, false), (info->>'perplexity')::float8,
                        (nullif(info->'val_perplexity', 'null'))::float8;
END
$$;

COMMENT ON FUNCTION rnn_pretrain_model(text, regclass, name, jsonb, boolean) IS
'pretrain a language model into the registry under a name, for "base_model" in rnn_train and rnn_train_model';
