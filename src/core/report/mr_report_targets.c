/*
 * mr_report_targets.c
 *	  The evaluation sections of a model that does not classify (see
 *	  mr_report.h): a regression's figures, its predictions against the
 *	  truth and its residuals; a multi-label or multitask model's summary,
 *	  per-label table and per-label ROC and precision-recall curves.
 *
 * The figures are rnn_evaluate's (mr_metrics_targets.h), each in a cell
 * with data-metric named as rnn_evaluate's key; a regression's residual
 * quantile q is "residual_quantile_" followed by q as rnn_evaluate prints
 * its key ("0.05").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mr_html.h"
#include "mr_report_page.h"
#include "mr_svg.h"

/* A section that has no row to show */
static void
no_rows(MrBuf *b, const char *why)
{
	mr_buf_printf(b, "<section id=\"metrics\" data-section=\"metrics\"><h2>Evaluation</h2>"
				  "<p class=\"note\">%s</p></section>\n", why);
}

/* ----------------------------------------------------------------------
 * Regression
 */

/* rnn_evaluate's figures of a regression, and its residual quantiles */
static void
regression_metrics(MrBuf *b, const MrReportInput *in, const MrRegMetrics *rm)
{
	mr_buf_puts(b, "<section id=\"metrics\" data-section=\"metrics\"><h2>Evaluation</h2>\n<p class=\"sub\">");
	mr_report_source(b, in);
	mr_buf_puts(b, "  Errors are in the label's units; a residual is the prediction minus the truth.</p>\n"
				"<table class=\"kv\">\n");
	mr_report_count_row(b, "rows scored", "rows", rm->rows);
	mr_report_count_row(b, "rows skipped: NULL input or label", "skipped_null", in->skipped_null);
	mr_report_count_row(b, "rows skipped: NaN or infinite label", "skipped_nonfinite", in->skipped_nonfinite);
	mr_report_metric_row(b, "RMSE (root mean squared error)", "rmse", rm->rmse, in->fmt);
	mr_report_metric_row(b, "MAE (mean absolute error)", "mae", rm->mae, in->fmt);
	mr_report_metric_row(b, "R\xC2\xB2 (coefficient of determination)", "r2", rm->r2, in->fmt);
	mr_report_metric_row(b, "mean of the truth", "mean_true", rm->mean_true, in->fmt);
	mr_report_metric_row(b, "standard deviation of the truth", "std_true", rm->std_true, in->fmt);
	mr_report_metric_row(b, "mean residual (above 0: predicts too high)", "mean_residual", rm->mean_residual, in->fmt);
	mr_report_metric_row(b, "largest absolute error", "max_abs_error", rm->max_abs_error, in->fmt);
	mr_buf_puts(b, "</table>\n<h3>Residual quantiles</h3>\n"
				"<table data-table=\"residual_quantiles\"><tr><th>quantile</th><th>residual</th></tr>\n");
	for (int q = 0; q < MR_REG_QUANTILES; q++)
	{
		char		name[64];

		snprintf(name, sizeof(name), "residual_quantile_%g", mr_reg_quantile_levels[q]);
		mr_buf_printf(b, "<tr><td>%g</td>", mr_reg_quantile_levels[q]);
		mr_report_metric_cell(b, name, rm->residual_quantile[q], in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n</section>\n");
}

/* The sampled predictions against the truth, and the histogram of every residual */
static void
regression_plots(MrBuf *b, const MrReportInput *in, const MrRegMetrics *rm)
{
	const MrAllocator *a = b->a;
	const MrReportPoint *pts;
	double		lo,
				hi,
				pad,
				hlo,
				hwidth;
	int			n = mr_report_scorer_sample(in->scorer, &pts, &lo, &hi);
	double	   *xy = mr_alloc(a, sizeof(double) * 2 * (size_t) (n + 1));
	int64_t		counts[MR_REPORT_HIST_BARS];
	int			bars = mr_report_scorer_residuals(in->scorer, &hlo, &hwidth, counts);
	MrSvgSeries s;
	MrSvgChart	c;

	if (!xy)
	{
		b->failed = 1;
		return;
	}
	for (int i = 0; i < n; i++)
	{
		xy[i] = pts[i].truth;
		xy[n + 1 + i] = pts[i].prediction;
	}
	mr_buf_puts(b, "<section id=\"curves\" data-section=\"curves\"><h2>Predictions against the truth</h2>\n<p class=\"sub\">");
	if (n < rm->rows)
		mr_buf_printf(b, "A sample of <span data-metric=\"points\" data-value=\"%d\">%d</span> of the %lld rows "
					  "(the same rows on every run: those whose row numbers hash lowest)",
					  n, n, (long long) rm->rows);
	else
		mr_buf_printf(b, "All <span data-metric=\"points\" data-value=\"%d\">%d</span> rows", n, n);
	mr_buf_puts(b, ", each at its true value across and its prediction up; on the dashed line y = x the prediction is exact.  "
				"The histogram counts the residual of every row.</p>\n<div class=\"charts\">\n"
				"<figure><figcaption>Predicted against true value</figcaption>\n");
	/* the same range on both axes, so that y = x is the diagonal */
	pad = isfinite(hi - lo) && hi > lo ? (hi - lo) * 0.03 : 0.5;
	memset(&c, 0, sizeof(c));
	s = (MrSvgSeries) {"rows", xy, xy + n + 1, n, 0, 0, 0, 1};
	c.id = "scatter";
	c.title = "Predicted against true value";
	c.x_label = "true value";
	c.y_label = "predicted value";
	c.x_min = c.y_min = isfinite(lo) ? lo - pad : NAN;
	c.x_max = c.y_max = isfinite(hi) ? hi + pad : NAN;
	c.diagonal = 1;
	c.mark_x = NAN;
	c.series = &s;
	c.n_series = 1;
	mr_svg_line_chart(b, &c);
	mr_buf_puts(b, "</figure>\n<figure><figcaption>Residuals (prediction - truth)</figcaption>\n");
	memset(&c, 0, sizeof(c));
	c.id = "residuals";
	c.title = "Histogram of the residuals";
	c.x_label = "residual (prediction - truth)";
	c.y_label = "rows";
	c.mark_x = 0;
	c.mark_label = "exact";
	mr_svg_histogram(b, &c, hlo, hwidth, counts, bars);
	mr_buf_puts(b, "</figure>\n</div>\n</section>\n");
	mr_free(a, xy);
}

/* A regression's evaluation; see mr_report_page.h */
void
mr_report_regression_sections(MrBuf *b, const MrReportInput *in)
{
	unsigned	sections = in->opts->sections;
	MrRegMetrics rm;

	if (!(sections & (MR_REPORT_METRICS | MR_REPORT_CURVES)))
		return;
	if (mr_reg_metrics_finish(mr_report_scorer_regression(in->scorer), &rm) != MR_OK)
	{
		b->failed = 1;
		return;
	}
	if (rm.rows == 0)
	{
		no_rows(b, "No row had both an input and a finite label.");
		return;
	}
	if (sections & MR_REPORT_METRICS)
		regression_metrics(b, in, &rm);
	if (sections & MR_REPORT_CURVES)
		regression_plots(b, in, &rm);
}

/* ----------------------------------------------------------------------
 * Multi-label and multitask
 */

/* rnn_evaluate's figures of a multi-label model, overall and per label */
static void
multilabel_metrics(MrBuf *b, const MrReportInput *in, const MrMultiMetrics *mm)
{
	const MrModel *m = in->model;

	mr_buf_puts(b, "<section id=\"metrics\" data-section=\"metrics\"><h2>Evaluation</h2>\n<p class=\"sub\">");
	mr_report_source(b, in);
	mr_buf_puts(b, "  A label is predicted when its probability is at least its threshold; unknown labels are left out of every figure.</p>\n"
				"<table class=\"kv\">\n");
	mr_report_count_row(b, "rows scored", "rows", mm->rows);
	mr_report_count_row(b, "rows skipped: NULL input or label", "skipped_null", in->skipped_null);
	mr_report_count_row(b, "rows skipped: no known label", "skipped_unknown", in->skipped_unknown);
	mr_report_count_row(b, "labels of the rows the model does not know", "unseen_labels", in->unseen_labels);
	mr_report_count_row(b, "known labels scored (rows \xC3\x97 labels)", "known_labels", mm->known);
	mr_report_metric_row(b, "mean ROC-AUC over the labels", "mean_roc_auc", mm->mean_roc_auc, in->fmt);
	mr_report_metric_row(b, "mean PR-AUC (average precision)", "mean_pr_auc", mm->mean_pr_auc, in->fmt);
	mr_report_count_row(b, "labels in those means (both outcomes known)", "auc_labels", mm->auc_labels);
	mr_report_metric_row(b, "micro precision", "micro_precision", mm->micro_precision, in->fmt);
	mr_report_metric_row(b, "micro recall", "micro_recall", mm->micro_recall, in->fmt);
	mr_report_metric_row(b, "micro F1", "micro_f1", mm->micro_f1, in->fmt);
	mr_report_metric_row(b, "macro F1", "macro_f1", mm->macro_f1, in->fmt);
	mr_report_metric_row(b, "example F1 (mean over rows)", "example_f1", mm->example_f1, in->fmt);
	mr_report_metric_row(b, "subset accuracy (every known label right)", "subset_accuracy", mm->subset_accuracy, in->fmt);
	mr_report_metric_row(b, "Hamming loss (share of known labels wrong)", "hamming_loss", mm->hamming_loss, in->fmt);
	mr_buf_puts(b, "</table>\n<h3>Per label</h3>\n<table data-table=\"per_label\"><tr><th>label</th><th>known</th>"
				"<th>positives</th><th>predicted</th><th>threshold</th><th>precision</th><th>recall</th><th>F1</th>"
				"<th>ROC-AUC</th><th>PR-AUC</th></tr>\n");
	for (int k = 0; k < mm->K; k++)
	{
		mr_buf_puts(b, "<tr data-class=\"");
		mr_report_label(b, m, k);
		mr_buf_puts(b, "\"><td>");
		mr_report_label(b, m, k);
		mr_buf_puts(b, "</td>");
		mr_report_count_cell(b, "known", mm->known_k[k]);
		mr_report_count_cell(b, "positives", mm->positives_k[k]);
		mr_report_count_cell(b, "predicted", mm->predicted_k[k]);
		mr_report_metric_cell(b, "threshold", m->thresholds[k], in->fmt);
		mr_report_metric_cell(b, "precision", mm->precision[k], in->fmt);
		mr_report_metric_cell(b, "recall", mm->recall[k], in->fmt);
		mr_report_metric_cell(b, "f1", mm->f1[k], in->fmt);
		mr_report_metric_cell(b, "roc_auc", mm->roc_auc[k], in->fmt);
		mr_report_metric_cell(b, "pr_auc", mm->pr_auc[k], in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n</section>\n");
}

/* ROC and precision-recall curves of the labels with the most positives */
static void
multilabel_curves(MrBuf *b, const MrReportInput *in, const MrMultiMetrics *mm)
{
	const MrModel *m = in->model;
	MrMultiAcc *acc = mr_report_scorer_multilabel(in->scorer);
	MrReportCurve cv[MR_REPORT_MAX_CURVES];
	int			top[MR_REPORT_MAX_CURVES];
	int			n = 0,
				drawable = 0;

	/* the labels with the most positives (then the first), of those with both outcomes */
	for (int k = 0; k < mm->K; k++)
	{
		int			i;

		if (!isfinite(mm->roc_auc[k]))
			continue;
		drawable++;
		i = n < MR_REPORT_MAX_CURVES ? n++ : MR_REPORT_MAX_CURVES;
		while (i > 0 && mm->positives_k[k] > mm->positives_k[top[i - 1]])
		{
			if (i < MR_REPORT_MAX_CURVES)
				top[i] = top[i - 1];
			i--;
		}
		if (i < MR_REPORT_MAX_CURVES)
			top[i] = k;
	}
	mr_buf_puts(b, "<section id=\"curves\" data-section=\"curves\"><h2>ROC and precision-recall curves</h2>\n<p class=\"sub\">");
	if (n == 0)
	{
		mr_buf_puts(b, "No label has both positive and negative known rows.</p>\n</section>\n");
		return;
	}
	if (drawable > n)
		mr_buf_printf(b, "The %d labels with the most positives (of %d with both outcomes known), each",
					  n, drawable);
	else
		mr_buf_printf(b, "Each label with both outcomes known (%d)", n);
	mr_buf_puts(b, " against its known rows, scored by its probability.</p>\n");
	for (int i = 0; i < n; i++)
	{
		const MrRocPoint *pts;
		int64_t		n_pts;

		cv[i].cls = top[i];
		cv[i].roc_auc = mm->roc_auc[top[i]];
		cv[i].pr_auc = mm->pr_auc[top[i]];
		/* each curve's points last until the next: copied at once */
		if (mr_multi_roc_curve(acc, top[i], &pts, &n_pts) != MR_OK ||
			!mr_report_curve_set(b->a, m, &cv[i], pts, n_pts))
		{
			b->failed = 1;
			n = i;
			break;
		}
	}
	mr_report_curves_draw(b, in, cv, n);
	mr_buf_puts(b, "</section>\n");
}

/* A multi-label model's evaluation; see mr_report_page.h */
void
mr_report_multilabel_sections(MrBuf *b, const MrReportInput *in)
{
	unsigned	sections = in->opts->sections;
	MrMultiMetrics mm;

	if (!(sections & (MR_REPORT_METRICS | MR_REPORT_CURVES)))
		return;
	if (mr_multi_metrics_finish(mr_report_scorer_multilabel(in->scorer), &mm) != MR_OK)
	{
		b->failed = 1;
		return;
	}
	if (mm.rows == 0)
	{
		no_rows(b, "No row had both an input and a known label.");
		return;
	}
	if (sections & MR_REPORT_METRICS)
		multilabel_metrics(b, in, &mm);
	if (sections & MR_REPORT_CURVES)
		multilabel_curves(b, in, &mm);
}
