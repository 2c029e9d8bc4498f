-- rnn_evaluate and rnn_roc, checked against the same metrics computed in SQL
-- from rnn_predict_proba
SET client_min_messages = warning;
SET extra_float_digits = 0;

CREATE TABLE ev_rows AS
SELECT i AS id,
       concat_ws(' ', (ARRAY['patient', 'seen', 'today', 'stable'])[i % 4 + 1],
                 CASE WHEN i % 3 = 0 THEN 'sepsis' WHEN i % 3 = 1 THEN 'fracture' ELSE 'sprain' END,
                 (ARRAY['mild', 'since', 'week'])[i % 3 + 1]) AS note,
       i % 3 = 0 AS severe
FROM generate_series(1, 150) AS i;
-- a few misleading rows, so the metrics are not all perfect
UPDATE ev_rows SET severe = NOT severe WHERE id % 17 = 0;

CREATE TABLE ev_model AS
  SELECT rnn_train('ev_rows', 'note', 'severe',
                   '{"epochs": 4, "hidden": 8, "embed_dim": 4, "learning_rate": 0.01, "seed": 2}') AS model;
CREATE TABLE ev AS SELECT rnn_evaluate(model, 'ev_rows', 'note', 'severe') AS r FROM ev_model;

-- the same quantities, computed here from the probabilities (read back as
-- float8 rather than float4, hence the 1e-6 tolerance on the sums)
CREATE TABLE ev_scored AS
SELECT r.id, r.severe::text AS label,
       (p ->> 'true')::float8 AS score,
       CASE WHEN (p ->> 'true')::float8 > (p ->> 'false')::float8 THEN 'true' ELSE 'false' END AS pred,
       (p ->> r.severe::text)::float8 AS p_true_label
FROM ev_rows r, ev_model m, LATERAL rnn_predict_proba(m.model, r.note) AS p;

SELECT (r ->> 'rows')::int AS rows, r ->> 'positive_label' AS positive,
       (r ->> 'positives')::int = (SELECT count(*) FROM ev_rows WHERE severe) AS positives_ok,
       abs((r ->> 'accuracy')::float8 - (SELECT avg((pred = label)::int) FROM ev_scored)) < 1e-9 AS accuracy_ok,
       abs((r ->> 'log_loss')::float8 - (SELECT avg(-ln(p_true_label)) FROM ev_scored)) < 1e-6 AS log_loss_ok,
       abs((r ->> 'brier')::float8 - (SELECT avg((score - (label = 'true')::int) ^ 2) FROM ev_scored)) < 1e-6 AS brier_ok
FROM ev;

-- ROC-AUC: the probability that a positive outscores a negative (ties count half)
SELECT abs((r ->> 'roc_auc')::float8 -
           (SELECT avg(CASE WHEN p.score > n.score THEN 1 WHEN p.score = n.score THEN 0.5 ELSE 0 END)
            FROM ev_scored p, ev_scored n WHERE p.label = 'true' AND n.label = 'false')) < 1e-9 AS roc_auc_ok
FROM ev;

-- average precision: sum over thresholds of (recall step) * precision
WITH thr AS (SELECT DISTINCT score AS t FROM ev_scored),
pts AS (SELECT t, count(*) FILTER (WHERE s.score >= t AND s.label = 'true') AS tp,
               count(*) FILTER (WHERE s.score >= t) AS pp
        FROM thr, ev_scored s GROUP BY t),
steps AS (SELECT t, tp, pp, tp - coalesce(lag(tp) OVER (ORDER BY t DESC), 0) AS dtp FROM pts)
SELECT abs((SELECT (r ->> 'pr_auc')::float8 FROM ev) -
           sum(dtp::float8 / (SELECT count(*) FROM ev_scored WHERE label = 'true') * tp / pp)) < 1e-9 AS pr_auc_ok
FROM steps;

-- per class precision, recall, F1 and support; the confusion matrix
SELECT c.label,
       abs((r -> 'per_class' -> c.label ->> 'precision')::float8 - c.tp::float8 / nullif(c.predicted, 0)) < 1e-9 AS precision_ok,
       abs((r -> 'per_class' -> c.label ->> 'recall')::float8 - c.tp::float8 / c.support) < 1e-9 AS recall_ok,
       abs((r -> 'per_class' -> c.label ->> 'f1')::float8 - 2.0 * c.tp / (c.support + c.predicted)) < 1e-9 AS f1_ok,
       (r -> 'per_class' -> c.label ->> 'support')::int = c.support AS support_ok
FROM ev, (SELECT label, count(*) FILTER (WHERE pred = label) AS tp, count(*) AS support,
                 (SELECT count(*) FROM ev_scored s2 WHERE s2.pred = s.label) AS predicted
          FROM ev_scored s GROUP BY label) AS c
ORDER BY 1;
SELECT r -> 'confusion_matrix' -> 'labels' AS labels,
       r -> 'confusion_matrix' -> 'matrix' =
       (SELECT jsonb_agg(row_counts ORDER BY t)
        FROM (SELECT t, jsonb_agg((SELECT count(*) FROM ev_scored WHERE label = t AND pred = p) ORDER BY p) AS row_counts
              FROM unnest(ARRAY['false', 'true']) AS t, unnest(ARRAY['false', 'true']) AS p GROUP BY t) AS m) AS matrix_ok
FROM ev;

-- calibration: 10 bins of the positive-class score
SELECT jsonb_array_length(r -> 'calibration') AS bins,
       (SELECT sum((b ->> 'count')::int) FROM jsonb_array_elements(r -> 'calibration') AS b) AS binned_rows
FROM ev;

-- rows with labels the model never saw are counted, not scored
INSERT INTO ev_rows VALUES (1001, 'patient sepsis', NULL), (1002, NULL, true);
CREATE TABLE ev_text AS SELECT id, note, severe::text AS label FROM ev_rows;
INSERT INTO ev_text VALUES (2001, 'sepsis', 'maybe'), (2002, 'sprain', 'maybe'), (2003, 'fracture', 'unknown');
-- (MATERIALIZED: evaluated once, not once per column read from it)
WITH s AS MATERIALIZED (SELECT rnn_evaluate(model, 'ev_text', 'note', 'label') AS r FROM ev_model)
SELECT r ->> 'rows' AS rows, r ->> 'skipped_null' AS skipped_null, r ->> 'unseen_label_rows' AS unseen,
       r -> 'unseen_labels' AS unseen_labels
FROM s;
-- and when no label matches (an integer column against a boolean model's
-- labels), the WARNING says so rather than leaving accuracy null unexplained
CREATE TABLE ev_int AS SELECT id, note, id % 2 AS label FROM ev_rows WHERE id <= 150;
WITH s AS MATERIALIZED (SELECT rnn_evaluate(model, 'ev_int', 'note', 'label') AS r FROM ev_model)
SELECT r ->> 'rows' AS rows, r ->> 'unseen_label_rows' AS unseen, r ->> 'accuracy' AS accuracy
FROM s;

-- rnn_roc: from (0, 0) at an infinite threshold to (1, 1), monotone, and its area is the AUC
CREATE TABLE roc AS SELECT * FROM rnn_roc((SELECT model FROM ev_model), 'ev_rows', 'note', 'severe');
SELECT (SELECT threshold = 'Infinity' AND tpr = 0 AND fpr = 0 FROM roc ORDER BY threshold DESC LIMIT 1) AS starts_at_origin,
       (SELECT tpr = 1 AND fpr = 1 FROM roc ORDER BY threshold LIMIT 1) AS ends_at_one,
       (SELECT count(*) FROM roc) = (SELECT count(DISTINCT score) + 1 FROM ev_scored) AS one_point_per_threshold;
SELECT bool_and(tpr >= prev_tpr AND fpr >= prev_fpr) AS monotone,
       abs(sum((fpr - prev_fpr) * (tpr + prev_tpr) / 2) - (SELECT (r ->> 'roc_auc')::float8 FROM ev)) < 1e-9 AS area_is_auc
FROM (SELECT tpr, fpr, coalesce(lag(tpr) OVER w, 0) AS prev_tpr, coalesce(lag(fpr) OVER w, 0) AS prev_fpr
      FROM roc WINDOW w AS (ORDER BY threshold DESC)) AS s;
-- pick an operating point: the highest threshold with sensitivity at least 0.9
SELECT tpr >= 0.9 AS sensitive_enough FROM roc WHERE tpr >= 0.9 ORDER BY threshold DESC LIMIT 1;

-- errors
CREATE TABLE ev_multi AS SELECT note, (id % 3)::text AS cls FROM ev_rows WHERE note IS NOT NULL;
CREATE TABLE ev_multi_model AS SELECT rnn_train('ev_multi', 'note', 'cls', '{"epochs": 1, "hidden": 4, "embed_dim": 2}') AS model;
SELECT * FROM rnn_roc((SELECT model FROM ev_multi_model), 'ev_multi', 'note', 'cls');
-- one class against the rest: the same curve as a binary model's of that class
SELECT count(*) > 1 AS points, min(fpr) = 0 AND max(fpr) = 1 AS full_range,
       (SELECT (rnn_evaluate(model, 'ev_multi', 'note', 'cls')->'per_class'->'1'->>'support')::int FROM ev_multi_model)
         = (SELECT count(*) FROM ev_multi WHERE cls = '1') AS support_agrees
FROM rnn_roc((SELECT model FROM ev_multi_model), 'ev_multi', 'note', 'cls', '1');
SELECT * FROM rnn_roc((SELECT model FROM ev_multi_model), 'ev_multi', 'note', 'cls', 'nine');
SELECT (rnn_evaluate(model, 'ev_multi', 'note', 'cls') ? 'roc_auc') AS has_auc,
       jsonb_array_length(rnn_evaluate(model, 'ev_multi', 'note', 'cls') -> 'confusion_matrix' -> 'matrix') AS matrix_rows
FROM ev_multi_model;
SELECT rnn_evaluate(NULL, 'ev_rows', 'note', 'severe');
SELECT rnn_evaluate(model, 'ev_rows', 'no_such', 'severe') FROM ev_model;
SELECT rnn_evaluate(model, 'ev_rows', 'id', 'severe') FROM ev_model;
SELECT rnn_evaluate('\x00'::bytea, 'ev_rows', 'note', 'severe');

DROP TABLE ev_rows, ev_model, ev, ev_scored, ev_text, ev_int, roc, ev_multi, ev_multi_model;
