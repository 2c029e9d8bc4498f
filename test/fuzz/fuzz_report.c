/*
 * fuzz_report.c
 *	  libFuzzer harness: the report's escaping, and whole pages of every
 *	  task (classification, multi-label, multitask, regression) with
 *	  arbitrary bytes as labels, tokens, variable names, relation and
 *	  column names, a title and an option-free lineage, and arbitrary
 *	  finite numbers as the rows' truth and predictions, the model's
 *	  thresholds, target and training history, and the explanations.
 *
 * Input, read from both ends as FuzzedDataProvider does:
 *	  - the last byte picks the task, MrTask: its value mod 4 (0
 *		classification, 1 multilabel, 2 multitask, 3 regression);
 *	  - for a task other than classification, the bytes before it, read
 *		backwards, are the plan (read_plan): flags, options, the model's
 *		numbers, the distinct rows of the relation (which it repeats, a
 *		regression's up to beyond the scatter plot's sample) and the
 *		explanations;
 *	  - what is left, from the start, is cut at NUL bytes into at most
 *		MAX_STRINGS strings.
 * The numbers are any finite ones the server can hand the core.
 * A classifier's pages are those this harness always drew: a binary text
 * model and a measurement model on 20 fixed rows, so that every input
 * ending in a byte that is 0 mod 4 is what it was.
 *
 * Invariants:
 *	  - mr_html_text's output has no < > " ' at all, every & starts one of
 *		the five references it writes, and it is valid UTF-8 with no C0
 *		control but tab, newline and carriage return;
 *	  - a page is valid UTF-8 (the strings need not be, but for the
 *		lineage's JSON); its elements nest (every one opened is closed, in
 *		order, but the void and self-closed ones); its markup, the sequence
 *		of tag names, is the same as the page of the same model and rows
 *		with every string replaced by "x": nothing in the data can open,
 *		close or add an element or an attribute;
 *	  - the numbers in the markup (coordinates, data-value) are finite;
 *	  - the page is bounded: the "x" page by MAX_PAGE whatever the rows
 *		(the scatter plot samples, the histogram and curves have fixed
 *		resolution), and the page of the strings by the "x" page plus each
 *		string's escaped length at each place an "x" can stand;
 *	  - the scorer takes every row the server would give it and refuses
 *		what the server skips (a label that is not a finite number); it
 *		keeps at most the examples asked for, best first, each a row it was
 *		given; a regression's histogram counts every labelled row in at
 *		most MR_REPORT_HIST_BARS bars, and its sample is at most
 *		MR_REPORT_MAX_POINTS; a multi-label example lists at most
 *		MR_REPORT_MAX_MARKS labels, the most probable first.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_HARNESS "fuzz_report"
#include "fuzz_common.h"
#include "mr_html.h"
#include "mr_report.h"
#include "mr_tokenize.h"
#include "mr_utf8.h"

#define MAX_STRINGS 12

/* The plan's bounds */
#define MAX_K		16			/* labels: beyond the curves' 10 and the marks' 12 */
#define MAX_ROWS	63			/* distinct rows (a byte: 6 bits, 2 for the repeats) */
#define MAX_EPOCHS	4
#define MAX_VARS	3
#define MAX_BINS	4
#define MAX_EXPL	4			/* explanations, given to the examples in turn */
#define SAMPLE_ROWS (MR_REPORT_MAX_POINTS + 100)	/* a relation past the scatter's sample */
#define LONG_ROW	(MR_REPORT_MAX_TOKENS + 3)	/* tokens of an example cut short */

/*
 * Largest "x" page: the plots are bounded by their resolution and the
 * examples by their count.  With MAX_K labels, 50 examples (one of
 * LONG_ROW tokens) and any number of rows a page is a few hundred kB.
 */
#define MAX_PAGE	(4 * 1024 * 1024)

/* The page's static JSON: rnn_model_info's document, with fixed keys (it skips "epochs") */
static const char info_text[] = "{\"format_version\": 1, \"labels\": [\"a\", \"b\"], \"options\": "
	"{\"epochs\": 2, \"hidden\": [4], \"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4, \"e\": 5, \"f\": 6}, "
	"\"variables\": [{\"name\": \"HR\", \"mean\": 1}], \"epochs\": [{\"epoch\": 1}]}";

/* ----------------------------------------------------------------------
 * Checks
 */

/* The escaper's output alone */
static void
check_escaped(const char *s, size_t n)
{
	MrBuf		b;
	static const char *const refs[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

	mr_buf_init(&b, &mr_malloc_allocator);
	mr_html_text(&b, s, n);
	if (b.failed)
		fail("out of memory", NULL);
	for (size_t i = 0; i < b.len; i++)
	{
		unsigned char c = (unsigned char) b.data[i];
		int			known = 0;

		if (c == '<' || c == '>' || c == '"' || c == '\'')
			fail("a markup character passed the escaper", NULL);
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			fail("a control character passed the escaper", NULL);
		if (c == '&')
		{
			for (int r = 0; r < 5; r++)
				known |= strncmp(b.data + i, refs[r], strlen(refs[r])) == 0;
			if (!known)
				fail("a bare & in the escaper's output", NULL);
		}
	}
	if (b.len && !mr_utf8_valid((const unsigned char *) b.data, b.len))
		fail("the escaper's output is not valid UTF-8", NULL);
	mr_buf_free(&b);
}

/* The page's tag names in order, as one string */
static char *
tag_sequence(const char *html, size_t len)
{
	char	   *out = malloc(len + 1);
	size_t		n = 0;

	if (!out)
		fail("out of memory", NULL);
	for (size_t i = 0; i < len; i++)
		if (html[i] == '<')
			while (i + 1 < len && html[i + 1] != ' ' && html[i + 1] != '>')
				out[n++] = html[++i];
	out[n] = '\0';
	return out;
}

/*
 * Every element opened is closed, innermost first; void elements and
 * self-closed SVG ones (<line .../>) stand alone
 */
static void
check_nesting(const char *html, size_t len, const char *what)
{
	static const char *const voids[] = {"!DOCTYPE", "meta", "br", "hr", "img", "input", "link"};
	const char *open[256];
	size_t		open_len[256];
	int			depth = 0;

	for (size_t i = 0; i < len; i++)
	{
		size_t		end,
					name,
					name_len;
		int			closing,
					alone;

		if (html[i] != '<')
			continue;
		end = i + 1;
		while (end < len && html[end] != '>' && html[end] != '<')
			end++;
		if (end >= len || html[end] != '>')
			fail("a tag is not closed with >", what);
		closing = html[i + 1] == '/';
		name = i + 1 + closing;
		name_len = 0;
		while (name + name_len < end && html[name + name_len] != ' ' && html[name + name_len] != '/')
			name_len++;
		if (name_len == 0)
			fail("a tag without a name", what);
		alone = html[end - 1] == '/';
		for (size_t v = 0; v < sizeof(voids) / sizeof(voids[0]) && !alone; v++)
			alone = strlen(voids[v]) == name_len && strncmp(voids[v], html + name, name_len) == 0;
		if (closing)
		{
			if (depth == 0 || open_len[depth - 1] != name_len ||
				strncmp(open[depth - 1], html + name, name_len) != 0)
				fail("an element is closed out of order", what);
			depth--;
		}
		else if (!alone)
		{
			if (depth == 256)
				fail("elements nest deeper than 256", what);
			open[depth] = html + name;
			open_len[depth++] = name_len;
		}
		i = end;
	}
	if (depth != 0)
		fail("an element is left open", what);
}

/*
 * The numbers in the markup are finite: no attribute value of the "x" page
 * (whose strings are all "x") holds an inf or a nan
 */
static void
check_numbers(const char *plain, size_t len, const char *what)
{
	int			in_tag = 0,
				in_value = 0;

	for (size_t i = 0; i < len; i++)
	{
		char		c = plain[i];

		if (!in_tag)
			in_tag = c == '<';
		else if (!in_value)
		{
			in_tag = c != '>';
			in_value = c == '"';
		}
		else if (c == '"')
			in_value = 0;
		else if (i + 3 < len && (strncmp(plain + i, "inf", 3) == 0 || strncmp(plain + i, "nan", 3) == 0) &&
				 strchr("\" -, ", plain[i - 1]) && !(plain[i + 3] >= 'a' && plain[i + 3] <= 'z'))
			fail("a number in the markup is not finite", what);
	}
}

/* Occurrences of the byte c in s[0..n) */
static size_t
count_byte(const char *s, size_t n, char c)
{
	size_t		k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/*
 * A page of the strings against the page of the same model and rows with
 * every string "x" (plain): see the invariants above.  longest is the
 * longest string's length; finite says whether every number in the
 * markup must be finite.
 */
static void
check_pages(const char *html, size_t len, const char *plain, size_t plain_len, size_t longest,
			int finite, const char *what)
{
	char	   *t1,
			   *t2;

	if (!mr_utf8_valid((const unsigned char *) html, len))
		fail("the page is not valid UTF-8", what);
	check_nesting(html, len, what);
	if (finite)
		check_numbers(plain, plain_len, what);
	t1 = tag_sequence(html, len);
	t2 = tag_sequence(plain, plain_len);
	if (strcmp(t1, t2) != 0)
		fail("the data changed the page's markup", what);
	free(t1);
	free(t2);
	/* an escaped byte is at most 6 ("&quot;"); a string stands where its "x" does */
	if (plain_len > MAX_PAGE)
		fail("the page outgrew its bound", what);
	if (len > plain_len + count_byte(plain, plain_len, 'x') * (6 * longest + 16))
		fail("the strings grew the page beyond their escaped length", what);
}

/* ----------------------------------------------------------------------
 * What every page shows: the lineage and the card's document
 */

/*
 * A lineage object whose keys and values are the strings (those that are
 * UTF-8: the server's JSON always is), and the card's document, parsed
 * into ar
 */
static void
page_json(const char *const *strs, int n, MrArena *ar, MrJson **lineage, MrJson **info)
{
	MrBuf		lj;
	MrError		err;

	mr_buf_init(&lj, &mr_malloc_allocator);
	mr_buf_putc(&lj, '{');
	for (int i = 0; i < n; i++)
	{
		char		key[16];
		const char *v = mr_utf8_valid((const unsigned char *) strs[i], strlen(strs[i])) ? strs[i] : "?";

		snprintf(key, sizeof(key), "k%d", i);
		mr_buf_json_string(&lj, i % 2 ? v : key, i % 2 ? strlen(v) : strlen(key));
		mr_buf_putc(&lj, ':');
		mr_buf_json_string(&lj, v, strlen(v));
		if (i + 1 < n)
			mr_buf_putc(&lj, ',');
	}
	mr_buf_putc(&lj, '}');
	if (lj.failed || mr_json_parse(lj.data, lj.len, &ar->allocator, lineage, &err) != MR_OK)
		fail("the lineage JSON did not parse", err.detail);
	if (mr_json_parse(info_text, strlen(info_text), &ar->allocator, info, &err) != MR_OK)
		fail("the card's JSON did not parse", err.detail);
	mr_buf_free(&lj);
}

/* ----------------------------------------------------------------------
 * A classifier: the binary pages this harness always drew
 */

/* A page of a binary model whose strings are strs[0..n) */
static char *
classifier_page(const char *const *strs, int n, int series, size_t *len)
{
	const char *labels[2] = {strs[0 % n], strs[1 % n]};
	uint32_t	label_len[2] = {(uint32_t) strlen(labels[0]), (uint32_t) strlen(labels[1])};
	const char *vars[2] = {strs[2 % n], strs[3 % n]};
	uint32_t	var_len[2] = {(uint32_t) strlen(vars[0]), (uint32_t) strlen(vars[1])};
	MrEpochLog	epochs[2] = {{1, 0.7, 0.5, 0.8, 0.5, 0.1, 10}, {2, 0.5, 0.7, 0.6, 0.6, 0.1, 10}};
	MrReportToken toks[MAX_STRINGS];
	double		cells[6] = {0.1, -0.2, NAN, 0.3, 0.0, NAN};
	MrReportExample ex = {{4, 0, 1, 0.7, 2.7}, 1, 0.5, 0.1, 0.4, 0, toks, 0, NULL};
	MrModel		m;
	MrReportOptions o;
	MrReportScorer *s;
	MrReportInput in;
	MrJson	   *lineage,
			   *info;
	MrBuf		b;
	MrArena		ar;
	int			slot;

	memset(&m, 0, sizeof(m));
	m.input_kind = series ? MR_INPUT_SERIES : MR_INPUT_TEXT;
	m.tokenizer = MR_TOKENIZER_WORD;
	m.cfg.n_classes = 2;
	m.cfg.maxlen = 3;
	m.positive_class = 1;
	m.labels = labels;
	m.label_len = label_len;
	m.n_vars = 2;
	m.var_names = vars;
	m.var_name_len = var_len;
	m.epochs = epochs;
	m.n_epochs = 2;
	m.best_epoch = 2;
	for (int i = 0; i < n; i++)
		toks[i] = (MrReportToken) {strs[i], strlen(strs[i]), i % 3 ? 0.1 * i : NAN};
	ex.n_tokens = series ? 0 : n;
	ex.n_bins = series ? 3 : 0;
	ex.cell_attr = series ? cells : NULL;

	mr_arena_init(&ar, &mr_malloc_allocator);
	page_json(strs, n, &ar, &lineage, &info);
	mr_report_options_parse(NULL, &o, NULL);
	o.title = strs[4 % n];
	o.lineage = lineage;
	o.examples = 1;
	if (mr_report_scorer_new(&m, &o, 1, &mr_malloc_allocator, &s) != MR_OK)
		fail("out of memory", NULL);
	for (int i = 0; i < 20; i++)
	{
		float		p[2] = {1 - (i % 10) / 10.0f, (i % 10) / 10.0f};

		mr_report_scorer_add(s, i + 1, i % 3 == 0, p, &slot);
	}
	memset(&in, 0, sizeof(in));
	in.model = &m;
	in.info = info;
	in.opts = &o;
	in.relation = strs[5 % n];
	in.input_col = strs[6 % n];
	in.label_col = strs[7 % n];
	in.generated_at = strs[8 % n];
	in.rows_read = 20;
	in.scorer = s;
	in.examples = &ex;
	in.n_examples = 1;
	mr_buf_init(&b, &mr_malloc_allocator);
	if (mr_report_html(&in, &b) != MR_OK)
		fail("the page did not render", NULL);
	mr_report_scorer_free(s);
	mr_arena_free(&ar);
	*len = b.len;
	return b.data;
}

/* ----------------------------------------------------------------------
 * The plan of a model that does not classify, read from the input's end
 */

/* The input read backwards, from end; past its start every byte is 0 */
typedef struct Reader
{
	const uint8_t *data;
	size_t		end;			/* bytes [0, end) are not read yet */
	double		last;			/* the last double made, for ties */
	float		last_prob;
} Reader;

static unsigned
rd_u8(Reader *r)
{
	return r->end > 0 ? r->data[--r->end] : 0;
}

static uint64_t
rd_bytes(Reader *r, int n)
{
	uint64_t	v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | rd_u8(r);
	return v;
}

/*
 * A finite double of any magnitude: 0, small integers, fractions, from
 * 2^-128 to 2^142 in scale, any finite bit pattern, the extremes of
 * double, the last value again (ties) or its neighbour
 */
static double
rd_double(Reader *r)
{
	static const double extremes[8] = {DBL_MAX, DBL_MIN, 4.9406564584124654e-324, 1e30,
	1e-30, 0.5, 1e308, 2.2250738585072009e-308};
	unsigned	kind = rd_u8(r);
	double		v = 0;

	switch (kind % 8)
	{
		case 0:
			v = 0;
			break;
		case 1:
			v = (int8_t) rd_u8(r);
			break;
		case 2:
			v = (int16_t) rd_bytes(r, 2) / 64.0;
			break;
		case 3:
			v = ldexp((int16_t) rd_bytes(r, 2), (int) rd_u8(r) - 128);
			break;
		case 4:
			{
				uint64_t	bits = rd_bytes(r, 8);

				memcpy(&v, &bits, sizeof(v));
				if (!isfinite(v))
					v = copysign(DBL_MAX, v);
				break;
			}
		case 5:
			v = extremes[(kind >> 3) % 8];
			break;
		case 6:
			v = r->last;
			break;
		case 7:
			v = nextafter(r->last, kind & 0x80 ? INFINITY : -INFINITY);
			if (!isfinite(v))
				v = r->last;
			break;
	}
	if (kind & 0x40 && kind % 8 != 6 && kind % 8 != 7)
		v = -v;
	r->last = v;
	return v;
}

/*
 * A number the page plots (a truth, a prediction, a loss): a double within
 * [-limit, limit].  Subnormals and values near DBL_MAX included: a range
 * of a few subnormals once made mr_svg.c's tick step 0 and its decimals an
 * undefined cast, and one past DBL_MAX drew ticks and points at inf
 * (found by this harness)
 */
static double
rd_plotted(Reader *r, double limit)
{
	double		v = rd_double(r);

	return v > limit ? limit : v < -limit ? -limit : v;
}

/* A probability as a sigmoid gives it: in [0, 1], near the label's threshold at times */
static float
rd_prob(Reader *r, float threshold)
{
	unsigned	kind = rd_u8(r);
	float		p;

	switch (kind % 8)
	{
		case 0:
			p = 0;
			break;
		case 1:
			p = 1;
			break;
		case 2:
			p = threshold;
			break;
		case 3:
			p = nextafterf(threshold, 0);
			break;
		case 4:
			p = nextafterf(threshold, 1);
			break;
		case 5:
			p = r->last_prob;
			break;
		default:
			p = (float) rd_bytes(r, 2) / 65535.0f;
			break;
	}
	r->last_prob = p;
	return p;
}

/* A decision threshold in (0, 1), as the decoder takes them */
static float
rd_threshold(Reader *r)
{
	unsigned	kind = rd_u8(r);

	switch (kind % 4)
	{
		case 0:
			return nextafterf(0, 1);
		case 1:
			return nextafterf(1, 0);
		case 2:
			return 0.5f;
		default:
			return ((float) rd_bytes(r, 2) + 1) / 65537.0f;
	}
}

/* An accuracy: in [0, 1], or NaN where the model has none */
static double
rd_accuracy(Reader *r, int none)
{
	unsigned	b = rd_u8(r);

	return none || b == 255 ? NAN : b / 254.0;
}

/* One distinct row of the relation */
typedef struct Row
{
	int			skip;			/* regression: a label that is not a number (the server skips it) */
	double		truth;			/* regression, in the label's units */
	float		output;			/* regression, standardised */
	int8_t		truth_k[MAX_K]; /* multi-label: 1, 0, -1 unknown (multitask only) */
	float		probs[MAX_K];
} Row;

/* An explanation: the examples take them in turn */
typedef struct Explanation
{
	double		logit,
				baseline,
				attr_sum;
	double		attr[MAX_STRINGS];	/* of token i; NaN: not read */
	int			null_token;		/* a token that is an SQL NULL, or -1 */
	double		cells[MAX_VARS * MAX_BINS]; /* NaN: a bin not read */
} Explanation;

typedef struct Plan
{
	int			task;			/* MrTask, not classification */
	int			series;			/* a measurement model, else text */
	int			labelled;		/* the relation has a label column */
	int			relation;		/* there is a relation at all */
	int			char_tokens;	/* char tokenizer: tokens without spaces */
	int			mask;
	int			long_row;		/* the first example has LONG_ROW tokens */
	int			title;			/* a title, else the default */
	MrReportOptions opts;		/* but title and lineage */
	int			loss;
	double		target_mean,
				target_scale;
	int			K;
	float		thresholds[MAX_K];
	int			n_epochs,
				best_epoch;
	MrEpochLog	epochs[MAX_EPOCHS];
	int			V,				/* variables and time bins of a measurement model */
				T;
	int64_t		skipped_null,
				unseen_labels;
	int			n_rows;			/* distinct rows */
	int			repeat;			/* the relation is n_rows x repeat rows */
	Row			rows[MAX_ROWS];
	int			n_expl;
	Explanation expl[MAX_EXPL];
} Plan;

/* Read the plan from the input's end; see the top of the file */
static void
read_plan(Reader *r, int task, Plan *p)
{
	unsigned	flags = rd_u8(r),
				b;

	memset(p, 0, sizeof(*p));
	p->task = task;
	p->series = flags & 1;
	p->labelled = (flags & 2) != 0;
	p->relation = !(flags & 4);
	p->loss = flags & 8 ? MR_LOSS_HUBER : MR_LOSS_MSE;
	p->mask = (flags & 16) != 0;
	p->char_tokens = (flags & 32) != 0;
	p->long_row = (flags & 64) != 0;
	p->title = !(flags & 128);

	mr_report_options_parse(NULL, &p->opts, NULL);
	p->opts.sections = rd_u8(r) & MR_REPORT_ALL;
	p->opts.examples = (int) (rd_u8(r) % (MR_REPORT_MAX_EXAMPLES + 1));
	b = rd_u8(r);
	p->opts.order = (MrReportOrder) (b % 4);
	p->opts.steps = 1 + (int) (b >> 2);

	/* the model: its target or labels and thresholds, its history */
	p->K = task == MR_TASK_REGRESSION ? 1 : 1 + (int) (rd_u8(r) % MAX_K);
	if (task == MR_TASK_REGRESSION)
	{
		p->target_mean = rd_plotted(r, MR_MAX_TARGET);
		p->target_scale = fabs(rd_plotted(r, MR_MAX_TARGET));
		if (!(p->target_scale > 0))
			p->target_scale = 1;
	}
	else
	{
		p->target_scale = 1;
		for (int k = 0; k < p->K; k++)
			p->thresholds[k] = rd_threshold(r);
	}
	p->n_epochs = 1 + (int) (rd_u8(r) % MAX_EPOCHS);
	p->best_epoch = 1 + (int) (rd_u8(r) % p->n_epochs);
	for (int e = 0; e < p->n_epochs; e++)
	{
		MrEpochLog *log = &p->epochs[e];

		log->epoch = e + 1;
		log->loss = fabs(rd_plotted(r, DBL_MAX));
		log->accuracy = rd_accuracy(r, task == MR_TASK_REGRESSION);
		if (isnan(log->accuracy) && task != MR_TASK_REGRESSION)
			log->accuracy = 0;
		log->val_loss = rd_u8(r) & 1 ? fabs(rd_plotted(r, DBL_MAX)) : NAN;
		log->val_accuracy = rd_accuracy(r, isnan(log->val_loss) || task == MR_TASK_REGRESSION);
		log->seconds = 0.1;
		log->rows = 10;
	}
	b = rd_u8(r);
	p->V = 1 + (int) (b % MAX_VARS);
	p->T = (int) ((b >> 2) % (MAX_BINS + 1));
	p->skipped_null = rd_u8(r);
	p->unseen_labels = rd_u8(r);

	/* the rows */
	b = rd_u8(r);
	p->n_rows = (int) (b % (MAX_ROWS + 1));
	/*
	 * Repeated rows add nothing but counts to a multi-label model's figures
	 * and cost sorting: its relation repeats them at most 4 times.  A
	 * regression's can pass the scatter plot's sample.
	 */
	p->repeat = 1 + (int) (b / (MAX_ROWS + 1));
	if (task == MR_TASK_REGRESSION && p->repeat == 4 && p->n_rows > 0)
		p->repeat = (SAMPLE_ROWS + p->n_rows - 1) / p->n_rows;
	for (int i = 0; i < p->n_rows; i++)
	{
		Row		   *row = &p->rows[i];

		if (task == MR_TASK_REGRESSION)
		{
			row->skip = (rd_u8(r) & 15) == 0;
			row->truth = rd_plotted(r, DBL_MAX);
			row->output = (float) rd_plotted(r, FLT_MAX);
			continue;
		}
		for (int k = 0; k < p->K; k++)
		{
			b = rd_u8(r);
			row->truth_k[k] = (int8_t) (task == MR_TASK_MULTITASK ? (int) (b % 3) - 1 : (int) (b & 1));
			row->probs[k] = rd_prob(r, p->thresholds[k]);
		}
	}

	/* the explanations */
	p->n_expl = 1 + (int) (rd_u8(r) % MAX_EXPL);
	for (int i = 0; i < p->n_expl; i++)
	{
		Explanation *e = &p->expl[i];

		e->logit = rd_double(r);
		e->baseline = rd_double(r);
		e->attr_sum = rd_double(r);
		b = rd_u8(r);
		e->null_token = b < MAX_STRINGS ? (int) b : -1;
		for (int t = 0; t < MAX_STRINGS; t++)
			e->attr[t] = rd_u8(r) % 4 == 0 ? NAN : rd_double(r);
		for (int c = 0; c < p->V * p->T; c++)
			e->cells[c] = rd_u8(r) % 4 == 0 ? NAN : rd_double(r);
	}
}

/* ----------------------------------------------------------------------
 * A page of a model that does not classify
 */

/* The scorer's rows, as the server gives them (src/pg/report.c); the counts it skipped */
static void
score_rows(const Plan *p, const MrModel *m, MrReportScorer *s, int64_t *rows,
		   int64_t *skipped_nonfinite, int64_t *skipped_unknown)
{
	int64_t		n = (int64_t) p->n_rows * p->repeat;
	int64_t		labelled = 0;
	double		r_lo = INFINITY,	/* the residuals' range */
				r_hi = -INFINITY;

	*rows = *skipped_nonfinite = *skipped_unknown = 0;
	for (int64_t i = 0; i < n; i++)
	{
		const Row  *row = &p->rows[i % p->n_rows];
		int			slot;
		MrStatus	st;

		(*rows)++;
		if (p->task == MR_TASK_REGRESSION)
		{
			double		nan = NAN;

			if (p->labelled && row->skip)
			{
				/* the server skips such a label, and the scorer would refuse it */
				if (mr_report_scorer_add_value(s, *rows, &nan, &row->output, &slot) != MR_EINVAL || slot != -1)
					fail("the scorer took a label that is not a number", NULL);
				(*skipped_nonfinite)++;
				continue;
			}
			st = mr_report_scorer_add_value(s, *rows, p->labelled ? &row->truth : NULL, &row->output, &slot);
			labelled += p->labelled;
			if (p->labelled)
			{
				r_lo = fmin(r_lo, mr_model_value(m, row->output) - row->truth);
				r_hi = fmax(r_hi, mr_model_value(m, row->output) - row->truth);
			}
		}
		else
		{
			int			known = 0;

			for (int k = 0; k < p->K; k++)
				known |= row->truth_k[k] >= 0;
			if (p->labelled && !known)
			{
				/* a multitask row that knows no label is skipped */
				(*skipped_unknown)++;
				continue;
			}
			st = mr_report_scorer_add_labels(s, *rows, p->labelled ? row->truth_k : NULL, row->probs, &slot);
		}
		if (st != MR_OK)
			fail("the scorer refused a row the server gives it", NULL);
		if (slot >= p->opts.examples || slot < -1)
			fail("a row took an example slot beyond those asked for", NULL);
	}

	/* a regression's plots: a bounded sample, and every row in the histogram */
	if (p->task == MR_TASK_REGRESSION && p->labelled)
	{
		const MrReportPoint *pts;
		double		lo,
					hi,
					width;
		int64_t		counts[MR_REPORT_HIST_BARS],
					total = 0;
		int			n_pts = mr_report_scorer_sample(s, &pts, &lo, &hi),
					bars = mr_report_scorer_residuals(s, &lo, &width, counts);

		if (n_pts < 0 || n_pts > MR_REPORT_MAX_POINTS || n_pts > labelled ||
			(labelled > 0 && n_pts == 0))
			fail("the scatter plot's sample is out of bounds", NULL);
		for (int i = 0; i < bars; i++)
			total += counts[i];
		if (bars < 0 || bars > MR_REPORT_HIST_BARS || total != labelled || (labelled > 0 && bars == 0))
			fail("the residual histogram does not count every row", NULL);
		/*
		 * Its bars span the residuals, between finite edges.  Not checked
		 * for residuals beyond +-2^1020: an edge a bar beyond one may not
		 * be a double (the page then places the bars by their index)
		 */
		if (bars > 0 && fmax(-r_lo, r_hi) <= 0x1p1020 &&
			!(width > 0 && isfinite(width) && isfinite(lo) && isfinite(lo + bars * width) &&
			  lo <= r_lo && r_hi < lo + bars * width))
			fail("the residual histogram's bars do not span the residuals", NULL);
	}
}

/* The picks: at most those asked for, best first, each a row read; a multi-label one's marks */
static void
check_picks(const Plan *p, const MrReportPick *picks, int n, int64_t rows)
{
	if (n < 0 || n > p->opts.examples || (!(p->opts.sections & MR_REPORT_EXAMPLES) && n > 0))
		fail("more examples than asked for", NULL);
	for (int i = 0; i < n; i++)
	{
		const MrReportPick *pk = &picks[i];

		if (pk->row < 1 || pk->row > rows || pk->pred_class < 0 || pk->pred_class >= p->K)
			fail("an example is not a row read", NULL);
		if (i > 0 && (pk->key > picks[i - 1].key || (pk->key == picks[i - 1].key && pk->row < picks[i - 1].row)))
			fail("the examples are not best first", NULL);
		if (p->task == MR_TASK_REGRESSION)
			continue;
		if (pk->n_marks < 0 || pk->n_marks > MR_REPORT_MAX_MARKS ||
			pk->n_marks != (pk->n_either < MR_REPORT_MAX_MARKS ? pk->n_either : MR_REPORT_MAX_MARKS))
			fail("an example lists the wrong number of labels", NULL);
		for (int j = 0; j < pk->n_marks; j++)
			if (pk->marks[j].label < 0 || pk->marks[j].label >= p->K ||
				(j > 0 && pk->marks[j].probability > pk->marks[j - 1].probability))
				fail("an example's labels are not the most probable first", NULL);
	}
}

/* A page of the plan's model, whose strings are strs[0..n) */
static char *
target_page(const Plan *p, const char *const *strs, int n, size_t *len)
{
	const char *labels[MAX_K],
			   *vars[MAX_VARS];
	uint32_t	label_len[MAX_K],
				var_len[MAX_VARS];
	MrReportToken *toks = malloc(sizeof(MrReportToken) * MAX_EXPL * LONG_ROW);
	MrReportExample ex[MR_REPORT_MAX_EXAMPLES];
	MrReportPick picks[MR_REPORT_MAX_EXAMPLES];
	int			slots[MR_REPORT_MAX_EXAMPLES],
				n_ex = 0;
	MrModel		m;
	MrReportOptions o = p->opts;
	MrReportScorer *s = NULL;
	MrReportInput in;
	MrJson	   *lineage,
			   *info;
	MrBuf		b;
	MrArena		ar;

	if (!toks)
		fail("out of memory", NULL);
	memset(&m, 0, sizeof(m));
	m.task = p->task;
	m.input_kind = p->series ? MR_INPUT_SERIES : MR_INPUT_TEXT;
	m.tokenizer = p->char_tokens ? MR_TOKENIZER_CHAR : MR_TOKENIZER_WORD;
	m.cfg.n_classes = p->K;
	m.cfg.maxlen = 3;
	m.cfg.mask = p->mask;
	m.positive_class = -1;
	for (int k = 0; k < p->K; k++)
	{
		labels[k] = strs[k % n];
		label_len[k] = (uint32_t) strlen(labels[k]);
	}
	m.labels = labels;
	m.label_len = label_len;
	m.loss = p->task == MR_TASK_REGRESSION ? p->loss : 0;
	m.target_mean = p->target_mean;
	m.target_scale = p->target_scale;
	m.thresholds = p->task == MR_TASK_REGRESSION ? NULL : (float *) p->thresholds;
	for (int v = 0; v < p->V; v++)
	{
		vars[v] = strs[(2 + v) % n];
		var_len[v] = (uint32_t) strlen(vars[v]);
	}
	m.n_vars = p->V;
	m.var_names = vars;
	m.var_name_len = var_len;
	m.epochs = (MrEpochLog *) p->epochs;
	m.n_epochs = p->n_epochs;
	m.best_epoch = p->best_epoch;
	m.train_rows = 40;
	m.val_rows = 10;
	m.rows_used = 50;

	mr_arena_init(&ar, &mr_malloc_allocator);
	page_json(strs, n, &ar, &lineage, &info);
	o.title = p->title ? strs[4 % n] : NULL;
	o.lineage = lineage;

	memset(&in, 0, sizeof(in));
	in.model = &m;
	in.info = info;
	in.opts = &o;
	in.generated_at = strs[8 % n];
	in.skipped_null = p->skipped_null;
	if (p->relation)
	{
		int64_t		rows;

		if (mr_report_scorer_new(&m, &o, p->labelled, &mr_malloc_allocator, &s) != MR_OK)
			fail("out of memory", NULL);
		score_rows(p, &m, s, &rows, &in.skipped_nonfinite, &in.skipped_unknown);
		in.relation = strs[5 % n];
		in.input_col = strs[6 % n];
		in.label_col = p->labelled ? strs[7 % n] : NULL;
		in.rows_read = rows + p->skipped_null;
		in.unseen_labels = p->task == MR_TASK_REGRESSION ? 0 : p->unseen_labels;
		in.scorer = s;

		/* the examples, explained as the server does toward their pick */
		n_ex = mr_report_scorer_examples(s, slots, picks);
		check_picks(p, picks, n_ex, rows);
		/* explanation i's tokens: the strings over and over, one of them perhaps NULL */
		for (int i = 0; i < p->n_expl; i++)
			for (int j = 0; j < LONG_ROW; j++)
				toks[(size_t) i * LONG_ROW + j] = j == p->expl[i].null_token ? (MrReportToken) {NULL, 0, NAN} :
					(MrReportToken) {strs[j % n], strlen(strs[j % n]), p->expl[i].attr[j % MAX_STRINGS]};
		for (int i = 0; i < n_ex; i++)
		{
			const Explanation *e = &p->expl[i % p->n_expl];

			memset(&ex[i], 0, sizeof(ex[i]));
			ex[i].pick = picks[i];
			ex[i].target = p->task == MR_TASK_REGRESSION ? 0 : picks[i].pred_class;
			ex[i].logit = e->logit;
			ex[i].baseline_logit = e->baseline;
			ex[i].attr_sum = e->attr_sum;
			if (p->series)
			{
				ex[i].n_bins = p->T;
				ex[i].cell_attr = e->cells;
				continue;
			}
			ex[i].n_tokens = i == 0 && p->long_row ? LONG_ROW : n;
			ex[i].tokens = toks + (size_t) (i % p->n_expl) * LONG_ROW;
		}
		in.examples = ex;
		in.n_examples = n_ex;
	}
	mr_buf_init(&b, &mr_malloc_allocator);
	if (mr_report_html(&in, &b) != MR_OK)
		fail("the page did not render", NULL);
	mr_report_scorer_free(s);
	mr_arena_free(&ar);
	free(toks);
	*len = b.len;
	return b.data;
}

/* ----------------------------------------------------------------------
 * The harness
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const task_name[] = {"classifier", "multi-label model", "multitask model",
	"regression model"};
	char	   *copy = malloc(size + 1),
			   *html,
			   *plain;
	const char *strs[MAX_STRINGS],
			   *xs[MAX_STRINGS];
	int			n = 0,
				task;
	size_t		start = 0,
				longest = 0,
				len,
				xlen;
	Reader		r = {data, size, 0, 0};
	Plan	   *plan = malloc(sizeof(Plan));

	if (!copy || !plan)
		fail("out of memory", NULL);
	memcpy(copy, data, size);
	copy[size] = '\0';
	check_escaped(copy, size);

	/* the task, and its plan, from the end */
	task = (int) (rd_u8(&r) % 4);
	if (task != MR_TASK_CLASSIFICATION)
		read_plan(&r, task, plan);

	/* strings from the rest: NUL-separated, as SQL text cannot hold NUL */
	copy[r.end] = '\0';
	for (size_t i = 0; i <= r.end && n < MAX_STRINGS; i++)
		if (i == r.end || copy[i] == '\0')
		{
			strs[n] = copy + start;
			xs[n++] = "x";
			longest = i - start > longest ? i - start : longest;
			start = i + 1;
		}

	if (task == MR_TASK_CLASSIFICATION)
		for (int series = 0; series < 2; series++)
		{
			html = classifier_page(strs, n, series, &len);
			plain = classifier_page(xs, n, series, &xlen);
			check_pages(html, len, plain, xlen, longest, 1,
						series ? "measurement classifier" : "text classifier");
			free(html);
			free(plain);
		}
	else
	{
		html = target_page(plan, strs, n, &len);
		plain = target_page(plan, xs, n, &xlen);
		check_pages(html, len, plain, xlen, longest, 1, task_name[task]);
		free(html);
		free(plain);
	}
	free(plan);
	free(copy);
	return 0;
}
