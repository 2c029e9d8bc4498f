/*
 * mr_svg.h
 *	  The report's plots as inline SVG: line charts (training curves, ROC,
 *	  precision-recall, calibration) and heat maps (the confusion matrix,
 *	  a measurement sequence's attributions), plus the colour scales.
 *
 * Plain SVG 1.1 elements with presentation attributes only: no script, no
 * external reference, nothing a strict Content-Security-Policy refuses.
 * Every name shown (titles, axis labels, series, row and column labels)
 * is escaped.  A chart carries data-chart="id" so tests can find it.
 */
#ifndef MR_SVG_H
#define MR_SVG_H

#include <stdint.h>

#include "mr_buf.h"

#define MR_SVG_PALETTE 10

/* One line of a chart; a NaN y breaks the line there */
typedef struct MrSvgSeries
{
	const char *name;			/* legend text (UTF-8) */
	const double *x;			/* (n) */
	const double *y;			/* (n) */
	int64_t		n;
	int			colour;			/* palette index (mod MR_SVG_PALETTE) */
	int			dashed;
	int			dots;			/* a dot at every point (few points) */
	int			scatter;		/* small translucent dots and no line: a scatter plot */
} MrSvgSeries;

typedef struct MrSvgChart
{
	const char *id;				/* data-chart attribute (ASCII) */
	const char *title;			/* the chart's accessible title */
	const char *x_label;
	const char *y_label;
	double		x_min,			/* axis ranges; NaN: from the data */
				x_max,
				y_min,
				y_max;
	const MrSvgSeries *series;
	int			n_series;
	int			diagonal;		/* draw y = x (ROC chance line, perfect calibration) */
	double		mark_x;			/* NaN, or x of a labelled vertical line */
	const char *mark_label;
} MrSvgChart;

/*
 * A line chart.  Points closer than a pixel to the last one drawn are
 * skipped (a ROC curve of 100,000 scores draws a few hundred), so the size
 * of the SVG is bounded by the plot's resolution, not the data.
 */
void		mr_svg_line_chart(MrBuf *b, const MrSvgChart *c);

/*
 * A histogram: n bars, bar i counting counts[i] values in [lo + i width,
 * lo + (i+1) width), each with its range and count as a tooltip.  The
 * chart gives the id, titles, axis labels and a marked x (the series and
 * ranges are not read: x spans the bars, y the counts from 0).
 */
void		mr_svg_histogram(MrBuf *b, const MrSvgChart *c, double lo, double width,
							 const int64_t *counts, int n);

/* A heat map: rows x cols cells, each coloured and labelled */
typedef struct MrSvgHeatmap
{
	const char *id;
	const char *title;
	const char *row_title;		/* e.g. "true label" */
	const char *col_title;		/* e.g. "predicted label" */
	int			rows;
	int			cols;
	const char *const *row_names;	/* (rows) UTF-8, NUL-terminated */
	const char *const *col_names;	/* (cols) */
	const double *shade;		/* (rows * cols) colour value: [0, 1], or [-1, 1] when diverging; NaN: blank */
	int			diverging;
	const char *const *cell_text;	/* (rows * cols) text in the cell, or NULL for none */
	const char *const *cell_title;	/* (rows * cols) tooltip, or NULL */
} MrSvgHeatmap;

void		mr_svg_heatmap(MrBuf *b, const MrSvgHeatmap *h);

/*
 * Colour scales, as "#rrggbb" into out: diverging for v in [-1, 1] (blue
 * through white to red; values outside are clamped) and sequential for v
 * in [0, 1] (white to blue).  Whether text on the colour should be white
 * is mr_svg_dark.
 */
void		mr_svg_diverging(double v, char out[8]);
void		mr_svg_sequential(double v, char out[8]);
int			mr_svg_dark(double v, int diverging);

/* The palette's colour i (mod MR_SVG_PALETTE) */
const char *mr_svg_colour(int i);

#endif							/* MR_SVG_H */
