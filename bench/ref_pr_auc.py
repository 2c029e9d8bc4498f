#!/usr/bin/python3
"""Run one of the shared reference scripts and also print its test PR-AUC.

Usage: ref_pr_auc.py REFERENCE.py [its arguments...]

The references (../shared/bench) print accuracy, macro-F1 and ROC-AUC but
not the PR-AUC (average precision) the ClinTox comparison needs.  Both
compute their test metrics through refdata.metrics(y_true, y_pred, prob,
n_classes); this wrapper imports that module first, wraps the function so
it also prints "RESULT pr_auc=..." (scikit-learn's average_precision_score
of the positive-class probability, the definition rnn_evaluate follows),
and then runs the reference unchanged as __main__.
"""
import os
import runpy
import sys

if len(sys.argv) < 2:
    sys.exit(__doc__)
script = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(script))

import refdata  # noqa: E402  (the reference's own module, from its folder)

_metrics = refdata.metrics


def metrics_with_pr_auc(y_true, y_pred, prob, n_classes):
    out = _metrics(y_true, y_pred, prob, n_classes)
    if n_classes == 2:
        from sklearn.metrics import average_precision_score
        out["pr_auc"] = float(average_precision_score(y_true, prob[:, 1]))
        print(f"RESULT pr_auc={out['pr_auc']:.4f}")
    return out


refdata.metrics = metrics_with_pr_auc
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
