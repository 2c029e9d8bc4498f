/*
 * mr_report.h
 *	  A model's report as one self-contained HTML document: what rnn_report
 *	  returns.
 *
 * The page has no script and fetches nothing (inline CSS and SVG only), so
 * it opens offline and under "Content-Security-Policy: default-src 'none';
 * style-src 'unsafe-inline'", which it declares itself.  Sections of a
 * classifier:
 *	  card		 the model: rnn_model_info's document as tables, and the
 *				 lineage the registry adds
 *	  training	 loss and accuracy per epoch, validation curves, the kept
 *				 epoch marked
 *	  metrics	 rnn_evaluate's figures, and per class precision, recall, F1,
 *				 support and predicted counts
 *	  confusion	 the confusion matrix as a heat map (rows normalised)
 *	  curves	 ROC and precision-recall: the positive class of a binary
 *				 model, or one-vs-rest per class (up to MR_REPORT_MAX_CURVES)
 *	  calibration the reliability diagram with the Brier score (binary)
 *	  thresholds sensitivity, specificity, precision and F1 at thresholds
 *				 0.1 ... 0.9 of the positive class's probability (binary)
 *	  examples	 chosen rows with their tokens (or a sequence's bins and
 *				 variables) coloured by integrated-gradients attribution
 * A regression model's page (MR_TASK_REGRESSION) has the card with its
 * target (mean, scale, loss), the loss per epoch, rnn_evaluate's figures
 * (RMSE, MAE, R², residual quantiles) in "metrics", under "curves" the
 * predictions against the truth (a deterministic sample of at most
 * MR_REPORT_MAX_POINTS rows, with y = x) and a histogram of the residuals
 * of every row, and examples explained toward the predicted value in the
 * label's units.  A multi-label or multitask model's page has the card
 * with each label's decision threshold, loss and label accuracy per epoch,
 * in "metrics" the summary (mean ROC-AUC and PR-AUC, micro, macro and
 * example F1, subset accuracy, Hamming loss) and a per-label table, under
 * "curves" ROC and precision-recall curves of the MR_REPORT_MAX_CURVES
 * labels with the most positives, and examples explained toward their
 * most probable label.  Confusion, calibration and thresholds are a
 * classifier's only.
 * A section without its inputs (no labelled relation, not binary) is left
 * out.  Every figure is also in a data-value attribute in full precision,
 * so a test can compare the page with rnn_evaluate.
 *
 * The reading side is here too, so the server glue only feeds rows: the
 * scorer takes each row's truth and outputs once, accumulates the metrics,
 * the curves, a regression's plotted sample and residual histogram, and
 * the examples to show (a bounded selection: memory kept per row is the
 * metrics' own, as rnn_evaluate's, and nothing else grows with the
 * relation).
 */
#ifndef MR_REPORT_H
#define MR_REPORT_H

#include <stdint.h>

#include "mr_buf.h"
#include "mr_json.h"
#include "mr_metrics.h"
#include "mr_metrics_targets.h"
#include "mr_model.h"

#define MR_REPORT_MAX_EXAMPLES	50
#define MR_REPORT_MAX_CURVES	10	/* one-vs-rest curves of a multi-class model, or labels' curves */
#define MR_REPORT_MAX_TITLE		200 /* characters */
#define MR_REPORT_MAX_TOKENS	1000	/* tokens shown per example; the rest are counted */
#define MR_REPORT_MAX_POINTS	2000	/* points of a regression's scatter plot */
#define MR_REPORT_HIST_BARS		40	/* most bars of the residual histogram */
#define MR_REPORT_MAX_MARKS		12	/* labels listed per multi-label example */

/* Sections, as bits of MrReportOptions.sections */
#define MR_REPORT_CARD			0x01
#define MR_REPORT_TRAINING		0x02
#define MR_REPORT_METRICS		0x04
#define MR_REPORT_CONFUSION		0x08
#define MR_REPORT_CURVES		0x10
#define MR_REPORT_CALIBRATION	0x20
#define MR_REPORT_THRESHOLDS	0x40
#define MR_REPORT_EXAMPLES		0x80
#define MR_REPORT_ALL			0xff

/*
 * Which rows the examples section shows.  A classifier's confidence is the
 * predicted class's probability.  A multi-label model's is its margin: how
 * far its label nearest to the decision threshold lies from it; its errors
 * are the rows with the most wrong labels, the surest mistake first.  A
 * regression's errors are the largest absolute errors, its confident rows
 * the smallest, and its uncertain ones the predictions farthest from the
 * training mean (it has no probability to be unsure of).  Without labels,
 * errors are the confident order (a regression: the farthest predictions).
 */
typedef enum MrReportOrder
{
	MR_ORDER_ERRORS,			/* wrong predictions, most confident first; then the least sure right ones */
	MR_ORDER_CONFIDENT,			/* the most confident predictions */
	MR_ORDER_UNCERTAIN,			/* the least confident predictions */
	MR_ORDER_FIRST				/* the first rows read */
} MrReportOrder;

typedef struct MrReportOptions
{
	unsigned	sections;		/* MR_REPORT_* bits */
	int			examples;		/* 0 .. MR_REPORT_MAX_EXAMPLES, default 6 */
	MrReportOrder order;		/* default MR_ORDER_ERRORS */
	int			steps;			/* integrated-gradients points, default 50 */
	const char *title;			/* NULL: "medrnn model report" */
	const MrJson *lineage;		/* an object to show in the card, or NULL */
} MrReportOptions;

/*
 * rnn_report's options from a JSON object (NULL: all defaults).  Unknown
 * names and values out of range are MR_EINVAL with a detail and hint.
 * Strings point into json.
 */
MrStatus	mr_report_options_parse(const MrJson *json, MrReportOptions *opts, MrError *err);

/* A label of a multi-label example that is truly or predicted positive */
typedef struct MrReportMark
{
	int32_t		label;
	int8_t		truth;			/* 1, 0, or -1 unknown */
	float		probability;
} MrReportMark;

/* A row picked as an example */
typedef struct MrReportPick
{
	int64_t		row;			/* 1-based, in the order the relation was read */
	int32_t		true_class;		/* -1: unlabelled (regression, multi-label: 0 when labelled) */
	int32_t		pred_class;		/* multi-label: the most probable label */
	double		confidence;		/* probability of pred_class (regression: NaN) */
	double		key;			/* higher is shown first */
	/* regression */
	double		value_true;		/* NaN: unlabelled */
	double		value_pred;		/* in the label's units */
	/* multi-label and multitask (counts over the K labels) */
	int32_t		pred_truth;		/* pred_class's truth: 1, 0, -1 unknown */
	int32_t		wrong;			/* known labels called wrong */
	int32_t		n_true;			/* labels truly positive */
	int32_t		n_predicted;	/* labels at or above their threshold */
	int32_t		n_unknown;
	int32_t		n_either;		/* labels truly or predicted positive ... */
	int32_t		n_marks;		/* ... the most probable of them, first to last */
	MrReportMark marks[MR_REPORT_MAX_MARKS];
} MrReportPick;

/*
 * The scorer: every row of the relation goes through mr_report_scorer_add
 * once.  It keeps the metrics (main and one-vs-rest) and the best
 * opts->examples rows by the chosen order.
 */
typedef struct MrReportScorer MrReportScorer;

MrStatus	mr_report_scorer_new(const MrModel *m, const MrReportOptions *opts, int labelled,
								 const MrAllocator *a, MrReportScorer **out);

/*
 * Count one row (true_class -1 when the relation has no label column) with
 * its K probabilities.  *slot is the example slot the row now holds (the
 * caller keeps the row's input there, replacing whatever it held), or -1
 * when the row is not an example.  MR_ENOMEM, MR_EINVAL as mr_metrics_add.
 */
MrStatus	mr_report_scorer_add(MrReportScorer *s, int64_t row, int32_t true_class,
								 const float *probs, int *slot);

/*
 * The same for a regression model: truth NULL when the relation has no
 * label column, output its one output (standardised; the prediction is
 * mr_model_value).  MR_EINVAL for a truth or prediction that is not finite,
 * MR_ENOMEM.
 */
MrStatus	mr_report_scorer_add_value(MrReportScorer *s, int64_t row, const double *truth,
									   const float *output, int *slot);

/*
 * The same for a multi-label or multitask model: truth (K values 1, 0, -1)
 * NULL without a label column, and the K probabilities.  MR_EINVAL, MR_ENOMEM
 * as mr_multi_metrics_add.
 */
MrStatus	mr_report_scorer_add_labels(MrReportScorer *s, int64_t row, const int8_t *truth,
										const float *probs, int *slot);

/*
 * The examples to show, best first: slots[i] is the slot of the i-th and
 * picks[i] its pick.  Returns how many.
 */
int			mr_report_scorer_examples(const MrReportScorer *s, int *slots, MrReportPick *picks);

/*
 * Its accumulators, for the page: the metrics of every labelled row (NULL
 * without labels) and the one-vs-rest ones of class k (NULL when there are
 * none: a binary model's curves are the metrics' own)
 */
MrMetricsAcc *mr_report_scorer_metrics(const MrReportScorer *s);
MrMetricsAcc *mr_report_scorer_one_vs_rest(const MrReportScorer *s, int k);

/* A regression's and a multi-label model's (NULL without labels, or for another task) */
MrRegAcc   *mr_report_scorer_regression(const MrReportScorer *s);
MrMultiAcc *mr_report_scorer_multilabel(const MrReportScorer *s);

/* A labelled row of a regression's scatter plot */
typedef struct MrReportPoint
{
	int64_t		row;
	uint64_t	hash;			/* of the row number: the sample keeps the lowest */
	double		truth;
	double		prediction;
} MrReportPoint;

/*
 * The plotted sample of a regression's labelled rows: all of them up to
 * MR_REPORT_MAX_POINTS, else those whose row numbers hash lowest (the same
 * rows for the same relation, whatever their values).  Returns how many;
 * *lo and *hi are the least and greatest truth or prediction of every row.
 */
int			mr_report_scorer_sample(const MrReportScorer *s, const MrReportPoint **points,
									double *lo, double *hi);

/*
 * The histogram of every labelled row's residual (prediction - truth): at
 * most MR_REPORT_HIST_BARS bars, bar i counting [lo + i width, lo + (i+1)
 * width); edges are multiples of a power of two.  Returns the bars (0
 * without rows).
 */
int			mr_report_scorer_residuals(const MrReportScorer *s, double *lo, double *width,
									   int64_t counts[MR_REPORT_HIST_BARS]);

void		mr_report_scorer_free(MrReportScorer *s);

/*
 * One token of an example: its text and attribution (NaN: not read by the
 * model; a regression's in the label's units, as rnn_explain gives them)
 */
typedef struct MrReportToken
{
	const char *text;			/* UTF-8; NULL for an SQL NULL element */
	size_t		len;
	double		attr;
} MrReportToken;

/* An example with its explanation */
typedef struct MrReportExample
{
	MrReportPick pick;
	int32_t		target;			/* the class explained (the predicted one; multi-label: the most probable) */
	double		logit;			/* its logit, and at the baseline (regression: output x scale) */
	double		baseline_logit;
	double		attr_sum;
	int64_t		n_tokens;		/* text and token models */
	const MrReportToken *tokens;
	int32_t		n_bins;			/* measurement models: (n_vars, n_bins) attributions */
	const double *cell_attr;	/* [var * n_bins + bin]; NaN: a bin the model did not read */
} MrReportExample;

/* What the page shows; strings are UTF-8 */
typedef struct MrReportInput
{
	const MrModel *model;
	const MrJson *info;			/* rnn_model_info's document */
	const MrReportOptions *opts;
	const char *relation;		/* NULL without a relation */
	const char *input_col;
	const char *label_col;		/* NULL without labels */
	const char *generated_at;
	int64_t		rows_read;
	int64_t		skipped_null;
	int64_t		unseen_label_rows;	/* classifier: rows with a label it does not know */
	int64_t		skipped_nonfinite;	/* regression: NaN or infinite labels */
	int64_t		skipped_unknown;	/* multitask: rows that know no label */
	int64_t		unseen_labels;	/* multi-label: labels of the rows it does not know */
	MrReportScorer *scorer;		/* NULL without a relation */
	const MrReportExample *examples;
	int			n_examples;
	MrFormatDouble fmt;			/* full-precision numbers (data-value); NULL: the core's */
} MrReportInput;

/* Write the page into out (MR_ENOMEM if the buffer failed) */
MrStatus	mr_report_html(const MrReportInput *in, MrBuf *out);

#endif							/* MR_REPORT_H */
