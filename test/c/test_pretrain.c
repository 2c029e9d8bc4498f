/*
 * test_pretrain.c
 *	  Pretraining a language model and fine-tuning from it, without a
 *	  server: the language model learns a predictable sequence, its image
 *	  round-trips, a fine-tuned model starts from its weights (gradual
 *	  unfreezing leaves the frozen layers exactly as pretrained), records
 *	  its lineage, and the options either one cannot use are refused.
 *	  Hostile images of both kinds are refused and leak nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_edit.h"
#include "mr_fit.h"
#include "mr_json.h"
#include "mr_model.h"
#include "mr_test.h"

#define N_ROWS 240

static const char *const cycle[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
"golf", "hotel", "india"};
#define CYCLE 9

/* Rows that walk the cycle of words from a row's own start */
typedef struct CycleRows
{
	char		text[N_ROWS][96];
	const char *label[N_ROWS];
	int			n;
	int			pos;
	int			with_labels;
	const char *extra;			/* a word appended to every row, or NULL */
} CycleRows;

static void
cycle_rows_init(CycleRows *c, int n, int with_labels, const char *extra, int single)
{
	memset(c, 0, sizeof(*c));
	c->n = n;
	c->with_labels = with_labels;
	for (int i = 0; i < n; i++)
	{
		int			start = (i * 7) % CYCLE,
					len = single ? 1 : 4 + i % 5;
		size_t		off = 0;

		for (int k = 0; k < len; k++)
			off += (size_t) snprintf(c->text[i] + off, sizeof(c->text[i]) - off, "%s%s",
									 k ? " " : "", cycle[(start + k) % CYCLE]);
		if (extra)
			snprintf(c->text[i] + off, sizeof(c->text[i]) - off, " %s", extra);
		c->label[i] = start < 4 ? "early" : "late";
	}
}

static void
cycle_next(MrRow *row, void *state)
{
	CycleRows  *c = state;
	int			i = c->pos++;

	if (i >= c->n)
	{
		row->kind = MR_ROW_END;
		return;
	}
	row->kind = MR_ROW_TEXT;
	row->text = c->text[i];
	row->len = strlen(c->text[i]);
	if (c->with_labels)
	{
		row->label = c->label[i];
		row->label_len = strlen(c->label[i]);
	}
}

typedef struct Notices
{
	int			n;
	char		unknown[1024];	/* the NOTICE about words the base does not know */
} Notices;

static void
on_notice(int level, const MrError *msg, void *state)
{
	Notices    *s = state;

	s->n++;
	if (strstr(msg->message, "not in the base model's vocabulary"))
		snprintf(s->unknown, sizeof(s->unknown), "%s", msg->message);
}

/* Fit with options; task and base as given.  The image goes to *img. */
static MrStatus
fit(MrArena *ar, CycleRows *c, int task, const MrModel *base, const char *options,
	Notices *seen, uint8_t **img, size_t *len, MrError *err)
{
	MrFitSpec	spec;
	MrFitHooks	hooks = {NULL, on_notice, NULL, NULL, seen};
	MrJson	   *json;
	MrRowSource src = {cycle_next, c};

	memset(&spec, 0, sizeof(spec));
	memset(seen, 0, sizeof(*seen));
	memset(err, 0, sizeof(*err));
	c->pos = 0;
	if (mr_json_parse(options, strlen(options), &ar->allocator, &json, err) != MR_OK ||
		mr_options_parse(&spec.options, json, NULL, &ar->allocator, err) != MR_OK)
		return MR_EDIMS;
	spec.source = MR_SOURCE_TEXT;
	spec.relation = "notes";
	spec.input_column = "note";
	spec.label_column = "dx";
	spec.task = task;
	spec.threads = 1;
	spec.created_at = 1700000000.0;
	spec.base = base;
	for (int i = 0; i < MR_FINGERPRINT_BYTES; i++)
		spec.base_fingerprint[i] = (uint8_t) (i * 11 + 3);
	return mr_fit(&spec, &src, &hooks, &ar->allocator, img, len, err);
}

static int
same_floats(const float *a, const float *b, size_t n)
{
	return memcmp(a, b, sizeof(float) * n) == 0;
}

/* Layer l's weights of two networks of one shape are identical */
static int
same_layer(const MrNet *a, const MrNet *b, int l)
{
	size_t		I = mr_net_layer_input(&a->cfg, l),
				H = a->cfg.hidden[l];

	return same_floats(a->layer[l][0].Wx, b->layer[l][0].Wx, I * 4 * H) &&
		same_floats(a->layer[l][0].Wh, b->layer[l][0].Wh, H * 4 * H) &&
		same_floats(a->layer[l][0].b, b->layer[l][0].b, 4 * H);
}

/* Euclidean distance of two embeddings */
static double
emb_distance(const MrNet *a, const MrNet *b)
{
	double		d = 0.0;
	size_t		n = (size_t) a->cfg.vocab_size * a->cfg.embed_dim;

	for (size_t i = 0; i < n; i++)
		d += ((double) a->emb[i] - b->emb[i]) * ((double) a->emb[i] - b->emb[i]);
	return sqrt(d);
}

/* Hostile edits of a language model's and a fine-tuned model's images */
static void
hostile_images(const uint8_t *lm, size_t lm_len, const uint8_t *ft, size_t ft_len)
{
	size_t		task = img_find_section(lm, lm_len, "TASK"),
				labl = img_find_section(lm, lm_len, "LABL"),
				line = img_find_section(ft, ft_len, "LINE");
	uint8_t		four[2] = {4, 0},
				zero8[8] = {0},
				classes[4];
	uint32_t	bogus_task = 5;

	MR_CHECK(task > 0 && labl > 0 && line > 0, "the images have TASK, LABL and LINE sections");
	if (!task || !labl || !line)
		return;
	img_expect_patch_refused(lm, lm_len, 4, four, 2, MR_ECORRUPT,
							 "a language model that says format version 4");
	img_expect_patch_refused(lm, lm_len, task, &bogus_task, 4, MR_ECORRUPT,
							 "task 5, which no release knows");
	/* LABL: count, then the first output's length (must be 0), ...: make it 1 */
	{
		uint8_t    *c = malloc(lm_len);
		uint32_t	first_len = img_get32(lm + labl + 4);
		uint32_t	second_len = img_get32(lm + labl + 8);

		MR_CHECK(first_len == 0 && second_len > 0, "a language model's first output is the empty name");
		memcpy(c, lm, lm_len);
		c[labl + 8 + 4] ^= 0x20;	/* the second output's first byte: no longer its token */
		img_expect_refused(c, lm_len, MR_ECORRUPT, "a language model whose outputs are not its tokens");
		free(c);
	}
	/* CONF: K (field 21) above V (field 5) */
	{
		size_t		conf = img_find_section(lm, lm_len, "CONF");

		img_put32(classes, img_get32(lm + conf + 4 * 4) + 1);
		img_expect_patch_refused(lm, lm_len, conf + 20 * 4, classes, 4, MR_EDIMS,
								 "a language model with more outputs than tokens");
		img_put32(classes, 1);
		img_expect_patch_refused(lm, lm_len, conf + 18 * 4, classes, 4, MR_EDIMS,
								 "a bidirectional language model");
	}
	img_expect_patch_refused(ft, ft_len, line + MR_FINGERPRINT_BYTES, zero8, 8, MR_ECORRUPT,
							 "a lineage whose base was trained on no rows");
	img_expect_resize_refused(ft, ft_len, "LINE", 1, MR_ECORRUPT, "a lineage one byte long");
	img_expect_resize_refused(ft, ft_len, "LINE", -8, MR_ECORRUPT, "a lineage eight bytes short");
	img_expect_patch_refused(ft, ft_len, 4, four, 2, MR_ECORRUPT,
							 "a lineage in an image that says format version 4");
}

void
test_pretrain(void)
{
	MrArena		ar;
	CycleRows  *c = malloc(sizeof(CycleRows));
	Notices		seen;
	MrError		err;
	uint8_t    *lm_img = NULL,
			   *img = NULL,
			   *img2 = NULL;
	size_t		lm_len = 0,
				len = 0,
				len2 = 0;
	MrModel    *lm = NULL,
			   *ft = NULL,
			   *ft2 = NULL;
	const char *lm_opts = "{\"epochs\": 12, \"hidden\": [16, 8], \"embed_dim\": 8, \"maxlen\": 12, "
		"\"validation_split\": 0.2, \"seed\": 3, \"learning_rate\": 0.01}";

	mr_arena_init(&ar, &mr_malloc_allocator);

	/* pretraining */
	cycle_rows_init(c, N_ROWS, 0, NULL, 0);
	MR_CHECK(fit(&ar, c, MR_TASK_LANGUAGE_MODEL, NULL, lm_opts, &seen, &lm_img, &lm_len, &err) == MR_OK &&
			 mr_model_decode(lm_img, lm_len, &ar.allocator, &lm, &err) == MR_OK,
			 "pretrain a language model on rows without labels and decode it (%s %s)",
			 err.message, err.detail);
	if (!lm)
		goto out;
	MR_CHECK(lm->version == 5 && lm->task == MR_TASK_LANGUAGE_MODEL &&
			 lm->cfg.head == MR_HEAD_NEXT_TOKEN && lm->cfg.mask == 1 &&
			 lm->cfg.vocab_size == CYCLE + 1 && lm->cfg.n_classes == CYCLE + 1 &&
			 lm->rows_used == N_ROWS && lm->val_rows == 48,
			 "a format-5 language model over the 9 words, every word an output, 48 rows held out");
	{
		int			ok = lm->label_len[0] == 0;

		for (int k = 1; k < lm->cfg.n_classes; k++)
			ok &= lm->label_len[k] == lm->token_len[k - 1] &&
				memcmp(lm->labels[k], lm->tokens[k - 1], lm->label_len[k]) == 0;
		MR_CHECK(ok, "its outputs are \"\" (rarer tokens) and then its tokens in id order");
	}
	{
		const MrEpochLog *first = &lm->epochs[0],
				   *last = &lm->epochs[lm->n_epochs - 1];

		/* every next word is determined by the word before it */
		MR_CHECK(last->val_loss < first->val_loss && last->val_accuracy > 0.95 &&
				 exp(last->val_loss) < 2.0,
				 "it learns the cycle: held-out next-word accuracy %.3f, perplexity %.3f (epoch 1: %.3f)",
				 last->val_accuracy, exp(last->val_loss), exp(first->val_loss));
	}
	MR_CHECK(fit(&ar, c, MR_TASK_LANGUAGE_MODEL, NULL, lm_opts, &seen, &img2, &len2, &err) == MR_OK &&
			 len2 == lm_len && memcmp(img2, lm_img, lm->fingerprint_len) == 0,
			 "the same rows and seed give the same language model, byte for byte before its timings");
	{
		MrModel    *small = NULL;

		MR_CHECK(fit(&ar, c, MR_TASK_LANGUAGE_MODEL, NULL,
					 "{\"epochs\": 1, \"hidden\": 4, \"embed_dim\": 4, \"output_words\": 4}",
					 &seen, &img2, &len2, &err) == MR_OK &&
				 mr_model_decode(img2, len2, &ar.allocator, &small, &err) == MR_OK &&
				 small->cfg.n_classes == 4 && small->cfg.vocab_size == CYCLE + 1,
				 "output_words 4: three words and one output for the rarer six");
	}

	/* fine-tuning */
	cycle_rows_init(c, N_ROWS, 1, NULL, 0);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm,
				 "{\"epochs\": 1, \"unfreeze\": \"gradual\", \"seed\": 4, \"pooling\": \"mean\"}",
				 &seen, &img, &len, &err) == MR_OK &&
			 mr_model_decode(img, len, &ar.allocator, &ft, &err) == MR_OK,
			 "fine-tune a classifier from the language model (%s %s)", err.message, err.detail);
	if (!ft)
		goto out;
	{
		int			lineage = ft->has_base && ft->base_rows == N_ROWS && ft->version == 5;

		for (int i = 0; i < MR_FINGERPRINT_BYTES; i++)
			lineage &= ft->base_fingerprint[i] == (uint8_t) (i * 11 + 3);
		MR_CHECK(lineage, "the fine-tuned model records its base's fingerprint and rows (lineage)");
	}
	{
		int			same_vocab = ft->n_tokens == lm->n_tokens;

		for (int i = 0; same_vocab && i < ft->n_tokens; i++)
			same_vocab = ft->token_len[i] == lm->token_len[i] &&
				memcmp(ft->tokens[i], lm->tokens[i], ft->token_len[i]) == 0;
		MR_CHECK(same_vocab && ft->cfg.embed_dim == 8 && ft->cfg.n_layers == 2 &&
				 ft->cfg.hidden[0] == 16 && ft->cfg.hidden[1] == 8 && ft->cfg.n_classes == 2 &&
				 ft->cfg.head == MR_HEAD_SOFTMAX && ft->task == MR_TASK_CLASSIFICATION,
				 "it keeps the base's vocabulary, embedding width and layers, with a two-class head");
	}
	MR_CHECK(same_floats(ft->net.emb, lm->net.emb, (size_t) 10 * 8) && same_layer(&ft->net, &lm->net, 0) &&
			 same_layer(&ft->net, &lm->net, 1),
			 "gradual unfreezing, one epoch: only the new head trained; embedding and layers are the base's exactly");
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm,
				 "{\"epochs\": 2, \"unfreeze\": \"gradual\", \"seed\": 4, \"validation_split\": 0}",
				 &seen, &img2, &len2, &err) == MR_OK &&
			 mr_model_decode(img2, len2, &ar.allocator, &ft2, &err) == MR_OK &&
			 same_floats(ft2->net.emb, lm->net.emb, (size_t) 10 * 8) &&
			 same_layer(&ft2->net, &lm->net, 0) && !same_layer(&ft2->net, &lm->net, 1),
			 "two epochs: the top layer trained too, the bottom layer and the embedding still frozen");
	{
		MrModel    *stopped = NULL;

		/* emb, two layers, head: epochs 1-3 unfreeze, early stopping watches from epoch 4 */
		MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm,
					 "{\"epochs\": 7, \"unfreeze\": \"gradual\", \"seed\": 4, \"validation_split\": 0.3, "
					 "\"early_stopping\": 1}", &seen, &img2, &len2, &err) == MR_OK &&
				 mr_model_decode(img2, len2, &ar.allocator, &stopped, &err) == MR_OK &&
				 stopped->best_epoch >= 4 && stopped->n_epochs >= 5,
				 "with gradual unfreezing, early stopping keeps no epoch before every layer trains (kept %d of %d)",
				 stopped ? stopped->best_epoch : -1, stopped ? stopped->n_epochs : -1);
	}
	{
		MrModel    *flat = NULL,
				   *decayed = NULL;
		double		d_flat = -1,
					d_decayed = -1;

		if (fit(&ar, c, MR_TASK_CLASSIFICATION, lm, "{\"epochs\": 3, \"seed\": 4}", &seen, &img2, &len2,
				&err) == MR_OK && mr_model_decode(img2, len2, &ar.allocator, &flat, &err) == MR_OK)
			d_flat = emb_distance(&flat->net, &lm->net);
		if (fit(&ar, c, MR_TASK_CLASSIFICATION, lm, "{\"epochs\": 3, \"seed\": 4, \"lr_decay\": 10}",
				&seen, &img2, &len2, &err) == MR_OK &&
			mr_model_decode(img2, len2, &ar.allocator, &decayed, &err) == MR_OK)
			d_decayed = emb_distance(&decayed->net, &lm->net);
		MR_CHECK(d_flat > 0 && d_decayed > 0 && d_decayed < d_flat / 3,
				 "lr_decay 10: the embedding, three groups below the head, moves far less (%.4g vs %.4g)",
				 d_decayed, d_flat);
	}
	cycle_rows_init(c, N_ROWS, 1, "zebra", 0);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm, "{\"epochs\": 1}", &seen, &img2, &len2, &err) == MR_OK &&
			 strcmp(seen.unknown, "240 tokens of the training rows are not in the base model's vocabulary; they are left out") == 0,
			 "words the base does not know are left out, and a NOTICE says how many (%s)", seen.unknown);

	/* refused */
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm, "{\"embed_dim\": 32}", &seen, &img2, &len2, &err) == MR_EINVAL &&
			 strcmp(err.message, "option \"embed_dim\" contradicts the base model") == 0 &&
			 strcmp(err.detail, "It is 32 here and 8 in the base model.") == 0,
			 "an embedding width other than the base's: %s", err.detail);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm, "{\"hidden\": [16, 4]}", &seen, &img2, &len2, &err) == MR_EINVAL &&
			 strcmp(err.detail, "It is 16, 4 here and 16, 8 in the base model.") == 0,
			 "other layers than the base's: %s", err.detail);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm, "{\"tokenizer\": \"char\"}", &seen, &img2, &len2, &err) == MR_EINVAL,
			 "another tokenizer: %s", err.message);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, lm, "{\"bidirectional\": true}", &seen, &img2, &len2, &err) == MR_EINVAL,
			 "a bidirectional model from a left-to-right base: %s", err.message);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, ft, "{}", &seen, &img2, &len2, &err) == MR_EINVAL &&
			 strcmp(err.message, "the base model is not a language model") == 0,
			 "a classifier as the base: %s", err.message);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, NULL, "{\"lr_decay\": 2.6}", &seen, &img2, &len2, &err) == MR_EINVAL &&
			 strcmp(err.message, "option \"lr_decay\" applies to fine-tuning only") == 0,
			 "lr_decay without a base: %s", err.message);
	MR_CHECK(fit(&ar, c, MR_TASK_CLASSIFICATION, NULL, "{\"output_words\": 50}", &seen, &img2, &len2, &err) == MR_EINVAL,
			 "output_words in rnn_train: %s", err.message);
	MR_CHECK(fit(&ar, c, MR_TASK_LANGUAGE_MODEL, NULL, "{\"class_weight\": \"balanced\"}", &seen, &img2, &len2, &err) == MR_EINVAL &&
			 strcmp(err.message, "option \"class_weight\" does not apply to rnn_pretrain") == 0,
			 "class weights for a language model: %s", err.message);
	MR_CHECK(fit(&ar, c, MR_TASK_LANGUAGE_MODEL, NULL, "{\"bidirectional\": true}", &seen, &img2, &len2, &err) == MR_EINVAL &&
			 strcmp(err.message, "a language model is not bidirectional") == 0,
			 "a bidirectional language model: %s", err.message);
	MR_CHECK(fit(&ar, c, MR_TASK_LANGUAGE_MODEL, NULL, "{\"mask\": false}", &seen, &img2, &len2, &err) == MR_EINVAL,
			 "an unmasked language model: %s", err.message);
	cycle_rows_init(c, 30, 0, NULL, 1);
	MR_CHECK(fit(&ar, c, MR_TASK_LANGUAGE_MODEL, NULL, "{\"epochs\": 1}", &seen, &img2, &len2, &err) == MR_EDATA &&
			 strcmp(err.message, "no tokens to predict") == 0,
			 "rows of one word each give nothing to predict: %s", err.message);

	/* round trips: a decoded model encodes to the very bytes it came from */
	{
		uint8_t    *again = NULL,
				   *again2 = NULL;
		size_t		again_len = 0,
					again2_len = 0;
		MrError		e1 = {0},
					e2 = {0};

		MR_CHECK(mr_model_encode(lm, &mr_malloc_allocator, &again, &again_len, &e1) == MR_OK &&
				 again_len == lm_len && memcmp(again, lm_img, lm_len) == 0 &&
				 mr_model_encode(ft, &mr_malloc_allocator, &again2, &again2_len, &e2) == MR_OK &&
				 again2_len == len && memcmp(again2, img, len) == 0,
				 "a language model and a fine-tuned model re-encode byte for byte (%s%s)", e1.detail, e2.detail);
		free(again);
		free(again2);
	}
	hostile_images(lm_img, lm_len, img, len);
out:
	mr_arena_free(&ar);
	free(c);
}
