#!/usr/bin/env bash
#
# test/suites/metrics_sklearn.sh
#	  rnn_evaluate against scikit-learn on the shipped data: a binary
#	  ClinTox model (SMILES, 7.8 % positive) and a five-class model of the
#	  medical abstracts.  The probabilities rnn_predict_proba returns are
#	  handed to scikit-learn, whose metrics must equal rnn_evaluate's.
#	  The same for the other targets: two regressions (ESOL solubility from
#	  SMILES, and length of stay from the PhysioNet 2012 sample's
#	  measurement sequences) scored from rnn_predict_value, and a
#	  multi-label and a multitask model (with unknown labels) on notes
#	  generated here, scored from rnn_predict_proba and the model's
#	  thresholds; and one label's rnn_roc curve against roc_curve.
#
# Needs python3 with scikit-learn (scripts/test.sh installs python3-sklearn).
# Prints TAP.

set -euo pipefail

DB=medrnn_sklearn
ROOT=${MEDRNN_ROOT:-$(pwd)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-sklearn.XXXXXX")
PY=/usr/bin/python3

cleanup()
{
	dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	rm -rf -- "$WORK"
}
trap cleanup EXIT

if ! "$PY" -c 'import sklearn' 2>/dev/null; then
	echo "1..0 # SKIP scikit-learn is not installed"
	exit 0
fi

createdb "$DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION medrnn;
CREATE TABLE tox_train (smiles text, toxic int);
CREATE TABLE tox_test (smiles text, toxic int);
\\copy tox_train FROM '$ROOT/data/clintox/train.csv' WITH (FORMAT csv, HEADER true)
\\copy tox_test FROM '$ROOT/data/clintox/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE abs_train (text text, label text);
CREATE TABLE abs_test (text text, label text);
\\copy abs_train FROM '$ROOT/data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)
\\copy abs_test FROM '$ROOT/data/medical-abstracts/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE models AS
  SELECT 'tox' AS task, rnn_train('tox_train', 'smiles', 'toxic',
           '{"tokenizer": "char", "epochs": 3, "hidden": 16, "embed_dim": 8, "class_weight": "balanced"}') AS model
  UNION ALL
  SELECT 'abs', rnn_train('abs_train', 'text', 'label', '{"epochs": 2, "hidden": 16, "embed_dim": 16}');
\\copy (SELECT toxic::text, rnn_predict_proba(m.model, t.smiles)::text FROM tox_test t, models m WHERE m.task = 'tox') TO '$WORK/tox.tsv'
\\copy (SELECT label, rnn_predict_proba(m.model, t.text)::text FROM abs_test t, models m WHERE m.task = 'abs') TO '$WORK/abs.tsv'
\\copy (SELECT rnn_evaluate(model, 'tox_test', 'smiles', 'toxic')::text FROM models WHERE task = 'tox') TO '$WORK/tox.json'
\\copy (SELECT rnn_evaluate(model, 'abs_test', 'text', 'label')::text FROM models WHERE task = 'abs') TO '$WORK/abs.json'

-- regression from SMILES: aqueous solubility (log mol/L)
CREATE TABLE esol_train (text text, value float8);
CREATE TABLE esol_test (text text, value float8);
\\copy esol_train FROM '$ROOT/data/esol/train.csv' WITH (FORMAT csv, HEADER true)
\\copy esol_test FROM '$ROOT/data/esol/test.csv' WITH (FORMAT csv, HEADER true)
-- regression from measurement sequences: length of stay (days) from the
-- hourly bins of a stay's first 48 hours (-1 in a time-0 descriptor is "not
-- recorded"; a length of stay of -1 is one too)
CREATE TABLE los_events (record_id int, minutes float8, variable text, value float8);
CREATE TABLE los_outcomes (record_id int, saps_i int, sofa int, length_of_stay int, survival int, in_hospital_death int);
CREATE TABLE los_split (record_id int, split text);
\\copy los_events FROM PROGRAM 'gzip -dc "$ROOT/data/physionet2012-sample/events.csv.gz"' WITH (FORMAT csv, HEADER true)
\\copy los_outcomes FROM '$ROOT/data/physionet2012-sample/outcomes_all.csv' WITH (FORMAT csv, HEADER true)
\\copy los_split FROM '$ROOT/data/physionet2012-sample/split.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE los_stays AS
SELECT o.record_id, s.split, o.length_of_stay::float8 AS los,
       rnn_seq(e.minutes, e.variable,
               CASE WHEN e.value = -1 AND e.variable IN ('Age', 'Gender', 'Height', 'Weight', 'ICUType')
                    THEN NULL ELSE e.value END) AS vitals
FROM los_outcomes o JOIN los_split s USING (record_id) JOIN los_events e USING (record_id)
WHERE o.length_of_stay >= 0
GROUP BY o.record_id, s.split, o.length_of_stay;
CREATE TABLE los_train AS SELECT record_id, vitals, los FROM los_stays WHERE split = 'train';
CREATE TABLE los_test AS SELECT record_id, vitals, los FROM los_stays WHERE split = 'test';

-- notes with findings: row i, finding k positive with the finding's own
-- prevalence (a row may have none); the note names a positive finding 85 %
-- of the time and a negative one 5 %, among one to four fillers, in a
-- drawn order.  Rows 1..400 train, 10001..10200 test.  The multitask
-- labels are the same findings as a jsonb object in which 20 % of the keys
-- are missing and 5 % of the others null (both unknown), a true label
-- written true or 1 and a false one false or 0; every 50th row knows none.
CREATE FUNCTION ms_draw(a int, b int, m int) RETURNS int LANGUAGE sql IMMUTABLE AS
\$\$ SELECT abs(('x' || substr(md5('ms/' || a::text || '/' || b::text), 1, 8))::bit(32)::int) % m \$\$;
CREATE TABLE ms_draws AS
SELECT i, k, (ARRAY['fever', 'rash', 'cough', 'angina', 'sepsis'])[k] AS label,
       ms_draw(i, k, 100) < (ARRAY[40, 30, 25, 15, 10])[k] AS positive,
       ms_draw(i, 10 + k, 100) AS noise, ms_draw(i, 20 + k, 100) AS keep, ms_draw(i, 30 + k, 100) AS form
FROM (SELECT generate_series(1, 400) UNION ALL SELECT generate_series(10001, 10200)) AS r(i),
     generate_series(1, 5) AS k;
CREATE TABLE ms_rows AS
SELECT i,
       (SELECT string_agg(w, ' ' ORDER BY md5(i::text || '/' || n::text))
        FROM unnest(array_cat(array_agg(label) FILTER (WHERE (positive AND noise < 85) OR (NOT positive AND noise >= 95)),
                              ARRAY(SELECT (ARRAY['patient', 'seen', 'today', 'stable', 'reports', 'mild', 'history'])[ms_draw(i, 100 + j, 7) + 1]
                                    FROM generate_series(1, ms_draw(i, 99, 4) + 1) AS j)))
             WITH ORDINALITY AS u(w, n)) AS note,
       coalesce(array_agg(label ORDER BY k) FILTER (WHERE positive), '{}') AS findings,
       CASE WHEN i % 50 = 7 THEN '{}'
            ELSE coalesce(jsonb_object_agg(label, CASE WHEN form < 5 THEN 'null'::jsonb
                                                       WHEN form % 2 = 0 THEN to_jsonb(positive)
                                                       ELSE to_jsonb(positive::int) END) FILTER (WHERE keep >= 20), '{}') END AS results
FROM ms_draws GROUP BY i;
CREATE TABLE ms_train AS SELECT i, note, findings, results FROM ms_rows WHERE i < 10000;
CREATE TABLE ms_test AS SELECT i, note, findings, results FROM ms_rows WHERE i > 10000;

INSERT INTO models
  SELECT 'esol', rnn_train('esol_train', 'text', 'value', '{"tokenizer": "smiles", "epochs": 3, "hidden": 16, "embed_dim": 8}')
  UNION ALL
  SELECT 'los', rnn_train('los_train', 'vitals', 'los', '{"step": 60, "maxlen": 48, "hidden": 16, "epochs": 3, "seed": 1}')
  UNION ALL
  SELECT 'ml', rnn_train('ms_train', 'note', 'findings', '{"epochs": 3, "hidden": 16, "embed_dim": 8, "validation_split": 0.2}')
  UNION ALL
  SELECT 'mt', rnn_train('ms_train', 'note', 'results', '{"epochs": 3, "hidden": 16, "embed_dim": 8, "validation_split": 0.2}');
\\copy (SELECT value::text, rnn_predict_value(m.model, t.text)::text FROM esol_test t, models m WHERE m.task = 'esol') TO '$WORK/esol.tsv'
\\copy (SELECT los::text, rnn_predict_value(m.model, t.vitals)::text FROM los_test t, models m WHERE m.task = 'los') TO '$WORK/los.tsv'
\\copy (SELECT array_to_json(findings)::text, rnn_predict_proba(m.model, t.note)::text FROM ms_test t, models m WHERE m.task = 'ml') TO '$WORK/ml.tsv'
\\copy (SELECT results::text, rnn_predict_proba(m.model, t.note)::text FROM ms_test t, models m WHERE m.task = 'mt') TO '$WORK/mt.tsv'
\\copy (SELECT rnn_evaluate(model, 'esol_test', 'text', 'value')::text FROM models WHERE task = 'esol') TO '$WORK/esol.json'
\\copy (SELECT rnn_evaluate(model, 'los_test', 'vitals', 'los')::text FROM models WHERE task = 'los') TO '$WORK/los.json'
\\copy (SELECT rnn_evaluate(model, 'ms_test', 'note', 'findings')::text FROM models WHERE task = 'ml') TO '$WORK/ml.json'
\\copy (SELECT rnn_evaluate(model, 'ms_test', 'note', 'results')::text FROM models WHERE task = 'mt') TO '$WORK/mt.json'
\\copy (SELECT rnn_model_info(model)::text FROM models WHERE task = 'ml') TO '$WORK/ml.info'
\\copy (SELECT rnn_model_info(model)::text FROM models WHERE task = 'mt') TO '$WORK/mt.info'
\\copy (SELECT r.threshold, r.tpr, r.fpr, r."precision" FROM models m, rnn_roc(m.model, 'ms_test', 'note', 'findings', 'rash') WITH ORDINALITY AS r WHERE m.task = 'ml' ORDER BY r.ordinality) TO '$WORK/ml_roc.tsv'
SQL

"$PY" - "$WORK" <<'PY'
import json, sys
import numpy as np
from sklearn import metrics as M

work = sys.argv[1]
n = 0

def check(ok, name):
    global n
    n += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n, name))

def close(a, b, tol=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))

def load(task):
    with open(f"{work}/{task}.tsv") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    ev = json.loads(open(f"{work}/{task}.json").read())
    labels = ev["confusion_matrix"]["labels"]
    y = np.array([labels.index(r[0]) for r in rows])
    # the probabilities are float32 in the model: read them back as float32
    p = np.array([[np.float32(json.loads(r[1])[l]) for l in labels] for r in rows], dtype=np.float64)
    return ev, labels, y, p

for task in ("tox", "abs"):
    ev, labels, y, p = load(task)
    pred = p.argmax(axis=1)
    K = len(labels)
    check(ev["rows"] == len(y), f"{task}: rows")
    check(close(ev["accuracy"], M.accuracy_score(y, pred)), f"{task}: accuracy")
    check(close(ev["macro_f1"], M.f1_score(y, pred, average="macro", zero_division=0)), f"{task}: macro F1")
    check(close(ev["weighted_f1"], M.f1_score(y, pred, average="weighted", zero_division=0)), f"{task}: weighted F1")
    check(close(ev["log_loss"], M.log_loss(y, p, labels=list(range(K)))), f"{task}: log loss")
    pr, rc, f1, sup = M.precision_recall_fscore_support(y, pred, labels=list(range(K)), zero_division=0)
    check(all(close(ev["per_class"][l]["precision"], pr[k]) and close(ev["per_class"][l]["recall"], rc[k])
              and close(ev["per_class"][l]["f1"], f1[k]) and ev["per_class"][l]["support"] == sup[k]
              for k, l in enumerate(labels)), f"{task}: per-class precision, recall, F1, support")
    check(ev["confusion_matrix"]["matrix"] == M.confusion_matrix(y, pred, labels=list(range(K))).tolist(),
          f"{task}: confusion matrix")
    if K == 2:
        pos = labels.index(ev["positive_label"])
        s = p[:, pos]
        yb = (y == pos).astype(int)
        check(close(ev["roc_auc"], M.roc_auc_score(yb, s)), f"{task}: ROC-AUC")
        check(close(ev["pr_auc"], M.average_precision_score(yb, s)), f"{task}: PR-AUC (average precision)")
        check(close(ev["brier"], M.brier_score_loss(yb, s)), f"{task}: Brier score")
        from sklearn.calibration import calibration_curve
        frac, mean = calibration_curve(yb, s, n_bins=10, strategy="uniform")
        bins = [b for b in ev["calibration"] if b["count"] > 0]
        check(len(bins) == len(frac) and all(close(b["fraction_positive"], f) and close(b["mean_predicted"], m)
                                             for b, f, m in zip(bins, frac, mean)),
              f"{task}: calibration bins")

def explain(pairs):
    # a TAP comment with the figures that differ, to see what went wrong
    for name, got, want in pairs:
        if not close(got, want):
            print(f"# {name}: rnn_evaluate {got!r}, expected {want!r}")

# ---- regression: the predictions rnn_predict_value returned (float8, in
# full), the residual being prediction minus truth
for task in ("esol", "los"):
    with open(f"{work}/{task}.tsv") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    ev = json.loads(open(f"{work}/{task}.json").read())
    y = np.array([float(r[0]) for r in rows])
    fv = np.array([float(r[1]) for r in rows])
    res = fv - y
    check(ev["task"] == "regression" and ev["rows"] == len(y) and ev["skipped_null"] == 0
          and ev["skipped_nonfinite"] == 0, f"{task}: rows")
    for key, want in (("rmse", M.mean_squared_error(y, fv, squared=False)),
                      ("mae", M.mean_absolute_error(y, fv)),
                      ("r2", M.r2_score(y, fv)),
                      ("mean_residual", float(np.mean(res))),
                      ("max_abs_error", M.max_error(y, fv))):
        ok = close(ev[key], want)
        check(ok, f"{task}: {key}")
        if not ok:
            explain([(key, ev[key], want)])
    ok = close(ev["mean_true"], np.mean(y)) and close(ev["std_true"], np.std(y))
    check(ok, f"{task}: mean_true and std_true (np.mean, np.std)")
    if not ok:
        explain([("mean_true", ev["mean_true"], np.mean(y)), ("std_true", ev["std_true"], np.std(y))])
    levels = ["0.05", "0.25", "0.5", "0.75", "0.95"]
    want = np.quantile(res, [float(q) for q in levels])
    got = ev["residual_quantiles"]
    ok = sorted(got) == sorted(levels) and all(close(got[q], w) for q, w in zip(levels, want))
    check(ok, f"{task}: residual quantiles 0.05, 0.25, 0.5, 0.75, 0.95 (np.quantile)")
    if not ok:
        explain([(f"quantile {q}", got.get(q), w) for q, w in zip(levels, want)])

# ---- multi-label and multitask: truth as an n x K matrix in the model's
# label order (1 positive, 0 negative, -1 unknown), the float32
# probabilities, and the entries predicted positive, p >= the label's
# float32 threshold as the model compares them
def load_multi(task):
    with open(f"{work}/{task}.tsv") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    ev = json.loads(open(f"{work}/{task}.json").read())
    info = json.loads(open(f"{work}/{task}.info").read())
    labels = info["labels"]
    thr = np.array(info["thresholds"], dtype=np.float32)
    Y = np.full((len(rows), len(labels)), -1, dtype=int)
    for i, r in enumerate(rows):
        t = json.loads(r[0])
        for k, l in enumerate(labels):
            if isinstance(t, list):
                Y[i, k] = int(l in t)
            elif t.get(l) is not None:
                Y[i, k] = int(t[l])		# true/1 -> 1, false/0 -> 0
    P32 = np.array([[np.float32(json.loads(r[1])[l]) for l in labels] for r in rows], dtype=np.float32)
    PRED = (P32 >= thr[None, :]).astype(int)
    return ev, info, labels, thr, Y, P32.astype(np.float64), PRED

def per_label_checks(task, ev, labels, thr, Y, S, PRED):
    """known, positives, predicted, threshold, precision/recall/F1 and the
    two AUCs of each label over its known rows, by sklearn"""
    K = len(labels)
    counts_ok = prf_ok = True
    aucs, aps = [], []
    auc_ok = ap_ok = True
    f1s = []
    for k, l in enumerate(labels):
        pl = ev["per_label"][l]
        m = Y[:, k] >= 0
        yk, pk, sk = Y[m, k], PRED[m, k], S[m, k]
        if not (pl["known"] == m.sum() and pl["positives"] == yk.sum() and pl["predicted"] == pk.sum()
                and np.float32(pl["threshold"]) == thr[k]):
            counts_ok = False
            print(f"# {task} {l}: known/positives/predicted/threshold {pl['known']}/{pl['positives']}/"
                  f"{pl['predicted']}/{pl['threshold']}, expected {m.sum()}/{yk.sum()}/{pk.sum()}/{thr[k]}")
        if m.sum() == 0:
            continue
        pr, rc, f1, _ = M.precision_recall_fscore_support(yk, pk, average="binary", zero_division=0)
        f1s.append(f1)
        if not (close(pl["precision"], pr) and close(pl["recall"], rc) and close(pl["f1"], f1)):
            prf_ok = False
            explain([(f"{l} precision", pl["precision"], pr), (f"{l} recall", pl["recall"], rc),
                     (f"{l} f1", pl["f1"], f1)])
        if 0 < yk.sum() < len(yk):
            a, p = M.roc_auc_score(yk, sk), M.average_precision_score(yk, sk)
            aucs.append(a)
            aps.append(p)
        else:
            a = p = None
        if not close(pl["roc_auc"], a):
            auc_ok = False
            explain([(f"{l} roc_auc", pl["roc_auc"], a)])
        if not close(pl["pr_auc"], p):
            ap_ok = False
            explain([(f"{l} pr_auc", pl["pr_auc"], p)])
    check(sorted(ev["per_label"]) == sorted(labels) and counts_ok,
          f"{task}: per-label known, positives, predicted and threshold (= rnn_model_info's)")
    check(prf_ok, f"{task}: per-label precision, recall, F1 (precision_recall_fscore_support on known rows)")
    check(auc_ok, f"{task}: per-label ROC-AUC (roc_auc_score on known rows)")
    check(ap_ok, f"{task}: per-label PR-AUC (average_precision_score on known rows)")
    check(ev["auc_labels"] == len(aucs) and close(ev["mean_roc_auc"], float(np.mean(aucs)) if aucs else None)
          and close(ev["mean_pr_auc"], float(np.mean(aps)) if aps else None),
          f"{task}: mean ROC-AUC and PR-AUC over the {len(aucs)} labels with both classes")
    return f1s, aucs, aps

# multi-label: every entry known, so sklearn's indicator-matrix calls apply
ev, info, labels, thr, Y, S, PRED = load_multi("ml")
N, K = Y.shape
check(info["task"] == "multilabel" and ev["rows"] == N and ev["known_labels"] == N * K
      and ev["skipped_null"] == 0 and ev["unseen_labels"] == 0,
      f"ml: rows ({N}, {(Y.sum(axis=1) == 0).sum()} with no label) and known labels ({K} labels)")
f1s, aucs, aps = per_label_checks("ml", ev, labels, thr, Y, S, PRED)
if len(aucs) == K:
    ok = (close(ev["mean_roc_auc"], M.roc_auc_score(Y, S, average="macro"))
          and close(ev["mean_pr_auc"], M.average_precision_score(Y, S, average="macro")))
else:
    ok = False
    print("# ml: a label lacks one class in the test rows")
check(ok, "ml: mean ROC-AUC and PR-AUC (roc_auc_score, average_precision_score average=macro)")
for key, want in (("micro_f1", M.f1_score(Y, PRED, average="micro", zero_division=0)),
                  ("macro_f1", M.f1_score(Y, PRED, average="macro", zero_division=0)),
                  ("example_f1", M.f1_score(Y, PRED, average="samples", zero_division=0)),
                  ("subset_accuracy", M.accuracy_score(Y, PRED)),
                  ("hamming_loss", M.hamming_loss(Y, PRED))):
    ok = close(ev[key], want)
    check(ok, f"ml: {key}")
    if not ok:
        explain([(key, ev[key], want)])

# one label's rnn_roc curve: roc_curve(drop_intermediate=False) from the
# highest threshold down (the first point at +infinity; sklearn 1.2 puts
# max score + 1 there), and precision_recall_curve's precision, reversed
k = labels.index("rash")
yk, sk = Y[:, k], S[:, k]
fpr, tpr, th = M.roc_curve(yk, sk, drop_intermediate=False)
prec, _, pth = M.precision_recall_curve(yk, sk)
with open(f"{work}/ml_roc.tsv") as f:
    roc = [[None if v == "\\N" else float(v) for v in line.rstrip("\n").split("\t")] for line in f]
ok = (len(roc) == len(th) and roc[0][0] == float("inf")
      and all(r[0] == t for r, t in zip(roc[1:], th[1:]))
      and all(close(r[1], t) and close(r[2], fp) for r, t, fp in zip(roc, tpr, fpr)))
check(ok, f"ml: rnn_roc of 'rash' = roc_curve(drop_intermediate=False), {len(th)} points")
if not ok:
    print(f"# {len(roc)} points, roc_curve {len(th)}; first rows {roc[:3]}, roc_curve {list(zip(th, tpr, fpr))[:3]}")
ok = (len(roc) == len(prec) and list(pth[::-1]) == [r[0] for r in roc[1:]]
      and all(close(r[3], p) for r, p in zip(roc, prec[::-1])))
check(ok, "ml: rnn_roc precision of 'rash' = precision_recall_curve's")

# multitask: missing and null keys are unknown; per label over its known
# rows by sklearn, the global figures in numpy with the mask of known entries
ev, info, labels, thr, Y, S, PRED = load_multi("mt")
known = Y >= 0
rows_known = known.any(axis=1)
N, K = Y.shape
check(info["task"] == "multitask" and ev["rows"] == rows_known.sum()
      and ev["skipped_unknown"] == (~rows_known).sum() and ev["known_labels"] == known.sum(),
      f"mt: rows ({rows_known.sum()} knowing a label, {(~rows_known).sum()} none) and "
      f"known labels ({known.sum()} of {N * K})")
f1s, aucs, aps = per_label_checks("mt", ev, labels, thr, Y, S, PRED)
tp = ((Y == 1) & (PRED == 1) & known).sum()
pos = ((Y == 1) & known).sum()
pred = ((PRED == 1) & known).sum()
micro = 2 * tp / (pos + pred) if pos + pred else 0.0
hamming = ((Y != PRED) & known).sum() / known.sum()
macro = float(np.mean(f1s))
Yk, Pk, Kk = Y[rows_known], PRED[rows_known], known[rows_known]
t_i = ((Yk == 1) & Kk).sum(axis=1)
p_i = ((Pk == 1) & Kk).sum(axis=1)
tp_i = ((Yk == 1) & (Pk == 1) & Kk).sum(axis=1)
den = t_i + p_i
example = float(np.mean(np.where(den > 0, 2 * tp_i / np.maximum(den, 1), 0.0)))
subset = float(np.mean((((Yk == Pk) | ~Kk).all(axis=1))))
for key, want in (("micro_f1", micro), ("hamming_loss", hamming), ("macro_f1", macro),
                  ("example_f1", example), ("subset_accuracy", subset)):
    ok = close(ev[key], want)
    check(ok, f"mt: {key} over the known entries")
    if not ok:
        explain([(key, ev[key], want)])
print(f"1..{n}")
PY
