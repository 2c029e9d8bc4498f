-- The SQL interface: signatures, volatility, parallel labels, strictness,
-- and that nothing runs with anyone's privileges but the caller's.
BEGIN;
SELECT plan(62);
-- settings exist once the library is loaded (any medrnn call does that)
LOAD 'medrnn';

SELECT has_function('rnn_train', ARRAY['regclass', 'name', 'name', 'jsonb']);
SELECT function_returns('rnn_train', ARRAY['regclass', 'name', 'name', 'jsonb'], 'bytea');
SELECT volatility_is('rnn_train', ARRAY['regclass', 'name', 'name', 'jsonb'], 'volatile');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'rnn_train(regclass, name, name, jsonb)'::regprocedure),
          'u', 'rnn_train is PARALLEL UNSAFE');
SELECT isnt_strict('rnn_train', ARRAY['regclass', 'name', 'name', 'jsonb'],
                   'rnn_train is not STRICT: NULL arguments get an error, not a NULL model');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc
           WHERE oid = 'rnn_train(regclass, name, name, jsonb)'::regprocedure),
          '''{}''::jsonb', 'options default to {}');

-- pretraining, and fine-tuning: the base model is a fifth argument and
-- options have no default there, so rnn_train(rel, in, label, '{...}')
-- stays the four-argument form and is never ambiguous
SELECT function_returns('rnn_pretrain', ARRAY['regclass', 'name', 'jsonb'], 'bytea');
SELECT volatility_is('rnn_pretrain', ARRAY['regclass', 'name', 'jsonb'], 'volatile');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'rnn_pretrain(regclass, name, jsonb)'::regprocedure),
          'u', 'rnn_pretrain is PARALLEL UNSAFE');
SELECT isnt_strict('rnn_pretrain', ARRAY['regclass', 'name', 'jsonb'],
                   'rnn_pretrain is not STRICT: NULL arguments get an error');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc
           WHERE oid = 'rnn_pretrain(regclass, name, jsonb)'::regprocedure),
          '''{}''::jsonb', 'rnn_pretrain options default to {}');
SELECT function_returns('rnn_train', ARRAY['regclass', 'name', 'name', 'bytea', 'jsonb'], 'bytea');
SELECT isnt_strict('rnn_train', ARRAY['regclass', 'name', 'name', 'bytea', 'jsonb'],
                   'fine-tuning rnn_train is not STRICT: a NULL base model gets an error');
SELECT is((SELECT pronargdefaults FROM pg_proc
           WHERE oid = 'rnn_train(regclass, name, name, bytea, jsonb)'::regprocedure),
          0::int2, 'fine-tuning rnn_train has no defaults');
SELECT lives_ok($$SELECT 'rnn_train(regclass, name, name, jsonb)'::regprocedure = (
                  SELECT p.oid FROM pg_proc p WHERE p.proname = 'rnn_train' AND p.pronargs = 4)$$,
                'one four-argument rnn_train');
SELECT has_function('rnn_pretrain_model', ARRAY['text', 'regclass', 'name', 'jsonb', 'boolean']);

SELECT has_function('rnn_predict', ARRAY['bytea', 'text']);
SELECT has_function('rnn_predict', ARRAY['bytea', 'text[]']);
SELECT has_function('rnn_predict_proba', ARRAY['bytea', 'text']);
SELECT has_function('rnn_predict_proba', ARRAY['bytea', 'text[]']);
SELECT has_function('rnn_model_info', ARRAY['bytea']);
SELECT function_returns('rnn_predict', ARRAY['bytea', 'text'], 'text');
SELECT function_returns('rnn_predict_proba', ARRAY['bytea', 'text'], 'jsonb');
SELECT function_returns('rnn_model_info', ARRAY['bytea'], 'jsonb');

-- inference: IMMUTABLE STRICT PARALLEL SAFE, every overload
SELECT volatility_is('rnn_predict', ARRAY['bytea', 'text'], 'immutable');
SELECT volatility_is('rnn_predict', ARRAY['bytea', 'text[]'], 'immutable');
SELECT volatility_is('rnn_predict_proba', ARRAY['bytea', 'text'], 'immutable');
SELECT volatility_is('rnn_predict_proba', ARRAY['bytea', 'text[]'], 'immutable');
SELECT volatility_is('rnn_model_info', ARRAY['bytea'], 'immutable');
SELECT is_strict('rnn_predict', ARRAY['bytea', 'text']);
SELECT is_strict('rnn_predict', ARRAY['bytea', 'text[]']);
SELECT is_strict('rnn_predict_proba', ARRAY['bytea', 'text']);
SELECT is_strict('rnn_predict_proba', ARRAY['bytea', 'text[]']);
SELECT is_strict('rnn_model_info', ARRAY['bytea']);
SELECT is(array_agg(DISTINCT proparallel), ARRAY['s']::"char"[], 'prediction and inspection are PARALLEL SAFE')
FROM pg_proc WHERE proname IN ('rnn_predict', 'rnn_predict_proba', 'rnn_model_info');
SELECT cmp_ok((SELECT min(procost) FROM pg_proc WHERE proname IN ('rnn_predict', 'rnn_predict_proba')),
              '>=', 1000::real, 'prediction is costed high enough for parallel plans');

-- the answers of the other tasks: IMMUTABLE STRICT PARALLEL SAFE by model, for every input
SELECT function_returns('rnn_predict_labels', ARRAY['bytea', 'text'], 'text[]');
SELECT function_returns('rnn_predict_value', ARRAY['bytea', 'text'], 'double precision');
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE proname IN ('rnn_predict_labels', 'rnn_predict_value') AND proargtypes[0] = 'bytea'::regtype
             AND provolatile = 'i' AND proisstrict AND proparallel = 's' AND procost >= 1000),
          6, 'rnn_predict_labels and rnn_predict_value take text, text[] and rnnseq, IMMUTABLE STRICT PARALLEL SAFE');
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE proname IN ('rnn_predict_labels', 'rnn_predict_value') AND proargtypes[0] = 'text'::regtype
             AND provolatile = 's' AND proisstrict AND proparallel = 's'),
          6, 'and by the name of a deployed model, STABLE (the registry can change)');
SELECT volatility_is('rnn_roc', ARRAY['bytea', 'regclass', 'name', 'name', 'text'], 'stable');

-- evaluation reads tables (STABLE, PARALLEL RESTRICTED); explanation is a pure function
SELECT function_returns('rnn_evaluate', ARRAY['bytea', 'regclass', 'name', 'name'], 'jsonb');
SELECT volatility_is('rnn_evaluate', ARRAY['bytea', 'regclass', 'name', 'name'], 'stable');
SELECT volatility_is('rnn_roc', ARRAY['bytea', 'regclass', 'name', 'name'], 'stable');
SELECT is(array_agg(DISTINCT proparallel), ARRAY['r']::"char"[], 'evaluation is PARALLEL RESTRICTED (it runs SPI queries)')
FROM pg_proc WHERE proname IN ('rnn_evaluate', 'rnn_roc');
SELECT has_function('rnn_explain', ARRAY['bytea', 'text', 'text', 'int4']);
SELECT has_function('rnn_explain', ARRAY['bytea', 'text[]', 'text', 'int4']);
SELECT volatility_is('rnn_explain', ARRAY['bytea', 'text', 'text', 'integer'], 'immutable');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'rnn_explain(bytea, text, text, int)'::regprocedure),
          's', 'rnn_explain is PARALLEL SAFE');

-- sequences: the type, the aggregates, and the rnnseq overloads
SELECT has_type('rnnseq');
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE p.proname = 'rnn_seq'),
          5, 'rnn_seq has five forms');
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.proname = 'rnn_seq' AND a.aggcombinefn <> 0 AND p.proparallel = 's'),
          4, 'the four timed forms have a combine function and are PARALLEL SAFE');
SELECT is((SELECT a.aggcombinefn::oid FROM pg_aggregate a WHERE a.aggfnoid = 'rnn_seq(text)'::regprocedure),
          0::oid, 'the order-dependent form has no combine function, so it is never split');
SELECT has_function('rnn_predict', ARRAY['bytea', 'rnnseq']);
SELECT has_function('rnn_predict_proba', ARRAY['bytea', 'rnnseq']);
SELECT volatility_is('rnn_predict', ARRAY['bytea', 'rnnseq'], 'immutable');
SELECT has_function('rnn_explain', ARRAY['bytea', 'rnnseq', 'text', 'integer']);

-- no SECURITY DEFINER anywhere in the extension
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
           JOIN pg_extension e ON e.oid = d.refobjid
           WHERE e.extname = 'medrnn' AND p.prosecdef), 0, 'no medrnn function is SECURITY DEFINER');
SELECT isnt_definer('rnn_train', ARRAY['regclass', 'name', 'name', 'jsonb']);

-- the settings
SELECT is(current_setting('medrnn.threads'), '1', 'medrnn.threads defaults to 1');
SELECT is((SELECT context FROM pg_settings WHERE name = 'medrnn.threads'), 'user', 'medrnn.threads is a user setting');
SELECT throws_ok($$SET medrnn.no_such_setting = 1$$, '42602', NULL, 'the medrnn. prefix is reserved');

SELECT * FROM finish();
ROLLBACK;
