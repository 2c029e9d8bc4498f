-- the same seed, data and medrnn.threads = 1 give the same model
SET client_min_messages = warning;
SET medrnn.threads = 1;
CREATE TABLE det_rows AS
  SELECT i AS id, (ARRAY['fever cough', 'rash itch', 'chest pain'])[i % 3 + 1] || ' day ' || (i % 5) AS note,
         (i % 3)::text AS dx
  FROM generate_series(1, 60) AS i;
CREATE TABLE det AS
  SELECT s AS seed, rnn_train('det_rows', 'note', 'dx',
                             format('{"epochs": 2, "hidden": [8, 4], "embed_dim": 4, "seed": %s}', s)::jsonb) AS model
  FROM (VALUES (7), (7), (8)) AS v(s);

-- the fingerprint hashes every byte but the wall-clock timings at the end
SELECT seed, count(DISTINCT rnn_model_info(model)->>'fingerprint') AS fingerprints FROM det GROUP BY seed ORDER BY seed;
SELECT count(DISTINCT rnn_model_info(model)->>'fingerprint') AS distinct_over_seeds FROM det;

-- byte for byte: identical but for the last section, TIME, which holds only timings
-- (its 8-byte header, two float8, one float8 per epoch, then the 4-byte checksum)
SELECT bool_and(substring(model FROM length(model) - 43 FOR 4) = 'TIME'::bytea) AS time_is_last FROM det;
SELECT count(DISTINCT substring(model FROM 1 FOR length(model) - 44)) AS identical_bytes
FROM det WHERE seed = 7;

-- the model depends on the rows, not on the order a table stores them in
CREATE TABLE det_rows_reversed AS SELECT * FROM det_rows ORDER BY id DESC;
SELECT rnn_model_info(rnn_train('det_rows_reversed', 'note', 'dx', '{"epochs": 2, "hidden": [8, 4], "embed_dim": 4, "seed": 7}'))->>'fingerprint'
       = (SELECT rnn_model_info(model)->>'fingerprint' FROM det WHERE seed = 7 LIMIT 1) AS order_independent;

-- the same model predicts the same way
SELECT count(DISTINCT rnn_predict_proba(model, 'fever day 3')::text) AS same_predictions FROM det WHERE seed = 7;

DROP TABLE det_rows, det_rows_reversed, det;
