#!/usr/bin/env bash
#
# test/suites/metrics_sklearn.sh
#	  rnn_evaluate against scikit-learn on the shipped data: a binary
#	  ClinTox model (SMILES, 7.8 % positive) and a five-class model of the
#	  medical abstracts.  The probabilities rnn_predict_proba returns are
#	  handed to scikit-learn, whose metrics must equal rnn_evaluate's.
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
print(f"1..{n}")
PY
