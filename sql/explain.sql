-- rnn_explain: per-token integrated-gradients attributions
SET client_min_messages = warning;

-- one keyword decides the class; everything else is shared filler
CREATE TABLE ex_rows AS
SELECT i AS id,
       concat_ws(' ',
         (SELECT string_agg((ARRAY['patient', 'seen', 'today', 'stable', 'reports', 'mild'])[(i * 7 + j) % 6 + 1], ' ')
          FROM generate_series(1, (i * 5) % 4 + 1) AS j),
         (ARRAY['fever', 'rash', 'angina'])[i % 3 + 1],
         (SELECT string_agg((ARRAY['patient', 'seen', 'today', 'stable', 'reports', 'mild'])[(i * 3 + j) % 6 + 1], ' ')
          FROM generate_series(1, (i * 11) % 4 + 1) AS j)) AS note,
       (ARRAY['respiratory', 'dermatology', 'cardiology'])[i % 3 + 1] AS dx
FROM generate_series(1, 300) AS i;
CREATE TABLE ex_model AS
  SELECT rnn_train('ex_rows', 'note', 'dx',
                   '{"epochs": 8, "hidden": 16, "embed_dim": 8, "learning_rate": 0.005, "seed": 4, "maxlen": 20}') AS model;

-- every token is listed in order; the keyword carries the largest attribution
SELECT position, token, attribution IS NOT NULL AS read_by_model
FROM rnn_explain((SELECT model FROM ex_model), 'Patient seen today: RASH, stable.');
SELECT token AS top_token
FROM rnn_explain((SELECT model FROM ex_model), 'patient seen today rash stable')
ORDER BY attribution DESC NULLS LAST LIMIT 1;
SELECT count(*) FILTER (WHERE top = kw) AS keyword_first, count(*) AS rows
FROM (SELECT (ARRAY['fever', 'rash', 'angina'])[id % 3 + 1] AS kw,
             (SELECT token FROM rnn_explain((SELECT model FROM ex_model), note)
              ORDER BY attribution DESC NULLS LAST LIMIT 1) AS top
      FROM ex_rows WHERE id <= 60) AS s;

-- a target label other than the prediction: what speaks for that label
SELECT token AS top_for_cardiology
FROM rnn_explain((SELECT model FROM ex_model), 'patient angina today', 'cardiology')
ORDER BY attribution DESC NULLS LAST LIMIT 1;

-- words the model does not know, or that maxlen cuts off, are listed with NULL
SELECT position, token, attribution IS NULL AS not_read
FROM rnn_explain((SELECT model FROM ex_model), 'zzz angina qqq') ORDER BY position;
SELECT count(*) AS tokens, count(attribution) AS read
FROM rnn_explain((SELECT model FROM ex_model), repeat('stable ', 30) || 'fever');

-- more quadrature points change little
SELECT max(abs(a.attribution - b.attribution)) < 0.05 AS stable_in_steps
FROM rnn_explain((SELECT model FROM ex_model), 'patient seen angina', NULL, 20) AS a
JOIN rnn_explain((SELECT model FROM ex_model), 'patient seen angina', NULL, 100) AS b USING (position);

-- a SMILES model is explained atom by atom: a bracket atom is one token
CREATE TABLE ex_smiles AS
  SELECT i AS id,
         repeat('C', i % 3 + 1) || CASE WHEN i % 2 = 0 THEN '[N+](=O)[O-]' ELSE 'C(=O)O' END || repeat('C', i % 4) AS s,
         (i % 2 = 0)::int AS nitro
  FROM generate_series(1, 120) AS i;
CREATE TABLE ex_smiles_model AS
  SELECT rnn_train('ex_smiles', 's', 'nitro',
                   '{"tokenizer": "smiles", "epochs": 8, "hidden": 8, "embed_dim": 4, "learning_rate": 0.01, "seed": 1}') AS model;
SELECT position, token FROM rnn_explain((SELECT model FROM ex_smiles_model), 'CC[N+](=O)[O-]') ORDER BY position;
SELECT token IN ('[N+]', '[O-]') AS charged_atom_first
FROM rnn_explain((SELECT model FROM ex_smiles_model), 'CC[N+](=O)[O-]C', '1')
ORDER BY attribution DESC NULLS LAST LIMIT 1;

-- NULL in, no rows out; bad arguments are errors
SELECT count(*) FROM rnn_explain(NULL, 'fever');
SELECT count(*) FROM rnn_explain((SELECT model FROM ex_model), NULL::text);
SELECT * FROM rnn_explain((SELECT model FROM ex_model), 'fever', 'oncology');
SELECT * FROM rnn_explain((SELECT model FROM ex_model), 'fever', NULL, 0);
SELECT * FROM rnn_explain((SELECT model FROM ex_model), 'fever', NULL, 1000);
SELECT * FROM rnn_explain((SELECT model FROM ex_model), ARRAY['fever']);
SELECT * FROM rnn_explain('\x1234'::bytea, 'fever');

-- token-array models are explained token by token, NULL tokens included
CREATE TABLE ex_codes AS
  SELECT i AS id, CASE WHEN i % 2 = 0 THEN ARRAY['J18.9', 'R05', 'Z00'] ELSE ARRAY['Z00', 'L30.9', 'R21'] END AS codes,
         (i % 2)::text AS dx
  FROM generate_series(1, 60) AS i;
CREATE TABLE ex_codes_model AS
  SELECT rnn_train('ex_codes', 'codes', 'dx', '{"epochs": 20, "hidden": 4, "embed_dim": 4, "learning_rate": 0.05}') AS model;
SELECT position, token, attribution IS NULL AS not_read
FROM rnn_explain((SELECT model FROM ex_codes_model), ARRAY['Z00', NULL, 'L30.9', 'X99']) ORDER BY position;

DROP TABLE ex_rows, ex_model, ex_codes, ex_codes_model, ex_smiles, ex_smiles_model;
