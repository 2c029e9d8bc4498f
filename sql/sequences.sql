-- training and prediction on rnnseq: measurement sequences (ICU vital signs)
-- and token sequences (codes)
SET client_min_messages = warning;

CREATE TABLE sq_events (record_id int, minutes float8, variable text, value float8);
CREATE TABLE sq_outcomes (record_id int PRIMARY KEY, died int);
CREATE TABLE sq_split (record_id int PRIMARY KEY, split text);
\copy sq_events FROM PROGRAM 'gzip -dc data/physionet2012-sample/events.csv.gz' WITH (FORMAT csv, HEADER true)
\copy sq_outcomes FROM 'data/physionet2012-sample/outcomes.csv' WITH (FORMAT csv, HEADER true)
\copy sq_split FROM 'data/physionet2012-sample/split.csv' WITH (FORMAT csv, HEADER true)

-- one sequence per stay; -1 in the time-0 descriptors means "not recorded"
CREATE TABLE sq_stays AS
SELECT o.record_id, s.split, o.died,
       rnn_seq(e.minutes, e.variable,
               CASE WHEN e.value = -1 AND e.variable IN ('Age', 'Gender', 'Height', 'Weight', 'ICUType')
                    THEN NULL ELSE e.value END) AS vitals
FROM sq_outcomes o JOIN sq_split s USING (record_id) JOIN sq_events e USING (record_id)
GROUP BY o.record_id, s.split, o.died;
SELECT split, count(*) AS stays, sum(died) AS deaths,
       sum((rnn_seq_info(vitals)->>'events')::int) AS events,
       sum((rnn_seq_info(vitals)->>'nulls')::int) AS missing_values
FROM sq_stays GROUP BY split ORDER BY split;

-- hourly bins over the first 48 hours
CREATE TABLE sq_model AS
  SELECT rnn_train('sq_stays', 'vitals', 'died',
                   '{"step": 60, "maxlen": 48, "hidden": 16, "epochs": 3, "seed": 1}') AS model;
SELECT info->>'input' AS input, info->>'time' AS time, info->>'origin' AS origin, info->>'step' AS step,
       info->>'maxlen' AS bins, jsonb_array_length(info->'variables') AS variables,
       info->'variables'->0->>'name' AS first_variable, info->>'parameters' AS parameters
FROM (SELECT rnn_model_info(model) AS info FROM sq_model) AS s;

-- predictions are probabilities of the two outcomes, for every stay
SELECT count(*) AS predicted, count(DISTINCT p IN ('0', '1')) AS labels_ok
FROM (SELECT rnn_predict(m.model, s.vitals) AS p FROM sq_stays s, sq_model m) AS x;
SELECT bool_and(abs((p->>'0')::float8 + (p->>'1')::float8 - 1) < 1e-5) AS proba_ok
FROM (SELECT rnn_predict_proba(m.model, s.vitals) AS p FROM sq_stays s, sq_model m) AS x;
SELECT r ? 'roc_auc' AS has_auc, (r->>'rows')::int AS rows, r->>'positive_label' AS positive
FROM (SELECT rnn_evaluate(model, 'sq_stays', 'vitals', 'died') AS r FROM sq_model) AS s;

-- an empty stay predicts from the grid alone; unknown variables are ignored
SELECT rnn_predict(model, '[]'::rnnseq) IS NOT NULL AS empty_ok,
       rnn_predict(model, '[[0, "NoSuchVariable", 1]]'::rnnseq) IS NOT NULL AS unknown_ok
FROM sq_model;

-- explanations: one row per bin and variable
SELECT count(*) AS rows, count(DISTINCT position) AS bins, count(DISTINCT token) AS variables
FROM rnn_explain((SELECT model FROM sq_model), (SELECT vitals FROM sq_stays ORDER BY record_id LIMIT 1), NULL, 10);

-- timestamps: times as timestamptz, bins given as an interval
CREATE TABLE sq_ts AS
SELECT record_id, died,
       rnn_seq(timestamptz '2024-01-01 00:00:00+00' + minutes * interval '1 minute', variable, value) AS vitals
FROM sq_events JOIN sq_outcomes USING (record_id) GROUP BY record_id, died;
SELECT rnn_model_info(rnn_train('sq_ts', 'vitals', 'died',
         '{"step": "2 hours", "maxlen": 24, "hidden": 4, "epochs": 1}')) - 'options' - 'epochs' - 'variables'
       - 'fingerprint' - 'size_bytes' - 'created_at' - 'training_seconds' AS ts_model;

-- token sequences: diagnosis codes per stay, in time order
CREATE TABLE sq_codes AS
SELECT record_id, died,
       rnn_seq(minutes, CASE WHEN variable IN ('MechVent', 'Lactate', 'Bilirubin') THEN variable END) AS codes,
       array_agg(variable ORDER BY minutes, variable) FILTER (WHERE variable IN ('MechVent', 'Lactate', 'Bilirubin')) AS code_array
FROM sq_events JOIN sq_outcomes USING (record_id) GROUP BY record_id, died;
CREATE TABLE sq_code_model AS
  SELECT rnn_train('sq_codes', 'codes', 'died', '{"hidden": 4, "embed_dim": 4, "epochs": 2}') AS model;
SELECT rnn_model_info(model)->>'input' AS input, rnn_model_info(model)->>'vocabulary_size' AS codes FROM sq_code_model;
-- the NULL codes are missing tokens: a sequence and its array of codes predict alike
SELECT count(*) FILTER (WHERE rnn_predict_proba(m.model, c.codes) = rnn_predict_proba(m.model, coalesce(c.code_array, '{}'))) AS same,
       count(*) AS stays
FROM sq_codes c, sq_code_model m;

-- errors
SELECT rnn_train('sq_stays', 'vitals', 'died', '{"epochs": 1}');
SELECT rnn_train('sq_stays', 'vitals', 'died', '{"step": "1 hour", "epochs": 1}');
SELECT rnn_train('sq_stays', 'vitals', 'died', '{"step": -5}');
SELECT rnn_train('sq_stays', 'vitals', 'died', '{"step": "yesterday"}');
SELECT rnn_train('sq_stays', 'vitals', 'died', '{"step": 60, "origin": "admission"}');
-- an option for another kind of column is refused, whichever way round
SELECT rnn_train('sq_stays', 'vitals', 'died', '{"step": 60, "embed_dim": 8}');
SELECT rnn_train('sq_codes', 'codes', 'died', '{"step": 60}');
SELECT rnn_predict(model, 'fever') FROM sq_model;
SELECT rnn_predict(model, ARRAY['HR']) FROM sq_model;
SELECT rnn_predict(model, '["HR", "SysABP"]'::rnnseq) FROM sq_model;
SELECT rnn_predict(model, '[["2024-01-01T00:00:00Z", "HR", 80]]'::rnnseq) FROM sq_model;
SELECT rnn_predict(model, '[[0, "HR", 80]]'::rnnseq) FROM sq_code_model;
SELECT rnn_evaluate(model, 'sq_codes', 'code_array', 'died') IS NOT NULL AS arrays_ok FROM sq_code_model;
SELECT rnn_evaluate(model, 'sq_stays', 'vitals', 'died') FROM sq_code_model;

DROP TABLE sq_events, sq_outcomes, sq_split, sq_stays, sq_model, sq_ts, sq_codes, sq_code_model;
