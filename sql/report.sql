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

-- models that do not classify: a regression (float8 labels), a multi-label
-- model (text[]) and a multitask one (jsonb, some labels unknown); label
-- names that try to become markup
CREATE TABLE rp_tg AS
  SELECT i AS id,
         concat_ws(' ', CASE WHEN i % 2 = 0 THEN 'fever' END, CASE WHEN i % 3 = 0 THEN 'rash' END,
                   CASE WHEN i % 5 = 0 THEN 'angina' END, (ARRAY['seen', 'stable', 'today'])[i % 3 + 1]) AS note,
         ((i % 2 = 0)::int * 1.5 + (i % 5 = 0)::int * 4.0 + (i % 7) / 10.0)::float8 AS severity,
         array_remove(ARRAY[CASE WHEN i % 2 = 0 THEN '<i>fever</i>' END, CASE WHEN i % 3 = 0 THEN 'rash & "itch"' END,
                            CASE WHEN i % 5 = 0 THEN 'angina' END], NULL) AS findings,
         jsonb_strip_nulls(jsonb_build_object('fever', CASE WHEN i % 4 < 3 THEN (i % 2 = 0) END,
                                              'angina', CASE WHEN i % 7 < 5 THEN (i % 5 = 0) END)) AS results
  FROM generate_series(1, 120) AS i;
INSERT INTO rp_tg VALUES (121, 'fever', 'NaN', '{}', '{}'), (122, NULL, 1, '{angina}', '{"angina": true}'),
                         (123, 'rash', 2, '{"<i>fever</i>", unheard}', '{"unheard": true, "fever": false}');
-- trained without row 123, whose label "unheard" the models then never saw
CREATE VIEW rp_tg_train AS SELECT * FROM rp_tg WHERE id <> 123;
CREATE TABLE rp_tg_models AS
  SELECT 'regression' AS name, 'severity' AS label,
         rnn_train('rp_tg_train', 'note', 'severity', '{"epochs": 8, "hidden": 8, "embed_dim": 4, "learning_rate": 0.01, "validation_split": 0.2, "seed": 1}') AS model
  UNION ALL
  SELECT 'multilabel', 'findings',
         rnn_train('rp_tg_train', 'note', 'findings', '{"epochs": 8, "hidden": 8, "embed_dim": 4, "learning_rate": 0.01, "validation_split": 0.25, "seed": 1}')
  UNION ALL
  SELECT 'multitask', 'results',
         rnn_train('rp_tg_train', 'note', 'results', '{"epochs": 4, "hidden": 8, "embed_dim": 4, "seed": 1}');
-- the model alone: card (with the target, or the labels and thresholds) and training
SELECT name, rp_sections(r) AS sections, (SELECT count(*) FROM regexp_matches(r, '<svg', 'g')) AS plots,
       r LIKE '%data-chart="accuracy"%' AS accuracy_curve,
       CASE name WHEN 'regression' THEN rp_value(r, 'target_mean') = (rnn_model_info(model)->>'target_mean')::float8
                                        AND rp_value(r, 'target_scale') = (rnn_model_info(model)->>'target_scale')::float8
                 ELSE (SELECT count(*) FROM regexp_matches(r, 'data-metric="threshold"', 'g')) = jsonb_array_length(rnn_model_info(model)->'thresholds') END AS card
FROM rp_tg_models, LATERAL rnn_report(model) AS r ORDER BY name;
-- with labelled rows (the multi-label pages warn of the label the models never saw)
CREATE TABLE rp_tg_pages AS
  SELECT name, model, rnn_report(model, 'rp_tg', 'note', label, '{"examples": 3}') AS r,
         rnn_evaluate(model, 'rp_tg', 'note', label) AS e
  FROM rp_tg_models;
SELECT name, rp_sections(r) AS sections,
       (SELECT string_agg(m[1], ' ') FROM regexp_matches(r, 'data-chart="([a-z0-9-]+)"', 'g') AS m) AS charts,
       (SELECT count(*) FROM regexp_matches(r, 'class="example"', 'g')) AS examples,
       position('<i>' IN r) = 0 AND position('"itch"' IN r) = 0 AS no_markup_from_labels,
       name = 'regression' OR (r LIKE '%&lt;i&gt;fever&lt;/i&gt;%' OR name = 'multitask') AND r LIKE '%data-explained%' AS labels_shown
FROM rp_tg_pages ORDER BY name;
-- every figure is rnn_evaluate's, in full precision
SELECT name, count(*) AS figures, bool_and(rp_value(r, k) = (e->>k)::float8) AS same
FROM rp_tg_pages, jsonb_object_keys(e) AS k
WHERE jsonb_typeof(e->k) = 'number'
GROUP BY name ORDER BY name;
SELECT count(*) AS quantiles, bool_and(rp_value(r, 'residual_quantile_' || q) = (e->'residual_quantiles'->>q)::float8) AS same
FROM rp_tg_pages, jsonb_object_keys(e->'residual_quantiles') AS q WHERE name = 'regression';
-- ... and per label (the name as the page escapes it)
CREATE FUNCTION rp_cell(html text, tab text, cls text, metric text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (regexp_match(substring(t FROM nullif(position('data-class="' || cls || '"' IN t), 0)),
                       'data-metric="' || metric || '" data-value="([^"]+)"'))[1]
  FROM substring(html FROM nullif(position('data-table="' || tab || '"' IN html), 0)) AS t
$$;
SELECT name, count(*) AS per_label_figures,
       bool_and(CASE WHEN c = 'null' THEN v IS NULL ELSE c::float8 = v::float8 END) AS same
FROM rp_tg_pages, jsonb_object_keys(e->'per_label') AS l,
     unnest(ARRAY['known', 'positives', 'predicted', 'threshold', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc']) AS f,
     LATERAL (SELECT rp_cell(r, 'per_label', replace(replace(replace(replace(l, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), f) AS c,
                     e->'per_label'->l->>f AS v) AS x
WHERE name <> 'regression'
GROUP BY name ORDER BY name;
-- a regression's plots: every row in the scatter (fewer than 2,000) and in the histogram
SELECT rp_value(r, 'points') AS points, (e->>'rows')::int AS rows,
       (SELECT sum(m[1]::int) FROM regexp_matches(r, 'data-count="([0-9]+)"', 'g') AS m) AS histogram_rows
FROM rp_tg_pages WHERE name = 'regression';
-- examples: the largest error first, its prediction rnn_predict_value's, its
-- attributions rnn_explain's in the label's units; a multi-label example's
-- toward its most probable label
CREATE TABLE rp_tg_ex AS
  SELECT name, model, (regexp_match(r, 'data-row="([0-9]+)"'))[1]::int AS id,
         (regexp_match(r, 'data-predicted data-value="([^"]+)"'))[1]::float8 AS predicted,
         (regexp_match(r, 'data-error data-value="([^"]+)"'))[1]::float8 AS error,
         (SELECT array_agg(m[1]::float8 ORDER BY o) FROM regexp_matches(substring(r FROM position('data-example="1"' IN r) FOR
                                                                        position('data-example="2"' IN r) - position('data-example="1"' IN r)),
                                                              'data-attr="([^"]+)"', 'g') WITH ORDINALITY AS x(m, o)) AS attrs,
         (regexp_match(r, 'data-explained>([^<]*)<'))[1] AS explained
  FROM rp_tg_pages;
SELECT x.name, abs(x.error) = (p.e->>'max_abs_error')::float8 AS largest_error,
       x.predicted = rnn_predict_value(x.model, t.note) AS predicted_as_rnn_predict_value,
       cardinality(x.attrs) = cardinality(b.attrs) AND
         (SELECT bool_and(abs(u.a - u.b) <= 1e-5 * greatest(1, abs(u.b))) FROM unnest(x.attrs, b.attrs) AS u(a, b)) AS attributions_as_rnn_explain
FROM rp_tg_ex x JOIN rp_tg t USING (id) JOIN rp_tg_pages p USING (name),
     LATERAL (SELECT array_agg(attribution ORDER BY position) AS attrs
              FROM rnn_explain(x.model, t.note) WHERE attribution IS NOT NULL) AS b
WHERE x.name = 'regression';
SELECT x.name, x.explained = (SELECT key FROM jsonb_each_text(rnn_predict_proba(x.model, t.note)) ORDER BY value::float8 DESC, key LIMIT 1)
                             OR x.explained = '&lt;i&gt;fever&lt;/i&gt;' AND (rnn_predict_proba(x.model, t.note)->>'<i>fever</i>')::float8 =
                                (SELECT max(value::float8) FROM jsonb_each_text(rnn_predict_proba(x.model, t.note))) AS most_probable
FROM rp_tg_ex x JOIN rp_tg t USING (id) WHERE x.name <> 'regression' ORDER BY 1;
-- without labels: card, training and examples
SELECT name, rp_sections(rnn_report(model, 'rp_tg', 'note', NULL, '{"examples": 2, "steps": 4}')) AS unlabelled
FROM rp_tg_models ORDER BY name;

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
SELECT rnn_report(model, 'rp_tg', 'note', 'findings') FROM rp_tg_models WHERE name = 'regression';
SELECT rnn_report(model, 'rp_tg', 'note', 'severity') FROM rp_tg_models WHERE name = 'multilabel';

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
DROP VIEW rp_train, rp_tg_train;
DROP TABLE rp_notes, rp_models, rp_pages, rp_eval, rp_seq, rp_tg, rp_tg_models, rp_tg_pages, rp_tg_ex;
DROP FUNCTION rp_sections(text), rp_value(text, text), rp_cell(text, text, text, text);
