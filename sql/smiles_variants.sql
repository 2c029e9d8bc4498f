-- SMILES variants: each epoch trains every molecule on one of N SMILES
-- strings of it (the one written and random rewrites), and prediction
-- averages the probabilities over N strings of the input
SET client_min_messages = warning;
CREATE TABLE mols (s text, nitro int);
INSERT INTO mols VALUES
  ('[O-][N+](=O)c1ccccc1', 1), ('CC[N+](=O)[O-]', 1), ('Cc1ccc(cc1)[N+](=O)[O-]', 1),
  ('OCC[N+](=O)[O-]', 1), ('[O-][N+](=O)CCCl', 1), ('NC(=O)c1ccc(cc1)[N+](=O)[O-]', 1),
  ('c1ccccc1O', 0), ('CCO', 0), ('Cc1ccc(cc1)N', 0), ('OCCN', 0), ('ClCCCl', 0),
  ('NC(=O)c1ccc(cc1)O', 0), ('not a molecule', 0);
-- the option is validated like every other
SELECT rnn_train('mols', 's', 'nitro', '{"smiles_variants": 10}');
SELECT rnn_train('mols', 's', 'nitro', '{"tokenizer": "smiles", "smiles_variants": 0}');
SELECT rnn_train('mols', 's', 'nitro', '{"tokenizer": "smiles", "smiles_variants": 101}');
SELECT rnn_train('mols', 's', 'nitro', '{"tokenizer": "char", "smiles_variants": "ten"}');
CREATE TABLE mol_tokens AS SELECT regexp_split_to_array(s, '') AS toks, nitro FROM mols;
SELECT rnn_train('mol_tokens', 'toks', 'nitro', '{"tokenizer": "char", "smiles_variants": 10}');
-- the text that is not SMILES trains as written, and is counted
CREATE TABLE nitro_model AS
SELECT rnn_train('mols', 's', 'nitro',
                 '{"tokenizer": "smiles", "smiles_variants": 10, "epochs": 40, "hidden": 8,
                   "embed_dim": 8, "learning_rate": 0.02, "seed": 1}') AS model;
SELECT info->'smiles_variants' AS variants, info->'rows_not_rewritten' AS not_rewritten,
       info->'options'->'smiles_variants' AS option
FROM (SELECT rnn_model_info(model) AS info FROM nitro_model) i;
-- every training molecule is learned, and other spellings of them, never
-- trained on as written, get the same class
SELECT count(*) FILTER (WHERE rnn_predict(model, s)::int = nitro) AS right, count(*) AS rows
FROM mols, nitro_model WHERE s <> 'not a molecule';
SELECT spelling, rnn_predict(model, spelling) AS predicted
FROM nitro_model, (VALUES ('[O-][N+](=O)c1ccc(C)cc1'), ('c1(O)ccccc1'), ('[N+](=O)([O-])CC'),
                          ('NCCO'), ('O=[N+]([O-])CCO'), ('C(Cl)CCl')) v(spelling);
-- the same text always gets the same probabilities (the rewrites are drawn
-- from the text alone), whatever the query
SELECT count(*) AS same
FROM mols, nitro_model
WHERE rnn_predict_proba(model, s) = (SELECT rnn_predict_proba(n.model, m2.s)
                                     FROM nitro_model n, mols m2 WHERE m2.s = mols.s);
-- strings that are not read as SMILES are predicted as written: no error
SELECT rnn_predict(model, t) IS NOT NULL AS predicted, length(t) AS length
FROM nitro_model, (VALUES (''), ('[C@@'), ('C1CC'), ('(((('), ('C(C'), (repeat('C', 200000)),
                          (repeat('C(', 30000) || repeat(')', 30000))) v(t);
-- the label explained by default is rnn_predict's (the mean over rewrites),
-- attributed over the text as written; completeness is explain.sql's
-- business, and this small sharp model needs more steps than 50
SET client_min_messages = error;
SELECT count(*) AS tokens, bool_and(d.attribution = t.attribution) AS same_attributions
FROM nitro_model,
     LATERAL rnn_explain(model, '[O-][N+](=O)c1ccc(C)cc1') d
     JOIN LATERAL rnn_explain(model, '[O-][N+](=O)c1ccc(C)cc1',
                              rnn_predict(model, '[O-][N+](=O)c1ccc(C)cc1')) t USING (position);
RESET client_min_messages;

DROP TABLE mols, mol_tokens, nitro_model;
