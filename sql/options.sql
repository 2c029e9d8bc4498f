-- every option is validated, with an error naming it
SET client_min_messages = warning;
\set VERBOSITY default
CREATE TABLE opt_rows AS
  SELECT i AS id, (ARRAY['fever cough', 'rash itch'])[i % 2 + 1] AS note, (i % 2)::text AS dx
  FROM generate_series(1, 20) AS i;

-- not an object, unknown keys, wrong types
SELECT rnn_train('opt_rows', 'note', 'dx', '[1, 2]');
SELECT rnn_train('opt_rows', 'note', 'dx', '"epochs"');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epoch": 5}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epochs": "5"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epochs": 2.5}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epochs": true}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"learning_rate": "fast"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"bidirectional": 1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"tokenizer": 1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"hidden": "64"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"hidden": {"a": 1}}');

-- ranges
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epochs": 0}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epochs": -3}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epochs": 1000000}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"epochs": 1e300}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"learning_rate": 0}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"learning_rate": -0.001}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"learning_rate": 1e400}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"hidden": 0}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"hidden": [64, 0]}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"hidden": [100000]}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"hidden": []}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"hidden": [1, 2, 3, 4, 5, 6, 7, 8, 9]}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"embed_dim": 0}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"maxlen": 0}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"maxlen": 20000}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"num_words": 1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"batch_size": 0}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"batch_size": 100000}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"clip_norm": -1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"seed": -1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"seed": 99999999999999999999}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"validation_split": 1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"dropout": 1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"recurrent_dropout": -0.1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"l2": 2}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"early_stopping": 0}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"early_stopping": "yes"}');

-- choices
SELECT rnn_train('opt_rows', 'note', 'dx', '{"tokenizer": "bpe"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"tokenizer": "smiles", "lowercase": true}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"padding": "left"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"truncating": "middle"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"pooling": "attention"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"optimizer": "sgd"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"class_weight": "equal"}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"class_weight": [1, 2]}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"class_weight": {"1": 0}}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"class_weight": {"7": 2}, "epochs": 1}');
SELECT rnn_train('opt_rows', 'note', 'dx', '{"positive_label": "7", "epochs": 1}');

-- a JSON null means the default; the effective options are recorded
SELECT rnn_model_info(rnn_train('opt_rows', 'note', 'dx',
         '{"epochs": 1, "hidden": 4, "embed_dim": 2, "clip_norm": null, "tokenizer": null}'))->'options' AS options;
SELECT rnn_model_info(rnn_train('opt_rows', 'note', 'dx', NULL))->'options'->>'epochs' AS null_options_mean_defaults;

DROP TABLE opt_rows;
