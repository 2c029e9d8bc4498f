-- a model bytea is untrusted input: anything but a valid model is an error
SET client_min_messages = warning;
CREATE TABLE me_rows AS
  SELECT i AS id, (ARRAY['fever cough', 'rash itch'])[i % 2 + 1] AS note, (i % 2)::text AS dx
  FROM generate_series(1, 20) AS i;
CREATE TABLE me_model AS
  SELECT rnn_train('me_rows', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2}') AS model;

-- the error and its SQLSTATE for a statement
CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the messages, with their details
SELECT rnn_predict('\x'::bytea, 'fever');
SELECT rnn_predict('not a model at all'::bytea, 'fever');
SELECT rnn_predict(substring(model FROM 1 FOR 100), 'fever') FROM me_model;
SELECT rnn_predict(model || '\x00'::bytea, 'fever') FROM me_model;
SELECT rnn_predict(set_byte(model, 200, get_byte(model, 200) # 16), 'fever') FROM me_model;
SELECT rnn_predict(set_byte(model, 4, 6), 'fever') FROM me_model;
SELECT rnn_model_info(substring(model FROM 1 FOR 20)) FROM me_model;

-- every function that reads a model, on every kind of damage
SELECT f AS function, d AS damage,
       sqlstate_of(format('SELECT %s((SELECT %s FROM me_model)%s)', f, d,
                          CASE WHEN f = 'rnn_model_info' THEN '' ELSE ', ''fever''::text' END)) AS result
FROM unnest(ARRAY['rnn_predict', 'rnn_predict_proba', 'rnn_model_info']) AS f,
     unnest(ARRAY['''\x''::bytea',
                  'substring(model FROM 1 FOR 4)',
                  'substring(model FROM 1 FOR length(model) - 1)',
                  'model || ''\x00''::bytea',
                  'set_byte(model, length(model) - 1, get_byte(model, length(model) - 1) # 1)',
                  'set_byte(model, 40, get_byte(model, 40) # 128)',
                  'set_byte(model, 6, 1)',
                  'set_byte(model, 4, 9)',
                  'overlay(model PLACING ''\x4d524e4f''::bytea FROM 1)']) AS d
ORDER BY 1, 2;

-- the valid model still works after all that
SELECT rnn_predict(model, 'fever') IS NOT NULL AS still_works FROM me_model;

DROP FUNCTION sqlstate_of(text);
DROP TABLE me_rows, me_model;
