/*
 * test_shard_epoch.c
 *	  Data-parallel training without a server: a starting model from
 *	  mr_fit's init_only, parts that each train an epoch on their own rows
 *	  (mr_shard_epoch), and the average of their weights by rows, as the
 *	  coordinator computes it.  The averaged model learns the rows; a part
 *	  is reproducible; rows without a usable label are counted; models it
 *	  does not train, inputs of another kind, the memory limit and every
 *	  failed allocation are refused cleanly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_fit.h"
#include "mr_json.h"
#include "mr_model.h"
#include "mr_predict.h"
#include "mr_shard_epoch.h"
#include "mr_test.h"
#include "test_alloc.h"

#define N_ROWS 180

static const char *const filler[] = {"patient", "seen", "today", "stable", "reports", "mild"};
static const char *const keyword[3][2] = {{"fever", "cough"}, {"rash", "itch"}, {"chest", "angina"}};
static const char *const classes[3] = {"resp", "derm", "cardio"};

typedef struct Rows
{
	char		text[N_ROWS][64];
	const char *label[N_ROWS];
	int			pos;
} Rows;

static void
rows_init(Rows *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < N_ROWS; i++)
	{
		snprintf(r->text[i], sizeof(r->text[i]), "%s %s %s", filler[i % 6],
				 keyword[i % 3][(i / 3) % 2], filler[(i * 5) % 6]);
		r->label[i] = classes[i % 3];
	}
}

static void
rows_next(MrRow *row, void *state)
{
	Rows	   *r = state;
	int			i = r->pos++;

	if (i >= N_ROWS)
	{
		row->kind = MR_ROW_END;
		return;
	}
	row->kind = MR_ROW_TEXT;
	row->text = r->text[i];
	row->len = strlen(r->text[i]);
	row->label = r->label[i];
	row->label_len = strlen(r->label[i]);
}

static const char *const OPTIONS =
"{\"distributed\": true, \"epochs\": 1, \"embed_dim\": 8, \"hidden\": 16, \"learning_rate\": 0.01, \"batch_size\": 16, \"seed\": 5}";

/* The starting model of data-parallel training, decoded */
static MrModel *
start_model(const MrAllocator *a, Rows *rows, MrOptions *o)
{
	MrFitSpec	spec;
	MrJson	   *json;
	MrError		err;
	uint8_t    *img;
	size_t		len;
	MrModel    *m = NULL;

	memset(&spec, 0, sizeof(spec));
	if (mr_json_parse(OPTIONS, strlen(OPTIONS), a, &json, &err) != MR_OK ||
		mr_options_parse(&spec.options, json, NULL, a, &err) != MR_OK)
		return NULL;
	*o = spec.options;
	spec.source = MR_SOURCE_TEXT;
	spec.relation = "notes";
	spec.input_column = "note";
	spec.label_column = "dx";
	spec.task = MR_TASK_CLASSIFICATION;
	spec.threads = 1;
	spec.created_at = 1700000000.0;
	spec.init_only = 1;
	rows->pos = 0;
	if (mr_fit(&spec, &(MrRowSource) {rows_next, rows}, NULL, a, &img, &len, &err) != MR_OK ||
		mr_model_decode(img, len, a, &m, &err) != MR_OK)
		return NULL;
	mr_free(a, img);
	return m;
}

/*
 * One part's epoch over the rows i with (i / 3) % parts == part: every part
 * holds every class, as the shards of a table distributed by a hash of its
 * key do (parts of one class each would each learn their own class only)
 */
static MrStatus
run_part(MrModel *m, const MrOptions *o, const MrAllocator *a, Rows *rows, int part, int parts,
		 int epoch, float *weights_out, int64_t *rows_out, MrError *err)
{
	MrShardEpoch *se;
	MrShardResult res;
	MrStatus	st;

	if ((st = mr_shard_epoch_new(m, o, 0, a, &se, err)) != MR_OK)
		return st;
	for (int i = 0; i < N_ROWS; i++)
		if ((i / 3) % parts == part && (st = mr_shard_epoch_add_text(se, rows->text[i], strlen(rows->text[i]), rows->label[i],
										  strlen(rows->label[i]), err)) != MR_OK)
			break;
	if (st == MR_OK && (st = mr_shard_epoch_run(se, epoch, 1, NULL, &res, err)) == MR_OK)
	{
		memcpy(weights_out, res.params, sizeof(float) * m->net.n_params);
		*rows_out = res.rows;
	}
	mr_shard_epoch_free(se);
	return st;
}

/* Share of the rows the model classifies right */
static double
accuracy(const MrModel *m, const MrAllocator *a, Rows *rows)
{
	MrPredictor *p;
	MrError		err;
	int			right = 0;

	if (mr_predictor_new(m, a, &p) != MR_OK)
		return -1;
	for (int i = 0; i < N_ROWS; i++)
	{
		const float *probs;
		int			best = 0;

		if (mr_predict_text(p, rows->text[i], strlen(rows->text[i]), &probs, &err) != MR_OK)
			break;
		for (int k = 1; k < m->cfg.n_classes; k++)
			if (probs[k] > probs[best])
				best = k;
		right += strncmp(m->labels[best], rows->label[i], m->label_len[best]) == 0 &&
			strlen(rows->label[i]) == m->label_len[best];
	}
	mr_predictor_free(p);
	return (double) right / N_ROWS;
}

static void
test_learns_by_averaging(void)
{
	MrArena		ar;
	Rows		rows;
	MrOptions	o;
	MrModel    *m;
	size_t		n;
	float	   *w[3],
			   *start;
	int64_t		r[3];
	double		acc0,
				acc;
	MrError		err;
	int			ok = 1;

	mr_arena_init(&ar, &mr_malloc_allocator);
	rows_init(&rows);
	m = start_model(&ar.allocator, &rows, &o);
	MR_CHECK(m != NULL, "init_only: a starting model, untrained, that decodes");
	if (!m)
		return;
	MR_CHECK(m->n_epochs == 1 && m->rows_used == N_ROWS, "it records one empty epoch and its %d rows",
			 N_ROWS);
	n = m->net.n_params;
	for (int i = 0; i < 3; i++)
		w[i] = malloc(sizeof(float) * n);
	start = malloc(sizeof(float) * n);
	memcpy(start, m->params, sizeof(float) * n);
	acc0 = accuracy(m, &ar.allocator, &rows);

	/* the same part from the same model twice: the same weights */
	ok = run_part(m, &o, &ar.allocator, &rows, 0, 3, 1, w[0], &r[0], &err) == MR_OK;
	memcpy(m->params, start, sizeof(float) * n);
	ok = ok && run_part(m, &o, &ar.allocator, &rows, 0, 3, 1, w[1], &r[1], &err) == MR_OK;
	MR_CHECK(ok && r[0] == N_ROWS / 3 && memcmp(w[0], w[1], sizeof(float) * n) == 0 &&
			 memcmp(w[0], start, sizeof(float) * n) != 0,
			 "a part's epoch is reproducible, trains its %d rows and moves the weights", N_ROWS / 3);

	/* twelve rounds of three parts, averaged by rows */
	memcpy(m->params, start, sizeof(float) * n);
	for (int e = 1; ok && e <= 12; e++)
	{
		float	   *from = malloc(sizeof(float) * n);

		memcpy(from, m->params, sizeof(float) * n);
		for (int p = 0; ok && p < 3; p++)
		{
			memcpy(m->params, from, sizeof(float) * n);
			ok = run_part(m, &o, &ar.allocator, &rows, p, 3, e, w[p], &r[p], &err) == MR_OK;
		}
		for (size_t j = 0; ok && j < n; j++)
			m->params[j] = (float) (((double) r[0] * w[0][j] + (double) r[1] * w[1][j] +
									 (double) r[2] * w[2][j]) / (double) (r[0] + r[1] + r[2]));
		free(from);
	}
	acc = accuracy(m, &ar.allocator, &rows);
	MR_CHECK(ok && acc0 < 0.6 && acc > 0.95,
			 "twelve rounds of three parts averaged by rows learn the rows: accuracy %.3f -> %.3f",
			 acc0, acc);
	for (int i = 0; i < 3; i++)
		free(w[i]);
	free(start);
	mr_arena_free(&ar);
}

static void
test_rows_and_refusals(void)
{
	MrArena		ar;
	Rows		rows;
	MrOptions	o;
	MrModel    *m;
	MrShardEpoch *se;
	MrShardResult res;
	MrError		err;
	const char *tok[1] = {"fever"};
	size_t		tok_len[1] = {5};
	int			task;

	mr_arena_init(&ar, &mr_malloc_allocator);
	rows_init(&rows);
	m = start_model(&ar.allocator, &rows, &o);
	if (!m)
		return;
	MR_CHECK(mr_shard_epoch_new(m, &o, 0, &ar.allocator, &se, &err) == MR_OK, "a part for a classifier");
	mr_shard_epoch_add_text(se, "fever", 5, "resp", 4, &err);
	mr_shard_epoch_add_text(se, "fever", 5, "oncology", 8, &err);	/* a label it does not know */
	mr_shard_epoch_add_text(se, "fever", 5, NULL, 0, &err);
	mr_shard_epoch_skip(se);
	MR_CHECK(mr_shard_epoch_add_tokens(se, tok, tok_len, 1, "resp", 4, &err) == MR_EMISMATCH &&
			 strstr(err.message, "text") != NULL,
			 "a text model refuses tokens: %s", err.message);
	MR_CHECK(mr_shard_epoch_run(se, 1, 1, NULL, &res, &err) == MR_OK && res.rows == 1 &&
			 res.skipped == 3 && isfinite(res.loss_sum),
			 "one row trained, three skipped and counted (an unknown label, no label, no input)");
	mr_shard_epoch_free(se);

	MR_CHECK(mr_shard_epoch_new(m, &o, 0, &ar.allocator, &se, &err) == MR_OK &&
			 mr_shard_epoch_run(se, 1, 1, NULL, &res, &err) == MR_OK && res.rows == 0 &&
			 res.params == m->params, "a part without rows keeps the model's weights");
	mr_shard_epoch_free(se);

	MR_CHECK(mr_shard_epoch_new(m, &o, 4096, &ar.allocator, &se, &err) == MR_OK, "a part with a small memory limit");
	{
		MrStatus	st = MR_OK;

		for (int i = 0; i < N_ROWS && st == MR_OK; i++)
			st = mr_shard_epoch_add_text(se, rows.text[i], strlen(rows.text[i]), rows.label[i],
										 strlen(rows.label[i]), &err);
		if (st == MR_OK)
			st = mr_shard_epoch_run(se, 1, 1, NULL, &res, &err);
		MR_CHECK(st == MR_ELIMIT && strstr(err.message, "medrnn.train_memory_limit") != NULL,
				 "past the memory limit: MR_ELIMIT (%s)", err.message);
	}
	mr_shard_epoch_free(se);

	task = m->task;
	m->task = MR_TASK_MULTILABEL;
	MR_CHECK(mr_shard_epoch_new(m, &o, 0, &ar.allocator, &se, &err) == MR_EINVAL && se == NULL,
			 "a multi-label model is refused: %s", err.message);
	m->task = task;
	m->smiles_variants = 4;
	MR_CHECK(mr_shard_epoch_new(m, &o, 0, &ar.allocator, &se, &err) == MR_EINVAL,
			 "a model with SMILES variants is refused: %s", err.message);
	m->smiles_variants = 0;
	mr_arena_free(&ar);
}

static void
test_out_of_memory(void)
{
	MrArena		ar;
	Rows		rows;
	MrOptions	o;
	MrModel    *m;
	int			clean = 1,
				failures = 0;
	long		k;

	mr_arena_init(&ar, &mr_malloc_allocator);
	rows_init(&rows);
	m = start_model(&ar.allocator, &rows, &o);
	if (!m)
		return;
	for (k = 0; k < 2000; k++)
	{
		TestAlloc	t;
		MrAllocator a = test_allocator(&t, k);
		MrShardEpoch *se = NULL;
		MrShardResult res;
		MrError		err;
		MrStatus	st;

		st = mr_shard_epoch_new(m, &o, 0, &a, &se, &err);
		for (int i = 0; st == MR_OK && i < 40; i++)
			st = mr_shard_epoch_add_text(se, rows.text[i], strlen(rows.text[i]), rows.label[i],
										 strlen(rows.label[i]), &err);
		if (st == MR_OK)
			st = mr_shard_epoch_run(se, 1, 1, NULL, &res, &err);
		mr_shard_epoch_free(se);
		if (st != MR_OK)
		{
			failures++;
			clean = clean && st == MR_ENOMEM && t.live == 0;
		}
		else
		{
			clean = clean && t.live == 0;
			break;
		}
	}
	MR_CHECK(clean && failures > 5 && k < 2000,
			 "each of the first %d allocations failing gives MR_ENOMEM and leaves nothing allocated",
			 failures);
	mr_arena_free(&ar);
}

void
test_shard_epoch(void)
{
	test_learns_by_averaging();
	test_rows_and_refusals();
	test_out_of_memory();
}
