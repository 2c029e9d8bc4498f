/*
 * test_fit.c
 *	  The fit pipeline without a server: rows in, a model out, with what it
 *	  counts, says and refuses before the first epoch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_fit.h"
#include "mr_json.h"
#include "mr_model.h"
#include "mr_series.h"
#include "mr_test.h"

#define N_TEXT 60

/* Rows of text: three classes, each marked by its own words */
typedef struct TextRows
{
	char		text[N_TEXT][64];
	char		label[N_TEXT][16];
	int			n;
	int			null_every;		/* every k-th row has a NULL label; 0: none */
	int			pos;
} TextRows;

static void
text_rows_init(TextRows *t, int n, int classes, int null_every)
{
	static const char *const words[][2] = {{"fever", "cough"}, {"rash", "itch"}, {"chest", "angina"},
	{"knee", "sprain"}};

	memset(t, 0, sizeof(*t));
	t->n = n;
	t->null_every = null_every;
	for (int i = 0; i < n; i++)
	{
		int			c = i % classes;

		snprintf(t->text[i], sizeof(t->text[i]), "patient %s today %s %d", words[c % 4][i % 2],
				 i % 3 ? "stable" : "seen", i % 5);
		snprintf(t->label[i], sizeof(t->label[i]), "%s%d", classes > 4 ? "c" : "dx", c);
	}
}

static void
text_next(MrRow *row, void *state)
{
	TextRows   *t = state;
	int			i = t->pos++;

	if (i >= t->n)
	{
		row->kind = MR_ROW_END;
		return;
	}
	row->kind = MR_ROW_TEXT;
	row->text = t->text[i];
	row->len = strlen(t->text[i]);
	if (t->null_every && i % t->null_every == 0)
		return;
	row->label = t->label[i];
	row->label_len = strlen(t->label[i]);
}

/* What the hooks saw */
typedef struct Seen
{
	int			notices;
	int			warnings;
	int			started;
	int			batches;
	char		first[1024];
	char		last_warning[1024];
} Seen;

static void
seen_notice(int level, const MrError *msg, void *state)
{
	Seen	   *s = state;

	if (level == MR_WARNING)
	{
		s->warnings++;
		snprintf(s->last_warning, sizeof(s->last_warning), "%s", msg->message);
		return;
	}
	if (s->notices++ == 0)
		snprintf(s->first, sizeof(s->first), "%s", msg->message);
}

static void
seen_start(const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data, void *state)
{
	((Seen *) state)->started++;
}

static void
seen_batch(int epoch, int64_t done, int64_t total, double loss, void *state)
{
	((Seen *) state)->batches++;
}

/* Fit text rows with these options; the image (or NULL) goes to *img */
static MrStatus
fit_text(MrArena *ar, TextRows *t, const char *options, Seen *seen, uint8_t **img, size_t *len,
		 MrError *err, size_t limit)
{
	MrFitSpec	spec;
	MrFitHooks	hooks = {NULL, seen_notice, seen_start, seen_batch, seen};
	MrJson	   *json;
	MrRowSource src = {text_next, t};

	memset(&spec, 0, sizeof(spec));
	memset(seen, 0, sizeof(*seen));
	t->pos = 0;
	if (mr_json_parse(options, strlen(options), &ar->allocator, &json, err) != MR_OK ||
		mr_options_parse(&spec.options, json, NULL, &ar->allocator, err) != MR_OK)
		return MR_EDIMS;
	spec.source = MR_SOURCE_TEXT;
	spec.relation = "notes";
	spec.input_column = "note";
	spec.threads = 1;
	spec.memory_limit = limit;
	spec.created_at = 1700000000.0;
	return mr_fit(&spec, &src, &hooks, &ar->allocator, img, len, err);
}

/* Measurement rows, and a token row among them */
typedef struct SeriesRows
{
	int			n;
	int			pos;
	int			token_at;		/* the row that is tokens instead; -1: none */
	double		times[3];
	const char *vars[3];
	size_t		var_lens[3];
	double		values[3];
	const char *tok;
	size_t		tok_len;
} SeriesRows;

static void
series_next(MrRow *row, void *state)
{
	SeriesRows *s = state;
	int			i = s->pos++;

	if (i >= s->n)
	{
		row->kind = MR_ROW_END;
		return;
	}
	row->label = i % 2 ? "1" : "0";
	row->label_len = 1;
	if (i == s->token_at)
	{
		row->kind = MR_ROW_TOKENS;
		row->toks = &s->tok;
		row->lens = &s->tok_len;
		row->n = 1;
		return;
	}
	if (i % 7 == 3)
	{
		row->kind = MR_ROW_EMPTY;
		return;
	}
	s->times[0] = 0;
	s->times[1] = 30;
	s->times[2] = 90;
	s->values[0] = 60 + i % 2 * 40;
	s->values[1] = NAN;
	s->values[2] = 1 + i % 3;
	row->kind = MR_ROW_EVENTS;
	row->times = s->times;
	row->vars = s->vars;
	row->var_lens = s->var_lens;
	row->values = s->values;
	row->n = 3;
	row->time_kind = MR_SERIES_TIME_NUMBER;
}

void
test_fit(void)
{
	MrArena		ar;
	TextRows   *t = malloc(sizeof(TextRows));
	Seen		seen;
	MrError		err;
	uint8_t    *img = NULL,
			   *img2 = NULL;
	size_t		len = 0,
				len2 = 0;
	MrModel    *m = NULL;
	const char *opts = "{\"epochs\": 3, \"hidden\": [8, 4], \"embed_dim\": 6, \"maxlen\": 8, \"seed\": 5}";

	memset(&err, 0, sizeof(err));
	mr_arena_init(&ar, &mr_malloc_allocator);
	text_rows_init(t, N_TEXT, 3, 10);
	MR_CHECK(fit_text(&ar, t, opts, &seen, &img, &len, &err, 0) == MR_OK &&
			 mr_model_decode(img, len, &ar.allocator, &m, &err) == MR_OK,
			 "fit a text model from rows and decode it (%s)", err.detail);
	if (m)
	{
		MR_CHECK(m->cfg.n_classes == 3 && m->rows_used == 54 && m->rows_skipped == 6 &&
				 m->n_epochs == 3 && m->input_kind == MR_INPUT_TEXT && m->cfg.maxlen == 8 &&
				 m->cfg.hidden[1] == 4 && m->created_at == 1700000000.0 &&
				 mr_vocab_lookup(m->vocab, "angina", 6) >= 0 && m->positive_class == -1,
				 "the model has its classes, rows used and skipped, epochs, shape and vocabulary");
		MR_CHECK(seen.started == 1 && seen.batches == 3 * 2 && seen.notices == 4 &&
				 strcmp(seen.first, "skipped 6 of 60 rows whose input or label is NULL") == 0,
				 "hooks: one start, a batch hook per batch, NOTICEs for the skipped rows and each epoch (%s)",
				 seen.first);
	}
	MR_CHECK(fit_text(&ar, t, opts, &seen, &img2, &len2, &err, 0) == MR_OK && len2 == len && m &&
			 memcmp(img, img2, m->fingerprint_len) == 0,
			 "the same rows and options give the same model, byte for byte before its timings");

	/* refused before the first epoch */
	MR_CHECK(fit_text(&ar, t, "{\"positive_label\": \"dx1\", \"epochs\": 40}", &seen, &img2, &len2, &err, 0) == MR_EINVAL &&
			 strcmp(err.message, "option \"positive_label\" applies to two classes only") == 0 &&
			 seen.started == 0,
			 "positive_label with three classes is refused before training starts: %s", err.message);
	text_rows_init(t, 40, 2, 0);
	MR_CHECK(fit_text(&ar, t, "{\"positive_label\": \"dx7\", \"epochs\": 40}", &seen, &img2, &len2, &err, 0) == MR_EINVAL &&
			 strcmp(err.message, "positive label \"dx7\" does not occur in the training rows") == 0 &&
			 seen.started == 0,
			 "an unknown positive label too: %s", err.message);
	MR_CHECK(fit_text(&ar, t, "{\"class_weight\": {\"dx9\": 2}}", &seen, &img2, &len2, &err, 0) == MR_EINVAL &&
			 seen.started == 0,
			 "a class weight for a label no row has: %s", err.message);
	MR_CHECK(fit_text(&ar, t, "{\"step\": 60}", &seen, &img2, &len2, &err, 0) == MR_EINVAL &&
			 strcmp(err.message, "option \"step\" applies to measurement sequences only") == 0,
			 "an option of measurement sequences on a text column: %s", err.message);
	MR_CHECK(fit_text(&ar, t, "{\"epochs\": 1}", &seen, &img2, &len2, &err, 1024 * 1024) == MR_ELIMIT,
			 "the default network over a 1 MB budget: MR_ELIMIT (%s)", err.detail);
	MR_CHECK(fit_text(&ar, t, "{\"positive_label\": \"dx0\", \"epochs\": 1, \"hidden\": 4, \"embed_dim\": 4}",
					  &seen, &img2, &len2, &err, 0) == MR_OK &&
			 img2[0] == 'M',
			 "a binary model with its positive label named");

	text_rows_init(t, 40, 1, 0);
	MR_CHECK(fit_text(&ar, t, "{\"epochs\": 1}", &seen, &img2, &len2, &err, 0) == MR_EDATA &&
			 strcmp(err.message, "cannot train a classifier on a single class") == 0 &&
			 strcmp(err.detail, "All 40 usable rows have label \"dx0\".") == 0,
			 "one class: MR_EDATA with the label (%s)", err.detail);
	text_rows_init(t, 10, 1, 1);
	MR_CHECK(fit_text(&ar, t, "{\"epochs\": 1}", &seen, &img2, &len2, &err, 0) == MR_EDATA &&
			 strcmp(err.message, "no rows to train on") == 0 &&
			 strcmp(err.detail, "Relation \"notes\" has 10 rows, 10 of them with a NULL input or label.") == 0,
			 "no usable row: MR_EDATA (%s)", err.detail);
	text_rows_init(t, 24, 20, 0);
	MR_CHECK(fit_text(&ar, t, "{\"epochs\": 1, \"hidden\": 4, \"embed_dim\": 4}", &seen, &img2, &len2, &err, 0) == MR_OK &&
			 seen.warnings == 1 && strcmp(seen.last_warning, "20 classes among 24 training rows") == 0,
			 "almost as many classes as rows: a WARNING (%s)", seen.last_warning);

	/* measurement sequences, and a column that mixes kinds */
	{
		SeriesRows	s = {40, 0, -1, {0}, {"HR", "Temp", "GCS"}, {2, 4, 3}, {0}, "k", 1};
		MrFitSpec	spec;
		MrFitHooks	hooks = {NULL, seen_notice, NULL, NULL, &seen};
		MrRowSource src = {series_next, &s};
		MrModel    *sm = NULL;

		memset(&spec, 0, sizeof(spec));
		mr_options_parse(&spec.options, NULL, NULL, &ar.allocator, &err);
		spec.options.step = 60;
		spec.options.maxlen = 4;
		spec.options.epochs = 2;
		spec.options.n_layers = 1;
		spec.options.hidden[0] = 4;
		spec.options.hidden[1] = 0;
		spec.source = MR_SOURCE_SEQ;
		spec.relation = "stays";
		spec.input_column = "vitals";
		spec.threads = 1;
		memset(&seen, 0, sizeof(seen));
		MR_CHECK(mr_fit(&spec, &src, &hooks, &ar.allocator, &img2, &len2, &err) == MR_OK &&
				 mr_model_decode(img2, len2, &ar.allocator, &sm, &err) == MR_OK &&
				 sm->input_kind == MR_INPUT_SERIES && sm->n_vars == 2 && sm->cfg.n_features == 6 &&
				 sm->rows_used == 40 && sm->series_origin == MR_ORIGIN_ZERO,
				 "measurement sequences, empty ones among them, make a measurement model of the two variables with values");
		s.pos = 0;
		s.token_at = 12;
		MR_CHECK(mr_fit(&spec, &src, &hooks, &ar.allocator, &img2, &len2, &err) == MR_EMISMATCH &&
				 strcmp(err.message, "column \"vitals\" holds both token and measurement sequences") == 0,
				 "a token sequence among them: MR_EMISMATCH (%s)", err.message);
	}
	mr_arena_free(&ar);
	free(t);
}
