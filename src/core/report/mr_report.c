/*
 * mr_report.c
 *	  The report page (see mr_report.h): a model card, training curves,
 *	  evaluation tables and plots, and explained examples, as one HTML
 *	  document with inline CSS and SVG.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mr_html.h"
#include "mr_report.h"
#include "mr_svg.h"
#include "mr_tokenize.h"

/* Longest list or table the card shows of one value; the rest is counted */
#define CARD_LIST_ITEMS 40
#define CARD_DEPTH 6
/* Nested objects with more members than this start folded */
#define CARD_OPEN_MEMBERS 8
/* Largest confusion matrix drawn */
#define MAX_HEATMAP_CLASSES 40

static const char *const page_css =
"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:#1d1d1f;background:#fafafa}"
"main{max-width:1040px;margin:0 auto;padding:24px}"
"h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:0 0 12px;border-bottom:1px solid #ddd;padding-bottom:4px}"
"h3{font-size:1.05em;margin:16px 0 8px}"
"section{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:16px 20px;margin:16px 0}"
".sub{color:#555;margin:0 0 8px}.note{color:#555;font-size:.9em}"
"table{border-collapse:collapse;margin:6px 0;font-size:.92em}"
"th,td{border:1px solid #e0e0e0;padding:3px 8px;text-align:left;vertical-align:top}"
"th{background:#f3f3f3;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}"
"table.kv td:first-child{color:#444;white-space:nowrap}"
".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:2px 16px;font-size:.92em}"
".grid>div{display:flex;gap:8px;border-bottom:1px solid #eee;padding:2px 0}.grid .k{color:#555;min-width:130px}"
".grid .v{overflow-wrap:anywhere}.grid .wide{grid-column:1/-1;display:block}"
"summary{cursor:pointer;color:#355}"
".charts{display:flex;flex-wrap:wrap;gap:12px}.charts figure{margin:0;flex:1 1 400px}"
"figcaption{font-size:.9em;color:#333;margin:4px 0}"
"svg.chart{width:100%;height:auto;font-family:inherit}"
".example{border-top:1px solid #eee;padding:10px 0}.example:first-of-type{border-top:0}"
".tokens{line-height:2;font-size:.95em}"
".tok{padding:2px 3px;margin:0 1px;border-radius:3px;white-space:pre-wrap}"
".tok.unread{color:#999;font-style:italic}"
".tok.null{color:#999}"
".badge{display:inline-block;padding:1px 6px;border-radius:3px;font-size:.85em;color:#fff}"
".badge.wrong{background:#b2182b}.badge.right{background:#2f7d32}.badge.unknown{background:#777}"
".scale span{display:inline-block;width:28px;height:12px;vertical-align:middle}"
"footer{color:#777;font-size:.85em;margin:16px 0}";

/* ----------------------------------------------------------------------
 * Small writers
 */

/* A label of the model as escaped text */
static void
label_text(MrBuf *b, const MrModel *m, int k)
{
	if (k >= 0 && k < m->cfg.n_classes)
		mr_html_text(b, m->labels[k], m->label_len[k]);
	else
		mr_buf_puts(b, "(none)");
}

/* A NUL-terminated copy of s[0..n), for SVG names */
static char *
text_copy(const MrAllocator *a, const char *s, size_t n)
{
	char	   *c = mr_alloc(a, n + 1);

	if (c)
	{
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

/* What the model reads, in words */
static const char *
kind_name(const MrModel *m)
{
	if (m->input_kind == MR_INPUT_SERIES)
		return "measurement-sequence";
	if (m->input_kind == MR_INPUT_TOKENS)
		return "token-sequence";
	if (m->tokenizer == MR_TOKENIZER_SMILES)
		return "SMILES";
	if (m->tokenizer == MR_TOKENIZER_CHAR)
		return "character-level text";
	return "word-level text";
}

/* data-value="..." in full precision, or null when not finite */
static void
data_value(MrBuf *b, double v, MrFormatDouble fmt)
{
	mr_buf_puts(b, " data-value=\"");
	mr_buf_json_number(b, v, fmt);
	mr_buf_putc(b, '"');
}

/* A table cell with a metric: name for tests, four decimals for people */
static void
metric_cell(MrBuf *b, const char *name, double v, MrFormatDouble fmt)
{
	mr_buf_printf(b, "<td class=\"num\" data-metric=\"%s\"", name);
	data_value(b, v, fmt);
	mr_buf_putc(b, '>');
	mr_html_number(b, v, 4);
	mr_buf_puts(b, "</td>");
}

/* A table cell with a count */
static void
count_cell(MrBuf *b, const char *name, int64_t v)
{
	mr_buf_printf(b, "<td class=\"num\" data-metric=\"%s\" data-value=\"%lld\">%lld</td>",
				  name, (long long) v, (long long) v);
}

/* A row of a two-column table: what it is, and the metric's cell */
static void
metric_row(MrBuf *b, const char *text, const char *name, double v, MrFormatDouble fmt)
{
	mr_buf_printf(b, "<tr><td>%s</td>", text);
	metric_cell(b, name, v, fmt);
	mr_buf_puts(b, "</tr>\n");
}

/* The same for a count */
static void
count_row(MrBuf *b, const char *text, const char *name, int64_t v)
{
	mr_buf_printf(b, "<tr><td>%s</td>", text);
	count_cell(b, name, v);
	mr_buf_puts(b, "</tr>\n");
}

/* ----------------------------------------------------------------------
 * The card: rnn_model_info's document, shown generically
 */

static void json_value(MrBuf *b, const MrJson *v, int depth);

/* An array of objects as a table whose columns are the first one's keys */
static void
json_object_rows(MrBuf *b, const MrJson *v, int depth)
{
	const MrJson *first = &v->items[0];

	mr_buf_puts(b, "<table><tr>");
	for (int c = 0; c < first->n; c++)
	{
		mr_buf_puts(b, "<th>");
		mr_html_text(b, first->keys[c], first->key_lens[c]);
		mr_buf_puts(b, "</th>");
	}
	mr_buf_puts(b, "</tr>\n");
	for (int r = 0; r < v->n && r < CARD_LIST_ITEMS; r++)
	{
		mr_buf_puts(b, "<tr>");
		for (int c = 0; c < first->n; c++)
		{
			const MrJson *cell = v->items[r].type == MR_JSON_OBJECT ?
				mr_json_member(&v->items[r], first->keys[c]) : NULL;

			mr_buf_puts(b, "<td>");
			if (cell)
				json_value(b, cell, depth + 1);
			mr_buf_puts(b, "</td>");
		}
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>");
	if (v->n > CARD_LIST_ITEMS)
		mr_buf_printf(b, "<span class=\"note\">and %d more</span>", v->n - CARD_LIST_ITEMS);
}

/* An object as a key/value table */
static void
json_object(MrBuf *b, const MrJson *v, int depth, const char *skip)
{
	mr_buf_puts(b, "<table class=\"kv\">\n");
	for (int i = 0; i < v->n; i++)
	{
		if (skip && strcmp(v->keys[i], skip) == 0)
			continue;
		mr_buf_puts(b, "<tr><td>");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "</td><td data-key=\"");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "\">");
		json_value(b, &v->items[i], depth + 1);
		mr_buf_puts(b, "</td></tr>\n");
	}
	mr_buf_puts(b, "</table>");
}

/* Any JSON value as HTML */
static void
json_value(MrBuf *b, const MrJson *v, int depth)
{
	switch (v->type)
	{
		case MR_JSON_NULL:
			mr_buf_puts(b, "<span class=\"note\">null</span>");
			return;
		case MR_JSON_BOOL:
			mr_buf_puts(b, v->boolean ? "true" : "false");
			return;
		case MR_JSON_NUMBER:
		case MR_JSON_STRING:
			mr_html_text(b, v->text, v->len);
			return;
		case MR_JSON_ARRAY:
			if (v->n == 0)
			{
				mr_buf_puts(b, "<span class=\"note\">none</span>");
				return;
			}
			if (depth < CARD_DEPTH && v->items[0].type == MR_JSON_OBJECT && v->items[0].n > 0)
			{
				json_object_rows(b, v, depth);
				return;
			}
			for (int i = 0; i < v->n && i < CARD_LIST_ITEMS; i++)
			{
				if (i)
					mr_buf_puts(b, ", ");
				if (depth < CARD_DEPTH || (v->items[i].type != MR_JSON_ARRAY && v->items[i].type != MR_JSON_OBJECT))
					json_value(b, &v->items[i], depth + 1);
				else
					mr_buf_puts(b, "\xE2\x80\xA6");
			}
			if (v->n > CARD_LIST_ITEMS)
				mr_buf_printf(b, " <span class=\"note\">and %d more</span>", v->n - CARD_LIST_ITEMS);
			return;
		case MR_JSON_OBJECT:
			if (depth >= CARD_DEPTH)
				mr_buf_puts(b, "\xE2\x80\xA6");
			else if (v->n > CARD_OPEN_MEMBERS)
			{
				/* a long object (the options) folds: no script needed */
				mr_buf_printf(b, "<details><summary>%d settings</summary>", v->n);
				json_object(b, v, depth, NULL);
				mr_buf_puts(b, "</details>");
			}
			else
				json_object(b, v, depth, NULL);
			return;
	}
}

/* An object's members as a grid of name/value cells; nested objects and tables span the grid */
static void
json_grid(MrBuf *b, const MrJson *v, const char *skip)
{
	mr_buf_puts(b, "<div class=\"grid\">\n");
	for (int i = 0; i < v->n; i++)
	{
		const MrJson *item = &v->items[i];
		int			wide = item->type == MR_JSON_OBJECT ||
			(item->type == MR_JSON_ARRAY && item->n > 0 && item->items[0].type == MR_JSON_OBJECT);

		if (skip && strcmp(v->keys[i], skip) == 0)
			continue;
		mr_buf_printf(b, "<div%s><span class=\"k\">", wide ? " class=\"wide\"" : "");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "</span> <span class=\"v\" data-key=\"");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "\">");
		json_value(b, item, 1);
		mr_buf_puts(b, "</span></div>\n");
	}
	mr_buf_puts(b, "</div>");
}

static void
card_section(MrBuf *b, const MrReportInput *in)
{
	mr_buf_puts(b, "<section id=\"card\" data-section=\"card\"><h2>Model</h2>\n");
	if (in->info && in->info->type == MR_JSON_OBJECT)
		/* the epochs are the training section's */
		json_grid(b, in->info, "epochs");
	if (in->opts->lineage)
	{
		mr_buf_puts(b, "<h3>Lineage</h3>\n");
		json_grid(b, in->opts->lineage, NULL);
	}
	mr_buf_puts(b, "</section>\n");
}

/* ----------------------------------------------------------------------
 * Training curves
 */

static void
training_section(MrBuf *b, const MrReportInput *in)
{
	const MrModel *m = in->model;
	const MrAllocator *a = b->a;
	int			n = m->n_epochs,
				has_val = 0;
	double	   *x = mr_alloc(a, sizeof(double) * 5 * (size_t) n);
	MrSvgSeries s[2];
	MrSvgChart	c;
	char		mark[64];

	if (!x)
	{
		b->failed = 1;
		return;
	}
	for (int e = 0; e < n; e++)
	{
		x[e] = e + 1;
		x[n + e] = m->epochs[e].loss;
		x[2 * n + e] = m->epochs[e].val_loss;
		x[3 * n + e] = m->epochs[e].accuracy;
		x[4 * n + e] = m->epochs[e].val_accuracy;
		has_val |= isfinite(m->epochs[e].val_loss);
	}
	mr_buf_puts(b, "<section id=\"training\" data-section=\"training\"><h2>Training</h2>\n<p class=\"sub\">");
	mr_buf_printf(b, "%d epoch%s on %llu rows", n, n == 1 ? "" : "s", (unsigned long long) m->train_rows);
	if (m->val_rows)
		mr_buf_printf(b, ", %llu held out for validation", (unsigned long long) m->val_rows);
	if (m->best_epoch > 0)
		mr_buf_printf(b, "; the weights of epoch <span data-metric=\"best_epoch\">%d</span> were kept%s",
					  m->best_epoch, m->stopped_early ? " (stopped early)" : "");
	mr_buf_puts(b, ".</p>\n<div class=\"charts\">\n");
	snprintf(mark, sizeof(mark), "kept: epoch %d", m->best_epoch);
	memset(&c, 0, sizeof(c));
	c.x_label = "epoch";
	c.x_min = n > 1 ? 1 : 0;
	c.x_max = n > 1 ? n : 2;
	c.series = s;
	c.n_series = has_val ? 2 : 1;
	c.mark_x = m->best_epoch > 0 ? m->best_epoch : NAN;
	c.mark_label = mark;
	for (int panel = 0; panel < 2; panel++)
	{
		s[0] = (MrSvgSeries) {"training", x, x + (panel ? 3 : 1) * n, n, 0, 0, n <= 40};
		s[1] = (MrSvgSeries) {"validation", x, x + (panel ? 4 : 2) * n, n, 1, 1, n <= 40};
		c.id = panel ? "accuracy" : "loss";
		c.title = panel ? "Accuracy per epoch" : "Loss per epoch";
		c.y_label = panel ? "accuracy" : "loss";
		c.y_min = panel ? 0 : NAN;
		c.y_max = panel ? 1 : NAN;
		if (!panel)
			c.y_min = 0;
		mr_buf_printf(b, "<figure><figcaption>%s</figcaption>\n", c.title);
		mr_svg_line_chart(b, &c);
		mr_buf_puts(b, "</figure>\n");
	}
	mr_buf_puts(b, "</div>\n</section>\n");
	mr_free(a, x);
}

/* ----------------------------------------------------------------------
 * Evaluation: metrics, confusion matrix, curves, calibration, thresholds
 */

static void
metrics_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrModel *m = in->model;

	mr_buf_puts(b, "<section id=\"metrics\" data-section=\"metrics\"><h2>Evaluation</h2>\n<p class=\"sub\">");
	mr_buf_puts(b, "On the rows of <b>");
	mr_html_cstr(b, in->relation);
	mr_buf_puts(b, "</b> (input <b>");
	mr_html_cstr(b, in->input_col);
	mr_buf_puts(b, "</b>, label <b>");
	mr_html_cstr(b, in->label_col);
	mr_buf_puts(b, "</b>), as rnn_evaluate scores them.</p>\n<table class=\"kv\">\n");
	count_row(b, "rows scored", "rows", mt->rows);
	count_row(b, "rows skipped: NULL input or label", "skipped_null", in->skipped_null);
	count_row(b, "rows skipped: a label the model was not trained on", "unseen_label_rows", in->unseen_label_rows);
	metric_row(b, "accuracy", "accuracy", mt->accuracy, in->fmt);
	metric_row(b, "macro F1", "macro_f1", mt->macro_f1, in->fmt);
	metric_row(b, "weighted F1", "weighted_f1", mt->weighted_f1, in->fmt);
	metric_row(b, "log loss", "log_loss", mt->log_loss, in->fmt);
	if (mt->positive_class >= 0)
	{
		mr_buf_puts(b, "<tr><td>positive label</td><td data-metric=\"positive_label\">");
		label_text(b, m, mt->positive_class);
		mr_buf_puts(b, "</td></tr>\n");
		count_row(b, "positives", "positives", mt->positives);
		metric_row(b, "ROC-AUC", "roc_auc", mt->roc_auc, in->fmt);
		metric_row(b, "PR-AUC (average precision)", "pr_auc", mt->pr_auc, in->fmt);
		metric_row(b, "Brier score", "brier", mt->brier, in->fmt);
	}
	mr_buf_puts(b, "</table>\n<h3>Per class</h3>\n<table data-table=\"per_class\"><tr><th>label</th>"
				"<th>precision</th><th>recall</th><th>F1</th><th>support</th><th>predicted</th></tr>\n");
	for (int k = 0; k < mt->K; k++)
	{
		mr_buf_puts(b, "<tr data-class=\"");
		label_text(b, m, k);
		mr_buf_puts(b, "\"><td>");
		label_text(b, m, k);
		mr_buf_puts(b, "</td>");
		metric_cell(b, "precision", mt->precision[k], in->fmt);
		metric_cell(b, "recall", mt->recall[k], in->fmt);
		metric_cell(b, "f1", mt->f1[k], in->fmt);
		count_cell(b, "support", mt->support[k]);
		count_cell(b, "predicted", mt->predicted[k]);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n</section>\n");
}

static void
confusion_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrAllocator *a = b->a;
	int			K = mt->K;
	size_t		cells = (size_t) K * K;
	int64_t    *count;
	double	   *shade;
	char	  **names,
			  **text,
			  **title;
	MrSvgHeatmap h;

	mr_buf_puts(b, "<section id=\"confusion\" data-section=\"confusion\"><h2>Confusion matrix</h2>\n");
	if (K > MAX_HEATMAP_CLASSES)
	{
		mr_buf_printf(b, "<p class=\"note\">%d classes are too many to draw; rnn_evaluate lists the matrix's cells.</p>\n</section>\n", K);
		return;
	}
	count = mr_alloc0(a, sizeof(int64_t) * cells);
	shade = mr_alloc(a, sizeof(double) * cells);
	names = mr_alloc0(a, sizeof(char *) * (size_t) K);
	text = mr_alloc0(a, sizeof(char *) * cells);
	title = mr_alloc0(a, sizeof(char *) * cells);
	if (!count || !shade || !names || !text || !title)
	{
		b->failed = 1;
		return;
	}
	for (int64_t i = 0; i < mt->n_confusion; i++)
		count[(size_t) mt->confusion[i].true_class * K + mt->confusion[i].pred_class] = mt->confusion[i].count;
	for (int k = 0; k < K; k++)
		names[k] = text_copy(a, in->model->labels[k], in->model->label_len[k]);
	for (int t = 0; t < K; t++)
		for (int p = 0; p < K; p++)
		{
			size_t		i = (size_t) t * K + p;
			int64_t		row = mt->support[t];
			MrBuf		cb;

			/* shaded by the share of the true class's rows: recall on the diagonal */
			shade[i] = row > 0 ? (double) count[i] / row : NAN;
			mr_buf_init(&cb, a);
			mr_buf_printf(&cb, "%lld", (long long) count[i]);
			text[i] = cb.data;
			mr_buf_init(&cb, a);
			mr_buf_printf(&cb, "true %s, predicted %s: %lld rows", names[t] ? names[t] : "",
						  names[p] ? names[p] : "", (long long) count[i]);
			if (row > 0)
				mr_buf_printf(&cb, " (%.1f%% of %s)", 100.0 * count[i] / row, names[t] ? names[t] : "");
			title[i] = cb.data;
			if (!names[t] || !names[p] || !text[i] || !title[i])
				b->failed = 1;
		}
	if (!b->failed)
	{
		h = (MrSvgHeatmap) {"confusion", "Confusion matrix: rows are true labels, columns predicted ones",
			"true label", "predicted label", K, K, (const char *const *) names, (const char *const *) names,
		shade, 0, (const char *const *) text, (const char *const *) title};
		mr_buf_puts(b, "<p class=\"sub\">Rows are the true labels, columns the predicted ones; each cell holds its row count and is shaded by its share of the true label's rows (the diagonal is each class's recall).</p>\n");
		mr_svg_heatmap(b, &h);
		/* the counts as a table too, for tests and screen readers */
		mr_buf_puts(b, "<table data-table=\"confusion\" class=\"note\"><tr><th>true \\ predicted</th>");
		for (int p = 0; p < K; p++)
		{
			mr_buf_puts(b, "<th>");
			mr_html_cstr(b, names[p]);
			mr_buf_puts(b, "</th>");
		}
		mr_buf_puts(b, "</tr>\n");
		for (int t = 0; t < K; t++)
		{
			mr_buf_puts(b, "<tr><th>");
			mr_html_cstr(b, names[t]);
			mr_buf_puts(b, "</th>");
			for (int p = 0; p < K; p++)
				mr_buf_printf(b, "<td class=\"num\" data-cell=\"%d,%d\">%lld</td>", t, p,
							  (long long) count[(size_t) t * K + p]);
			mr_buf_puts(b, "</tr>\n");
		}
		mr_buf_puts(b, "</table>\n");
	}
	mr_buf_puts(b, "</section>\n");
	for (size_t i = 0; i < cells; i++)
	{
		mr_free(a, text[i]);
		mr_free(a, title[i]);
	}
	for (int k = 0; k < K; k++)
		mr_free(a, names[k]);
	mr_free(a, count);
	mr_free(a, shade);
	mr_free(a, names);
	mr_free(a, text);
	mr_free(a, title);
}

/* One class's curves: its points, as x/y arrays */
typedef struct Curve
{
	int			cls;
	const MrRocPoint *points;
	int64_t		n;
	double		roc_auc;
	double		pr_auc;
	double	   *fpr,
			   *tpr,
			   *precision;
	char	   *name;			/* legend of the ROC curve: label and ROC-AUC */
	char	   *pr_name;		/* of the precision-recall curve: label and average precision */
} Curve;

/* A curve's legend: its label and an area ("AUC 0.912"), from a */
static char *
legend(const MrAllocator *a, const MrModel *m, int cls, const char *area, double v)
{
	MrBuf		nb;

	mr_buf_init(&nb, a);
	mr_buf_append(&nb, m->labels[cls], m->label_len[cls]);
	if (isfinite(v))
		mr_buf_printf(&nb, " (%s %.3f)", area, v);
	else
		mr_buf_printf(&nb, " (%s undefined)", area);
	return nb.data;
}

static void
curves_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrAllocator *a = b->a;
	const MrModel *m = in->model;
	Curve		cv[MR_REPORT_MAX_CURVES];
	MrSvgSeries s[MR_REPORT_MAX_CURVES];
	int			n = 0;
	MrSvgChart	c;

	mr_buf_puts(b, "<section id=\"curves\" data-section=\"curves\"><h2>ROC and precision-recall curves</h2>\n");
	if (mt->positive_class >= 0)
	{
		cv[n].cls = mt->positive_class;
		cv[n].roc_auc = mt->roc_auc;
		cv[n].pr_auc = mt->pr_auc;
		if (mr_roc_curve(mr_report_scorer_metrics(in->scorer), &cv[n].points, &cv[n].n) == MR_OK)
			n++;
	}
	else
		for (int k = 0; mr_report_scorer_one_vs_rest(in->scorer, k); k++)
		{
			MrMetricsAcc *acc = mr_report_scorer_one_vs_rest(in->scorer, k);
			MrMetrics	one;

			if (mr_metrics_finish(acc, &one) != MR_OK ||
				mr_roc_curve(acc, &cv[n].points, &cv[n].n) != MR_OK)
			{
				b->failed = 1;
				break;
			}
			cv[n].cls = k;
			cv[n].roc_auc = one.roc_auc;
			cv[n].pr_auc = one.pr_auc;
			n++;
		}
	if (n == 0)
	{
		mr_buf_printf(b, "<p class=\"note\">%d classes: one-vs-rest curves are drawn for up to %d.</p>\n</section>\n",
					  mt->K, MR_REPORT_MAX_CURVES);
		return;
	}
	for (int i = 0; i < n; i++)
	{
		cv[i].fpr = mr_alloc(a, sizeof(double) * 3 * (size_t) (cv[i].n + 1));
		if (!cv[i].fpr)
		{
			b->failed = 1;
			n = i;
			break;
		}
		cv[i].tpr = cv[i].fpr + cv[i].n;
		cv[i].precision = cv[i].tpr + cv[i].n;
		for (int64_t p = 0; p < cv[i].n; p++)
		{
			cv[i].fpr[p] = cv[i].points[p].fpr;
			cv[i].tpr[p] = cv[i].points[p].tpr;
			cv[i].precision[p] = cv[i].points[p].precision;
		}
		cv[i].name = legend(a, m, cv[i].cls, "AUC", cv[i].roc_auc);
		cv[i].pr_name = legend(a, m, cv[i].cls, "AP", cv[i].pr_auc);
		b->failed |= cv[i].name == NULL || cv[i].pr_name == NULL;
	}
	mr_buf_puts(b, "<p class=\"sub\">");
	if (mt->positive_class >= 0)
	{
		mr_buf_puts(b, "Positive label <b>");
		label_text(b, m, mt->positive_class);
		mr_buf_puts(b, "</b>.");
	}
	else
		mr_buf_puts(b, "Each class against the rest.");
	mr_buf_puts(b, "</p>\n<div class=\"charts\">\n<figure><figcaption>ROC curve</figcaption>\n");
	memset(&c, 0, sizeof(c));
	c.x_min = c.y_min = 0;
	c.x_max = c.y_max = 1;
	c.mark_x = NAN;
	c.series = s;
	c.n_series = n;
	for (int i = 0; i < n; i++)
		s[i] = (MrSvgSeries) {cv[i].name, cv[i].fpr, cv[i].tpr, cv[i].n, i, 0, 0};
	c.id = "roc";
	c.title = "ROC curve";
	c.x_label = "false positive rate (1 - specificity)";
	c.y_label = "true positive rate (sensitivity)";
	c.diagonal = 1;
	mr_svg_line_chart(b, &c);
	mr_buf_puts(b, "</figure>\n<figure><figcaption>Precision-recall curve</figcaption>\n");
	for (int i = 0; i < n; i++)
	{
		/* the first point (nothing predicted positive) has no recall to draw */
		s[i] = (MrSvgSeries) {cv[i].pr_name, cv[i].tpr + 1, cv[i].precision + 1, cv[i].n - 1, i, 0, 0};
	}
	c.id = "pr";
	c.title = "Precision-recall curve";
	c.x_label = "recall (sensitivity)";
	c.y_label = "precision (positive predictive value)";
	c.diagonal = 0;
	mr_svg_line_chart(b, &c);
	mr_buf_puts(b, "</figure>\n</div>\n<table data-table=\"auc\"><tr><th>label</th><th>ROC-AUC</th><th>PR-AUC</th></tr>\n");
	for (int i = 0; i < n; i++)
	{
		mr_buf_puts(b, "<tr data-class=\"");
		label_text(b, m, cv[i].cls);
		mr_buf_puts(b, "\"><td>");
		label_text(b, m, cv[i].cls);
		mr_buf_puts(b, "</td>");
		metric_cell(b, "roc_auc", cv[i].roc_auc, in->fmt);
		metric_cell(b, "pr_auc", cv[i].pr_auc, in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n</section>\n");
	for (int i = 0; i < n; i++)
	{
		mr_free(a, cv[i].fpr);
		mr_free(a, cv[i].name);
		mr_free(a, cv[i].pr_name);
	}
}

static void
calibration_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	double		x[MR_CALIBRATION_BINS],
				y[MR_CALIBRATION_BINS];
	int			n = 0;
	MrSvgSeries s;
	MrSvgChart	c;

	for (int i = 0; i < MR_CALIBRATION_BINS; i++)
		if (mt->calibration[i].count > 0)
		{
			x[n] = mt->calibration[i].mean_score;
			y[n] = mt->calibration[i].frac_positive;
			n++;
		}
	mr_buf_puts(b, "<section id=\"calibration\" data-section=\"calibration\"><h2>Calibration</h2>\n<p class=\"sub\">"
				"Rows binned by the predicted probability of <b>");
	label_text(b, in->model, mt->positive_class);
	mr_buf_puts(b, "</b> (ten bins of width 0.1): the mean prediction of each bin against the share of its rows that are positive.  On the diagonal, a predicted 30 % comes true 30 % of the time.  Brier score ");
	mr_buf_puts(b, "<span data-metric=\"brier\"");
	data_value(b, mt->brier, in->fmt);
	mr_buf_putc(b, '>');
	mr_html_number(b, mt->brier, 4);
	mr_buf_puts(b, "</span>.</p>\n<div class=\"charts\"><figure>\n");
	memset(&c, 0, sizeof(c));
	s = (MrSvgSeries) {"model", x, y, n, 0, 0, 1};
	c.id = "calibration";
	c.title = "Reliability diagram";
	c.x_label = "mean predicted probability";
	c.y_label = "fraction of positives";
	c.x_min = c.y_min = 0;
	c.x_max = c.y_max = 1;
	c.diagonal = 1;
	c.mark_x = NAN;
	c.series = &s;
	c.n_series = 1;
	mr_svg_line_chart(b, &c);
	mr_buf_puts(b, "</figure>\n<figure><table data-table=\"calibration\"><tr><th>bin</th><th>rows</th><th>mean predicted</th><th>fraction positive</th></tr>\n");
	for (int i = 0; i < MR_CALIBRATION_BINS; i++)
	{
		mr_buf_printf(b, "<tr><td>%.1f\xE2\x80\x93%.1f</td>", i * 0.1, (i + 1) * 0.1);
		count_cell(b, "count", mt->calibration[i].count);
		metric_cell(b, "mean_predicted", mt->calibration[i].mean_score, in->fmt);
		metric_cell(b, "fraction_positive", mt->calibration[i].frac_positive, in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table></figure></div>\n</section>\n");
}

static void
thresholds_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrRocPoint *pts;
	int64_t		n_pts,
				P = mt->positives,
				N = mt->rows - mt->positives;

	if (mr_roc_curve(mr_report_scorer_metrics(in->scorer), &pts, &n_pts) != MR_OK)
	{
		b->failed = 1;
		return;
	}
	mr_buf_puts(b, "<section id=\"thresholds\" data-section=\"thresholds\"><h2>Decision thresholds</h2>\n<p class=\"sub\">"
				"Rows whose probability of <b>");
	label_text(b, in->model, mt->positive_class);
	mr_buf_puts(b, "</b> is at least the threshold are called positive (rnn_predict calls the most probable label, which for two classes is a threshold of 0.5).</p>\n"
				"<table data-table=\"thresholds\"><tr><th>threshold</th><th>called positive</th><th>true positives</th>"
				"<th>sensitivity (recall)</th><th>specificity</th><th>precision</th><th>F1</th></tr>\n");
	for (int i = 1; i <= 9; i++)
	{
		double		t = i / 10.0,
					tpr = 0,
					fpr = 0,
					precision = NAN,
					f1;
		int64_t		tp,
					fp;

		/* the curve runs from the highest threshold down: take the last point at or above t */
		for (int64_t p = 1; p < n_pts && pts[p].threshold >= t; p++)
		{
			tpr = pts[p].tpr;
			fpr = pts[p].fpr;
			precision = pts[p].precision;
		}
		tp = P > 0 && isfinite(tpr) ? llround(tpr * P) : 0;
		fp = N > 0 && isfinite(fpr) ? llround(fpr * N) : 0;
		f1 = isfinite(precision) && isfinite(tpr) && precision + tpr > 0 ?
			2 * precision * tpr / (precision + tpr) : NAN;
		mr_buf_printf(b, "<tr data-threshold=\"%.1f\"><td class=\"num\">%.1f</td>", t, t);
		count_cell(b, "called_positive", tp + fp);
		count_cell(b, "true_positives", tp);
		metric_cell(b, "sensitivity", P > 0 ? tpr : NAN, in->fmt);
		metric_cell(b, "specificity", N > 0 ? 1 - fpr : NAN, in->fmt);
		metric_cell(b, "precision", tp + fp > 0 ? precision : NAN, in->fmt);
		metric_cell(b, "f1", f1, in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n</section>\n");
}

/* ----------------------------------------------------------------------
 * Examples
 */

/* The diverging scale's key */
static void
colour_key(MrBuf *b, const MrModel *m, int target)
{
	mr_buf_puts(b, "<p class=\"scale note\">toward other labels ");
	for (int i = -4; i <= 4; i++)
	{
		char		col[8];

		mr_svg_diverging(i / 4.0, col);
		mr_buf_printf(b, "<span style=\"background:%s\"></span>", col);
	}
	mr_buf_puts(b, " toward <b>");
	label_text(b, m, target);
	mr_buf_puts(b, m->input_kind == MR_INPUT_SERIES ? "</b>; grey: time bins the model did not read.</p>\n" :
				"</b>; grey italics: not read by the model (unknown, or beyond maxlen).</p>\n");
}

/*
 * Tokens coloured by attribution, scaled by the example's largest
 * |attribution|.  Words and given tokens are set apart by spaces;
 * characters and SMILES units are not (a space is a token of its own).
 */
static void
token_row(MrBuf *b, const MrModel *m, const MrReportExample *e)
{
	double		scale = 0;
	const char *sep = m->input_kind == MR_INPUT_TEXT && m->tokenizer != MR_TOKENIZER_WORD ? "" : " ";

	for (int64_t i = 0; i < e->n_tokens; i++)
		if (isfinite(e->tokens[i].attr) && fabs(e->tokens[i].attr) > scale)
			scale = fabs(e->tokens[i].attr);
	mr_buf_puts(b, "<div class=\"tokens\">");
	for (int64_t i = 0; i < e->n_tokens && i < MR_REPORT_MAX_TOKENS; i++)
	{
		const MrReportToken *t = &e->tokens[i];

		if (!t->text)
		{
			mr_buf_puts(b, "<span class=\"tok null\" title=\"NULL\">NULL</span>");
			mr_buf_puts(b, sep);
		}
		else if (!isfinite(t->attr))
		{
			mr_buf_puts(b, "<span class=\"tok unread\" title=\"not read\">");
			mr_html_text(b, t->text, t->len);
			mr_buf_puts(b, "</span>");
			mr_buf_puts(b, sep);
		}
		else
		{
			double		v = scale > 0 ? t->attr / scale : 0;
			char		col[8];

			mr_svg_diverging(v, col);
			mr_buf_printf(b, "<span class=\"tok\" style=\"background:%s%s\" data-attr=\"%.6g\" title=\"%.4g\">",
						  col, mr_svg_dark(v, 1) ? ";color:#fff" : "", t->attr, t->attr);
			mr_html_text(b, t->text, t->len);
			mr_buf_puts(b, "</span>");
			mr_buf_puts(b, sep);
		}
	}
	if (e->n_tokens > MR_REPORT_MAX_TOKENS)
		mr_buf_printf(b, "<span class=\"note\">\xE2\x80\xA6 and %lld more tokens</span>",
					  (long long) (e->n_tokens - MR_REPORT_MAX_TOKENS));
	mr_buf_puts(b, "</div>\n");
}

/* A measurement sequence: variables by bins, coloured by attribution */
static void
series_map(MrBuf *b, const MrModel *m, const MrReportExample *e, int index)
{
	const MrAllocator *a = b->a;
	int			V = m->n_vars,
				T = e->n_bins;
	size_t		cells = (size_t) V * T;
	double	   *shade = mr_alloc(a, sizeof(double) * (cells + 1)),
				scale = 0;
	char	  **rows = mr_alloc0(a, sizeof(char *) * (size_t) (V + 1)),
			  **cols = mr_alloc0(a, sizeof(char *) * (size_t) (T + 1)),
			  **title = mr_alloc0(a, sizeof(char *) * (cells + 1));
	char		id[32];
	MrSvgHeatmap h;

	if (!shade || !rows || !cols || !title)
	{
		b->failed = 1;
		return;
	}
	for (size_t i = 0; i < cells; i++)
		if (isfinite(e->cell_attr[i]) && fabs(e->cell_attr[i]) > scale)
			scale = fabs(e->cell_attr[i]);
	for (int v = 0; v < V; v++)
	{
		rows[v] = text_copy(a, m->var_names[v], m->var_name_len[v]);
	}
	for (int t = 0; t < T; t++)
	{
		MrBuf		nb;

		mr_buf_init(&nb, a);
		mr_buf_printf(&nb, "%d", t + 1);
		cols[t] = nb.data;
	}
	for (int v = 0; v < V; v++)
		for (int t = 0; t < T; t++)
		{
			size_t		i = (size_t) v * T + t;
			MrBuf		nb;

			shade[i] = isfinite(e->cell_attr[i]) ? (scale > 0 ? e->cell_attr[i] / scale : 0) : NAN;
			mr_buf_init(&nb, a);
			if (isfinite(e->cell_attr[i]))
				mr_buf_printf(&nb, "%s, bin %d: %.4g", rows[v] ? rows[v] : "", t + 1, e->cell_attr[i]);
			else
				mr_buf_printf(&nb, "%s, bin %d: not read", rows[v] ? rows[v] : "", t + 1);
			title[i] = nb.data;
		}
	for (size_t i = 0; i < cells; i++)
		b->failed |= title[i] == NULL;
	for (int v = 0; v < V; v++)
		b->failed |= rows[v] == NULL;
	for (int t = 0; t < T; t++)
		b->failed |= cols[t] == NULL;
	if (!b->failed)
	{
		snprintf(id, sizeof(id), "example-%d", index + 1);
		h = (MrSvgHeatmap) {id, "Attribution by variable and time bin", "variable", "time bin",
			V, T, (const char *const *) rows, (const char *const *) cols, shade, 1, NULL,
		(const char *const *) title};
		mr_svg_heatmap(b, &h);
	}
	for (size_t i = 0; i < cells; i++)
		mr_free(a, title[i]);
	for (int v = 0; v < V; v++)
		mr_free(a, rows[v]);
	for (int t = 0; t < T; t++)
		mr_free(a, cols[t]);
	mr_free(a, shade);
	mr_free(a, rows);
	mr_free(a, cols);
	mr_free(a, title);
}

static const char *const order_text[] = {
	"wrong predictions first, the most confident of them first; then the right ones the model was least sure of",
	"the most confident predictions",
	"the least confident predictions",
	"the first rows read"
};

static void
examples_section(MrBuf *b, const MrReportInput *in)
{
	const MrModel *m = in->model;

	mr_buf_puts(b, "<section id=\"examples\" data-section=\"examples\"><h2>Examples and their explanations</h2>\n<p class=\"sub\">");
	mr_buf_printf(b, "%d row%s of <b>", in->n_examples, in->n_examples == 1 ? "" : "s");
	mr_html_cstr(b, in->relation);
	mr_buf_printf(b, "</b>: %s.  Each %s is coloured by its integrated-gradients attribution toward the predicted label "
				  "(%d-point quadrature from %s): how much it moved that label's logit.  Hover for the value.</p>\n",
				  order_text[in->opts->order],
				  m->input_kind == MR_INPUT_SERIES ? "variable in each time bin" : "token",
				  in->opts->steps, m->input_kind == MR_INPUT_SERIES ? "all-zero inputs" :
				  m->cfg.mask ? "zero embeddings" : "an all-padding row");
	for (int i = 0; i < in->n_examples; i++)
	{
		const MrReportExample *e = &in->examples[i];
		const MrReportPick *p = &e->pick;
		const char *verdict = p->true_class < 0 ? "unknown" : p->true_class == p->pred_class ? "right" : "wrong";

		mr_buf_printf(b, "<div class=\"example\" data-example=\"%d\" data-row=\"%lld\"><h3>Row %lld ",
					  i + 1, (long long) p->row, (long long) p->row);
		mr_buf_printf(b, "<span class=\"badge %s\">%s</span></h3>\n<p>", verdict,
					  p->true_class < 0 ? "no label" : verdict);
		if (p->true_class >= 0)
		{
			mr_buf_puts(b, "true <b data-true>");
			label_text(b, m, p->true_class);
			mr_buf_puts(b, "</b>, ");
		}
		mr_buf_puts(b, "predicted <b data-predicted>");
		label_text(b, m, p->pred_class);
		mr_buf_printf(b, "</b> with probability %.3f.  Attributions sum to %.4g; the logit moved by %.4g from the baseline.</p>\n",
					  p->confidence, e->attr_sum, e->logit - e->baseline_logit);
		if (i == 0 || e->target != in->examples[i - 1].target)
			colour_key(b, m, e->target);
		if (m->input_kind == MR_INPUT_SERIES)
			series_map(b, m, e, i);
		else
			token_row(b, m, e);
		mr_buf_puts(b, "</div>\n");
	}
	if (in->n_examples == 0)
		mr_buf_puts(b, "<p class=\"note\">No row to show.</p>\n");
	mr_buf_puts(b, "</section>\n");
}

/* ----------------------------------------------------------------------
 * The page
 */

MrStatus
mr_report_html(const MrReportInput *in, MrBuf *b)
{
	const MrReportOptions *o = in->opts;
	const char *title = o->title ? o->title : "medrnn model report";
	MrMetrics	mt;
	int			have_metrics = 0;

	if (in->scorer && mr_report_scorer_metrics(in->scorer))
	{
		if (mr_metrics_finish(mr_report_scorer_metrics(in->scorer), &mt) != MR_OK)
			return MR_ENOMEM;
		have_metrics = mt.rows > 0;
	}
	mr_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
				"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
				"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
				"<meta name=\"generator\" content=\"medrnn\">\n<title>");
	mr_html_cstr(b, title);
	mr_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<h1>", page_css);
	mr_html_cstr(b, title);
	mr_buf_puts(b, "</h1>\n<p class=\"sub\">");
	mr_buf_printf(b, "A %s model: %d classes, %llu training rows.",
				  kind_name(in->model), in->model->cfg.n_classes,
				  (unsigned long long) in->model->train_rows);
	if (in->relation)
	{
		mr_buf_puts(b, "  Rows from <b>");
		mr_html_cstr(b, in->relation);
		mr_buf_printf(b, "</b>: %lld read.", (long long) in->rows_read);
	}
	mr_buf_puts(b, "</p>\n");

	if (o->sections & MR_REPORT_CARD)
		card_section(b, in);
	if ((o->sections & MR_REPORT_TRAINING) && in->model->n_epochs > 0)
		training_section(b, in);
	if (have_metrics)
	{
		if (o->sections & MR_REPORT_METRICS)
			metrics_section(b, in, &mt);
		if (o->sections & MR_REPORT_CONFUSION)
			confusion_section(b, in, &mt);
		if (o->sections & MR_REPORT_CURVES)
			curves_section(b, in, &mt);
		if ((o->sections & MR_REPORT_CALIBRATION) && mt.positive_class >= 0)
			calibration_section(b, in, &mt);
		if ((o->sections & MR_REPORT_THRESHOLDS) && mt.positive_class >= 0)
			thresholds_section(b, in, &mt);
	}
	else if (in->label_col && (o->sections & (MR_REPORT_METRICS | MR_REPORT_CONFUSION | MR_REPORT_CURVES)))
		mr_buf_puts(b, "<section id=\"metrics\" data-section=\"metrics\"><h2>Evaluation</h2><p class=\"note\">No row had both an input and a label the model knows.</p></section>\n");
	if ((o->sections & MR_REPORT_EXAMPLES) && in->relation)
		examples_section(b, in);
	mr_buf_puts(b, "<footer>Generated by medrnn");
	if (in->generated_at)
	{
		mr_buf_puts(b, " at ");
		mr_html_cstr(b, in->generated_at);
	}
	mr_buf_puts(b, ".  No script, no external resource: this file is the whole report.</footer>\n</main>\n</body>\n</html>\n");
	return b->failed ? MR_ENOMEM : MR_OK;
}
