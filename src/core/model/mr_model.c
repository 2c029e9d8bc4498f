/*
 * mr_model.c
 *	  Model encoding and hostile-input-safe decoding (see mr_model.h).
 */
#include "mr_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mr_series.h"
#include "mr_tokenize.h"
#include "mr_utf8.h"

#define CONF_FIELDS		22		/* version 1 */
#define CONF_FIELDS_V3	23		/* and the mask flag (version 3) */
#define HIST_FIXED		(4 * 8 + 3 * 4)
#define HIST_PER_EPOCH	(4 * 8)
#define TIME_FIXED		(2 * 8)
#define SMIV_BYTES		(4 + 8)

/* ----------------------------------------------------------------------
 * little-endian primitives
 * ---------------------------------------------------------------------- */

static inline void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
}

static inline void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static inline void
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static inline uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t) (p[0] | (p[1] << 8));
}

static inline uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
		((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static inline uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t) get_u32(p) | ((uint64_t) get_u32(p + 4) << 32);
}

static inline void
put_f32(uint8_t *p, float f)
{
	uint32_t	u;

	memcpy(&u, &f, 4);
	put_u32(p, u);
}

static inline float
get_f32(const uint8_t *p)
{
	uint32_t	u = get_u32(p);
	float		f;

	memcpy(&f, &u, 4);
	return f;
}

static inline void
put_f64(uint8_t *p, double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	put_u64(p, u);
}

static inline double
get_f64(const uint8_t *p)
{
	uint64_t	u = get_u64(p);
	double		d;

	memcpy(&d, &u, 8);
	return d;
}

/* ----------------------------------------------------------------------
 * sections
 * ---------------------------------------------------------------------- */

/* Every section tag, with the format version that introduced it */
static const struct
{
	const char *tag;
	uint16_t	version;
}			known_sections[] = {
	{"CONF", 1}, {"VOCB", 1}, {"LABL", 1}, {"WGTS", 1}, {"OPTS", 1}, {"HIST", 1}, {"TIME", 1},
	{"SERI", 1}, {"SMIV", 2}, {"TASK", 4}, {"LINE", 5}
};
#define LINE_BYTES		(MR_FINGERPRINT_BYTES + 8)
#define TASK_FIXED		(4 + 4 + 8 + 8)
#define N_TAGS (sizeof(known_sections) / sizeof(known_sections[0]))
#define known_tags(t) (known_sections[t].tag)

/* The format version that introduced a section */
static uint16_t
section_version(const char *tag)
{
	for (size_t t = 0; t < N_TAGS; t++)
		if (strcmp(known_sections[t].tag, tag) == 0)
			return known_sections[t].version;
	return UINT16_MAX;
}

/*
 * The oldest format version that can hold m: what introduced each of its
 * sections and each of its CONF values
 */
static uint16_t
model_version(const MrModel *m)
{
	uint16_t	v = 1;

	if (m->smiles_variants != 0 && section_version("SMIV") > v)
		v = section_version("SMIV");
	if (m->input_kind == MR_INPUT_TEXT && m->tokenizer == MR_TOKENIZER_SMILES && v < 2)
		v = 2;					/* the "smiles" tokenizer came with version 2 */
	if (m->cfg.mask && v < 3)
		v = 3;					/* masked networks, and CONF's 23rd field, with version 3 */
	if (m->task != MR_TASK_CLASSIFICATION && section_version("TASK") > v)
		v = section_version("TASK");
	if (m->task == MR_TASK_LANGUAGE_MODEL && v < 5)
		v = 5;					/* language models came with version 5 */
	if (m->has_base && section_version("LINE") > v)
		v = section_version("LINE");
	return v;
}

/* ----------------------------------------------------------------------
 * encoding
 * ---------------------------------------------------------------------- */

/* A growing byte count that remembers overflow */
typedef struct SizeSum
{
	size_t		n;
	int			overflow;
} SizeSum;

static void
sum_add(SizeSum *s, size_t k)
{
	if (!mr_add_size(s->n, k, &s->n))
		s->overflow = 1;
}

/* Bytes of a list of count strings: u32 count + (u32 length + bytes) each */
static size_t
string_list_size(int32_t count, const uint32_t *lens, SizeSum *s)
{
	SizeSum		local = {4, 0};

	for (int32_t i = 0; i < count; i++)
	{
		sum_add(&local, 4);
		sum_add(&local, lens[i]);
	}
	if (local.overflow)
		s->overflow = 1;
	return local.n;
}

typedef struct Writer
{
	uint8_t    *p;
} Writer;

static void
w_u32(Writer *w, uint32_t v)
{
	put_u32(w->p, v);
	w->p += 4;
}

static void
w_u64(Writer *w, uint64_t v)
{
	put_u64(w->p, v);
	w->p += 8;
}

static void
w_f64(Writer *w, double v)
{
	put_f64(w->p, v);
	w->p += 8;
}

static void
w_bytes(Writer *w, const void *src, size_t n)
{
	if (n)
		memcpy(w->p, src, n);
	w->p += n;
}

static void
w_section(Writer *w, const char *tag, size_t len)
{
	w_bytes(w, tag, 4);
	w_u32(w, (uint32_t) len);
}

static void
w_strings(Writer *w, int32_t count, const char *const *strs, const uint32_t *lens)
{
	w_u32(w, (uint32_t) count);
	for (int32_t i = 0; i < count; i++)
	{
		w_u32(w, lens[i]);
		w_bytes(w, strs[i], lens[i]);
	}
}

/* Encode a model; see mr_model.h */
MrStatus
mr_model_encode(const MrModel *m, const MrAllocator *a,
				uint8_t **out, size_t *out_len, MrError *err)
{
	const MrNetConfig *cfg = &m->cfg;
	size_t		n_params;
	size_t		conf_len = (m->cfg.mask ? CONF_FIELDS_V3 : CONF_FIELDS) * 4,
				vocb_len = 0,
				seri_len = 0,
				smiv_len = 0,
				task_len = 0,
				line_len = 0,
				labl_len,
				wgts_len,
				hist_len,
				time_len;
	SizeSum		total = {MR_MODEL_HEADER_BYTES + 4, 0};
	int			n_sections;
	uint8_t    *buf;
	Writer		w;
	MrStatus	st;

	if ((st = mr_net_check_config(cfg, err)) != MR_OK)
		return st;
	if (mr_net_param_count(cfg, &n_params) != MR_OK || n_params > UINT32_MAX ||
		n_params != m->net.n_params)
		return mr_set_error(err, MR_EDIMS, "The parameter count does not fit the model format.");
	/* never write a model the decoder would refuse */
	for (size_t i = 0; i < n_params; i++)
		if (!(fabsf(m->net.params[i]) <= MR_NET_MAX_WEIGHT))
			return mr_set_error(err, MR_EDIVERGED, "Weight %zu is %g, outside +-%g.",
								i, (double) m->net.params[i], (double) MR_NET_MAX_WEIGHT);
	if (m->n_epochs < 1 || m->n_epochs > MR_MAX_EPOCHS ||
		m->best_epoch < 1 || m->best_epoch > m->n_epochs ||
		(m->stopped_early != 0 && m->stopped_early != 1) ||
		m->rows_used < 1 || m->train_rows < 1 || m->train_rows > m->rows_used ||
		m->rows_used - m->train_rows != m->val_rows ||
		m->options_len > MR_MODEL_MAX_OPTIONS ||
		(cfg->vocab_size > 0 && m->n_tokens != cfg->vocab_size - 1))
		return mr_set_error(err, MR_EINVAL, "The model to encode is inconsistent.");

	if (cfg->vocab_size > 0)
		vocb_len = string_list_size(m->n_tokens, m->token_len, &total);
	labl_len = string_list_size(cfg->n_classes, m->label_len, &total);
	wgts_len = 4 + 4 * n_params;
	hist_len = HIST_FIXED + (size_t) HIST_PER_EPOCH * m->n_epochs;
	time_len = TIME_FIXED + (size_t) 8 * m->n_epochs;
	if (m->input_kind == MR_INPUT_SERIES)
	{
		if (m->n_vars * MR_SERIES_INPUTS_PER_VAR != cfg->n_features)
			return mr_set_error(err, MR_EINVAL, "The series model's variables do not match its inputs.");
		seri_len = 4 + 4 + 8 + string_list_size(m->n_vars, m->var_name_len, &total) +
			(size_t) 8 * m->n_vars;
	}
	if (m->smiles_variants != 0 &&
		(m->smiles_variants < 2 || m->smiles_variants > MR_MAX_SMILES_VARIANTS ||
		 m->input_kind != MR_INPUT_TEXT ||
		 (m->tokenizer != MR_TOKENIZER_CHAR && m->tokenizer != MR_TOKENIZER_SMILES) ||
		 m->rows_not_rewritten > m->rows_used))
		return mr_set_error(err, MR_EINVAL, "The model's SMILES variants are inconsistent.");
	if (m->smiles_variants != 0)
		smiv_len = SMIV_BYTES;
	if (m->task < MR_TASK_CLASSIFICATION || m->task > MR_TASK_LANGUAGE_MODEL ||
		cfg->head != mr_task_head(m->task) ||
		(m->task == MR_TASK_REGRESSION &&
		 (!(fabs(m->target_mean) <= MR_MAX_TARGET) ||
		  !(m->target_scale > 0.0 && m->target_scale <= MR_MAX_TARGET) ||
		  (m->loss != MR_LOSS_MSE && m->loss != MR_LOSS_HUBER))))
		return mr_set_error(err, MR_EINVAL, "The model's task is inconsistent.");
	if (mr_task_head(m->task) == MR_HEAD_SIGMOID)
		for (int k = 0; k < cfg->n_classes; k++)
			if (!(m->thresholds[k] > 0.0f && m->thresholds[k] < 1.0f))
				return mr_set_error(err, MR_EINVAL, "The model's threshold %d is outside (0, 1).", k);
	if (m->task != MR_TASK_CLASSIFICATION)
		task_len = TASK_FIXED + (mr_task_head(m->task) == MR_HEAD_SIGMOID ? (size_t) 4 * cfg->n_classes : 0);
	if (m->task == MR_TASK_LANGUAGE_MODEL)
	{
		int			ok = m->label_len[0] == 0;

		for (int k = 1; ok && k < cfg->n_classes; k++)
			ok = m->label_len[k] == m->token_len[k - 1] &&
				memcmp(m->labels[k], m->tokens[k - 1], m->label_len[k]) == 0;
		if (!ok)
			return mr_set_error(err, MR_EINVAL, "The language model's outputs are not its tokens.");
	}
	if (m->has_base && m->base_rows < 1)
		return mr_set_error(err, MR_EINVAL, "The base model was trained on no rows.");
	if (m->has_base)
		line_len = LINE_BYTES;
	n_sections = 6 + (cfg->vocab_size > 0) + (seri_len > 0) + (smiv_len > 0) + (task_len > 0) +
		(line_len > 0);

	sum_add(&total, 8 * (size_t) n_sections);
	sum_add(&total, line_len);
	sum_add(&total, seri_len);
	sum_add(&total, smiv_len);
	sum_add(&total, task_len);
	sum_add(&total, conf_len);
	sum_add(&total, vocb_len);
	sum_add(&total, labl_len);
	sum_add(&total, wgts_len);
	sum_add(&total, m->options_len);
	sum_add(&total, hist_len);
	sum_add(&total, time_len);
	if (total.overflow || total.n > UINT32_MAX)
		return mr_set_error(err, MR_EDIMS, "The model would be larger than 4 GB.");

	buf = mr_alloc0(a, total.n);
	if (!buf)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a model of %zu bytes.", total.n);
	w.p = buf;
	w_bytes(&w, MR_MODEL_MAGIC, 4);
	/* the oldest version that can read it all (mr_model.h) */
	put_u16(w.p, model_version(m));
	put_u16(w.p + 2, 0);
	w.p += 4;
	w_u32(&w, (uint32_t) total.n);
	w_u32(&w, (uint32_t) n_sections);

	w_section(&w, "CONF", conf_len);
	{
		int32_t		f[CONF_FIELDS_V3] = {
			m->input_kind, m->tokenizer, m->lowercase, m->truncating,
			cfg->vocab_size, cfg->embed_dim, cfg->n_features, cfg->maxlen,
			cfg->padding, cfg->n_layers,
			cfg->hidden[0], cfg->hidden[1], cfg->hidden[2], cfg->hidden[3],
			cfg->hidden[4], cfg->hidden[5], cfg->hidden[6], cfg->hidden[7],
			cfg->bidirectional, cfg->pooling, cfg->n_classes, m->positive_class,
			cfg->mask
		};

		/* the mask flag only when set: an unmasked model stays version 1 */
		for (int i = 0; i < (cfg->mask ? CONF_FIELDS_V3 : CONF_FIELDS); i++)
			w_u32(&w, (uint32_t) f[i]);
	}
	if (cfg->vocab_size > 0)
	{
		w_section(&w, "VOCB", vocb_len);
		w_strings(&w, m->n_tokens, m->tokens, m->token_len);
	}
	w_section(&w, "LABL", labl_len);
	w_strings(&w, cfg->n_classes, m->labels, m->label_len);
	w_section(&w, "WGTS", wgts_len);
	w_u32(&w, (uint32_t) n_params);
	for (size_t i = 0; i < n_params; i++)
	{
		put_f32(w.p, m->net.params[i]);
		w.p += 4;
	}
	w_section(&w, "OPTS", m->options_len);
	w_bytes(&w, m->options_json, m->options_len);
	w_section(&w, "HIST", hist_len);
	w_u64(&w, m->rows_used);
	w_u64(&w, m->rows_skipped);
	w_u64(&w, m->train_rows);
	w_u64(&w, m->val_rows);
	w_u32(&w, (uint32_t) m->n_epochs);
	w_u32(&w, (uint32_t) m->best_epoch);
	w_u32(&w, (uint32_t) m->stopped_early);
	for (int32_t e = 0; e < m->n_epochs; e++)
	{
		w_f64(&w, m->epochs[e].loss);
		w_f64(&w, m->epochs[e].accuracy);
		w_f64(&w, m->epochs[e].val_loss);
		w_f64(&w, m->epochs[e].val_accuracy);
	}
	if (seri_len > 0)
	{
		w_section(&w, "SERI", seri_len);
		w_u32(&w, (uint32_t) m->series_time_kind);
		w_u32(&w, (uint32_t) m->series_origin);
		w_f64(&w, m->series_step);
		w_strings(&w, m->n_vars, m->var_names, m->var_name_len);
		for (int32_t v = 0; v < m->n_vars; v++)
		{
			put_f32(w.p, m->var_mean[v]);
			w.p += 4;
		}
		for (int32_t v = 0; v < m->n_vars; v++)
		{
			put_f32(w.p, m->var_scale[v]);
			w.p += 4;
		}
	}
	if (smiv_len > 0)
	{
		w_section(&w, "SMIV", smiv_len);
		w_u32(&w, (uint32_t) m->smiles_variants);
		w_u64(&w, m->rows_not_rewritten);
	}
	if (task_len > 0)
	{
		w_section(&w, "TASK", task_len);
		w_u32(&w, (uint32_t) m->task);
		w_u32(&w, (uint32_t) (m->task == MR_TASK_REGRESSION ? m->loss : 0));
		w_f64(&w, m->task == MR_TASK_REGRESSION ? m->target_mean : 0.0);
		w_f64(&w, m->task == MR_TASK_REGRESSION ? m->target_scale : 1.0);
		for (int k = 0; mr_task_head(m->task) == MR_HEAD_SIGMOID && k < cfg->n_classes; k++)
		{
			put_f32(w.p, m->thresholds[k]);
			w.p += 4;
		}
	}
	if (line_len > 0)
	{
		w_section(&w, "LINE", line_len);
		w_bytes(&w, m->base_fingerprint, MR_FINGERPRINT_BYTES);
		w_u64(&w, m->base_rows);
	}
	w_section(&w, "TIME", time_len);
	w_f64(&w, m->train_seconds);
	w_f64(&w, m->created_at);
	for (int32_t e = 0; e < m->n_epochs; e++)
		w_f64(&w, m->epochs[e].seconds);
	w_u32(&w, mr_crc32c(buf, total.n - 4));

	*out = buf;
	*out_len = total.n;
	return MR_OK;
}

/* ----------------------------------------------------------------------
 * decoding
 * ---------------------------------------------------------------------- */

/* A bounds-checked cursor over one section's payload */
typedef struct Reader
{
	const uint8_t *p;
	const uint8_t *end;
	const char *section;
	MrError    *err;
	MrStatus	st;				/* first failure, sticky */
} Reader;

/* Check n more bytes are available; record a failure otherwise */
static int
r_need(Reader *r, size_t n)
{
	if (r->st != MR_OK)
		return 0;
	if ((size_t) (r->end - r->p) < n)
	{
		r->st = mr_set_error(r->err, MR_ETRUNCATED,
							 "Section %s ends early: %zu more bytes needed, %zu left.",
							 r->section, n, (size_t) (r->end - r->p));
		return 0;
	}
	return 1;
}

static uint32_t
r_u32(Reader *r)
{
	uint32_t	v;

	if (!r_need(r, 4))
		return 0;
	v = get_u32(r->p);
	r->p += 4;
	return v;
}

static uint64_t
r_u64(Reader *r)
{
	uint64_t	v;

	if (!r_need(r, 8))
		return 0;
	v = get_u64(r->p);
	r->p += 8;
	return v;
}

static double
r_f64(Reader *r)
{
	double		v;

	if (!r_need(r, 8))
		return 0.0;
	v = get_f64(r->p);
	r->p += 8;
	return v;
}

/* Fail unless the payload was consumed exactly */
static int
r_done(Reader *r)
{
	if (r->st == MR_OK && r->p != r->end)
		r->st = mr_set_error(r->err, MR_ECORRUPT, "Section %s has %zu unexpected trailing bytes.",
							 r->section, (size_t) (r->end - r->p));
	return r->st == MR_OK;
}

static int
r_fail(Reader *r, MrStatus st, const char *detail)
{
	if (r->st == MR_OK)
		r->st = mr_set_error(r->err, st, "Section %s: %s", r->section, detail);
	return 0;
}

/*
 * Read a string list of exactly count entries, each minlen..maxlen bytes
 * of valid UTF-8 and distinct, into new arrays and an index.  The strings
 * point into the caller's buffer copy (they are not NUL-terminated).
 */
static int
r_strings(Reader *r, int32_t count, uint32_t minlen, uint32_t maxlen,
		  const MrAllocator *a, const char ***strs, uint32_t **lens, MrVocab **index)
{
	uint32_t	n = r_u32(r);

	if (r->st != MR_OK)
		return 0;
	if (n != (uint32_t) count)
	{
		char		msg[128];

		snprintf(msg, sizeof(msg), "%u entries where the configuration implies %d.", n, (int) count);
		return r_fail(r, MR_ECORRUPT, msg);
	}
	/* each entry needs at least 4 bytes: reject impossible counts before allocating */
	if ((size_t) count > (size_t) (r->end - r->p) / 4)
		return r_fail(r, MR_ETRUNCATED, "too many entries for the section length.");
	*strs = mr_alloc(a, sizeof(char *) * (count > 0 ? count : 1));
	*lens = mr_alloc(a, sizeof(uint32_t) * (count > 0 ? count : 1));
	*index = mr_vocab_new(a, (size_t) count);
	if (!*strs || !*lens || !*index)
		return r_fail(r, MR_ENOMEM, "out of memory.");
	for (int32_t i = 0; i < count; i++)
	{
		uint32_t	len = r_u32(r);

		if (r->st != MR_OK)
			return 0;
		if (len < minlen || len > maxlen)
			return r_fail(r, MR_EDIMS, "an entry length is out of range.");
		if (!r_need(r, len))
			return 0;
		if (!mr_utf8_valid(r->p, len))
			return r_fail(r, MR_ECORRUPT, "an entry is not valid UTF-8.");
		/* SQL text cannot hold NUL, and the server copies strings as C strings */
		if (memchr(r->p, 0, len) != NULL)
			return r_fail(r, MR_ECORRUPT, "an entry contains a NUL byte.");
		if (mr_vocab_lookup(*index, (const char *) r->p, len) >= 0)
			return r_fail(r, MR_ECORRUPT, "an entry appears twice.");
		if (mr_vocab_add(*index, (const char *) r->p, len, 0) != i)
			return r_fail(r, MR_ENOMEM, "out of memory.");
		(*strs)[i] = (const char *) r->p;
		(*lens)[i] = len;
		r->p += len;
	}
	return 1;
}


typedef struct SectionRef
{
	const uint8_t *payload;
	uint32_t	len;
	int			present;
} SectionRef;

/* Decode the fixed CONF section into m */
static int
decode_conf(Reader *r, MrModel *m)
{
	int32_t		f[CONF_FIELDS_V3] = {0};
	MrNetConfig *cfg = &m->cfg;
	MrError		cerr;
	int			n_fields = CONF_FIELDS;

	/* 22 fields, or from version 3 a 23rd: the mask flag */
	if (m->version >= 3 && (size_t) (r->end - r->p) == CONF_FIELDS_V3 * 4)
		n_fields = CONF_FIELDS_V3;
	for (int i = 0; i < n_fields; i++)
		f[i] = (int32_t) r_u32(r);
	if (!r_done(r))
		return 0;
	m->input_kind = f[0];
	m->tokenizer = f[1];
	m->lowercase = f[2];
	m->truncating = f[3];
	cfg->vocab_size = f[4];
	cfg->embed_dim = f[5];
	cfg->n_features = f[6];
	cfg->maxlen = f[7];
	cfg->padding = f[8];
	cfg->n_layers = f[9];
	for (int l = 0; l < 8; l++)
		cfg->hidden[l] = f[10 + l];
	cfg->bidirectional = f[18];
	cfg->pooling = f[19];
	cfg->n_classes = f[20];
	m->positive_class = f[21];
	cfg->mask = f[22];
	if (n_fields == CONF_FIELDS_V3 && cfg->mask != 1)
		return r_fail(r, MR_ECORRUPT, "the mask flag is written only when set, and must be 1.");

	cfg->head = mr_task_head(m->task);
	if (mr_net_check_config(cfg, &cerr) != MR_OK)
		return r_fail(r, MR_EDIMS, cerr.detail);
	if (m->input_kind != MR_INPUT_TEXT && m->input_kind != MR_INPUT_TOKENS &&
		m->input_kind != MR_INPUT_SERIES)
		return r_fail(r, MR_ECORRUPT, "the input kind is not recognized.");
	if (m->input_kind == MR_INPUT_TEXT && mr_tokenizer_name(m->tokenizer) == NULL)
		return r_fail(r, MR_ECORRUPT, "the tokenizer is not recognized.");
	if (m->input_kind == MR_INPUT_TEXT && m->tokenizer == MR_TOKENIZER_SMILES && m->version < 2)
		return r_fail(r, MR_ECORRUPT, "the smiles tokenizer needs format version 2.");
	if (m->input_kind == MR_INPUT_SERIES)
	{
		/* measurements: three inputs per variable, no tokens */
		if (cfg->vocab_size != 0 || cfg->n_features < MR_SERIES_INPUTS_PER_VAR ||
			cfg->n_features % MR_SERIES_INPUTS_PER_VAR != 0)
			return r_fail(r, MR_ECORRUPT, "a measurement model needs three inputs per variable and no tokens.");
	}
	else if (cfg->vocab_size < 1 || cfg->n_features != 0)
		/* text and token models both embed tokens */
		return r_fail(r, MR_ECORRUPT, "a token model needs a vocabulary and no features.");
	if (m->input_kind != MR_INPUT_TEXT && m->tokenizer != 0)
		return r_fail(r, MR_ECORRUPT, "a tokenizer is set for a model that does not read text.");
	if ((m->lowercase != 0 && m->lowercase != 1) ||
		(m->truncating != MR_PAD_PRE && m->truncating != MR_PAD_POST))
		return r_fail(r, MR_ECORRUPT, "a flag is out of range.");
	if (m->positive_class != -1 &&
		(cfg->n_classes != 2 || m->positive_class < 0 || m->positive_class > 1 ||
		 cfg->head != MR_HEAD_SOFTMAX))
		return r_fail(r, MR_ECORRUPT, "the positive class is out of range.");
	return 1;
}

/* Decode TASK's fixed part (before CONF) into m */
static int
decode_task_head(Reader *r, MrModel *m)
{
	m->task = (int32_t) r_u32(r);
	m->loss = (int32_t) r_u32(r);
	m->target_mean = r_f64(r);
	m->target_scale = r_f64(r);
	if (r->st != MR_OK)
		return 0;
	if (m->task < MR_TASK_MULTILABEL || m->task > MR_TASK_LANGUAGE_MODEL)
		return r_fail(r, MR_ECORRUPT, "the task is not recognized.");
	if (m->task == MR_TASK_LANGUAGE_MODEL && m->version < 5)
		return r_fail(r, MR_ECORRUPT, "a language model needs format version 5.");
	if (m->task == MR_TASK_REGRESSION ?
		m->loss != MR_LOSS_MSE && m->loss != MR_LOSS_HUBER :
		m->loss != 0 || m->target_mean != 0.0 || m->target_scale != 1.0)
		return r_fail(r, MR_ECORRUPT, "the loss or the target scale does not fit the task.");
	/* |mean| and scale bounded so that output * scale + mean stays finite */
	if (!(fabs(m->target_mean) <= MR_MAX_TARGET && m->target_scale > 0.0 &&
		  m->target_scale <= MR_MAX_TARGET))
		return r_fail(r, MR_ENONFINITE, "the target mean or scale is out of range.");
	return 1;
}

/* Decode the rest of TASK (after CONF, which gives K) into m */
static int
decode_task_rest(Reader *r, MrModel *m, const MrAllocator *a)
{
	int32_t		K = m->cfg.n_classes;

	r->p += TASK_FIXED;
	if (mr_task_head(m->task) != MR_HEAD_SIGMOID)
		return r_done(r);
	if ((size_t) (r->end - r->p) != (size_t) K * 4)
		return r_fail(r, MR_ECORRUPT, "the length does not match the label count.");
	if (!(m->thresholds = mr_alloc(a, sizeof(float) * (size_t) K)))
		return r_fail(r, MR_ENOMEM, "out of memory.");
	for (int32_t k = 0; k < K; k++)
	{
		float		t = get_f32((uint8_t *) r->p + 4 * (size_t) k);

		if (!(t > 0.0f && t < 1.0f))
			return r_fail(r, MR_ENONFINITE, "a decision threshold is outside (0, 1).");
		m->thresholds[k] = t;
	}
	r->p += (size_t) K * 4;
	return r_done(r);
}

/* A language model's outputs: "" (a rarer token), then its first K - 1 tokens */
static int
check_lm_outputs(Reader *r, const MrModel *m)
{
	if (m->label_len[0] != 0)
		return r_fail(r, MR_ECORRUPT, "a language model's first output is not the empty name.");
	for (int32_t k = 1; k < m->cfg.n_classes; k++)
		if (m->label_len[k] != m->token_len[k - 1] ||
			memcmp(m->labels[k], m->tokens[k - 1], m->label_len[k]) != 0)
			return r_fail(r, MR_ECORRUPT, "a language model's outputs are not its tokens.");
	return 1;
}

/* Decode LINE into m */
static int
decode_lineage(Reader *r, MrModel *m)
{
	if ((size_t) (r->end - r->p) != LINE_BYTES)
		return r_fail(r, MR_ECORRUPT, "the section has the wrong length.");
	memcpy(m->base_fingerprint, r->p, MR_FINGERPRINT_BYTES);
	r->p += MR_FINGERPRINT_BYTES;
	m->base_rows = r_u64(r);
	if (r->st != MR_OK)
		return 0;
	if (m->base_rows < 1)
		return r_fail(r, MR_ECORRUPT, "the base model was trained on no rows.");
	m->has_base = 1;
	return r_done(r);
}

/* Decode SMIV (after CONF and HIST) into m */
static int
decode_smiles_variants(Reader *r, MrModel *m)
{
	m->smiles_variants = (int32_t) r_u32(r);
	m->rows_not_rewritten = r_u64(r);
	if (!r_done(r))
		return 0;
	if (m->input_kind != MR_INPUT_TEXT ||
		(m->tokenizer != MR_TOKENIZER_CHAR && m->tokenizer != MR_TOKENIZER_SMILES))
		return r_fail(r, MR_ECORRUPT, "SMILES variants are set for a model that does not read SMILES text.");
	if (m->smiles_variants < 2 || m->smiles_variants > MR_MAX_SMILES_VARIANTS)
		return r_fail(r, MR_EDIMS, "the number of SMILES variants is out of range.");
	if (m->rows_not_rewritten > m->rows_used)
		return r_fail(r, MR_ECORRUPT, "more rows were not rewritten than were used.");
	return 1;
}

/* Decode SERI (after CONF) into m */
static int
decode_series(Reader *r, MrModel *m, const MrAllocator *a)
{
	int32_t		V = m->cfg.n_features / MR_SERIES_INPUTS_PER_VAR;

	m->series_time_kind = (int32_t) r_u32(r);
	m->series_origin = (int32_t) r_u32(r);
	m->series_step = r_f64(r);
	if (r->st != MR_OK)
		return 0;
	if (m->series_time_kind != MR_SERIES_TIME_NUMBER && m->series_time_kind != MR_SERIES_TIME_TIMESTAMP)
		return r_fail(r, MR_ECORRUPT, "the time kind is not recognized.");
	if (m->series_origin != MR_ORIGIN_ZERO && m->series_origin != MR_ORIGIN_FIRST)
		return r_fail(r, MR_ECORRUPT, "the time origin is not recognized.");
	if (!(isfinite(m->series_step) && m->series_step > 0.0))
		return r_fail(r, MR_ENONFINITE, "the bin width is not a positive number.");
	m->n_vars = V;
	if (!r_strings(r, V, 1, MR_MAX_TOKEN_BYTES, a, &m->var_names, &m->var_name_len, &m->var_index))
		return 0;
	if ((size_t) (r->end - r->p) != (size_t) V * 8)
		return r_fail(r, MR_ECORRUPT, "the length does not match the variable count.");
	m->var_mean = mr_alloc(a, sizeof(float) * V);
	m->var_scale = mr_alloc(a, sizeof(float) * V);
	if (!m->var_mean || !m->var_scale)
		return r_fail(r, MR_ENOMEM, "out of memory.");
	for (int32_t v = 0; v < V; v++)
	{
		m->var_mean[v] = get_f32(r->p + 4 * v);
		m->var_scale[v] = get_f32(r->p + 4 * (V + v));
		if (!(fabsf(m->var_mean[v]) <= 1e30f) || !(m->var_scale[v] > 0.0f && m->var_scale[v] <= 1e30f))
			return r_fail(r, MR_ENONFINITE, "a variable's mean or scale is not a proper number.");
	}
	r->p += (size_t) 8 * V;
	return r_done(r);
}

/* Decode HIST into m (allocates the epoch log) */
static int
decode_hist(Reader *r, MrModel *m, const MrAllocator *a)
{
	uint32_t	n;

	m->rows_used = r_u64(r);
	m->rows_skipped = r_u64(r);
	m->train_rows = r_u64(r);
	m->val_rows = r_u64(r);
	n = r_u32(r);
	m->best_epoch = (int32_t) r_u32(r);
	m->stopped_early = (int32_t) r_u32(r);
	if (r->st != MR_OK)
		return 0;
	if (n < 1 || n > MR_MAX_EPOCHS)
		return r_fail(r, MR_EDIMS, "the epoch count is out of range.");
	if ((size_t) (r->end - r->p) != (size_t) n * HIST_PER_EPOCH)
		return r_fail(r, MR_ECORRUPT, "the length does not match the epoch count.");
	if (m->best_epoch < 1 || (uint32_t) m->best_epoch > n ||
		(m->stopped_early != 0 && m->stopped_early != 1))
		return r_fail(r, MR_ECORRUPT, "the best epoch or early-stopping flag is out of range.");
	if (m->rows_used < 1 || m->train_rows < 1 ||
		m->train_rows > m->rows_used || m->rows_used - m->train_rows != m->val_rows)
		return r_fail(r, MR_ECORRUPT, "the row counts are inconsistent.");
	m->n_epochs = (int32_t) n;
	m->epochs = mr_alloc0(a, sizeof(MrEpochLog) * n);
	if (!m->epochs)
		return r_fail(r, MR_ENOMEM, "out of memory.");
	for (uint32_t e = 0; e < n; e++)
	{
		MrEpochLog *log = &m->epochs[e];

		log->epoch = (int) e + 1;
		log->loss = r_f64(r);
		log->accuracy = r_f64(r);
		log->val_loss = r_f64(r);
		log->val_accuracy = r_f64(r);
		log->rows = (int64_t) m->train_rows;
		if (!isfinite(log->loss) || log->loss < 0 ||
			!((log->accuracy >= 0 && log->accuracy <= 1) ||
			  (m->task == MR_TASK_REGRESSION && isnan(log->accuracy))))
			return r_fail(r, MR_ENONFINITE, "a training loss or accuracy is out of range.");
		/* validation figures: NaN (none) or a proper value */
		if (!isnan(log->val_loss) && !(isfinite(log->val_loss) && log->val_loss >= 0))
			return r_fail(r, MR_ENONFINITE, "a validation loss is out of range.");
		if (!isnan(log->val_accuracy) && !(log->val_accuracy >= 0 && log->val_accuracy <= 1))
			return r_fail(r, MR_ENONFINITE, "a validation accuracy is out of range.");
	}
	return r_done(r);
}

/* Decode TIME (after HIST) */
static int
decode_time(Reader *r, MrModel *m)
{
	m->train_seconds = r_f64(r);
	m->created_at = r_f64(r);
	if (r->st != MR_OK)
		return 0;
	if ((size_t) (r->end - r->p) != (size_t) m->n_epochs * 8)
		return r_fail(r, MR_ECORRUPT, "the length does not match the epoch count.");
	if (!(isfinite(m->train_seconds) && m->train_seconds >= 0) ||
		!(isfinite(m->created_at) && m->created_at >= 0))
		return r_fail(r, MR_ENONFINITE, "a time is out of range.");
	for (int32_t e = 0; e < m->n_epochs; e++)
	{
		double		s = r_f64(r);

		if (!(isfinite(s) && s >= 0))
			return r_fail(r, MR_ENONFINITE, "an epoch time is out of range.");
		m->epochs[e].seconds = s;
	}
	return r_done(r);
}

/* Validate and decode; see mr_model.h */
MrStatus
mr_model_decode(const uint8_t *buf, size_t len, const MrAllocator *a,
				MrModel **out, MrError *err)
{
	SectionRef	sec[N_TAGS];
	uint32_t	total,
				n_sections;
	uint16_t	version;
	const uint8_t *p,
			   *end;
	MrModel    *m = NULL;
	uint8_t    *copy = NULL;
	Reader		r;
	size_t		n_params;
	size_t		time_offset = 0;

	memset(sec, 0, sizeof(sec));
	*out = NULL;
	if (len < 4 || memcmp(buf, MR_MODEL_MAGIC, 4) != 0)
		return mr_set_error(err, MR_EBADMAGIC,
							"The value does not start with the medrnn model signature \"MRNN\".");
	if (len < MR_MODEL_HEADER_BYTES + 4)
		return mr_set_error(err, MR_ETRUNCATED, "Model has %zu bytes, fewer than the %d of an empty model.",
							len, MR_MODEL_HEADER_BYTES + 4);
	version = get_u16(buf + 4);
	if (version > MR_MODEL_VERSION)
		return mr_set_error(err, MR_EVERSION,
							"Model format version %u is newer than the version %d this medrnn reads.",
							version, MR_MODEL_VERSION);
	if (version == 0 || get_u16(buf + 6) != 0)
		return mr_set_error(err, MR_ECORRUPT, "The header's version or reserved field is invalid.");
	total = get_u32(buf + 8);
	if (total != len)
		return mr_set_error(err, total > len ? MR_ETRUNCATED : MR_ECORRUPT,
							"Model has %zu bytes, its header says %u.", len, total);
	if (mr_crc32c(buf, len - 4) != get_u32(buf + len - 4))
		return mr_set_error(err, MR_ECHECKSUM, "The checksum does not match the contents.");

	/* section table */
	n_sections = get_u32(buf + 12);
	if (n_sections > MR_MODEL_MAX_SECTIONS)
		return mr_set_error(err, MR_EDIMS, "The model claims %u sections.", n_sections);
	p = buf + MR_MODEL_HEADER_BYTES;
	end = buf + len - 4;
	for (uint32_t s = 0; s < n_sections; s++)
	{
		uint32_t	slen;
		size_t		t;

		if ((size_t) (end - p) < 8)
			return mr_set_error(err, MR_ETRUNCATED, "Section %u of %u has no room for its header.",
								s + 1, n_sections);
		slen = get_u32(p + 4);
		if ((size_t) (end - p - 8) < slen)
			return mr_set_error(err, MR_ETRUNCATED, "Section %u claims %u bytes, %zu are left.",
								s + 1, slen, (size_t) (end - p - 8));
		for (t = 0; t < N_TAGS; t++)
			if (memcmp(p, known_tags(t), 4) == 0)
				break;
		if (t == N_TAGS)
			return mr_set_error(err, MR_ECORRUPT, "Section %u has an unrecognized tag.", s + 1);
		if (sec[t].present)
			return mr_set_error(err, MR_ECORRUPT, "Section %s appears twice.", known_tags(t));
		if (known_sections[t].version > version)
			return mr_set_error(err, MR_ECORRUPT, "Section %s needs format version %u; the model says %u.",
								known_tags(t), known_sections[t].version, version);
		if (strcmp(known_tags(t), "TIME") == 0)
		{
			if (s != n_sections - 1)
				return mr_set_error(err, MR_ECORRUPT, "Section TIME is not the last section.");
			time_offset = (size_t) (p - buf);
		}
		sec[t].present = 1;
		sec[t].payload = p + 8;
		sec[t].len = slen;
		p += 8 + (size_t) slen;
	}
	if (p != end)
		return mr_set_error(err, MR_ECORRUPT, "%zu bytes follow the last section.", (size_t) (end - p));
	for (size_t t = 0; t < N_TAGS; t++)
		if (!sec[t].present && strcmp(known_tags(t), "VOCB") != 0 &&
			strcmp(known_tags(t), "SERI") != 0 && strcmp(known_tags(t), "SMIV") != 0 &&
			strcmp(known_tags(t), "TASK") != 0 && strcmp(known_tags(t), "LINE") != 0)
			return mr_set_error(err, MR_ECORRUPT, "Required section %s is missing.", known_tags(t));

	/*
	 * Everything below reads from our own copy: the strings point into it,
	 * and the caller's buffer need not outlive the model.
	 */
	m = mr_alloc0(a, sizeof(MrModel));
	copy = mr_alloc(a, len);
	if (!m || !copy)
	{
		mr_free(a, m);
		mr_free(a, copy);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a model of %zu bytes.", len);
	}
	memcpy(copy, buf, len);
#define OPEN(idx) \
	(r.p = sec[idx].present ? copy + (sec[idx].payload - buf) : copy, \
	 r.end = r.p + (sec[idx].present ? sec[idx].len : 0), \
	 r.section = known_tags(idx))
	memset(&r, 0, sizeof(r));
	r.err = err;
	r.st = MR_OK;
	m->version = version;
	m->fingerprint_len = time_offset;
	m->buffer = copy;

	/* the task first: it sets the head, which CONF's checks depend on */
	OPEN(9);
	if (sec[9].present && !decode_task_head(&r, m))
		goto fail;
	OPEN(0);
	if (!decode_conf(&r, m))
		goto fail;
	OPEN(9);
	if (sec[9].present && !decode_task_rest(&r, m, a))
		goto fail;

	/* VOCB present exactly when there are tokens */
	OPEN(1);
	if (m->cfg.vocab_size > 0)
	{
		if (!sec[1].present)
		{
			r_fail(&r, MR_ECORRUPT, "the section is missing although the model reads tokens.");
			goto fail;
		}
		m->n_tokens = m->cfg.vocab_size - 1;
		if (!r_strings(&r, m->n_tokens, 1, MR_MAX_TOKEN_BYTES, a,
					   &m->tokens, &m->token_len, &m->vocab) || !r_done(&r))
			goto fail;
	}
	else if (sec[1].present)
	{
		r_fail(&r, MR_ECORRUPT, "the section is present although the model reads no tokens.");
		goto fail;
	}

	OPEN(7);
	if (m->input_kind == MR_INPUT_SERIES)
	{
		if (!sec[7].present)
		{
			r_fail(&r, MR_ECORRUPT, "the section is missing although the model reads measurements.");
			goto fail;
		}
		if (!decode_series(&r, m, a))
			goto fail;
	}
	else if (sec[7].present)
	{
		r_fail(&r, MR_ECORRUPT, "the section is present although the model reads no measurements.");
		goto fail;
	}

	/* class labels may be empty strings; label names and column names not */
	OPEN(2);
	if (!r_strings(&r, m->cfg.n_classes,
				   m->task == MR_TASK_CLASSIFICATION || m->task == MR_TASK_LANGUAGE_MODEL ? 0 : 1,
				   MR_MAX_LABEL_BYTES, a, &m->labels, &m->label_len, &m->label_index) ||
		!r_done(&r))
		goto fail;
	if (m->task == MR_TASK_LANGUAGE_MODEL && !check_lm_outputs(&r, m))
		goto fail;
	OPEN(10);
	if (sec[10].present && !decode_lineage(&r, m))
		goto fail;

	OPEN(3);
	mr_net_param_count(&m->cfg, &n_params);
	{
		uint32_t	count = r_u32(&r);
		uint8_t    *wp;

		if (r.st != MR_OK)
			goto fail;
		if (count != n_params || (size_t) (r.end - r.p) / 4 != n_params || (r.end - r.p) % 4 != 0)
		{
			char		msg[160];

			snprintf(msg, sizeof(msg), "%u weights in %zu bytes where the configuration implies %zu.",
					 count, (size_t) (r.end - r.p), n_params);
			r_fail(&r, MR_EDIMS, msg);
			goto fail;
		}
		m->params = mr_alloc(a, sizeof(float) * (n_params > 0 ? n_params : 1));
		if (!m->params)
		{
			r_fail(&r, MR_ENOMEM, "out of memory.");
			goto fail;
		}
		wp = (uint8_t *) r.p;
		for (size_t i = 0; i < n_params; i++)
		{
			float		v = get_f32(wp + 4 * i);

			if (!(v >= -MR_NET_MAX_WEIGHT && v <= MR_NET_MAX_WEIGHT))
			{
				char		msg[96];

				snprintf(msg, sizeof(msg), "weight %zu is not a number within +-%g.", i,
						 (double) MR_NET_MAX_WEIGHT);
				r_fail(&r, MR_ENONFINITE, msg);
				goto fail;
			}
			m->params[i] = v;
		}
		r.p += 4 * n_params;
		if (!r_done(&r))
			goto fail;
		mr_net_bind(&m->net, &m->cfg, m->params, n_params);
	}

	OPEN(4);
	if (sec[4].len > MR_MODEL_MAX_OPTIONS || !mr_utf8_valid(r.p, sec[4].len) ||
		memchr(r.p, 0, sec[4].len) != NULL)
	{
		r_fail(&r, MR_ECORRUPT, "the options are not UTF-8 text of at most 1 MB.");
		goto fail;
	}
	m->options_json = (const char *) r.p;
	m->options_len = sec[4].len;

	OPEN(5);
	if (!decode_hist(&r, m, a))
		goto fail;
	OPEN(8);
	if (sec[8].present && !decode_smiles_variants(&r, m))
		goto fail;
	OPEN(6);
	if (!decode_time(&r, m))
		goto fail;
#undef OPEN

	*out = m;
	return MR_OK;

fail:
	mr_model_free(m, a);
	return r.st != MR_OK ? r.st : MR_ECORRUPT;
}

/* Free a decoded model and everything it points to */
void
mr_model_free(MrModel *m, const MrAllocator *a)
{
	if (!m)
		return;
	mr_free(a, m->params);
	mr_free(a, m->tokens);
	mr_free(a, m->token_len);
	if (m->vocab)
		mr_vocab_free(m->vocab);
	mr_free(a, m->labels);
	mr_free(a, m->label_len);
	if (m->label_index)
		mr_vocab_free(m->label_index);
	mr_free(a, m->epochs);
	mr_free(a, m->var_names);
	mr_free(a, m->var_name_len);
	if (m->var_index)
		mr_vocab_free(m->var_index);
	mr_free(a, m->var_mean);
	mr_free(a, m->var_scale);
	mr_free(a, m->thresholds);
	mr_free(a, m->buffer);
	mr_free(a, m);
}
