/*
 * mr_report_page.h
 *	  What the report page's writers share (internal to src/core/report):
 *	  mr_report.c writes the page, its card, training curves, a
 *	  classifier's sections and the examples; mr_report_targets.c the
 *	  evaluation of regression and multi-label models.
 *
 * Every string from a model or the data goes through mr_html; a figure is
 * written as a cell with data-metric="name" and data-value in full
 * precision (null when not finite), then rounded for people.
 */
#ifndef MR_REPORT_PAGE_H
#define MR_REPORT_PAGE_H

#include "mr_report.h"

/* A label of the model as escaped text ("(none)" out of range) */
void		mr_report_label(MrBuf *b, const MrModel *m, int k);

/* A NUL-terminated copy of s[0..n) from a, or NULL */
char	   *mr_report_copy(const MrAllocator *a, const char *s, size_t n);

/* data-value="..." in full precision, or null when not finite */
void		mr_report_value_attr(MrBuf *b, double v, MrFormatDouble fmt);

/* Table cells: a metric (four decimals shown) and a count */
void		mr_report_metric_cell(MrBuf *b, const char *name, double v, MrFormatDouble fmt);
void		mr_report_count_cell(MrBuf *b, const char *name, int64_t v);

/* Rows of a two-column table: what it is (HTML), and the figure's cell */
void		mr_report_metric_row(MrBuf *b, const char *text, const char *name, double v,
								 MrFormatDouble fmt);
void		mr_report_count_row(MrBuf *b, const char *text, const char *name, int64_t v);

/* "On the rows of <relation> (input <col>, label <col>), as rnn_evaluate scores them." */
void		mr_report_source(MrBuf *b, const MrReportInput *in);

/* One class's or label's ROC and precision-recall curves, copied for drawing */
typedef struct MrReportCurve
{
	int			cls;			/* class or label */
	double		roc_auc;
	double		pr_auc;
	int64_t		n;				/* points */
	double	   *fpr,			/* (n) each */
			   *tpr,
			   *precision;
	char	   *name;			/* legend of the ROC curve: label and ROC-AUC */
	char	   *pr_name;		/* of the precision-recall curve: label and average precision */
} MrReportCurve;

/* Fill c from n points (copied: they may be another curve's next); 0 when out of memory */
int			mr_report_curve_set(const MrAllocator *a, const MrModel *m, MrReportCurve *c,
								const MrRocPoint *points, int64_t n);

/* The ROC and precision-recall charts of n curves and their areas' table; frees the curves */
void		mr_report_curves_draw(MrBuf *b, const MrReportInput *in, MrReportCurve *cv, int n);

/* The evaluation sections of a regression and of a multi-label model (mr_report_targets.c) */
void		mr_report_regression_sections(MrBuf *b, const MrReportInput *in);
void		mr_report_multilabel_sections(MrBuf *b, const MrReportInput *in);

#endif							/* MR_REPORT_PAGE_H */
