/*
 * test_model.c
 *	  The model format: encode -> decode round trip, and rejection of every
 *	  truncation, bit flips, extension, a newer version, a foreign value,
 *	  and crafted images whose checksum is right but whose contents lie.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_model.h"
#include "mr_series.h"
#include "mr_test.h"
#include "mr_tokenize.h"

typedef struct Built
{
	MrModel		m;
	float	   *params;
	const char *tokens[5];
	uint32_t	token_len[5];
	const char *labels[2];
	uint32_t	label_len[2];
	MrEpochLog	epochs[2];
} Built;

/* A small text model with made-up but valid contents */
static void
build_model(Built *b)
{
	static const char *toks[5] = {"fever", "cough", "na\xc3\xafve", "x", "pain"};
	static const char *labs[2] = {"0", "1"};
	MrRng		rng;
	size_t		n;

	memset(b, 0, sizeof(*b));
	b->m.input_kind = MR_INPUT_TEXT;
	b->m.tokenizer = MR_TOKENIZER_WORD;
	b->m.lowercase = 1;
	b->m.truncating = MR_PAD_PRE;
	b->m.positive_class = 1;
	b->m.cfg = (MrNetConfig) {.vocab_size = 6, .embed_dim = 3, .maxlen = 7, .n_layers = 2,
	.hidden = {4, 2}, .bidirectional = 1, .pooling = MR_POOL_MEAN, .n_classes = 2};
	mr_net_param_count(&b->m.cfg, &n);
	b->params = malloc(sizeof(float) * n);
	mr_net_bind(&b->m.net, &b->m.cfg, b->params, n);
	mr_rng_seed(&rng, 1);
	mr_net_init(&b->m.net, &rng, &mr_malloc_allocator);
	for (int i = 0; i < 5; i++)
	{
		b->tokens[i] = toks[i];
		b->token_len[i] = (uint32_t) strlen(toks[i]);
	}
	for (int i = 0; i < 2; i++)
	{
		b->labels[i] = labs[i];
		b->label_len[i] = 1;
	}
	b->m.n_tokens = 5;
	b->m.tokens = b->tokens;
	b->m.token_len = b->token_len;
	b->m.labels = b->labels;
	b->m.label_len = b->label_len;
	b->m.options_json = "{\"epochs\": 2}";
	b->m.options_len = (uint32_t) strlen(b->m.options_json);
	b->m.rows_used = 10;
	b->m.rows_skipped = 2;
	b->m.train_rows = 8;
	b->m.val_rows = 2;
	b->m.n_epochs = 2;
	b->m.best_epoch = 2;
	b->epochs[0] = (MrEpochLog) {1, 0.7, 0.5, 0.69, 0.5, 0.01, 8};
	b->epochs[1] = (MrEpochLog) {2, 0.5, 0.75, NAN, NAN, 0.02, 8};
	b->m.epochs = b->epochs;
	b->m.train_seconds = 0.05;
	b->m.created_at = 1.7e9;
}

/* Fix the checksum after editing an image, so deeper checks are reached */
static void
recrc(uint8_t *buf, size_t len)
{
	uint32_t	c = mr_crc32c(buf, len - 4);

	for (int i = 0; i < 4; i++)
		buf[len - 4 + i] = (uint8_t) (c >> (8 * i));
}

/* Offset of a section's payload in an image (the tag's offset + 8) */
static size_t
find_section(const uint8_t *buf, size_t len, const char *tag)
{
	size_t		p = MR_MODEL_HEADER_BYTES;

	while (p + 8 <= len - 4)
	{
		uint32_t	slen = buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | ((uint32_t) buf[p + 7] << 24);

		if (memcmp(buf + p, tag, 4) == 0)
			return p + 8;
		p += 8 + slen;
	}
	return 0;
}

static MrStatus
decode(const uint8_t *buf, size_t len, MrError *err)
{
	MrModel    *m = NULL;
	MrStatus	st = mr_model_decode(buf, len, &mr_malloc_allocator, &m, err);

	if (st == MR_OK)
		mr_model_free(m, &mr_malloc_allocator);
	return st;
}

/* Edit a copy of the image, fix its checksum, expect rejection */
static void
expect_rejected(const uint8_t *img, size_t len, size_t off, const void *bytes, size_t n,
				MrStatus want, const char *what)
{
	uint8_t    *c = malloc(len);
	MrError		err = {0};
	MrStatus	st;

	memcpy(c, img, len);
	memcpy(c + off, bytes, n);
	recrc(c, len);
	st = decode(c, len, &err);
	MR_CHECK(st == want, "crafted image rejected: %s (%s: %s)", what, mr_status_text(st), err.detail);
	free(c);
}

/* A measurement model: round trip, and its SERI section's checks */
static void
check_series_model(void)
{
	MrModel		m;
	static const char *names[2] = {"HR", "SysABP"};
	uint32_t	name_len[2] = {2, 6};
	float		mean[2] = {80.0f, 120.0f},
				scale[2] = {12.0f, 20.0f};
	static const char *labs[2] = {"0", "1"};
	uint32_t	lab_len[2] = {1, 1};
	MrEpochLog	ep = {1, 0.5, 0.7, NAN, NAN, 0.1, 10};
	size_t		n;
	float	   *params;
	uint8_t    *img;
	size_t		len;
	MrError		err;
	MrModel    *d = NULL;
	MrRng		rng;

	memset(&m, 0, sizeof(m));
	m.input_kind = MR_INPUT_SERIES;
	m.truncating = MR_PAD_PRE;
	m.positive_class = 1;
	m.cfg = (MrNetConfig) {.n_features = 6, .maxlen = 48, .n_layers = 1, .hidden = {4},
	.pooling = MR_POOL_LAST, .n_classes = 2};
	mr_net_param_count(&m.cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&m.net, &m.cfg, params, n);
	mr_rng_seed(&rng, 2);
	mr_net_init(&m.net, &rng, &mr_malloc_allocator);
	m.labels = labs;
	m.label_len = lab_len;
	m.series_time_kind = MR_SERIES_TIME_NUMBER;
	m.series_origin = MR_ORIGIN_ZERO;
	m.series_step = 60.0;
	m.n_vars = 2;
	m.var_names = names;
	m.var_name_len = name_len;
	m.var_mean = mean;
	m.var_scale = scale;
	m.options_json = "{}";
	m.options_len = 2;
	m.rows_used = m.train_rows = 10;
	m.n_epochs = 1;
	m.best_epoch = 1;
	m.epochs = &ep;
	MR_CHECK(mr_model_encode(&m, &mr_malloc_allocator, &img, &len, &err) == MR_OK &&
			 mr_model_decode(img, len, &mr_malloc_allocator, &d, &err) == MR_OK &&
			 d->input_kind == MR_INPUT_SERIES && d->n_vars == 2 && d->series_step == 60.0 &&
			 d->var_scale[1] == 20.0f && mr_vocab_lookup(d->var_index, "SysABP", 6) == 1 &&
			 d->vocab == NULL,
			 "a measurement model round-trips with its variables and statistics");
	mr_model_free(d, &mr_malloc_allocator);
	{
		/* the encoder refuses what the decoder would: never a model that cannot load */
		MrModel		bad = m;
		uint8_t    *img2 = NULL;
		size_t		len2 = 0;
		int			refused = 1;

		bad.best_epoch = 0;			/* every epoch's validation loss NaN, say */
		refused &= mr_model_encode(&bad, &mr_malloc_allocator, &img2, &len2, &err) == MR_EINVAL;
		bad = m;
		bad.val_rows = 3;			/* 10 used, 10 trained, 3 validated */
		refused &= mr_model_encode(&bad, &mr_malloc_allocator, &img2, &len2, &err) == MR_EINVAL;
		MR_CHECK(refused && img2 == NULL, "the encoder refuses a history the decoder would reject");
	}
	{
		size_t		seri = find_section(img, len, "SERI");
		uint8_t		nine[4] = {9, 0, 0, 0};
		uint8_t		zero[4] = {0, 0, 0, 0};
		uint8_t		neg64[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0xbf};

		expect_rejected(img, len, seri, nine, 4, MR_ECORRUPT, "an unknown time kind");
		expect_rejected(img, len, seri + 8, neg64, 8, MR_ENONFINITE, "a negative bin width");
		/* the last scale (SysABP) set to zero */
		expect_rejected(img, len, seri + 16 + 4 + 2 + 4 + 6 + 8 + 4, zero, 4, MR_ENONFINITE, "a zero scale");
		expect_rejected(img, len, seri - 8, "ZZZZ", 4, MR_ECORRUPT, "a measurement model without its SERI section");
	}
	free(img);
	free(params);
}

/* A masked model: version 3, CONF's 23rd field, and its checks */
static void
check_masked_model(void)
{
	Built		b;
	uint8_t    *img = NULL;
	size_t		len = 0,
				conf;
	MrError		err = {0};
	MrModel    *d = NULL;

	build_model(&b);
	b.m.cfg.padding = MR_PAD_POST;
	b.m.cfg.mask = 1;
	MR_CHECK(mr_model_encode(&b.m, &mr_malloc_allocator, &img, &len, &err) == MR_OK &&
			 mr_model_decode(img, len, &mr_malloc_allocator, &d, &err) == MR_OK &&
			 d->cfg.mask == 1 && d->cfg.padding == MR_PAD_POST,
			 "a masked model round-trips its mask%s%s", err.detail[0] ? ": " : "", err.detail);
	MR_CHECK(img && img[4] == 3 && img[5] == 0 && d && d->version == 3,
			 "its image has format version 3, which introduced the mask");
	mr_model_free(d, &mr_malloc_allocator);
	free(b.params);
	if (!img)
		return;
	conf = find_section(img, len, "CONF");
	MR_CHECK((img[conf - 4] | (img[conf - 3] << 8)) == 23 * 4 && img[conf - 2] == 0 && img[conf - 1] == 0,
			 "its CONF has 23 fields");
	{
		uint8_t		v2[2] = {2, 0},
					zero[4] = {0, 0, 0, 0},
					two[4] = {2, 0, 0, 0};

		expect_rejected(img, len, 4, v2, 2, MR_ECORRUPT, "a 23-field CONF in a version-2 image");
		expect_rejected(img, len, conf + 22 * 4, zero, 4, MR_ECORRUPT, "a written mask flag of 0");
		expect_rejected(img, len, conf + 22 * 4, two, 4, MR_ECORRUPT, "a mask flag of 2");
		expect_rejected(img, len, conf + 8 * 4, zero, 4, MR_EDIMS, "a masked network with pre padding");
	}
	free(img);
}

/* A model with SMILES variants: round trip, and SMIV's checks */
static void
check_smiles_variants_model(void)
{
	Built		b;
	uint8_t    *img = NULL,
			   *img2 = NULL;
	size_t		len = 0,
				len2 = 0;
	MrError		err = {0};
	MrModel    *d = NULL;
	MrModel		bad;

	build_model(&b);
	b.m.tokenizer = MR_TOKENIZER_SMILES;
	b.m.lowercase = 0;
	b.m.smiles_variants = 10;
	b.m.rows_not_rewritten = 3;
	MR_CHECK(mr_model_encode(&b.m, &mr_malloc_allocator, &img, &len, &err) == MR_OK &&
			 mr_model_decode(img, len, &mr_malloc_allocator, &d, &err) == MR_OK &&
			 d->smiles_variants == 10 && d->rows_not_rewritten == 3,
			 "a model with SMILES variants round-trips them%s%s", err.detail[0] ? ": " : "", err.detail);
	MR_CHECK(img[4] == 2 && img[5] == 0 && d && d->version == 2,
			 "its image has format version 2, which introduced SMIV");
	mr_model_free(d, &mr_malloc_allocator);
	{
		uint8_t		v1[2] = {1, 0};

		expect_rejected(img, len, 4, v1, 2, MR_ECORRUPT, "SMIV in an image of format version 1");
	}

	bad = b.m;
	bad.smiles_variants = 0;
	MR_CHECK(mr_model_encode(&bad, &mr_malloc_allocator, &img2, &len2, &err) == MR_OK &&
			 img2[4] == 2 && mr_model_decode(img2, len2, &mr_malloc_allocator, &d, &err) == MR_OK,
			 "a model of the smiles tokenizer alone has format version 2 too");
	mr_model_free(d, &mr_malloc_allocator);
	d = NULL;
	if (img2)
	{
		uint8_t		v1[2] = {1, 0};

		expect_rejected(img2, len2, 4, v1, 2, MR_ECORRUPT, "the smiles tokenizer in a version-1 image");
	}
	free(img2);
	img2 = NULL;
	bad = b.m;
	bad.tokenizer = MR_TOKENIZER_WORD;
	MR_CHECK(mr_model_encode(&bad, &mr_malloc_allocator, &img2, &len2, &err) == MR_EINVAL && img2 == NULL,
			 "the encoder refuses SMILES variants with the word tokenizer");
	bad = b.m;
	bad.smiles_variants = 1;
	MR_CHECK(mr_model_encode(&bad, &mr_malloc_allocator, &img2, &len2, &err) == MR_EINVAL && img2 == NULL,
			 "and a variant count of 1 (0 means none)");
	{
		size_t		smiv = find_section(img, len, "SMIV");
		uint8_t		one[4] = {1, 0, 0, 0};
		uint8_t		many[4] = {101, 0, 0, 0};
		uint8_t		more_rows[8] = {11, 0, 0, 0, 0, 0, 0, 0};	/* 10 rows were used */
		size_t		conf = find_section(img, len, "CONF");
		uint8_t		word[4] = {MR_TOKENIZER_WORD, 0, 0, 0};

		expect_rejected(img, len, smiv, one, 4, MR_EDIMS, "one SMILES variant");
		expect_rejected(img, len, smiv, many, 4, MR_EDIMS, "101 SMILES variants");
		expect_rejected(img, len, smiv + 4, more_rows, 8, MR_ECORRUPT, "more rows not rewritten than used");
		expect_rejected(img, len, conf + 4, word, 4, MR_ECORRUPT, "SMILES variants on a word model");
	}
	free(img);
	free(b.params);
}

void
test_model(void)
{
	Built		b;
	uint8_t    *img;
	size_t		len;
	MrError		err = {0};
	MrModel    *d = NULL;

	build_model(&b);
	len = 0;
	{
		MrStatus	st = mr_model_encode(&b.m, &mr_malloc_allocator, &img, &len, &err);

		MR_CHECK(st == MR_OK, "encode a bidirectional two-layer model (%zu bytes)", len);
	}
	MR_CHECK(memcmp(img, "MRNN", 4) == 0 && img[4] == 1 && img[5] == 0,
			 "image starts with the magic and a little-endian version: 1, the oldest that has its sections");
	MR_CHECK(mr_model_decode(img, len, &mr_malloc_allocator, &d, &err) == MR_OK,
			 "decode what was encoded (%s)", err.detail);
	if (!d)
		return;
	MR_CHECK(memcmp(&d->cfg, &b.m.cfg, sizeof(MrNetConfig)) == 0 &&
			 d->input_kind == MR_INPUT_TEXT && d->tokenizer == MR_TOKENIZER_WORD &&
			 d->lowercase == 1 && d->positive_class == 1,
			 "round trip keeps the configuration");
	MR_CHECK(d->net.n_params == b.m.net.n_params &&
			 memcmp(d->params, b.params, sizeof(float) * d->net.n_params) == 0,
			 "round trip keeps every weight bit for bit");
	MR_CHECK(d->n_tokens == 5 && d->token_len[2] == 6 && memcmp(d->tokens[2], "na\xc3\xafve", 6) == 0 &&
			 mr_vocab_lookup(d->vocab, "pain", 4) == 4 && mr_vocab_lookup(d->vocab, "absent", 6) == -1,
			 "round trip keeps the vocabulary in rank order, with lookups");
	MR_CHECK(mr_vocab_lookup(d->label_index, "1", 1) == 1 && d->label_len[0] == 1,
			 "round trip keeps the labels");
	MR_CHECK(d->n_epochs == 2 && d->epochs[0].loss == 0.7 && isnan(d->epochs[1].val_loss) &&
			 d->epochs[1].seconds == 0.02 && d->rows_skipped == 2 && d->val_rows == 2 &&
			 d->options_len == b.m.options_len &&
			 memcmp(d->options_json, b.m.options_json, d->options_len) == 0,
			 "round trip keeps the options and training history");
	MR_CHECK(d->fingerprint_len > 0 && d->fingerprint_len < len &&
			 memcmp(img + d->fingerprint_len, "TIME", 4) == 0,
			 "the fingerprint covers everything before the TIME section");
	mr_model_free(d, &mr_malloc_allocator);

	/* every truncation */
	{
		int			ok = 1;

		for (size_t cut = 0; cut < len; cut++)
		{
			MrStatus	st = decode(img, cut, &err);

			if (st == MR_OK)
			{
				mr_diag("truncation to %zu bytes was accepted", cut);
				ok = 0;
			}
		}
		MR_CHECK(ok, "every one of the %zu truncations is rejected", len);
	}
	/* every single-bit flip (the checksum catches them all) */
	{
		int			ok = 1;
		uint8_t    *c = malloc(len);

		for (size_t i = 0; i < len; i++)
			for (int bit = 0; bit < 8; bit++)
			{
				memcpy(c, img, len);
				c[i] ^= (uint8_t) (1 << bit);
				if (decode(c, len, &err) == MR_OK)
					ok = 0;
			}
		MR_CHECK(ok, "all %zu single-bit flips are rejected", len * 8);
		free(c);
	}
	/* extended by one byte, and by a copy of itself */
	{
		uint8_t    *c = malloc(2 * len);

		memcpy(c, img, len);
		memcpy(c + len, img, len);
		MR_CHECK(decode(c, len + 1, &err) == MR_ECORRUPT, "an extended image is rejected (%s)", err.detail);
		MR_CHECK(decode(c, 2 * len, &err) == MR_ECORRUPT, "a doubled image is rejected");
		free(c);
	}
	MR_CHECK(decode((const uint8_t *) "\\x4d524e4e", 10, &err) == MR_EBADMAGIC &&
			 decode((const uint8_t *) "", 0, &err) == MR_EBADMAGIC,
			 "a foreign or empty value is not a model");
	{
		uint8_t		newer[2] = {MR_MODEL_VERSION + 1, 0};
		uint8_t    *c = malloc(len);

		memcpy(c, img, len);
		memcpy(c + 4, newer, 2);
		MR_CHECK(decode(c, len, &err) == MR_EVERSION, "a newer format version is unsupported (%s)", err.detail);
		free(c);
	}

	/* crafted images: right checksum, lying contents */
	{
		size_t		conf = find_section(img, len, "CONF");
		size_t		vocb = find_section(img, len, "VOCB");
		size_t		wgts = find_section(img, len, "WGTS");
		size_t		hist = find_section(img, len, "HIST");
		uint8_t		big[4] = {0xff, 0xff, 0xff, 0x7f};
		uint8_t		h9k[4] = {0x00, 0x24, 0x00, 0x00};	/* 9216 > MR_MAX_HIDDEN */
		uint8_t		nan[4] = {0x00, 0x00, 0xc0, 0x7f};
		uint8_t		inf[4] = {0x00, 0x00, 0x80, 0x7f};
		uint8_t		dup[5] = {'c', 'o', 'u', 'g', 'h'};
		uint8_t		bad_utf8[2] = {0xc3, 0x28};
		uint8_t		zzzz[4] = {'Z', 'Z', 'Z', 'Z'};
		uint8_t		one[4] = {1, 0, 0, 0};
		uint8_t		two_hundred[4] = {200, 0, 0, 0};

		expect_rejected(img, len, conf + 4 * 4, big, 4, MR_EDIMS, "vocabulary size 2^31-1");
		expect_rejected(img, len, conf + 10 * 4, h9k, 4, MR_EDIMS, "hidden size above the limit");
		expect_rejected(img, len, conf + 11 * 4, big, 4, MR_EDIMS, "hidden size 2^31-1");
		expect_rejected(img, len, conf + 20 * 4, one, 4, MR_EDIMS, "one class");
		expect_rejected(img, len, conf + 21 * 4, two_hundred, 4, MR_ECORRUPT, "positive class out of range");
		expect_rejected(img, len, conf + 5 * 4, one, 4, MR_EDIMS, "embedding width not matching the weights");
		expect_rejected(img, len, wgts + 4, nan, 4, MR_ENONFINITE, "a NaN weight");
		expect_rejected(img, len, wgts + 40, inf, 4, MR_ENONFINITE, "an infinite weight");
		expect_rejected(img, len, wgts, big, 4, MR_EDIMS, "weight count 2^31-1");
		{
			uint8_t		huge[4] = {0x00, 0x00, 0x7f, 0x7f};	/* 3.4e38: finite but absurd */

			expect_rejected(img, len, wgts + 8, huge, 4, MR_ENONFINITE, "a finite weight beyond +-1e6");
		}
		/* entry 1 ("cough") made equal to entry 0 ("fever") */
		expect_rejected(img, len, vocb + 4 + 4, dup, 5, MR_ECORRUPT, "a token listed twice");
		expect_rejected(img, len, vocb + 4 + 4, bad_utf8, 2, MR_ECORRUPT, "a token that is not UTF-8");
		expect_rejected(img, len, vocb + 4, big, 4, MR_EDIMS, "a token length 2^31-1");
		expect_rejected(img, len, vocb, big, 4, MR_ECORRUPT, "a token count 2^31-1");
		expect_rejected(img, len, conf - 8, zzzz, 4, MR_ECORRUPT, "an unrecognized section tag");
		expect_rejected(img, len, conf - 4, big, 4, MR_ETRUNCATED, "a section longer than the model");
		expect_rejected(img, len, 12, big, 4, MR_EDIMS, "2^31-1 sections");
		expect_rejected(img, len, hist + 32, big, 4, MR_EDIMS, "2^31-1 epochs");
		expect_rejected(img, len, hist + 36, two_hundred, 4, MR_ECORRUPT, "best epoch past the last");
		{
			uint8_t		nan64[8] = {0, 0, 0, 0, 0, 0, 0xf8, 0x7f};

			expect_rejected(img, len, hist + 44, nan64, 8, MR_ENONFINITE, "a NaN loss");
		}
	}

	/* random images with a valid header and checksum never decode */
	{
		MrRng		rng;
		int			ok = 1;
		uint8_t    *c = malloc(len);

		mr_rng_seed(&rng, 77);
		for (int iter = 0; iter < 2000; iter++)
		{
			size_t		n = 20 + (size_t) mr_rng_below(&rng, len - 20);
			int			flips = 1 + (int) mr_rng_below(&rng, 8);

			memcpy(c, img, n);
			for (int f = 0; f < flips; f++)
				c[16 + mr_rng_below(&rng, n - 20)] = (uint8_t) mr_rng_u64(&rng);
			c[8] = (uint8_t) n;
			c[9] = (uint8_t) (n >> 8);
			c[10] = c[11] = 0;
			recrc(c, n);
			if (decode(c, n, &err) == MR_OK && n != len)
				ok = 0;
		}
		MR_CHECK(ok, "2000 mutated images with valid checksums are rejected or decode safely");
		free(c);
	}
	/* the encoder refuses to write what the decoder would refuse */
	{
		uint8_t    *bad;
		size_t		badlen;

		b.params[3] = NAN;
		MR_CHECK(mr_model_encode(&b.m, &mr_malloc_allocator, &bad, &badlen, &err) == MR_EDIVERGED,
				 "a NaN weight is not encoded (%s)", err.detail);
	}
	free(img);
	free(b.params);
	check_series_model();
	check_smiles_variants_model();
	check_masked_model();
}
