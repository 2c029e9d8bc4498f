/*
 * gen_fuzz_corpus.c
 *	  Write the seed corpora of the fuzz harnesses in test/fuzz/corpus/.
 *
 * The model decoder's seeds are real models: the core trains them on a few
 * rows of the shipped data sets through mr_fit, the pipeline rnn_train
 * calls, small enough to be a few KB each.  Their TIME figures are then
 * fixed, so the same data, code and CPU give the same bytes.  Next to them
 * go broken variants (truncated, bit-flipped, extended, a newer version),
 * which the decoder must reject.
 *
 * A measurement model is trained the same way on the first ICU stays of
 * PhysioNet 2012 (four vital signs on a 4-hour grid).
 *
 * The tokenizer and text-row seeds are real inputs: a few abstracts, a few
 * SMILES, and UTF-8 edge cases (final sigma, dotted capital I, emoji,
 * invalid and overlong sequences, a word longer than MR_MAX_TOKEN_BYTES).
 * The measurement seeds are the events of a few ICU stays, and edge cases.
 * The rnnseq seeds are each kind of sequence in its text form, its binary
 * form and as an aggregate's serialized state.
 *
 * Usage (test/fuzz/Makefile's "corpus" target runs it):
 *	  gen_fuzz_corpus ABSTRACTS_CSV SMILES_CSV EVENTS_CSV OUTCOMES_CSV OUT_DIR
 * where the first two have the columns text,label (data/medical-abstracts/
 * train.csv and clintox's train.csv), EVENTS_CSV is the start of
 * physionet2012's events.csv (record_id,time,variable,value, by record and
 * time) and OUTCOMES_CSV its outcomes.csv (record_id,label).
 * OUT_DIR/model_decode, OUT_DIR/tokenize, OUT_DIR/text_row, OUT_DIR/series
 * and OUT_DIR/seq must exist; files are overwritten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_blas.h"
#include "mr_crc32c.h"
#include "mr_fit.h"
#include "mr_json.h"
#include "mr_model.h"
#include "mr_net.h"
#include "mr_seq.h"
#include "mr_series.h"

#define MAX_ROWS	2048

/* One CSV record: text and label, NUL-terminated */
typedef struct Row
{
	char	   *text;
	char	   *label;
} Row;

typedef struct Rows
{
	int			n;
	Row			row[MAX_ROWS];
} Rows;

static void die(const char *what, const char *detail) __attribute__((noreturn));

/* Print a message and exit non-zero */
static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "gen_fuzz_corpus: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

/* Read a whole file into a NUL-terminated buffer */
static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n = 0;

	if (!f)
		die("could not open file", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		die("could not read file", path);
	buf = malloc((size_t) n + 1);
	if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n)
		die("could not read file", path);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t) n;
	return buf;
}

/*
 * Parse one RFC 4180 field starting at *p (quoted or not) into a new
 * string; *p is left on the delimiter that ended it.
 */
static char *
csv_field(const char **p)
{
	const char *s = *p;
	size_t		cap = 64,
				n = 0;
	char	   *out = malloc(cap);

	if (!out)
		die("out of memory", NULL);
	if (*s == '"')
	{
		s++;
		for (;;)
		{
			if (*s == '\0')
				die("unterminated quoted CSV field", NULL);
			if (*s == '"')
			{
				if (s[1] != '"')
				{
					s++;
					break;
				}
				s++;			/* "" is one quote */
			}
			if (n + 2 > cap && !(out = realloc(out, cap *= 2)))
				die("out of memory", NULL);
			out[n++] = *s++;
		}
	}
	else
		while (*s && *s != ',' && *s != '\n' && *s != '\r')
		{
			if (n + 2 > cap && !(out = realloc(out, cap *= 2)))
				die("out of memory", NULL);
			out[n++] = *s++;
		}
	out[n] = '\0';
	*p = s;
	return out;
}

/* Read a text,label CSV file (header skipped) */
static void
read_csv(const char *path, Rows *rows)
{
	size_t		len;
	char	   *buf = read_file(path, &len);
	const char *p = strchr(buf, '\n');

	if (!p)
		die("CSV file has no header line", path);
	p++;
	rows->n = 0;
	while (*p && rows->n < MAX_ROWS)
	{
		Row		   *r = &rows->row[rows->n];

		r->text = csv_field(&p);
		if (*p != ',')
			die("CSV record without a label", path);
		p++;
		r->label = csv_field(&p);
		while (*p == '\r' || *p == '\n')
			p++;
		rows->n++;
	}
	free(buf);
}

/* Write bytes to dir/name */
static void
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char		path[4096];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		die("could not write file", path);
	printf("%8zu  %s\n", len, path);
}

/* ----------------------------------------------------------------------
 * models
 * ---------------------------------------------------------------------- */

typedef struct ModelSpec
{
	const char *name;			/* file name in model_decode/ */
	int			smiles;			/* 1: train on SMILES, else on abstracts */
	int			per_label;		/* rows taken per label */
	MrSourceKind source;		/* text, or the text split at spaces as text[] */
	const char *options;		/* rnn_train's options */
	int			task;			/* MrTask: regression learns the text's length,
								 * multilabel the class and whether it is long;
								 * a language model reads no label */
	int			from_previous;	/* fine-tune from the model of the spec before */
} ModelSpec;

static const ModelSpec specs[] = {
	{"text_tiny.mrnn", 0, 8, MR_SOURCE_TEXT,
		"{\"num_words\": 48, \"embed_dim\": 8, \"maxlen\": 16, \"hidden\": 8, \"epochs\": 2, "
	"\"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}"},
	{"text_bidir_mean.mrnn", 0, 8, MR_SOURCE_TEXT,
		"{\"num_words\": 32, \"truncating\": \"post\", \"embed_dim\": 6, \"maxlen\": 12, \"hidden\": 6, "
		"\"bidirectional\": true, \"pooling\": \"mean\", \"epochs\": 2, \"validation_split\": 0.25, "
	"\"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}"},
	{"smiles_char.mrnn", 1, 20, MR_SOURCE_TEXT,
		"{\"tokenizer\": \"char\", \"num_words\": 64, \"truncating\": \"post\", \"padding\": \"post\", "
		"\"embed_dim\": 6, \"maxlen\": 40, \"hidden\": 8, \"pooling\": \"max\", \"epochs\": 2, "
	"\"positive_label\": \"1\", \"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}"},
	{"text_3layer.mrnn", 0, 6, MR_SOURCE_TEXT,
		"{\"lowercase\": false, \"num_words\": 24, \"embed_dim\": 4, \"maxlen\": 10, \"padding\": \"post\", "
		"\"hidden\": [6, 5, 4], \"epochs\": 3, \"validation_split\": 0.2, \"batch_size\": 8, "
	"\"learning_rate\": 0.01, \"seed\": 42}"},
	{"tokens_bidir_max.mrnn", 0, 6, MR_SOURCE_TOKENS,
		"{\"num_words\": 32, \"embed_dim\": 4, \"maxlen\": 8, \"hidden\": [4, 3], \"bidirectional\": true, "
	"\"pooling\": \"max\", \"epochs\": 2, \"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}"},
	{"regression_huber.mrnn", 0, 6, MR_SOURCE_TEXT,
		"{\"num_words\": 24, \"embed_dim\": 4, \"maxlen\": 10, \"hidden\": 4, \"loss\": \"huber\", "
	"\"epochs\": 2, \"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}", MR_TASK_REGRESSION},
	{"multilabel_thresholds.mrnn", 1, 10, MR_SOURCE_TEXT,
		"{\"tokenizer\": \"smiles\", \"num_words\": 32, \"embed_dim\": 4, \"maxlen\": 20, \"hidden\": 4, "
		"\"validation_split\": 0.3, \"class_weight\": \"balanced\", \"epochs\": 2, \"batch_size\": 8, "
	"\"learning_rate\": 0.01, \"seed\": 42}", MR_TASK_MULTILABEL},
	{"language_model.mrnn", 1, 10, MR_SOURCE_TEXT,
		"{\"tokenizer\": \"smiles\", \"num_words\": 32, \"output_words\": 20, \"embed_dim\": 4, "
		"\"maxlen\": 20, \"hidden\": [5, 4], \"validation_split\": 0.2, \"epochs\": 2, "
	"\"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}", MR_TASK_LANGUAGE_MODEL},
	{"fine_tuned.mrnn", 1, 10, MR_SOURCE_TEXT,
		"{\"unfreeze\": \"gradual\", \"lr_decay\": 2.6, \"pooling\": \"max\", \"epochs\": 3, "
	"\"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}", MR_TASK_CLASSIFICATION, 1},
};

/* The rows a model trains on: the first per_label rows of every label */
typedef struct SpecRows
{
	const ModelSpec *spec;
	const Rows *data;
	int			pos;
	const char *labels_seen[64];
	int			counts[64];
	int			n_labels;
	const char *toks[4096];		/* a text[] row: the text split at spaces */
	size_t		lens[4096];
	char		label[MR_MAX_LABEL_BYTES + 16];	/* an encoded target (mr_targets.h) */
} SpecRows;

static void
spec_next(MrRow *row, void *state)
{
	SpecRows   *sr = state;

	while (sr->pos < sr->data->n)
	{
		const Row  *r = &sr->data->row[sr->pos++];
		int			k;

		for (k = 0; k < sr->n_labels; k++)
			if (strcmp(sr->labels_seen[k], r->label) == 0)
				break;
		if (k == sr->n_labels)
		{
			if (sr->n_labels == 64)
				continue;
			sr->labels_seen[sr->n_labels++] = r->label;
		}
		if (sr->counts[k] >= sr->spec->per_label)
			continue;
		sr->counts[k]++;
		row->label = r->label;
		row->label_len = strlen(r->label);
		if (sr->spec->task == MR_TASK_REGRESSION)
		{
			snprintf(sr->label, sizeof(sr->label), "%zu", strlen(r->text));
			row->label = sr->label;
			row->label_len = strlen(sr->label);
		}
		else if (sr->spec->task == MR_TASK_MULTILABEL)
		{
			/* '1' + the class + NUL, and '1' "long" NUL for a long text */
			int			n = snprintf(sr->label, sizeof(sr->label) - 8, "1%s", r->label);

			sr->label[n++] = '\0';
			if (strlen(r->text) > 40)
			{
				memcpy(sr->label + n, "1long", 6);
				n += 6;
			}
			row->label = sr->label;
			row->label_len = (size_t) n;
		}
		if (sr->spec->source == MR_SOURCE_TEXT)
		{
			row->kind = MR_ROW_TEXT;
			row->text = r->text;
			row->len = strlen(r->text);
			return;
		}
		row->kind = MR_ROW_TOKENS;
		row->n = 0;
		for (const char *p = r->text; *p && row->n < 4096;)
		{
			size_t		l;

			while (*p == ' ')
				p++;
			l = strcspn(p, " ");
			if (l == 0)
				break;
			sr->toks[row->n] = p;
			sr->lens[row->n] = l;
			row->n++;
			p += l;
		}
		row->toks = sr->toks;
		row->lens = sr->lens;
		return;
	}
	row->kind = MR_ROW_END;
}

/*
 * Train through mr_fit on src, then fix the wall-clock figures, so the
 * image depends only on the data, code and CPU
 */
static uint8_t *
fit_model(const char *options, MrSourceKind source, int task, const MrRowSource *src,
		  const uint8_t *base, size_t base_len, size_t *len)
{
	const MrAllocator *a = &mr_malloc_allocator;
	MrArena		ar;
	MrFitSpec	spec;
	MrJson	   *json;
	MrError		err = {0};
	MrModel    *d = NULL;
	uint8_t    *image = NULL,
			   *out = NULL;

	mr_arena_init(&ar, a);
	memset(&spec, 0, sizeof(spec));
	if (mr_json_parse(options, strlen(options), &ar.allocator, &json, &err) != MR_OK ||
		mr_options_parse(&spec.options, json, NULL, &ar.allocator, &err) != MR_OK)
		die("bad options", err.message[0] ? err.message : err.detail);
	spec.source = source;
	spec.task = task;
	spec.relation = "seeds";
	spec.input_column = "text";
	spec.threads = 1;
	if (base)
	{
		MrModel    *b;

		if (mr_model_decode(base, base_len, &ar.allocator, &b, &err) != MR_OK)
			die("the base model does not decode", err.detail);
		spec.base = b;
		/* a fixed stand-in for the SHA-256 the server computes */
		for (int i = 0; i < MR_FINGERPRINT_BYTES; i++)
			spec.base_fingerprint[i] = (uint8_t) (0xa5 ^ i);
	}
	if (mr_fit(&spec, src, NULL, &ar.allocator, &image, len, &err) != MR_OK)
		die("training failed", err.message[0] ? err.message : err.detail);
	/* a seed the decoder rejects would be a bug here, not in the fuzzer */
	if (mr_model_decode(image, *len, &ar.allocator, &d, &err) != MR_OK)
		die("the decoder rejects a trained model", err.detail);
	for (int e = 0; e < d->n_epochs; e++)
		d->epochs[e].seconds = 0.25 * (e + 1);
	d->train_seconds = 0.25 * d->n_epochs;
	d->created_at = 1.7e9;
	if (mr_model_encode(d, a, &out, len, &err) != MR_OK)
		die("could not encode the model", err.detail);
	mr_arena_free(&ar);
	return out;
}

/* Train one model as rnn_train does and return its encoded image */
static uint8_t *
train_model(const ModelSpec *s, const Rows *data, const uint8_t *base, size_t base_len,
			size_t *len)
{
	static SpecRows sr;

	memset(&sr, 0, sizeof(sr));
	sr.spec = s;
	sr.data = data;
	return fit_model(s->options, s->source, s->task, &(MrRowSource) {spec_next, &sr},
					 base, base_len, len);
}

/* The variables the measurement model reads */
static const char *const series_vars[] = {"HR", "RespRate", "Temp", "GCS"};

/* The first ICU stays of PhysioNet 2012 as measurement rows */
typedef struct StayRows
{
	char	   *events;
	char	   *outcomes;
	char	   *line;			/* the next events line */
	long		rid;			/* the record being read, -1 before the first */
	int			records;
	double		times[8192],
				values[8192];
	const char *vars[8192];
	size_t		var_lens[8192];
	int64_t		n;
	/* the line read ahead: the first of the next record */
	int			pending;
	long		r;
	double		t,
				v;
	char		name[64];
} StayRows;

/* Read the next events line into sr->r, t, name, v; 0 at the end */
static int
read_event(StayRows *sr)
{
	char	   *next;

	if (!sr->line || !*sr->line)
		return 0;
	next = strchr(sr->line, '\n');
	if (next)
		*next = '\0';
	if (sscanf(sr->line, "%ld,%lf,%63[^,],%lf", &sr->r, &sr->t, sr->name, &sr->v) != 4)
		die("bad events line", sr->line);
	sr->line = next ? next + 1 : NULL;
	return 1;
}

static void
stay_next(MrRow *row, void *state)
{
	StayRows   *sr = state;
	static char label[2];

	if (sr->records == 40 || (!sr->pending && !read_event(sr)))
	{
		row->kind = MR_ROW_END;
		return;
	}
	sr->pending = 0;
	sr->rid = sr->r;
	sr->n = 0;
	/* the record's events, until the next record's first line */
	do
	{
		if (sr->r != sr->rid)
		{
			sr->pending = 1;
			break;
		}
		for (size_t k = 0; k < sizeof(series_vars) / sizeof(series_vars[0]); k++)
			if (strcmp(sr->name, series_vars[k]) == 0 && sr->n < 8192)
			{
				sr->times[sr->n] = sr->t;
				sr->vars[sr->n] = series_vars[k];
				sr->var_lens[sr->n] = strlen(series_vars[k]);
				sr->values[sr->n] = sr->v;
				sr->n++;
			}
	} while (read_event(sr));
	{
		char		key[32];
		const char *o;
		int			outcome;

		snprintf(key, sizeof(key), "\n%ld,", sr->rid);
		o = strstr(sr->outcomes, key);
		if (!o || sscanf(o + strlen(key), "%d", &outcome) != 1)
			die("no outcome for a record", key + 1);
		label[0] = outcome ? '1' : '0';
	}
	sr->records++;
	row->kind = sr->n > 0 ? MR_ROW_EVENTS : MR_ROW_EMPTY;
	row->times = sr->times;
	row->vars = sr->vars;
	row->var_lens = sr->var_lens;
	row->values = sr->values;
	row->n = sr->n;
	row->time_kind = MR_SERIES_TIME_NUMBER;
	row->label = label;
	row->label_len = 1;
}

/*
 * Train a measurement model on the first stays of PhysioNet 2012 (events
 * by record and time), as rnn_train does with an rnnseq column.
 */
static uint8_t *
train_series_model(const char *events_path, const char *outcomes_path, size_t *len)
{
	static StayRows sr;
	size_t		elen,
				olen;
	uint8_t    *image;

	memset(&sr, 0, sizeof(sr));
	sr.events = read_file(events_path, &elen);
	sr.outcomes = read_file(outcomes_path, &olen);
	sr.line = strchr(sr.events, '\n');
	if (!sr.line)
		die("cannot read the events", events_path);
	sr.line++;
	sr.rid = -1;
	image = fit_model("{\"maxlen\": 12, \"step\": 240, \"hidden\": [6], \"epochs\": 2, "
					  "\"batch_size\": 8, \"learning_rate\": 0.01, \"seed\": 42}",
					  MR_SOURCE_SEQ, MR_TASK_CLASSIFICATION, &(MrRowSource) {stay_next, &sr}, NULL, 0,
					  len);
	free(sr.events);
	free(sr.outcomes);
	return image;
}

/* Little-endian u32 into p */
static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Recompute the checksum of an edited image */
static void
recrc(uint8_t *buf, size_t len)
{
	put_u32(buf + len - 4, mr_crc32c(buf, len - 4));
}

/* Broken variants of one image: each must be rejected */
static void
write_variants(const char *dir, const uint8_t *img, size_t len)
{
	uint8_t    *c = malloc(len + 1);
	size_t		cuts[] = {3, 20, 60, len / 2, len - 1};
	char		name[64];

	if (!c)
		die("out of memory", NULL);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
	{
		snprintf(name, sizeof(name), "bad_truncated_%zu.mrnn", cuts[i]);
		write_file(dir, name, img, cuts[i]);
	}
	/* a truncation whose header length and checksum were fixed to match */
	memcpy(c, img, len / 2);
	put_u32(c + 8, (uint32_t) (len / 2));
	recrc(c, len / 2);
	write_file(dir, "bad_truncated_fixed.mrnn", c, len / 2);
	/* one flipped bit in the weights: only the checksum notices */
	memcpy(c, img, len);
	c[len / 2] ^= 0x10;
	write_file(dir, "bad_bitflip.mrnn", c, len);
	/* the same flip in the exponent of a weight, checksum fixed: a NaN or a huge weight */
	memcpy(c, img, len);
	c[len / 2 | 3] ^= 0x7f;
	recrc(c, len);
	write_file(dir, "bad_bitflip_fixed.mrnn", c, len);
	/* one byte too many */
	memcpy(c, img, len);
	c[len] = 0;
	write_file(dir, "bad_extended.mrnn", c, len + 1);
	/* a newer format version */
	memcpy(c, img, len);
	c[4] = MR_MODEL_VERSION + 1;
	recrc(c, len);
	write_file(dir, "bad_version.mrnn", c, len);
	free(c);
}

/* Little-endian f32 into p */
static void
put_f32(uint8_t *p, float f)
{
	uint32_t	u;

	memcpy(&u, &f, 4);
	put_u32(p, u);
}

/*
 * Models whose weights, finite yet near FLT_MAX, would overflow in
 * inference: huge dense weights give infinite logits (NaN from the
 * softmax), and huge input and recurrent weights give inf - inf (NaN) gate
 * pre-activations.  Found with these harnesses; the decoder now refuses
 * any weight beyond MR_NET_MAX_WEIGHT.  The encoder refuses to write them,
 * so they are patched into a valid image, checksum fixed.
 */
static void
write_hostile(const char *dir, const uint8_t *img, size_t len)
{
	const MrAllocator *a = &mr_malloc_allocator;
	MrModel    *d = NULL;
	MrError		err = {0};
	uint8_t    *out = malloc(len);
	const uint8_t *w = NULL;
	size_t		weights;
	const MrNetConfig *cfg;
	int			D,
				K,
				E,
				H,
				V;

	if (!out || mr_model_decode(img, len, a, &d, &err) != MR_OK)
		die("cannot decode a seed", err.detail);
	/* WGTS: tag, length, count, then the weights */
	for (size_t i = 16; i + 4 <= len && !w; i++)
		if (memcmp(img + i, "WGTS", 4) == 0)
			w = img + i;
	if (!w)
		die("no WGTS section in a seed", NULL);
	weights = (size_t) (w - img) + 12;
	cfg = &d->cfg;
	D = mr_net_pooled_width(cfg);
	K = cfg->n_classes;
	E = cfg->embed_dim;
	H = cfg->hidden[0];
	V = cfg->vocab_size;
#define AT(ptr) (out + weights + 4 * (size_t) ((ptr) - d->params))
	for (int which = 0; which < 2; which++)
	{
		memcpy(out, img, len);
		if (which == 0)
		{
			/* dense layer: alternating +-FLT_MAX */
			for (int i = 0; i < D * K; i++)
				put_f32(AT(d->net.Wd + i), (i % K) % 2 ? 3.4e38f : -3.4e38f);
			for (int k = 0; k < K; k++)
				put_f32(AT(d->net.bd + k), k % 2 ? -3.4e38f : 3.4e38f);
		}
		else
		{
			/* first layer: huge embeddings and kernels, huge negative recurrent kernel */
			for (int i = 0; i < V * E; i++)
				put_f32(AT(d->net.emb + i), 3e38f);
			for (int i = 0; i < E * 4 * H; i++)
				put_f32(AT(d->net.layer[0][0].Wx + i), 3e38f);
			for (int i = 0; i < H * 4 * H; i++)
				put_f32(AT(d->net.layer[0][0].Wh + i), -3.4e38f);
		}
		recrc(out, len);
		write_file(dir, which == 0 ? "hostile_huge_dense.mrnn" : "hostile_huge_gates.mrnn", out, len);
	}
#undef AT
	mr_model_free(d, a);
	free(out);
}

/* ----------------------------------------------------------------------
 * text inputs
 * ---------------------------------------------------------------------- */

/* UTF-8 edge cases for the tokenizer (name, bytes) */
static const char *const edge_cases[][2] = {
	{"greek_sigma.txt",
		"\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3 "	/* ODYSSEUS */
		"\xce\xa3\xce\x91\xce\xa3. \xce\xa3 \xce\x91\xce\xa3'\xce\xa3 "
		"\xce\x91\xce\xa3\xcc\x81" "b \xcf\x83\xcf\x82 "	/* sigma before a combining mark */
	"\xce\x9c\xce\x95\xce\xa3\xce\x97-\xce\x91\xce\xa3:\xce\x91"},
	{"turkish_dotted_i.txt",
		"\xc4\xb0STANBUL \xc4\xb0i \xc4\xb1I \xc4\xb0\xc4\xb0\xc4\xb0 "
	"D\xc4\xb0YARBAKIR'DA \xc4\xb0\xce\xa3"},
	{"emoji.txt",
		"fever \xf0\x9f\x98\x80 \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd "
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 "
	"\xe2\x9d\xa4\xef\xb8\x8f pain\xf0\x9f\xa4\x92"},
	{"invalid_utf8.txt",
		"ok \xc3\x28 \xa0\xa1 \xe2\x28\xa1 \xf0\x90\x28\xbc \xed\xa0\x80 \xc0\xaf "
	"\xf4\x90\x80\x80 \xff\xfe caf\xc3\xa9 \xef\xbf\xbd end\xe2\x82"},
	{"filters_crlf.txt",
		"Fever\r\nCOUGH\r\n\tchest-pain;dyspnea/\"SOB\" (2x) a.b,c:d\v\fe!#$%&*+<=>?@[\\]^_`{|}~"},
	{"cased_unicode.txt",
		"\xe2\x84\xaa\xe2\x84\xa6 \xc7\x85\xc7\x88 \xe1\xba\x9e \xc3\x9f "
	"\xd0\x9f\xd0\xb0\xd1\x86\xd0\xb8\xd0\xb5\xd0\xbd\xd1\x82 \xe2\xb1\xaf \xef\xbc\xa1\xef\xbc\xa2"},
	{"nul_bytes.txt", NULL},	/* written separately: it holds NULs */
};

/* A word longer than MR_MAX_TOKEN_BYTES, with a code point across the cut */
static void
write_long_word(const char *dir)
{
	char		buf[MR_MAX_TOKEN_BYTES + 64];
	size_t		n = 0;

	memcpy(buf + n, "short ", 6);
	n += 6;
	memset(buf + n, 'A', MR_MAX_TOKEN_BYTES - 1);
	n += MR_MAX_TOKEN_BYTES - 1;
	memcpy(buf + n, "\xc3\x89\xc3\xa9xyz end", 11);	/* E-acute straddles byte 256 */
	n += 11;
	write_file(dir, "long_word.txt", buf, n);
}

/* Text seeds: abstracts, SMILES and the edge cases */
static void
write_text_seeds(const char *dir, const Rows *abstracts, const Rows *smiles)
{
	static const char nul_text[] = "fever\0cough \0\0 pain";
	char		name[64];

	for (int i = 0; i < 3; i++)
	{
		snprintf(name, sizeof(name), "abstract_%d.txt", i + 1);
		write_file(dir, name, abstracts->row[i * 97].text, strlen(abstracts->row[i * 97].text));
	}
	for (int i = 0; i < 5; i++)
	{
		snprintf(name, sizeof(name), "smiles_%d.txt", i + 1);
		write_file(dir, name, smiles->row[i * 53].text, strlen(smiles->row[i * 53].text));
	}
	for (size_t i = 0; i < sizeof(edge_cases) / sizeof(edge_cases[0]); i++)
		if (edge_cases[i][1])
			write_file(dir, edge_cases[i][0], edge_cases[i][1], strlen(edge_cases[i][1]));
	write_file(dir, "nul_bytes.txt", nul_text, sizeof(nul_text) - 1);
	write_long_word(dir);
}

/*
 * Multi-line seeds for the text-row harness, which also reads its input as
 * training rows "label<TAB>text", one a line.
 */
static void
write_row_seeds(const char *dir, const Rows *abstracts, const Rows *smiles)
{
	char	   *buf = malloc(1 << 16);
	size_t		n = 0;

	if (!buf)
		die("out of memory", NULL);
	for (int i = 0; i < 6; i++)
	{
		const Row  *r = &smiles->row[i * 41];

		n += (size_t) snprintf(buf + n, (1 << 16) - n, "%s\t%s\n", r->label, r->text);
	}
	write_file(dir, "rows_smiles.txt", buf, n);
	n = 0;
	for (int i = 0; i < 4; i++)
	{
		const Row  *r = &abstracts->row[i * 211];
		size_t		l = strlen(r->text);

		/* the start of each abstract keeps the seed small */
		n += (size_t) snprintf(buf + n, (1 << 16) - n, "%s\t%.*s\n", r->label,
							   (int) (l < 400 ? l : 400), r->text);
	}
	write_file(dir, "rows_abstracts.txt", buf, n);
	{
		static const char mixed[] =
			"0\tfever cough\n1\tchest pain\n0\t\xce\xa3\xce\x91\xce\xa3 \xc4\xb0STANBUL\n"
			"yes\t\n\tno label\n1\tfever fever fever\n\xce\xb1\t\xf0\x9f\x98\x80 pain\n";

		write_file(dir, "rows_mixed.txt", mixed, sizeof(mixed) - 1);
	}

	/*
	 * Reproducers of findings, kept as regression seeds.  The last byte
	 * 'n' (110 % 3 == 2) makes the harness read the rows as token arrays:
	 * an empty token, and tokens longer than MR_MAX_TOKEN_BYTES (cut inside
	 * a UTF-8 sequence, and plain ASCII) learned in training.
	 */
	write_file(dir, "regress_empty_token.txt", "0\t\nn", strlen("0\t\nn"));
	n = 0;
	n += (size_t) snprintf(buf + n, (1 << 16) - n, "0\t");
	memset(buf + n, 'A', MR_MAX_TOKEN_BYTES - 1);
	n += MR_MAX_TOKEN_BYTES - 1;
	n += (size_t) snprintf(buf + n, (1 << 16) - n, "\xc3\x89\n1\tn");
	write_file(dir, "regress_long_token_utf8.txt", buf, n);
	n = 0;
	n += (size_t) snprintf(buf + n, (1 << 16) - n, "0\t");
	memset(buf + n, 'A', 300);
	n += 300;
	n += (size_t) snprintf(buf + n, (1 << 16) - n, "\n1\tn");
	write_file(dir, "regress_long_token_ascii.txt", buf, n);
	free(buf);
}

/*
 * Seeds for the measurement harness: the first ICU stays as lines
 * "label<TAB>time,variable,value;..." (every variable, at most 150 events
 * each), and edge cases (infinite, huge, missing and unsorted values and
 * times, empty and repeated names, a single class).
 */
static void
write_series_seeds(const char *dir, const char *events_path, const char *outcomes_path)
{
	size_t		elen,
				olen,
				n = 0;
	char	   *events = read_file(events_path, &elen);
	char	   *outcomes = read_file(outcomes_path, &olen);
	char	   *buf = malloc(1 << 16);
	char	   *line = strchr(events, '\n');
	long		rid = -1;
	int			records = 0,
				in_row = 0;

	if (!buf || !line)
		die("cannot read the events", events_path);
	line++;
	while (*line && records < 8)
	{
		char	   *next = strchr(line, '\n');
		long		r;
		double		t,
					v;
		char		name[64];

		if (next)
			*next = '\0';
		if (sscanf(line, "%ld,%lf,%63[^,],%lf", &r, &t, name, &v) != 4)
			die("bad events line", line);
		if (r != rid)
		{
			char		key[32];
			const char *o;
			int			label;

			snprintf(key, sizeof(key), "\n%ld,", r);
			o = strstr(outcomes, key);
			if (!o || sscanf(o + strlen(key), "%d", &label) != 1)
				die("no outcome for a record", key + 1);
			if (rid >= 0)
			{
				buf[n++] = '\n';
				/* two stays a seed */
				if (++records % 2 == 0)
				{
					char		fname[64];

					snprintf(fname, sizeof(fname), "physionet_%d.txt", records / 2);
					/* last byte: T = 12 bins of 240 (0x3b: T 12, step 240, origin zero) */
					buf[n++] = 0x3b;
					write_file(dir, fname, buf, n);
					n = 0;
				}
			}
			rid = r;
			in_row = 0;
			n += (size_t) snprintf(buf + n, (1 << 16) - n, "%d\t", label);
		}
		if (in_row++ < 150 && n < (1 << 16) - 256)
			n += (size_t) snprintf(buf + n, (1 << 16) - n, "%g,%s,%g;", t, name, v);
		if (!next)
			break;
		line = next + 1;
	}
	{
		static const char edge[] =
			"0\t0,HR,80;60,HR,inf;120,Temp,-inf;180,HR,nan;240,SysABP,1e308;300,SysABP,-1e308\n"
			"1\t0,HR,1e999;-5,HR,70;inf,HR,60;-inf,Temp,37;nan,HR,1;30,,5;30,,6;30,HR,\n"
			"1\t0,\xce\xa3\xce\x91,1;1e300,HR,2;1e-300,HR,3;0x1p-1074,HR,4;-0,HR,-0\n"
			"2\t\n"
			"0\t10,HR,90;10,HR,90;10,HR,90\n";
		static const char single[] = "a\t0,HR,80;60,HR,81\na\t0,HR,82\n";

		write_file(dir, "edge_values.txt", edge, sizeof(edge) - 1);
		write_file(dir, "single_class.txt", single, sizeof(single) - 1);
	}
	/*
	 * Reproducers of findings, kept as regression seeds: a finite value
	 * beyond float range (the mean overflows), and an empty variable name
	 * (rnnseq allows one; the model format does not).
	 */
	{
		static const char huge[] = "0\t0,HR,1e301\n1\t0,HR,80\n";
		static const char empty[] = "0\t0,,5\n1\t0,,6\n";

		write_file(dir, "regress_huge_value.txt", huge, sizeof(huge) - 1);
		write_file(dir, "regress_empty_name.txt", empty, sizeof(empty) - 1);
	}
	free(buf);
	free(events);
	free(outcomes);
}

/*
 * Seeds for the rnnseq harness: every kind of sequence as text, as the
 * binary form of its value and as an aggregate's state
 */
static void
write_seq_seeds(const char *dir)
{
	static const char *const texts[] = {
		"[]",
		"[\"J18.9\", \"R05\", null, \"J18.9\"]",
		"[[1.5, null], [0, \"J18.9\"], [0, \"A\"]]",
		"[[30, \"HR\", null], [0, \"HR\", 80], [0, \"HR\", -0.0], [0, \"SpO2\", 97.5]]",
		"[[\"2024-01-01T10:00:00+01:00\", \"HR\", 80], [\"1969-12-31T23:59:59.999999Z\", \"T\", null]]",
		"[\"\\\"\", \"\\\\\", \"\\u00e9\", \"\\ud83d\\ude00\", \"\\u0001\", \"\xe6\x97\xa5\"]",
		"{\"kind\": \"measurements\", \"time_type\": \"number\", \"dropped\": 2, \"events\": [[30, \"HR\", 80]]}",
		"{\"kind\": \"timed_tokens\", \"time_type\": \"timestamp\", \"dropped\": 1, \"events\": []}",
		"[[-1e300, \"a\"], [1e300, \"b\"], [5e-324, \"c\"], [0.1, \"d\"]]",
	};
	const MrAllocator *a = &mr_malloc_allocator;
	char		name[64];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
	{
		uint8_t    *value;
		size_t		size;
		MrError		err;
		MrSeqView	v;
		MrBuf		bin;
		MrSeqBuilder b;

		snprintf(name, sizeof(name), "text_%zu.json", i + 1);
		write_file(dir, name, texts[i], strlen(texts[i]));
		if (mr_seq_parse_text(texts[i], strlen(texts[i]), NULL, a, &value, &size, &err) != MR_OK ||
			mr_seq_view(value, size, &v, &err) != MR_OK)
			die("a seed sequence does not parse", err.message);
		mr_buf_init(&bin, a);
		mr_seq_send(&v, NULL, NULL, &bin);
		snprintf(name, sizeof(name), "binary_%zu.bin", i + 1);
		write_file(dir, name, bin.data, bin.len);
		/* the same events as an aggregate's state (timed kinds only have one) */
		if (v.kind >= MR_SEQ_TIMED)
		{
			if (mr_seq_builder_init(&b, a, v.kind, v.time_kind) != MR_OK)
				die("out of memory", NULL);
			for (int32_t k = 0; k < v.n_strings; k++)
			{
				size_t		len;
				const char *str = mr_seq_string(&v, k, &len);
				int32_t		id;

				mr_seq_builder_intern(&b, str, len, NULL, &id, &err);
			}
			for (int32_t e = 0; e < v.n; e++)
				mr_seq_builder_add(&b, v.times[e], v.str[e], v.value_null ? v.value_null[e] : 0,
								   v.values ? v.values[e] : 0.0, &err);
			b.n_dropped = v.n_dropped;
			mr_buf_reset(&bin);
			mr_seq_builder_serialize(&b, &bin);
			snprintf(name, sizeof(name), "state_%zu.bin", i + 1);
			write_file(dir, name, bin.data, bin.len);
			mr_seq_builder_free(&b);
		}
		mr_buf_free(&bin);
		mr_free(a, value);
	}
}

int
main(int argc, char **argv)
{
	static Rows abstracts,
				smiles;
	char		dir[4096];

	if (argc != 6)
	{
		fprintf(stderr, "usage: gen_fuzz_corpus ABSTRACTS_CSV SMILES_CSV EVENTS_CSV OUTCOMES_CSV OUT_DIR\n");
		return 2;
	}
	mr_blas_set_threads(1);
	read_csv(argv[1], &abstracts);
	read_csv(argv[2], &smiles);
	if (abstracts.n < 700 || smiles.n < 300)
		die("the CSV files have fewer rows than expected", NULL);

	snprintf(dir, sizeof(dir), "%s/model_decode", argv[5]);
	{
		uint8_t    *previous = NULL;
		size_t		previous_len = 0;

		for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		{
			size_t		len;
			uint8_t    *img = train_model(&specs[i], specs[i].smiles ? &smiles : &abstracts,
										  specs[i].from_previous ? previous : NULL, previous_len,
										  &len);

			write_file(dir, specs[i].name, img, len);
			if (i == 0)
			{
				write_variants(dir, img, len);
				write_hostile(dir, img, len);
			}
			free(previous);
			previous = img;
			previous_len = len;
		}
		free(previous);
	}
	{
		size_t		len;
		uint8_t    *img = train_series_model(argv[3], argv[4], &len);

		write_file(dir, "series_vitals.mrnn", img, len);
		free(img);
	}

	snprintf(dir, sizeof(dir), "%s/tokenize", argv[5]);
	write_text_seeds(dir, &abstracts, &smiles);
	snprintf(dir, sizeof(dir), "%s/text_row", argv[5]);
	write_text_seeds(dir, &abstracts, &smiles);
	write_row_seeds(dir, &abstracts, &smiles);
	snprintf(dir, sizeof(dir), "%s/series", argv[5]);
	write_series_seeds(dir, argv[3], argv[4]);
	snprintf(dir, sizeof(dir), "%s/seq", argv[5]);
	write_seq_seeds(dir);
	return 0;
}
