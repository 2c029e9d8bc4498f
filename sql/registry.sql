-- the model registry: versions, held-out metrics, deployment policy,
-- rollback, and prediction by name
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE TABLE reg_rows AS
SELECT i AS id,
       concat_ws(' ', (ARRAY['patient', 'seen', 'today'])[i % 3 + 1],
                 (ARRAY['fever', 'rash', 'angina'])[i % 3 + 1], (ARRAY['mild', 'since'])[i % 2 + 1]) AS note,
       (ARRAY['respiratory', 'dermatology', 'cardiology'])[i % 3 + 1] AS dx
FROM generate_series(1, 240) AS i;
UPDATE reg_rows SET dx = 'dermatology' WHERE id % 23 = 0;

-- the first version is deployed: there is nothing to beat
SELECT version, deployed, metric, score > 0 AS scored, previous_score
FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2, "learning_rate": 0.001}');
-- a stronger version beats it on the same held-out rows and is deployed
SELECT version, deployed, score > previous_score AS better
FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{"epochs": 8, "hidden": 8, "embed_dim": 4, "learning_rate": 0.01}');
-- a weak one is stored but not deployed; "never" never deploys, "always" always does
SELECT version, deployed
FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2, "learning_rate": 0.0001}');
SELECT version, deployed
FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{"epochs": 8, "hidden": 8, "embed_dim": 4, "learning_rate": 0.01}', 0.2, 'never');
SELECT version, deployed
FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}', 0.2, 'always');

SELECT name, version, deployed, metric, created_by = current_user AS by_me, relation, input_col, label_col,
       options->>'epochs' AS epochs, test_size, metrics ? 'confusion_matrix' AS has_metrics,
       (metrics->>'rows')::int AS held_out_rows
FROM rnn_model ORDER BY version;
-- the held-out rows are a stratified 20%: round(0.2 n) of each class's n rows
SELECT bool_and((m.metrics->'per_class'->c.dx->>'support')::int = round(0.2 * c.n)) AS stratified
FROM rnn_model m, (SELECT dx, count(*) AS n FROM reg_rows GROUP BY dx) AS c WHERE m.version = 1;

-- prediction by name uses the deployed version (5)
SELECT rnn_predict('triage', note) = rnn_predict(m.model, note) AS same_as_v5
FROM reg_rows r, rnn_model m WHERE m.version = 5 AND r.id = 1;
SELECT rnn_predict_proba('triage', 'patient fever') = rnn_predict_proba(m.model, 'patient fever') AS proba_same
FROM rnn_model m WHERE m.version = 5;

-- rollback goes back to the version deployed before (2), then to the one before that (1)
SELECT rnn_rollback('triage') AS rolled_back_to;
SELECT rnn_predict_proba('triage', 'patient fever') = rnn_predict_proba(m.model, 'patient fever') AS now_v2
FROM rnn_model m WHERE m.version = 2;
SELECT rnn_rollback('triage') AS rolled_back_to;
SELECT rnn_deploy('triage', 4) AS deployed;
SELECT version, reason FROM rnn_deployment ORDER BY deployed_at;

-- errors leave the deployment alone
SELECT rnn_deploy('triage', 99);
SELECT rnn_rollback('nobody');
SELECT * FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{"epochs": 0}');
SELECT * FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{}', 1.5);
SELECT * FROM rnn_train_model('triage', 'reg_rows', 'note', 'dx', '{}', 0.2, 'sometimes');
SELECT * FROM rnn_train_model('triage', 'no_such_table', 'note', 'dx');
SELECT rnn_predict('nobody', 'fever');
SELECT version FROM rnn_model WHERE name = 'triage' AND deployed;
SELECT count(*) AS versions FROM rnn_model;

-- one deployed version per name, enforced by the table
UPDATE rnn_model SET deployed = true WHERE version = 1;

DROP TABLE reg_rows;
DELETE FROM rnn_deployment;
DELETE FROM rnn_model;
