/*
 * mr_svg.c
 *	  Inline SVG plots for the report (see mr_svg.h).
 */
#include "mr_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mr_html.h"
#include "mr_utf8.h"

/* Line chart geometry, in SVG user units (the page scales the viewBox) */
#define CHART_W		720
#define CHART_H		340
#define PLOT_L		64
#define PLOT_T		16
#define PLOT_W		460
#define PLOT_H		264
#define LEGEND_X	(PLOT_L + PLOT_W + 18)

/* Longest row or column name drawn whole, in characters; the rest is in the tooltip */
#define NAME_CHARS	18

static const char *const palette[MR_SVG_PALETTE] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#b8860b", "#b07aa1", "#ff9da7", "#9c755f", "#7f7f7f"
};

/* The palette's colour i */
const char *
mr_svg_colour(int i)
{
	return palette[((i % MR_SVG_PALETTE) + MR_SVG_PALETTE) % MR_SVG_PALETTE];
}

/* Linear blend of two RGB colours */
static void
blend(const int from[3], const int to[3], double t, char out[8])
{
	int			c[3];

	t = isfinite(t) ? (t < 0 ? 0 : t > 1 ? 1 : t) : 0;
	for (int i = 0; i < 3; i++)
		c[i] = (int) lround(from[i] + (to[i] - from[i]) * t);
	snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* Blue - white - red (ColorBrewer RdBu ends) */
void
mr_svg_diverging(double v, char out[8])
{
	static const int white[3] = {255, 255, 255},
				red[3] = {178, 24, 43},
				blue[3] = {33, 102, 172};

	if (isfinite(v) && v < 0)
		blend(white, blue, -v, out);
	else
		blend(white, red, v, out);
}

/* White to blue */
void
mr_svg_sequential(double v, char out[8])
{
	static const int white[3] = {247, 251, 255},
				blue[3] = {8, 48, 107};

	blend(white, blue, v, out);
}

/* Whether text on this shade should be white */
int
mr_svg_dark(double v, int diverging)
{
	if (!isfinite(v))
		return 0;
	return diverging ? fabs(v) > 0.6 : v > 0.5;
}

/* A step of 1, 2 or 5 times a power of ten giving about five ticks over span */
static double
nice_step(double span)
{
	double		raw = span / 5,
				p = pow(10, floor(log10(raw))),
				f = raw / p;

	/* a span of a few subnormals has no power of ten below it */
	if (!(raw > 0) || !(p > 0) || !isfinite(p))
		return isfinite(span) && span > 0 ? span : 1;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* Decimals that show a tick step exactly */
static int
step_decimals(double step)
{
	/* clamped in double: the cast of an infinite value is undefined */
	double		d = -floor(log10(step) + 1e-9);

	return !(d > 0) ? 0 : d > 6 ? 6 : (int) d;
}

/* A tick's value and the closing tag: fixed decimals, or %g past 1e15 */
static void
tick_label(MrBuf *b, double t, int decimals)
{
	if (fabs(t) >= 1e15)
		mr_buf_printf(b, "%.6g</text>\n", t);
	else
		mr_buf_printf(b, "%.*f</text>\n", decimals, t);
}

/* The range of the data of one axis, where the chart leaves it open */
static void
data_range(const MrSvgChart *c, int axis_y, double *lo, double *hi)
{
	double		mn = INFINITY,
				mx = -INFINITY;

	for (int s = 0; s < c->n_series; s++)
		for (int64_t i = 0; i < c->series[s].n; i++)
		{
			double		v = axis_y ? c->series[s].y[i] : c->series[s].x[i];

			if (isfinite(v))
			{
				mn = v < mn ? v : mn;
				mx = v > mx ? v : mx;
			}
		}
	if (!isfinite(*lo))
		*lo = isfinite(mn) ? mn : 0;
	if (!isfinite(*hi))
		*hi = isfinite(mx) ? mx : 1;
	if (!(*hi > *lo))
		*hi = *lo + 1;
}

typedef struct Frame
{
	double		x0,
				x1,
				y0,
				y1;
} Frame;

static double
px(const Frame *f, double x)
{
	return PLOT_L + (x - f->x0) / (f->x1 - f->x0) * PLOT_W;
}

static double
py(const Frame *f, double y)
{
	return PLOT_T + PLOT_H - (y - f->y0) / (f->y1 - f->y0) * PLOT_H;
}

/* Axes, grid, ticks and labels */
static void
draw_axes(MrBuf *b, const MrSvgChart *c, const Frame *f)
{
	double		xs = nice_step(f->x1 - f->x0),
				ys = nice_step(f->y1 - f->y0);
	int			xd = step_decimals(xs),
				yd = step_decimals(ys);

	mr_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#999\"/>\n",
				  PLOT_L, PLOT_T, PLOT_W, PLOT_H);
	/*
	 * k bounds the loops where a step is below the values' precision; the
	 * bound is written as a difference, which stays finite near DBL_MAX
	 */
	for (double t = ceil(f->x0 / xs - 1e-9) * xs, k = 0;
		 isfinite(t) && t - f->x1 <= xs * 1e-9 && k < 50; t += xs, k++)
	{
		mr_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e5e5\"/>"
					  "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">",
					  px(f, t), PLOT_T, px(f, t), PLOT_T + PLOT_H, px(f, t), PLOT_T + PLOT_H + 15);
		tick_label(b, fabs(t) < xs * 1e-9 ? 0.0 : t, xd);
	}
	for (double t = ceil(f->y0 / ys - 1e-9) * ys, k = 0;
		 isfinite(t) && t - f->y1 <= ys * 1e-9 && k < 50; t += ys, k++)
	{
		mr_buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
					  "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">",
					  PLOT_L, py(f, t), PLOT_L + PLOT_W, py(f, t), PLOT_L - 6, py(f, t) + 4);
		tick_label(b, fabs(t) < ys * 1e-9 ? 0.0 : t, yd);
	}
	mr_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">",
				  PLOT_L + PLOT_W / 2, PLOT_T + PLOT_H + 36);
	mr_html_cstr(b, c->x_label ? c->x_label : "");
	mr_buf_printf(b, "</text>\n<text x=\"14\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
				  "transform=\"rotate(-90 14 %d)\">", PLOT_T + PLOT_H / 2, PLOT_T + PLOT_H / 2);
	mr_html_cstr(b, c->y_label ? c->y_label : "");
	mr_buf_puts(b, "</text>\n");
}

/* One series as polylines, skipping points within a pixel of the last drawn */
static void
draw_series(MrBuf *b, const MrSvgSeries *s, const Frame *f)
{
	int			open = 0;
	double		lx = 0,
				ly = 0;

	if (s->scatter)
	{
		/* one group carries the colour: each dot is about 40 bytes */
		mr_buf_printf(b, "<g fill=\"%s\" fill-opacity=\"0.45\">\n", mr_svg_colour(s->colour));
		for (int64_t i = 0; i < s->n; i++)
			if (isfinite(s->x[i]) && isfinite(s->y[i]))
				mr_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>\n",
							  px(f, s->x[i]), py(f, s->y[i]));
		mr_buf_puts(b, "</g>\n");
		return;
	}
	for (int64_t i = 0; i < s->n; i++)
	{
		double		x = s->x[i],
					y = s->y[i],
					X,
					Y;

		if (!isfinite(x) || !isfinite(y))
		{
			if (open)
				mr_buf_puts(b, "\"/>\n");
			open = 0;
			continue;
		}
		X = px(f, x);
		Y = py(f, y);
		if (open && i + 1 < s->n && fabs(X - lx) < 1 && fabs(Y - ly) < 1)
			continue;
		if (!open)
		{
			mr_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
						  mr_svg_colour(s->colour), s->dashed ? " stroke-dasharray=\"6 4\"" : "");
			open = 1;
		}
		mr_buf_printf(b, "%.1f,%.1f ", X, Y);
		lx = X;
		ly = Y;
	}
	if (open)
		mr_buf_puts(b, "\"/>\n");
	if (s->dots)
		for (int64_t i = 0; i < s->n; i++)
			if (isfinite(s->x[i]) && isfinite(s->y[i]))
				mr_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
							  px(f, s->x[i]), py(f, s->y[i]), mr_svg_colour(s->colour));
}

/* The chart's marked x, a labelled vertical line, when within the plot */
static void
draw_mark(MrBuf *b, const MrSvgChart *c, const Frame *f)
{
	if (isfinite(c->mark_x) && c->mark_x >= f->x0 && c->mark_x <= f->x1)
	{
		mr_buf_printf(b, "<line data-mark=\"%g\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\" "
					  "stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\">",
					  c->mark_x, px(f, c->mark_x), PLOT_T, px(f, c->mark_x), PLOT_T + PLOT_H,
					  px(f, c->mark_x) + 4, PLOT_T + 12);
		mr_html_cstr(b, c->mark_label ? c->mark_label : "");
		mr_buf_puts(b, "</text>\n");
	}
}

/* The opening of a chart's svg element, with its title */
static void
chart_open(MrBuf *b, const MrSvgChart *c)
{
	mr_buf_printf(b, "<svg class=\"chart\" data-chart=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" "
				  "xmlns=\"http://www.w3.org/2000/svg\"><title>", c->id, CHART_W, CHART_H);
	mr_html_cstr(b, c->title ? c->title : "");
	mr_buf_puts(b, "</title>\n");
}

/* A line chart; see mr_svg.h */
void
mr_svg_line_chart(MrBuf *b, const MrSvgChart *c)
{
	Frame		f = {c->x_min, c->x_max, c->y_min, c->y_max};
	int			drawable = 1;

	data_range(c, 0, &f.x0, &f.x1);
	data_range(c, 1, &f.y0, &f.y1);
	if (!isfinite(f.x1 - f.x0) || !isfinite(f.y1 - f.y0))
	{
		/* a range beyond double: an empty frame, no points off it */
		f.x0 = f.y0 = 0;
		f.x1 = f.y1 = 1;
		drawable = 0;
	}
	chart_open(b, c);
	draw_axes(b, c, &f);
	if (c->diagonal)
	{
		double		lo = f.x0 > f.y0 ? f.x0 : f.y0,
					hi = f.x1 < f.y1 ? f.x1 : f.y1;

		if (hi > lo)
			mr_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aaa\" "
						  "stroke-dasharray=\"3 3\"/>\n", px(&f, lo), py(&f, lo), px(&f, hi), py(&f, hi));
	}
	draw_mark(b, c, &f);
	for (int s = 0; drawable && s < c->n_series; s++)
		draw_series(b, &c->series[s], &f);
	/* the legend, right of the plot */
	for (int s = 0; s < c->n_series; s++)
	{
		int			y = PLOT_T + 10 + 18 * s;

		if (c->series[s].scatter)
			mr_buf_printf(b, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">",
						  LEGEND_X + 10, y, mr_svg_colour(c->series[s].colour), LEGEND_X + 26, y + 4);
		else
			mr_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>"
						  "<text x=\"%d\" y=\"%d\" font-size=\"11\">",
						  LEGEND_X, y, LEGEND_X + 20, y, mr_svg_colour(c->series[s].colour),
						  c->series[s].dashed ? " stroke-dasharray=\"6 4\"" : "", LEGEND_X + 26, y + 4);
		mr_html_cstr(b, c->series[s].name ? c->series[s].name : "");
		mr_buf_puts(b, "</text>\n");
	}
	mr_buf_puts(b, "</svg>\n");
}

/* A histogram; see mr_svg.h */
void
mr_svg_histogram(MrBuf *b, const MrSvgChart *c, double lo, double width,
				 const int64_t *counts, int n)
{
	Frame		f = {lo, lo + width * (n > 0 ? n : 1), 0, 1};
	int64_t		top = 0;
	int			by_index = 0;	/* edges beyond double: bars by their index */

	for (int i = 0; i < n; i++)
		top = counts[i] > top ? counts[i] : top;
	/* room above the highest bar */
	f.y1 = top > 0 ? top * 1.05 : 1;
	if (!isfinite(f.x1 - f.x0) || !(f.x1 > f.x0))
	{
		f.x0 = 0;
		f.x1 = n > 0 ? n : 1;
		by_index = 1;
	}
	chart_open(b, c);
	draw_axes(b, c, &f);
	for (int i = 0; i < n; i++)
	{
		double		a = lo + width * i,
					x0 = px(&f, by_index ? i : a),
					x1 = px(&f, by_index ? i + 1 : a + width);

		if (counts[i] == 0)
			continue;
		mr_buf_printf(b, "<rect data-bar=\"%d\" data-count=\"%lld\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					  "fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.5\"><title>%.4g to %.4g: %lld</title></rect>\n",
					  i, (long long) counts[i], x0, py(&f, (double) counts[i]), x1 - x0,
					  py(&f, 0) - py(&f, (double) counts[i]), mr_svg_colour(0),
					  a, a + width, (long long) counts[i]);
	}
	draw_mark(b, c, &f);
	mr_buf_puts(b, "</svg>\n");
}

/* Characters of a name as drawn: at most NAME_CHARS, plus the ellipsis */
static int
name_chars(const char *s)
{
	size_t		chars = mr_utf8_count((const unsigned char *) s, strlen(s));

	return chars > NAME_CHARS ? NAME_CHARS + 1 : (int) chars;
}

/* A name cut to NAME_CHARS characters, with an ellipsis if cut */
static void
short_name(MrBuf *b, const char *s)
{
	size_t		n = strlen(s),
				cut = 0;
	int			chars = 0;

	while (cut < n && chars < NAME_CHARS)
	{
		uint32_t	cp;

		cut += (size_t) mr_utf8_decode((const unsigned char *) s + cut, n - cut, &cp);
		chars++;
	}
	mr_html_text(b, s, cut);
	if (cut < n)
		mr_buf_puts(b, "\xE2\x80\xA6");
}

/* A heat map; see mr_svg.h */
void
mr_svg_heatmap(MrBuf *b, const MrSvgHeatmap *h)
{
	int			cell = h->cols > 0 ? 780 / h->cols : 40,
				left,
				top,
				w,
				ht,
				row_chars = 1,
				col_chars = 1;

	/* room for the longest names (as drawn: at most NAME_CHARS characters) */
	for (int r = 0; r < h->rows; r++)
	{
		int			n = name_chars(h->row_names[r]);

		row_chars = n > row_chars ? n : row_chars;
	}
	for (int c = 0; c < h->cols; c++)
	{
		int			n = name_chars(h->col_names[c]);

		col_chars = n > col_chars ? n : col_chars;
	}
	left = 30 + 7 * row_chars;
	top = 34 + 5 * col_chars;
	cell = cell > 64 ? 64 : cell < 6 ? 6 : cell;
	/* wide enough for the column title over a small matrix */
	w = left + cell * h->cols + 20 < 280 ? 280 : left + cell * h->cols + 20;
	ht = top + cell * h->rows + 20;
	mr_buf_printf(b, "<svg class=\"chart heatmap\" data-chart=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" "
				  "xmlns=\"http://www.w3.org/2000/svg\" style=\"max-width:%dpx\"><title>", h->id, w, ht, w);
	mr_html_cstr(b, h->title ? h->title : "");
	mr_buf_puts(b, "</title>\n");
	mr_buf_printf(b, "<text x=\"%d\" y=\"14\" font-size=\"12\" text-anchor=\"middle\">", left + cell * h->cols / 2);
	mr_html_cstr(b, h->col_title ? h->col_title : "");
	mr_buf_printf(b, "</text>\n<text x=\"12\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
				  "transform=\"rotate(-90 12 %d)\">", top + cell * h->rows / 2, top + cell * h->rows / 2);
	mr_html_cstr(b, h->row_title ? h->row_title : "");
	mr_buf_puts(b, "</text>\n");
	for (int c = 0; c < h->cols; c++)
	{
		int			x = left + c * cell + cell / 2;

		mr_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" transform=\"rotate(-45 %d %d)\"><title>",
					  x, top - 6, x, top - 6);
		mr_html_cstr(b, h->col_names[c]);
		mr_buf_puts(b, "</title>");
		short_name(b, h->col_names[c]);
		mr_buf_puts(b, "</text>\n");
	}
	for (int r = 0; r < h->rows; r++)
	{
		mr_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\"><title>",
					  left - 6, top + r * cell + cell / 2 + 4);
		mr_html_cstr(b, h->row_names[r]);
		mr_buf_puts(b, "</title>");
		short_name(b, h->row_names[r]);
		mr_buf_puts(b, "</text>\n");
		for (int c = 0; c < h->cols; c++)
		{
			size_t		i = (size_t) r * h->cols + c;
			double		v = h->shade[i];
			char		fill[8];

			if (h->diverging)
				mr_svg_diverging(v, fill);
			else
				mr_svg_sequential(v, fill);
			mr_buf_printf(b, "<g><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"/>",
						  left + c * cell, top + r * cell, cell, cell, isfinite(v) ? fill : "#f4f4f4");
			if (h->cell_title && h->cell_title[i])
			{
				mr_buf_puts(b, "<title>");
				mr_html_cstr(b, h->cell_title[i]);
				mr_buf_puts(b, "</title>");
			}
			if (h->cell_text && h->cell_text[i] && cell >= 20)
			{
				mr_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"middle\" fill=\"%s\">",
							  left + c * cell + cell / 2, top + r * cell + cell / 2 + 4, cell >= 36 ? 12 : 9,
							  mr_svg_dark(v, h->diverging) ? "#fff" : "#000");
				mr_html_cstr(b, h->cell_text[i]);
				mr_buf_puts(b, "</text>");
			}
			mr_buf_puts(b, "</g>\n");
		}
	}
	mr_buf_puts(b, "</svg>\n");
}
