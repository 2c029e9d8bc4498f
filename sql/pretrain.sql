-- Pretraining a language model on unlabelled rows (rnn_pretrain), and
-- fine-tuning from it (rnn_train with a base model, or "base_model" by
-- registry name), on every input kind medrnn reads as tokens.
SET client_min_messages = warning;

-- notes walk a cycle of words; a row's label says where it starts
CREATE TABLE pt_rows AS
SELECT i AS id,
       (SELECT string_agg((ARRAY['fever', 'cough', 'rash', 'itch', 'chest', 'pain', 'knee', 'sprain'])
                          [(i + k) % 8 + 1], ' ' ORDER BY k)
        FROM generate_series(0, 3 + i % 5) AS k) AS note,
       CASE WHEN i % 8 < 4 THEN 'resp' ELSE 'other' END AS dx
FROM generate_series(1, 160) AS i;
INSERT INTO pt_rows VALUES (1001, NULL, 'resp');
CREATE TABLE pt_codes AS SELECT id, regexp_split_to_array(note, ' ') AS codes, dx FROM pt_rows;
CREATE TABLE pt_seqs AS
SELECT r.id, rnn_seq(w ORDER BY k) AS seq, min(r.dx) AS dx
FROM pt_rows r, regexp_split_to_table(r.note, ' ') WITH ORDINALITY AS t(w, k) GROUP BY r.id;
CREATE TABLE pt_smiles (smiles text, toxic int);
INSERT INTO pt_smiles
SELECT (ARRAY['CCO', 'c1ccccc1O', 'CC(=O)Nc1ccc(O)cc1', 'CCN(CC)CC', 'OC(=O)c1ccccc1OC(C)=O',
              'CCCCCCCCCC(=O)O', 'Clc1ccc(Cl)cc1', 'NCCc1ccc(O)c(O)c1'])[i % 8 + 1], (i % 8 >= 6)::int
FROM generate_series(1, 96) AS i;

-- a language model of the notes: a medrnn model of its own kind
CREATE TABLE pt_lm AS
SELECT rnn_pretrain('pt_rows', 'note', '{"epochs": 3, "hidden": [12, 8], "embed_dim": 6, "seed": 1,
                                         "validation_split": 0.2, "learning_rate": 0.01}') AS model;
SELECT i->>'task' AS task, i->>'format_version' AS format_version, i->>'output_words' AS output_words,
       i->>'rows_used' AS rows_used, i->>'rows_skipped' AS rows_skipped, i->>'pooling' AS pooling,
       i->>'padding' AS padding, i ? 'labels' AS lists_labels,
       (i->>'perplexity')::float8 > 1 AS perplexity_above_1,
       (i->'epochs'->-1->>'val_loss')::float8 < (i->'epochs'->0->>'val_loss')::float8 AS held_out_loss_fell
FROM pt_lm, rnn_model_info(model) AS i;
-- reproducible from the seed
SELECT rnn_model_info(rnn_pretrain('pt_rows', 'note', '{"epochs": 3, "hidden": [12, 8], "embed_dim": 6, "seed": 1,
                                   "validation_split": 0.2, "learning_rate": 0.01}'))->>'fingerprint'
       = (SELECT rnn_model_info(model)->>'fingerprint' FROM pt_lm) AS same_fingerprint;
-- it predicts no labels
SELECT rnn_predict(model, 'fever cough') FROM pt_lm;
SELECT rnn_predict_proba(model, 'fever cough') FROM pt_lm;
SELECT rnn_evaluate(model, 'pt_rows', 'note', 'dx') FROM pt_lm;
SELECT rnn_explain(model, 'fever cough') FROM pt_lm;

-- fine-tuning: the base's vocabulary and layers, a new head, the lineage
CREATE TABLE pt_ft AS
SELECT rnn_train('pt_rows', 'note', 'dx', model, '{"epochs": 4, "seed": 2, "unfreeze": "gradual",
                                                 "lr_decay": 2.6, "pooling": "max"}') AS model
FROM pt_lm;
SELECT i->>'classes' AS classes, i->'hidden' AS hidden, i->>'embed_dim' AS embed_dim,
       i->>'vocabulary_size' = (SELECT rnn_model_info(model)->>'vocabulary_size' FROM pt_lm) AS base_vocabulary,
       i->'base_model'->>'fingerprint' = (SELECT rnn_model_info(model)->>'fingerprint' FROM pt_lm) AS lineage,
       i->'base_model'->>'rows_used' AS base_rows, i->>'padding' AS padding,
       i->'options'->>'unfreeze' AS unfreeze, i->'options'->>'lr_decay' AS lr_decay
FROM pt_ft, rnn_model_info(model) AS i;
-- and everything else reads it: prediction, evaluation, explanations, the report
SELECT rnn_predict(model, 'fever cough rash itch') IN ('resp', 'other') AS predicts,
       (rnn_evaluate(model, 'pt_rows', 'note', 'dx')->>'rows')::int AS evaluated,
       (SELECT count(*) FROM rnn_explain(model, 'fever cough rash')) AS explained_tokens,
       left(rnn_report(model), 15) AS report
FROM pt_ft;
-- words the base does not know are left out, as at prediction (and a
-- NOTICE counts them): "zebra" gets no attribution
CREATE TABLE pt_new AS SELECT note || ' zebra' AS note, dx FROM pt_rows;
CREATE TABLE pt_zebra AS SELECT rnn_train('pt_new', 'note', 'dx', model, '{"epochs": 1}') AS model FROM pt_lm;
SELECT position, token, attribution IS NULL AS not_in_vocabulary FROM pt_zebra, rnn_explain(model, 'zebra fever zebra')
ORDER BY position;

-- what a base model cannot be, and options that contradict it
SELECT rnn_train('pt_rows', 'note', 'dx', model, '{}') FROM pt_ft;
SELECT rnn_train('pt_rows', 'note', 'dx', model, '{"embed_dim": 32}') FROM pt_lm;
SELECT rnn_train('pt_rows', 'note', 'dx', model, '{"hidden": 64}') FROM pt_lm;
SELECT rnn_train('pt_rows', 'note', 'dx', model, '{"bidirectional": true}') FROM pt_lm;
SELECT rnn_train('pt_rows', 'note', 'dx', model, '{"output_words": 10}') FROM pt_lm;
SELECT rnn_train('pt_codes', 'codes', 'dx', model, '{}') FROM pt_lm;
SELECT rnn_train('pt_rows', 'note', 'dx', NULL::bytea, '{}');
SELECT rnn_train('pt_rows', 'note', 'dx', '\x00'::bytea, '{}');
SELECT rnn_train('pt_rows', 'note', 'dx', '{"lr_decay": 2.6}');
SELECT rnn_train('pt_rows', 'note', 'dx', '{"unfreeze": "gradual"}');
SELECT rnn_train('pt_rows', 'note', 'dx', '{"unfreeze": "sometimes"}');
-- and what pretraining refuses
SELECT rnn_pretrain('pt_rows', 'note', '{"class_weight": "balanced"}');
SELECT rnn_pretrain('pt_rows', 'note', '{"bidirectional": true}');
SELECT rnn_pretrain('pt_rows', 'note', '{"mask": false}');
SELECT rnn_pretrain('pt_rows', 'note', '{"base_model": "x"}');
SELECT rnn_pretrain('pt_rows', 'note', '{"output_words": 1}');
SELECT rnn_pretrain('pt_rows', NULL, '{}');
SELECT rnn_pretrain('pt_rows', 'nope', '{}');
SELECT rnn_pretrain('pt_rows', 'id', '{}');
CREATE TABLE pt_one AS SELECT 'fever' AS note FROM generate_series(1, 5);
SELECT rnn_pretrain('pt_one', 'note', '{"epochs": 1}');
CREATE TABLE pt_vitals AS
SELECT p AS id, rnn_seq(t::float8, 'HR', 60 + t) AS seq FROM generate_series(1, 4) AS p, generate_series(1, 3) AS t GROUP BY p;
SELECT rnn_pretrain('pt_vitals', 'seq', '{"epochs": 1}');

-- the memory budget holds before anything is allocated: the softmax at every
-- step is the language model's largest buffer
SET medrnn.train_memory_limit = '2MB';
SELECT rnn_pretrain('pt_rows', 'note', '{"epochs": 1}');
RESET medrnn.train_memory_limit;

-- pre-split codes (text[]) and token sequences (rnnseq)
CREATE TABLE pt_code_lm AS SELECT rnn_pretrain('pt_codes', 'codes', '{"epochs": 2, "hidden": 8, "embed_dim": 4}') AS model;
SELECT rnn_model_info(model)->>'input' AS input, rnn_model_info(model)->>'task' AS task FROM pt_code_lm;
SELECT rnn_predict(rnn_train('pt_codes', 'codes', 'dx', model, '{"epochs": 2}'), ARRAY['fever', 'cough'])
       IN ('resp', 'other') AS codes_fine_tuned
FROM pt_code_lm;
SELECT rnn_predict(rnn_train('pt_seqs', 'seq', 'dx', model, '{"epochs": 2}'), rnn_seq(w))
       IN ('resp', 'other') AS sequences_fine_tuned_from_codes
FROM pt_code_lm, unnest(ARRAY['fever', 'cough']) AS w GROUP BY model;
SELECT rnn_model_info(rnn_pretrain('pt_seqs', 'seq', '{"epochs": 1, "hidden": 8, "embed_dim": 4}'))->>'task' AS sequences;

-- SMILES: characters with their case, with SMILES variants on both sides
CREATE TABLE pt_smiles_lm AS
SELECT rnn_pretrain('pt_smiles', 'smiles', '{"tokenizer": "smiles", "smiles_variants": 3, "epochs": 2,
                                             "hidden": 8, "embed_dim": 4}') AS model;
SELECT i->>'tokenizer' AS tokenizer, i->>'smiles_variants' AS smiles_variants, i->>'task' AS task
FROM pt_smiles_lm, rnn_model_info(model) AS i;
SELECT i->>'tokenizer' AS tokenizer, i->>'smiles_variants' AS smiles_variants, i->>'positive_label' AS positive
FROM pt_smiles_lm, rnn_model_info(rnn_train('pt_smiles', 'smiles', 'toxic', model,
                                            '{"smiles_variants": 4, "epochs": 2, "class_weight": "balanced"}')) AS i;
SELECT rnn_train('pt_smiles', 'smiles', 'toxic', model, '{"tokenizer": "char"}') FROM pt_smiles_lm;
-- a regression fine-tunes as well
SELECT rnn_model_info(rnn_train('pt_smiles', 'smiles', 'toxic', model, '{"task": "regression", "epochs": 1}'))->>'task'
FROM pt_smiles_lm;

-- the registry: a pretrained model under a name, fine-tuned by name
SELECT version, deployed, perplexity > 1 AS perplexity_above_1, val_perplexity IS NULL AS no_validation
FROM rnn_pretrain_model('pt_notes_lm', 'pt_rows', 'note', '{"epochs": 2, "hidden": [12, 8], "embed_dim": 6}');
SELECT name, version, label_col, metric, deployed FROM rnn_model WHERE name = 'pt_notes_lm';
SELECT rnn_predict('pt_notes_lm', 'fever cough');
SELECT rnn_model_info(rnn_train('pt_rows', 'note', 'dx', '{"base_model": "pt_notes_lm", "epochs": 1}'))->'options'->>'base_model'
       AS base_model_option;
SELECT rnn_model_info(rnn_train('pt_rows', 'note', 'dx', '{"base_model": "pt_notes_lm", "epochs": 1}'))->'base_model'->>'fingerprint'
       = (SELECT rnn_model_info(model)->>'fingerprint' FROM rnn_model WHERE name = 'pt_notes_lm') AS lineage_by_name;
SELECT version, deployed, metric FROM rnn_train_model('pt_clf', 'pt_rows', 'note', 'dx',
                                                      '{"base_model": "pt_notes_lm", "epochs": 2}');
SELECT rnn_model_info(model)->'base_model' IS NOT NULL AS registered_fine_tuned FROM rnn_model WHERE name = 'pt_clf';
SELECT rnn_train('pt_rows', 'note', 'dx', '{"base_model": "pt_nothing"}');
SELECT rnn_train('pt_rows', 'note', 'dx', model, '{"base_model": "pt_notes_lm"}') FROM pt_lm;
SELECT rnn_train('pt_rows', 'note', 'dx', '{"base_model": ""}');

DELETE FROM rnn_deployment WHERE name IN ('pt_notes_lm', 'pt_clf');
DELETE FROM rnn_model WHERE name IN ('pt_notes_lm', 'pt_clf');
DROP TABLE pt_rows, pt_codes, pt_seqs, pt_smiles, pt_lm, pt_ft, pt_new, pt_zebra, pt_one, pt_vitals,
           pt_code_lm, pt_smiles_lm;
