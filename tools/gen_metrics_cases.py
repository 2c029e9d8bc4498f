#!/usr/bin/env python3
"""Generate test/c/metrics_cases.h: seeded cases and scikit-learn's metrics.

Each case is n rows of (true class, K float32 probabilities); the header
holds the probabilities as float literals (every value is float32, so C and
Python see the same numbers) and what scikit-learn returns for them:
accuracy, macro/weighted F1, per-class precision/recall/F1/support, the
confusion matrix, log_loss, and for the positive class ROC AUC, average
precision, Brier score, calibration_curve(n_bins=10, strategy="uniform")
and roc_curve(drop_intermediate=False) with precision_recall_curve's
precisions.  The header is committed, so the C tests need no Python.

Usage: /usr/bin/python3 tools/gen_metrics_cases.py [output]
"""
import math
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "test", "c", "metrics_cases.h")
N_BINS = 10


def binary_ties(rng):
    """n=200, 40% positive, scores rounded to 2 decimals: many ties, 0 and 1."""
    n = 200
    y = (rng.random(n) < 0.4).astype(np.int32)
    s = np.clip(0.3 + 0.35 * y + rng.normal(0.0, 0.25, n), 0.0, 1.0)
    s = np.round(s, 2)
    p1 = s.astype(np.float32)
    p0 = (1.0 - s).astype(np.float32)
    return "binary_ties", 2, 1, y, np.stack([p0, p1], axis=1)


def binary_imbalanced(rng):
    """n=300 with exactly 21 positives (7%), continuous scores."""
    n = 300
    y = np.zeros(n, dtype=np.int32)
    y[rng.choice(n, 21, replace=False)] = 1
    z = -1.5 + 1.8 * y + rng.normal(0.0, 1.0, n)
    p1 = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
    p0 = (1.0 - p1.astype(np.float64)).astype(np.float32)
    return "binary_imbalanced", 2, 1, y, np.stack([p0, p1], axis=1)


def multiclass5(rng):
    """n=500, K=5, class 2 against the rest; class 4 is rare, never predicted."""
    n, k = 500, 5
    y = rng.choice(4, n).astype(np.int32)
    y[rng.choice(n, 10, replace=False)] = 4
    logits = rng.normal(0.0, 1.0, (n, k))
    logits[np.arange(n), y] += 1.2
    logits[:, 4] -= 6.0
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return "multiclass5", k, 2, y, p


def binary_pos0(rng):
    """n=60, positive class 0, scores rounded to 1 decimal."""
    n = 60
    y = (rng.random(n) < 0.5).astype(np.int32)
    s0 = np.round(np.clip(0.5 + 0.3 * (1 - 2 * y) + rng.normal(0, 0.3, n), 0, 1), 1)
    p0 = s0.astype(np.float32)
    p1 = (1.0 - s0).astype(np.float32)
    return "binary_pos0", 2, 0, y, np.stack([p0, p1], axis=1)


def sklearn_metrics(k, pos, y, p32):
    """Everything scikit-learn says about one case."""
    p = p32.astype(np.float64)
    labels = list(range(k))
    pred = np.argmax(p, axis=1)
    prec, rec, f1, sup = precision_recall_fscore_support(
        y, pred, labels=labels, zero_division=0)
    m = {
        "accuracy": accuracy_score(y, pred),
        "macro_f1": f1_score(y, pred, average="macro", zero_division=0),
        "weighted_f1": f1_score(y, pred, average="weighted", zero_division=0),
        "precision": prec, "recall": rec, "f1": f1, "support": sup,
        "confusion": confusion_matrix(y, pred, labels=labels).ravel(),
        # eps="auto" (the 1.2 default): np.finfo(float64).eps here
        "log_loss": log_loss(y, p, labels=labels),
    }
    yb = (y == pos).astype(np.int32)
    s = p[:, pos]
    m["roc_auc"] = roc_auc_score(yb, s)
    m["average_precision"] = average_precision_score(yb, s)
    m["brier"] = brier_score_loss(yb, s)
    prob_true, prob_pred = calibration_curve(yb, s, n_bins=N_BINS,
                                             strategy="uniform")
    # calibration_curve drops empty bins: put its values back in their bins
    bins = np.linspace(0.0, 1.0, N_BINS + 1)
    count = np.bincount(np.searchsorted(bins[1:-1], s), minlength=N_BINS)
    cal_true = np.full(N_BINS, np.nan)
    cal_pred = np.full(N_BINS, np.nan)
    cal_true[count > 0] = prob_true
    cal_pred[count > 0] = prob_pred
    m["cal_count"], m["cal_true"], m["cal_pred"] = count, cal_true, cal_pred
    fpr, tpr, thr = roc_curve(yb, s, drop_intermediate=False)
    pr_prec, _, pr_thr = precision_recall_curve(yb, s)
    # precision_recall_curve lists thresholds ascending and appends 1
    assert np.array_equal(pr_thr[::-1], thr[1:])
    m["roc_threshold"], m["roc_tpr"], m["roc_fpr"] = thr, tpr, fpr
    m["roc_precision"] = pr_prec[::-1]
    return m


def c_double(x):
    """A C double literal that reads back as exactly x."""
    x = float(x)
    if math.isnan(x):
        return "NAN"
    if math.isinf(x):
        return "INFINITY" if x > 0 else "-INFINITY"
    return repr(x)


def c_float(x):
    """A C float literal for a float32 value."""
    t = "%.9g" % float(np.float32(x))
    if "." not in t and "e" not in t and "n" not in t:
        t += ".0"
    return t + "f"


def c_array(ctype, name, values, fmt, per_line):
    """A static const array definition, per_line values to a line."""
    out = ["static const %s %s[%d] = {" % (ctype, name, len(values))]
    vals = [fmt(v) for v in values]
    for i in range(0, len(vals), per_line):
        out.append("\t" + ", ".join(vals[i:i + per_line]) + ",")
    out.append("};")
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    # a warning from sklearn means a case hit an undefined metric: fail
    warnings.simplefilter("error")
    rng = np.random.default_rng(20240611)
    cases = [f(rng) for f in (binary_ties, binary_imbalanced, multiclass5,
                              binary_pos0)]
    lines = [
        "/*",
        " * metrics_cases.h",
        " *\t  Seeded cases and the values scikit-learn gives them.",
        " *",
        " * GENERATED by tools/gen_metrics_cases.py (scikit-learn %s, numpy %s)."
        % (sklearn.__version__, np.__version__),
        " * Probabilities are float32 values; the expected values are sklearn's",
        " * accuracy_score, f1_score, precision_recall_fscore_support(labels=",
        " * range(K), zero_division=0), confusion_matrix, log_loss (default",
        " * eps), and for y == positive_class and score = p[:, positive_class]",
        " * roc_auc_score, average_precision_score, brier_score_loss,",
        " * calibration_curve(n_bins=10, strategy=\"uniform\") with empty bins",
        " * put back as NaN, roc_curve(drop_intermediate=False) and the",
        " * reversed precisions of precision_recall_curve.  roc_threshold[0] is",
        " * sklearn 1.2's max score + 1.  Do not edit by hand.",
        " */",
        "#ifndef METRICS_CASES_H",
        "#define METRICS_CASES_H",
        "",
        "#include <math.h>",
        "#include <stdint.h>",
        "",
        "typedef struct MrMetricsCase",
        "{",
        "\tconst char *name;",
        "\tint32_t\t\tK;",
        "\tint32_t\t\tpositive_class;",
        "\tint64_t\t\tn;",
        "\tconst int32_t *y;\t\t\t/* (n) true classes */",
        "\tconst float *probs;\t\t\t/* (n, K) */",
        "\tdouble\t\taccuracy;",
        "\tdouble\t\tmacro_f1;",
        "\tdouble\t\tweighted_f1;",
        "\tdouble\t\tlog_loss;",
        "\tdouble\t\troc_auc;",
        "\tdouble\t\taverage_precision;",
        "\tdouble\t\tbrier;",
        "\tconst double *precision;\t/* (K) */",
        "\tconst double *recall;\t\t/* (K) */",
        "\tconst double *f1;\t\t\t/* (K) */",
        "\tconst int64_t *support;\t\t/* (K) */",
        "\tconst int64_t *confusion;\t/* (K, K) rows true, columns predicted */",
        "\tconst int64_t *cal_count;\t/* (10) */",
        "\tconst double *cal_true;\t\t/* (10) prob_true, NaN if empty */",
        "\tconst double *cal_pred;\t\t/* (10) prob_pred, NaN if empty */",
        "\tint64_t\t\tn_roc;",
        "\tconst double *roc_threshold;\t/* (n_roc) */",
        "\tconst double *roc_tpr;\t\t/* (n_roc) */",
        "\tconst double *roc_fpr;\t\t/* (n_roc) */",
        "\tconst double *roc_precision;\t/* (n_roc) */",
        "} MrMetricsCase;",
        "",
    ]
    entries = []
    for ci, (name, k, pos, y, p32) in enumerate(cases):
        m = sklearn_metrics(k, pos, y, p32)
        pre = "mc%d_" % ci
        lines += c_array("int32_t", pre + "y", y, str, 20)
        lines += c_array("float", pre + "probs", p32.ravel(), c_float,
                         k if k > 2 else 5)
        for key in ("precision", "recall", "f1", "cal_true", "cal_pred",
                    "roc_threshold", "roc_tpr", "roc_fpr", "roc_precision"):
            lines += c_array("double", pre + key, m[key], c_double, 4)
        for key in ("support", "confusion", "cal_count"):
            lines += c_array("int64_t", pre + key, m[key], str, 10)
        lines.append("")
        entries.append([
            "\t{",
            "\t\t\"%s\", %d, %d, %d, %sy, %sprobs," % (name, k, pos, len(y),
                                                      pre, pre),
            "\t\t%s, %s, %s, %s," % tuple(c_double(m[x]) for x in (
                "accuracy", "macro_f1", "weighted_f1", "log_loss")),
            "\t\t%s, %s, %s," % tuple(c_double(m[x]) for x in (
                "roc_auc", "average_precision", "brier")),
            "\t\t%sprecision, %srecall, %sf1, %ssupport, %sconfusion," % (
                (pre,) * 5),
            "\t\t%scal_count, %scal_true, %scal_pred," % ((pre,) * 3),
            "\t\t%d, %sroc_threshold, %sroc_tpr, %sroc_fpr, %sroc_precision"
            % ((len(m["roc_tpr"]),) + (pre,) * 4),
            "\t},",
        ])
    lines.append("static const MrMetricsCase mr_metrics_cases[%d] = {"
                 % len(entries))
    for e in entries:
        lines += e
    lines += ["};", "", "#endif\t\t\t\t\t\t\t/* METRICS_CASES_H */", ""]
    with open(out_path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
