-- "mask": padding is not an input (Keras mask_zero).  A row runs its real
-- steps only, from the zero state, so a masked model does not depend on
-- how much padding there is: the same rows trained at maxlen 40 and 400
-- give the same weights, where an unmasked model reads the padding.
SET client_min_messages = warning;
-- the keyword decides the class; filler words and lengths are drawn at
-- random (from md5), so only the keyword tells the classes apart
CREATE FUNCTION mk_draw(a int, b int, m int) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT abs(('x' || substr(md5(a::text || '/' || b::text), 1, 8))::bit(32)::int) % m $$;
CREATE TABLE mk_rows AS
SELECT i AS id,
       concat_ws(' ',
         (SELECT string_agg((ARRAY['patient', 'seen', 'today', 'stable', 'reports', 'mild'])[mk_draw(i, j, 6) + 1], ' ')
          FROM generate_series(1, mk_draw(i, 0, 4) + 1) AS j),
         (ARRAY['fever', 'rash', 'angina'])[i % 3 + 1],
         (SELECT string_agg((ARRAY['patient', 'seen', 'today', 'stable', 'reports', 'mild'])[mk_draw(i, 10 + j, 6) + 1], ' ')
          FROM generate_series(1, mk_draw(i, 100, 4) + 1) AS j)) AS note,
       (ARRAY['respiratory', 'dermatology', 'cardiology'])[i % 3 + 1] AS dx
FROM generate_series(1, 150) AS i;

-- the option is validated, and there is no padding to place
SELECT rnn_train('mk_rows', 'note', 'dx', '{"mask": "yes"}');
SELECT rnn_train('mk_rows', 'note', 'dx', '{"mask": true, "padding": "post"}');

CREATE TABLE mk_models AS
SELECT mask, maxlen,
       rnn_train('mk_rows', 'note', 'dx',
                 jsonb_build_object('mask', mask, 'maxlen', maxlen, 'epochs', 6, 'hidden', 8,
                                    'embed_dim', 8, 'learning_rate', 0.01, 'seed', 3,
                                    'bidirectional', true)) AS model
FROM (VALUES (true), (false)) AS m(mask), (VALUES (40), (400)) AS l(maxlen);
SELECT mask, maxlen, info->>'format_version' AS format_version, info->'options'->'mask' AS mask_option,
       info->'options'->>'padding' AS padding
FROM (SELECT mask, maxlen, rnn_model_info(model) AS info FROM mk_models) AS s
ORDER BY mask, maxlen;
-- masked: the same answers at both lengths; unmasked: padding changes them
SELECT a.mask,
       count(*) FILTER (WHERE rnn_predict_proba(a.model, r.note) = rnn_predict_proba(b.model, r.note)) = count(*)
         AS same_at_40_and_400
FROM mk_models a JOIN mk_models b ON a.mask = b.mask AND a.maxlen = 40 AND b.maxlen = 400, mk_rows r
GROUP BY a.mask ORDER BY a.mask;
-- and it learns the keyword
SELECT count(*) FILTER (WHERE rnn_predict(m.model, r.note) = r.dx) >= 135 AS learned
FROM mk_models m, mk_rows r WHERE m.mask AND m.maxlen = 40;
-- an input with no known word is no steps at all: the answer of the bias,
-- the same for every such input
SELECT rnn_predict_proba(model, '') = rnn_predict_proba(model, 'zzz qqq') AS empty_inputs_agree
FROM mk_models WHERE mask AND maxlen = 40;
-- explanations list the tokens read, and the keyword leads
SELECT position, token, attribution IS NOT NULL AS read_by_model
FROM rnn_explain((SELECT model FROM mk_models WHERE mask AND maxlen = 400), 'Patient seen today: RASH, stable.');
SELECT token AS top_token
FROM rnn_explain((SELECT model FROM mk_models WHERE mask AND maxlen = 400), 'patient seen today rash stable')
ORDER BY attribution DESC NULLS LAST LIMIT 1;

-- memory follows the rows, not maxlen: at maxlen 10,000 the unmasked run
-- would hold 10,000 steps of activations and ids per row and is refused;
-- the masked one holds the longest row's dozen and fits
SET medrnn.train_memory_limit = '16MB';
SELECT rnn_train('mk_rows', 'note', 'dx', '{"maxlen": 10000, "epochs": 1, "hidden": 8, "embed_dim": 8}') IS NOT NULL
  AS unmasked_fits;
SELECT rnn_train('mk_rows', 'note', 'dx', '{"mask": true, "maxlen": 10000, "epochs": 1, "hidden": 8, "embed_dim": 8}') IS NOT NULL
  AS masked_fits;
RESET medrnn.train_memory_limit;

-- token arrays and token sequences
CREATE TABLE mk_codes AS
SELECT id, regexp_split_to_array(note, ' ') AS codes, dx FROM mk_rows;
SELECT count(*) FILTER (WHERE rnn_predict_proba(a, codes) = rnn_predict_proba(b, codes)) = count(*) AS same_at_40_and_400
FROM mk_codes,
     (SELECT rnn_train('mk_codes', 'codes', 'dx', '{"mask": true, "maxlen": 40, "epochs": 2, "hidden": 4, "embed_dim": 4}') AS a,
             rnn_train('mk_codes', 'codes', 'dx', '{"mask": true, "maxlen": 400, "epochs": 2, "hidden": 4, "embed_dim": 4}') AS b) AS m;

-- measurement sequences: the grid ends at a row's last event, so later
-- bins are no steps: the explanation gives them NULL (not read)
CREATE TABLE mk_stays AS
SELECT i AS id,
       format('[[0, "HR", %s], [%s, "HR", %s], [%s, "BP", %s]]',
              60 + i % 2 * 40, 30 + i % 5 * 30, 70 + i % 7, 60 + i % 3 * 30, 120 - i % 2 * 30)::rnnseq AS vitals,
       (i % 2)::text AS died
FROM generate_series(1, 60) AS i;
CREATE TABLE mk_series AS
SELECT rnn_train('mk_stays', 'vitals', 'died',
                 '{"mask": true, "step": 30, "maxlen": 12, "epochs": 3, "hidden": 4, "seed": 1}') AS model;
SELECT s.id, max(e.position) FILTER (WHERE e.attribution IS NOT NULL) AS bins_read, max(e.position) AS bins
FROM mk_series m, mk_stays s, rnn_explain(m.model, s.vitals) AS e
WHERE s.id IN (1, 2, 4) GROUP BY s.id ORDER BY s.id;
SELECT rnn_predict_proba(model, '[]'::rnnseq) IS NOT NULL AS empty_sequence_predicts
FROM mk_series;

DROP TABLE mk_rows, mk_models, mk_codes, mk_stays, mk_series;
DROP FUNCTION mk_draw;
