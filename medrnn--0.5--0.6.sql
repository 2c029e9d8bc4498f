/* medrnn--0.5--0.6.sql: medrnn on a Citus cluster */

\echo Use "ALTER EXTENSION medrnn UPDATE TO '0.6'" to load this file. \quit

-- the registry on Citus: reference tables, a copy on every node

CREATE FUNCTION rnn_distribute_registry()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regproc('pg_catalog.create_reference_table') IS NULL THEN
        RAISE EXCEPTION 'Citus is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Run CREATE EXTENSION citus and add the worker nodes first.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
               WHERE p.logicalrelid = '@extschema@.rnn_model'::regclass) THEN
        RAISE NOTICE 'the model registry is already distributed';
        RETURN;
    END IF;
    -- Citus would turn the referencing table into a local table of its own
    -- first, which the workers' copy of the extension already has: so the
    -- foreign key is dropped, both tables become reference tables, and it
    -- comes back under a name the workers' tables do not have yet
    ALTER TABLE @extschema@.rnn_deployment DROP CONSTRAINT IF EXISTS rnn_deployment_name_version_fkey;
    PERFORM pg_catalog.create_reference_table('@extschema@.rnn_model');
    PERFORM pg_catalog.create_reference_table('@extschema@.rnn_deployment');
    ALTER TABLE @extschema@.rnn_deployment ADD CONSTRAINT rnn_deployment_model_fkey
        FOREIGN KEY (name, version) REFERENCES @extschema@.rnn_model (name, version) ON DELETE CASCADE;
END
$$;

COMMENT ON FUNCTION rnn_distribute_registry() IS
'on a Citus coordinator: make the model registry reference tables, so every node predicts by name with the deployed version';

-- the registry's writers on Citus: one connection per node (see rnn_train_model)
ALTER FUNCTION rnn_pretrain_model(text, regclass, name, jsonb, boolean)
    SET citus.multi_shard_modify_mode = 'sequential';

-- rnn_train_model without temporary views

CREATE OR REPLACE FUNCTION rnn_train_model(name text, relation regclass, input_col name, label_col name,
                                options jsonb DEFAULT '{}', test_size float8 DEFAULT 0.2,
                                deploy text DEFAULT 'if_better')
RETURNS TABLE(version int, deployed boolean, metric text, score float8, previous_score float8,
              metrics jsonb)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
-- on Citus: the registry's reference tables are written after reading a
-- distributed table, which needs one connection per node throughout
-- (without Citus, an unused placeholder setting)
SET citus.multi_shard_modify_mode = 'sequential'
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
    label_type regtype;
    task text;
    strata text;
    lower_is_better boolean;
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

    -- the task, as rnn_train decides it: the "task" option, else the label's type
    SELECT a.atttypid::regtype INTO label_type
      FROM pg_attribute a WHERE a.attrelid = relation AND a.attname = label_col AND NOT a.attisdropped;
    task := coalesce(options->>'task',
                     CASE WHEN label_type IN ('float4'::regtype, 'float8'::regtype, 'numeric'::regtype)
                          THEN 'regression'
                          WHEN label_type IN ('jsonb'::regtype, 'json'::regtype) THEN 'multitask'
                          WHEN (SELECT t.typcategory FROM pg_type t WHERE t.oid = label_type) = 'A'
                          THEN 'multilabel'
                          ELSE 'classification' END);
    -- classes are strata; numbers and label sets are not
    strata := CASE WHEN task = 'classification' THEN format('%I', label_col) ELSE 'true' END;

    -- a seeded hold-out, stratified for classes: in each label, the rows with the smallest
    -- hash of (seed, row) are held out, at least one row of each label kept
    -- Temporary tables, not views: Citus cannot drop temporary views that
    -- read a distributed table, and a table reads the relation once
    DROP TABLE IF EXISTS pg_temp.medrnn_holdout, pg_temp.medrnn_holdout_train,
                         pg_temp.medrnn_holdout_test;
    EXECUTE format(
        'CREATE TEMP TABLE medrnn_holdout AS '
        'SELECT input, label, rn <= least(round($1 * cnt), cnt - 1) AS held_out FROM ('
        '  SELECT %1$I AS input, %2$I AS label,'
        '         row_number() OVER (PARTITION BY %4$s ORDER BY md5($2 || %1$I::text || %2$I::text), %1$I::text) AS rn,'
        '         count(*) OVER (PARTITION BY %4$s) AS cnt'
        '  FROM %3$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL) AS s',
        input_col, label_col, relation, strata)
    USING test_size, seed;
    CREATE TEMP TABLE medrnn_holdout_train AS SELECT input, label FROM pg_temp.medrnn_holdout WHERE NOT held_out;
    CREATE TEMP TABLE medrnn_holdout_test AS SELECT input, label FROM pg_temp.medrnn_holdout WHERE held_out;
    DROP TABLE pg_temp.medrnn_holdout;

    new_model := @extschema@.rnn_train('pg_temp.medrnn_holdout_train', 'input', 'label', options);
    new_metrics := @extschema@.rnn_evaluate(new_model, 'pg_temp.medrnn_holdout_test', 'input', 'label');
    -- the key metric: ROC-AUC for two classes, macro F1 for more; the mean
    -- ROC-AUC over labels for multi-label models; RMSE (lower is better) for regression
    key := CASE WHEN new_metrics ? 'rmse' THEN 'rmse'
                WHEN new_metrics ? 'mean_roc_auc' THEN 'mean_roc_auc'
                WHEN new_metrics ? 'roc_auc' THEN 'roc_auc' ELSE 'macro_f1' END;
    lower_is_better := key = 'rmse';
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
        ELSE old_model IS NULL OR (new_score IS NOT NULL AND (old_score IS NULL OR
             CASE WHEN lower_is_better THEN new_score < old_score ELSE new_score > old_score END))
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
    DROP TABLE pg_temp.medrnn_holdout_train, pg_temp.medrnn_holdout_test;
    RETURN QUERY SELECT new_version, do_deploy, key, new_score, old_score, new_metrics;
END
$$;

-- data-parallel training: one epoch over one part of the rows as an
-- aggregate, which Citus runs on every shard and PostgreSQL on parallel
-- workers (src/pg/train_parallel.c); rnn_train's "distributed" option runs it

CREATE TYPE rnn_train_state;

CREATE FUNCTION rnn_train_state_in(cstring)
RETURNS rnn_train_state
AS 'MODULE_PATHNAME', 'rnn_train_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION rnn_train_state_out(rnn_train_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'rnn_train_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rnn_train_state (
    INPUT = rnn_train_state_in,
    OUTPUT = rnn_train_state_out,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);

COMMENT ON TYPE rnn_train_state IS
'the weights one or more parts of the rows reached in an epoch of data-parallel training, with their rows and losses';

CREATE FUNCTION rnn_train_epoch_step(rnn_train_state, bytea, text, text, int)
RETURNS rnn_train_state
AS 'MODULE_PATHNAME', 'rnn_train_epoch_step_text'
LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE FUNCTION rnn_train_epoch_step(rnn_train_state, bytea, text[], text, int)
RETURNS rnn_train_state
AS 'MODULE_PATHNAME', 'rnn_train_epoch_step_tokens'
LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE FUNCTION rnn_train_epoch_step(rnn_train_state, bytea, rnnseq, text, int)
RETURNS rnn_train_state
AS 'MODULE_PATHNAME', 'rnn_train_epoch_step_seq'
LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE FUNCTION rnn_train_epoch_combine(rnn_train_state, rnn_train_state)
RETURNS rnn_train_state
AS 'MODULE_PATHNAME', 'rnn_train_epoch_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE rnn_train_epoch(model bytea, input text, label text, epoch int) (
    SFUNC = rnn_train_epoch_step,
    STYPE = rnn_train_state,
    COMBINEFUNC = rnn_train_epoch_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE rnn_train_epoch(model bytea, input text[], label text, epoch int) (
    SFUNC = rnn_train_epoch_step,
    STYPE = rnn_train_state,
    COMBINEFUNC = rnn_train_epoch_combine,
    PARALLEL = SAFE
);

CREATE AGGREGATE rnn_train_epoch(model bytea, input rnnseq, label text, epoch int) (
    SFUNC = rnn_train_epoch_step,
    STYPE = rnn_train_state,
    COMBINEFUNC = rnn_train_epoch_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE rnn_train_epoch(bytea, text, text, int) IS
'one epoch of data-parallel training from a model over each part of the rows (a shard, a parallel worker), the parts'' weights kept for averaging (rnn_train''s "distributed" option)';
