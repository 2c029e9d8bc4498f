-- rnn_train reads with the caller's privileges: table and column grants
-- and row-level security apply as for any query of theirs.  So does
-- rnn_report, which reads the relation it reports on.
BEGIN;
SELECT plan(16);
SET LOCAL client_min_messages = warning;

CREATE TABLE priv_notes (id int, note text, dx text, owner_role text);
INSERT INTO priv_notes
  SELECT i, (ARRAY['fever cough', 'rash itch'])[i % 2 + 1], (i % 2)::text,
         CASE WHEN i <= 30 THEN 'medrnn_ward_a' ELSE 'medrnn_ward_b' END
  FROM generate_series(1, 40) AS i;
CREATE ROLE medrnn_nobody;
CREATE ROLE medrnn_reader;
CREATE ROLE medrnn_ward_a;
GRANT SELECT ON priv_notes TO medrnn_reader;
GRANT SELECT (id, note) ON priv_notes TO medrnn_nobody;
GRANT SELECT ON priv_notes TO medrnn_ward_a;

SET LOCAL ROLE medrnn_nobody;
SELECT throws_ok($$SELECT rnn_train('priv_notes', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}')$$,
                 '42501', 'permission denied for table priv_notes',
                 'a role without SELECT on the label column gets permission denied');
RESET ROLE;

SET LOCAL ROLE medrnn_reader;
SELECT lives_ok($$SELECT rnn_train('priv_notes', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}')$$,
                'a role with SELECT can train');
RESET ROLE;

-- rnn_pretrain reads the input column only: no label, no grant on one needed
SET LOCAL ROLE medrnn_nobody;
SELECT is((rnn_model_info(rnn_pretrain('priv_notes', 'note', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'rows_used')::int,
          40, 'rnn_pretrain needs SELECT on the input column only');
RESET ROLE;

-- row-level security: a role trains on the rows its policy shows it, no more
ALTER TABLE priv_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_ward ON priv_notes FOR SELECT USING (owner_role = current_user);
SET LOCAL ROLE medrnn_ward_a;
SELECT is((rnn_model_info(rnn_train('priv_notes', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'rows_used')::int,
          30, 'with row-level security, rnn_train sees only the role''s own 30 of 40 rows');
RESET ROLE;
SET LOCAL ROLE medrnn_reader;
SELECT throws_ok($$SELECT rnn_train('priv_notes', 'note', 'dx')$$, '22000', 'no rows to train on',
                 'a role whose policy shows no rows trains on nothing');
RESET ROLE;

-- rnn_pretrain reads the input column only, under the same rules
SET LOCAL ROLE medrnn_ward_a;
SELECT is((rnn_model_info(rnn_pretrain('priv_notes', 'note', '{"epochs": 1, "hidden": 2, "embed_dim": 2}'))->>'rows_used')::int,
          30, 'with row-level security, rnn_pretrain sees only the role''s own 30 rows');
-- and a base model named in the options is read from the registry as the caller
SELECT throws_ok($$SELECT rnn_train('priv_notes', 'note', 'dx', '{"base_model": "any"}')$$,
                 '42501', NULL, 'a role without access to the registry cannot fine-tune from a registered model');
RESET ROLE;

-- views: the view owner's privileges on the base table, the caller's on the view
CREATE TABLE priv_base AS SELECT * FROM priv_notes;
CREATE VIEW priv_view AS SELECT note, dx FROM priv_base;
GRANT SELECT ON priv_view TO medrnn_nobody;
SET LOCAL ROLE medrnn_nobody;
SELECT lives_ok($$SELECT rnn_train('priv_view', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}')$$,
                'a granted view can be trained on without access to its base table');
SELECT throws_ok($$SELECT rnn_train('priv_base', 'note', 'dx')$$, '42501', NULL,
                 'the base table itself stays closed');
RESET ROLE;

-- prediction needs no privilege beyond reading the model value
SET LOCAL ROLE medrnn_nobody;
SELECT ok(rnn_predict((SELECT rnn_train('priv_view', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}')), 'fever')
          IS NOT NULL, 'anyone can predict with a model they can read');
RESET ROLE;
-- rnn_report: the same rules for the relation it reads
CREATE TEMP TABLE priv_model AS
  SELECT rnn_train('priv_base', 'note', 'dx', '{"epochs": 1, "hidden": 2, "embed_dim": 2}') AS model;
GRANT SELECT ON priv_model TO medrnn_nobody, medrnn_ward_a;
SET LOCAL ROLE medrnn_nobody;
SELECT throws_ok($$SELECT rnn_report((SELECT model FROM priv_model), 'priv_notes', 'note', 'dx')$$,
                 '42501', 'permission denied for table priv_notes',
                 'rnn_report: a role without SELECT on the label column gets permission denied');
SELECT ok(rnn_report((SELECT model FROM priv_model)) LIKE '<!DOCTYPE html>%',
          'rnn_report of the model alone reads no table');
RESET ROLE;
SET LOCAL ROLE medrnn_ward_a;
SELECT is((regexp_match(rnn_report((SELECT model FROM priv_model), 'priv_notes', 'note', 'dx'),
                        'data-metric="rows" data-value="([0-9]+)"'))[1]::int,
          30, 'rnn_report scores only the 30 rows the role''s policy shows it');
RESET ROLE;
-- a regression is read and scored under the same rules (its own row reader)
ALTER TABLE priv_base ADD COLUMN severity float8;
UPDATE priv_base SET severity = id % 7;
CREATE TEMP TABLE priv_reg AS
  SELECT rnn_train('priv_base', 'note', 'severity', '{"epochs": 1, "hidden": 2, "embed_dim": 2}') AS model;
ALTER TABLE priv_notes ADD COLUMN severity float8;
UPDATE priv_notes SET severity = id % 7;
GRANT SELECT ON priv_reg TO medrnn_nobody, medrnn_ward_a;
SET LOCAL ROLE medrnn_nobody;
SELECT throws_ok($$SELECT rnn_evaluate((SELECT model FROM priv_reg), 'priv_notes', 'note', 'severity')$$,
                 '42501', 'permission denied for table priv_notes',
                 'rnn_evaluate of a regression: a role without SELECT on the label column gets permission denied');
RESET ROLE;
SET LOCAL ROLE medrnn_ward_a;
SELECT is((rnn_evaluate((SELECT model FROM priv_reg), 'priv_notes', 'note', 'severity')->>'rows')::int,
          30, 'and it scores only the 30 rows the role''s policy shows it');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM priv_notes), 40, 'the table is intact');

SELECT * FROM finish();
ROLLBACK;
