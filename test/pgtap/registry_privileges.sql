-- The registry is governed by ordinary grants, the scheme the README's
-- Operations section gives: each role can do its job and nothing more.
BEGIN;
SELECT plan(11);
SET LOCAL client_min_messages = warning;

CREATE TABLE reg_priv_notes AS
SELECT i AS id, (ARRAY['fever cough', 'rash itch', 'chest pain'])[i % 3 + 1] AS note,
       (ARRAY['respiratory', 'dermatology', 'cardiology'])[i % 3 + 1] AS dx
FROM generate_series(1, 60) AS i;

CREATE ROLE medrnn_clinician_app;
CREATE ROLE medrnn_ml_engineer;
CREATE ROLE medrnn_release_manager;
-- exactly the README's grants
GRANT SELECT ON rnn_model TO medrnn_clinician_app;
GRANT SELECT, INSERT, UPDATE ON rnn_model TO medrnn_ml_engineer;
GRANT SELECT, INSERT ON rnn_deployment TO medrnn_ml_engineer;
GRANT SELECT, UPDATE ON rnn_model TO medrnn_release_manager;
GRANT SELECT, INSERT ON rnn_deployment TO medrnn_release_manager;
GRANT SELECT ON reg_priv_notes TO medrnn_ml_engineer;

-- the engineer trains; under the default 'if_better' the first version deploys
SET LOCAL ROLE medrnn_ml_engineer;
SELECT is((SELECT deployed FROM rnn_train_model('reg_priv', 'reg_priv_notes', 'note', 'dx',
                                               '{"epochs": 1, "hidden": 4, "embed_dim": 2}')),
          true, 'the engineer''s first version is stored and deployed under the default policy');
SELECT is((SELECT version FROM rnn_train_model('reg_priv', 'reg_priv_notes', 'note', 'dx',
                                              '{"epochs": 1, "hidden": 4, "embed_dim": 2}', 0.2, 'never')),
          2, 'the engineer stores a second version without deploying it');
RESET ROLE;

-- the application predicts by name and can change nothing
SET LOCAL ROLE medrnn_clinician_app;
SELECT isnt(rnn_predict('reg_priv', 'fever cough'), NULL, 'the application predicts by name');
SELECT throws_ok($$SELECT rnn_deploy('reg_priv', 2)$$, '42501', NULL,
                 'the application cannot deploy');
SELECT throws_ok($$SELECT * FROM rnn_train_model('reg_priv', 'reg_priv_notes', 'note', 'dx')$$, '42501', NULL,
                 'the application cannot train (no SELECT on the notes)');
RESET ROLE;

-- the release manager deploys and rolls back, but cannot add versions
SET LOCAL ROLE medrnn_release_manager;
SELECT is(rnn_deploy('reg_priv', 2, 'validated on the ward sample'), 2, 'the release manager deploys version 2');
SELECT is(rnn_rollback('reg_priv'), 1, 'the release manager rolls back to version 1');
SELECT throws_ok($$INSERT INTO rnn_model SELECT * FROM rnn_model LIMIT 0$$, '42501', NULL,
                 'the release manager cannot insert versions');
RESET ROLE;

SELECT is((SELECT string_agg(format('%s by %s: %s', version, deployed_by, reason), '; ' ORDER BY deployed_at)
           FROM rnn_deployment WHERE name = 'reg_priv'),
          (SELECT format('1 by medrnn_ml_engineer: macro_f1 %s beats no deployed model; '
                         '2 by medrnn_release_manager: validated on the ward sample; '
                         '1 by medrnn_release_manager: rollback from version 2', score)
           FROM rnn_model WHERE name = 'reg_priv' AND version = 1),
          'the deployment history records who deployed what and why');
SELECT is((SELECT version FROM rnn_model WHERE name = 'reg_priv' AND deployed), 1,
          'one deployed version: the one rolled back to');

-- a role with no grant sees no registry at all
CREATE ROLE medrnn_registry_outsider;
SET LOCAL ROLE medrnn_registry_outsider;
SELECT throws_ok($$SELECT rnn_predict('reg_priv', 'fever')$$, '42501', NULL,
                 'a role without SELECT on rnn_model cannot predict by name');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
