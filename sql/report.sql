-- rnn_report: one HTML document per model; checked here by its parts (the
-- browser suite, test/suites/report_browser.sh, renders whole pages)
SET client_min_messages = warning;
CREATE TABLE rp_notes AS
  SELECT i AS id,
         (ARRAY['fever cough <script>alert(1)</script>', 'rash itch & "burn" naïve',
                'chest pain "><img src=x onerror=alert(1)>'])[i % 3 + 1] || ' day ' || (i % 7) AS note,
         (ARRAY['resp', 'derm <b>', 'cardio & co'])[i % 3 + 1] AS dx,
         (i % 3 = 0)::text AS is_resp,
         ARRAY['J18', 'R05', NULL]::text[] AS codes
  FROM generate_series(1, 60) AS i;
INSERT INTO rp_notes VALUES (61, NULL, 'resp', 'true', NULL), (62, 'fever cough', NULL, NULL, NULL),
                            (63, 'fever cough', 'unheard of', 'maybe', NULL);
-- trained without row 63, whose labels the models then never saw
CREATE VIEW rp_train AS SELECT * FROM rp_notes WHERE id <> 63;
CREATE TABLE rp_models AS
  SELECT 'multi' AS name, rnn_train('rp_train', 'note', 'dx', '{"epochs": 3, "hidden": 8, "embed_dim": 4, "validation_split": 0.2, "seed": 1}') AS model
  UNION ALL
  SELECT 'binary', rnn_train('rp_train', 'note', 'is_resp', '{"epochs": 3, "hidden": 8, "embed_dim": 4, "seed": 1, "tokenizer": "char", "mask": true}');
CREATE FUNCTION rp_sections(html text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(m[1], ' ' ORDER BY o) FROM regexp_matches(html, 'data-section="([a-z]+)"', 'g') WITH ORDINALITY AS x(m, o)
$$;
CREATE FUNCTION rp_value(html text, metric text) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT (regexp_match(html, 'data-metric="' || metric || '" data-value="([^"]+)"'))[1]::float8
$$;

-- the model alone: its card and training
SELECT name, left(r, 15) AS doctype, rp_sections(r) AS sections,
       r LIKE '%Content-Security-Policy" content="default-src ''none''; style-src ''unsafe-inline''"%' AS csp,
       (SELECT count(*) FROM regexp_matches(r, '<svg', 'g')) AS plots
FROM rp_models, LATERAL rnn_report(model) AS r ORDER BY name;

-- with labelled rows: every section that applies, and no markup from the data
CREATE TABLE rp_pages AS
  SELECT name, rnn_report(model, 'rp_notes', 'note', CASE name WHEN 'multi' THEN 'dx' ELSE 'is_resp' END,
                          '{"examples": 3, "example_order": "first"}') AS r
  FROM rp_models;
SELECT name, rp_sections(r) AS sections,
       (SELECT count(*) FROM regexp_matches(r, '<svg', 'g')) AS plots,
       (SELECT count(*) FROM regexp_matches(r, 'class="example"', 'g')) AS examples,
       position('<script' IN r) = 0 AND position('<img' IN r) = 0 AND position('<b>BP' IN r) = 0 AS no_markup_from_data,
       CASE name WHEN 'binary' THEN   -- the character-level model's tokens
         r ~ 'class="tok"[^>]*>&lt;</span>' AND r ~ 'class="tok"[^>]*>&amp;</span>' AND r ~ 'class="tok"[^>]*>&quot;</span>'
         AND r ~ 'class="tok"[^>]*>ï</span>' END AS char_tokens_as_text
FROM rp_pages ORDER BY name;
SELECT r LIKE '%derm &lt;b&gt;%' AND r LIKE '%cardio &amp; co%' AS labels_as_text
FROM rp_pages WHERE name = 'multi';

-- the figures are rnn_evaluate's, in full precision (which warns of the
-- row whose label the models never saw; the page counts it)
CREATE TABLE rp_eval AS
  SELECT name, rnn_evaluate(model, 'rp_notes', 'note', CASE name WHEN 'multi' THEN 'dx' ELSE 'is_resp' END) AS e
  FROM rp_models ORDER BY name;
SELECT p.name, metric, rp_value(p.r, metric) = (v.e->>metric)::float8 AS same
FROM rp_pages p JOIN rp_eval v USING (name),
     unnest(ARRAY['rows', 'skipped_null', 'unseen_label_rows', 'accuracy', 'macro_f1', 'weighted_f1', 'log_loss',
                  'positives', 'roc_auc', 'pr_auc', 'brier']) AS metric
WHERE v.e ? metric
ORDER BY 1, 2;
SELECT name, rp_value(r, 'unseen_label_rows') AS unseen, rp_value(r, 'skipped_null') AS skipped FROM rp_pages ORDER BY name;

-- rows without labels: examples only; options choose sections and examples
-- (rnn_report warns of the unseen label as rnn_evaluate does: shown above)
SET client_min_messages = error;
SELECT rp_sections(rnn_report(model, 'rp_notes', 'note')) AS unlabelled,
       rp_sections(rnn_report(model, 'rp_notes', 'note', 'dx', '{"sections": ["metrics", "examples"], "examples": 0}')) AS chosen,
       (SELECT count(*) FROM regexp_matches(rnn_report(model, 'rp_notes', 'note', 'dx', '{"examples": 2, "example_order": "first", "steps": 4}'),
                                            'data-row="([0-9]+)"', 'g')) AS two_examples,
       (regexp_match(rnn_report(model, 'rp_notes', 'note', 'dx', '{"examples": 1, "example_order": "first"}'), 'data-row="([0-9]+)"'))[1] AS first_row,
       rnn_report(model, options => '{"title": "Triage <model>"}') LIKE '%<title>Triage &lt;model&gt;</title>%' AS title
FROM rp_models WHERE name = 'multi';
SET client_min_messages = warning;

-- the same for token arrays, sequences of measurements, and NULL options
CREATE TABLE rp_seq AS
  SELECT i AS id, format('[[0, "HR", %s], [30, "HR", %s], [60, "BP", %s]]', 60 + i % 2 * 40, 70 + i, 120 - i % 2 * 30)::rnnseq AS s,
         (i % 2)::text AS y
  FROM generate_series(1, 30) AS i;
SELECT rp_sections(rnn_report(rnn_train('rp_seq', 's', 'y', '{"epochs": 2, "hidden": 4, "step": 30}'), 'rp_seq', 's', 'y', NULL)) AS series,
       rnn_report(rnn_train('rp_seq', 's', 'y', '{"epochs": 2, "hidden": 4, "step": 30}'), 'rp_seq', 's', 'y') LIKE '%data-chart="example-1"%' AS heat_map,
       rp_sections(rnn_report(rnn_train('rp_notes', 'codes', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2}'), 'rp_notes', 'codes', 'dx')) AS tokens;

-- errors
SELECT rnn_report(NULL::bytea);
SELECT rnn_report('\x00'::bytea);
SELECT rnn_report(model, input_col => 'note') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, 'rp_notes') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, 'rp_notes', 'codes', 'dx') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, 'rp_notes', 'nope', 'dx') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, options => '{"colour": "red"}') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, options => '{"sections": ["card", "plots"]}') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, options => '{"examples": 51}') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, options => '{"steps": 0}') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, options => '{"example_order": "random"}') FROM rp_models WHERE name = 'multi';
SELECT rnn_report(model, options => '[]') FROM rp_models WHERE name = 'multi';

-- by name: the deployed version, or a given one, with its lineage
SELECT version FROM rnn_train_model('rp', 'rp_notes', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 2}');
SELECT rp_sections(r) AS sections, r LIKE '%<h3>Lineage</h3>%' AS lineage,
       r LIKE '%<title>rp, version 1</title>%' AS title, r LIKE '%data-key="deployments"%' AS deployments
FROM rnn_report('rp', 'rp_notes', 'note', 'dx', '{"examples": 1}') AS r;
SELECT left(rnn_report('rp', version => 1), 15) AS by_version;
SELECT rnn_report('nobody');
SELECT rnn_report('rp', version => 7);

DELETE FROM rnn_deployment;
DELETE FROM rnn_model;
DROP VIEW rp_train;
DROP TABLE rp_notes, rp_models, rp_pages, rp_eval, rp_seq;
DROP FUNCTION rp_sections(text), rp_value(text, text);
