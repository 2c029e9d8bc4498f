/*
 * mr_report.h
 *	  A model's report as one self-contained HTML document: what rnn_report
 *	  returns.
 *
 * The page has no script and fetches nothing (inline CSS and SVG only), so
 * it opens offline and under "Content-Security-Policy: default-src 'none';
 * style-src 'unsafe-inline'", which it declares itself.  Sections:
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
 * A section without its inputs (no labelled relation, not binary) is left
 * out.  Every figure is also in a data-value attribute in full precision,
 * so a test can compare the page with rnn_evaluate.
 *
 * The reading side is here too, so the server glue only feeds rows: the
 * scorer takes each row's true class and probabilities once, accumulates
 * the metrics, the per-class curves and the examples to show (a bounded
 * selection: memory does not grow with the relation).
 */
#ifndef MR_REPORT_H
#define MR_REPORT_H

#include <stdint.h>

#include "mr_buf.h"
#include "mr_json.h"
#include "mr_metrics.h"
#include "mr_model.h"

#define MR_REPORT_MAX_EXAMPLES	50
#define MR_REPORT_MAX_CURVES	10	/* one-vs-rest curves of a multi-class model */
#define MR_REPORT_MAX_TITLE		200 /* characters */
#define MR_REPORT_MAX_TOKENS	1000	/* tokens shown per example; the rest are counted */

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

/* Which rows the examples section shows */
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

/* A row picked as an example */
typedef struct MrReportPick
{
	int64_t		row;			/* 1-based, in the order the relation was read */
	int32_t		true_class;		/* -1: unlabelled */
	int32_t		pred_class;
	double		confidence;		/* probability of pred_class */
	double		key;			/* higher is shown first */
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

void		mr_report_scorer_free(MrReportScorer *s);

/* One token of an example: its text and attribution (NaN: not read by the model) */
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
	int32_t		target;			/* the class explained (the predicted one) */
	double		logit;			/* its logit, and at the baseline */
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
	int64_t		unseen_label_rows;
	MrReportScorer *scorer;		/* NULL without a relation */
	const MrReportExample *examples;
	int			n_examples;
	MrFormatDouble fmt;			/* full-precision numbers (data-value); NULL: the core's */
} MrReportInput;

/* Write the page into out (MR_ENOMEM if the buffer failed) */
MrStatus	mr_report_html(const MrReportInput *in, MrBuf *out);

#endif							/* MR_REPORT_H */
