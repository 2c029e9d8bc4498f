/*
 * info.c
 *	  rnn_model_info(model): what a model is, how it was trained, as jsonb.
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include "common/cryptohash.h"
#include "common/jsonapi.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "info.h"
#include "medrnn.h"
#include "model_cache.h"
#include "mr_series.h"
#include "mr_tokenize.h"

/* Append a JSON string from UTF-8 bytes */
static void
append_string(StringInfo b, const char *utf8, size_t len)
{
	escape_json(b, MedrnnUtf8ToServer(utf8, len));
}

/* See info.h */
void
MedrnnModelDigest(const uint8 *buf, size_t len, uint8 *digest)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	StaticAssertStmt(PG_SHA256_DIGEST_LENGTH == MR_FINGERPRINT_BYTES, "a fingerprint is a SHA-256");
	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, buf, len) < 0 ||
		pg_cryptohash_final(ctx, digest, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
}

/* A digest in hex */
static char *
hex_digest(const uint8 *digest)
{
	char	   *hex = palloc(2 * PG_SHA256_DIGEST_LENGTH + 1);

	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
	return hex;
}

/* SHA-256 of the bytes that identify a model (all but its timings), in hex */
static char *
fingerprint(const uint8 *buf, size_t len)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	MedrnnModelDigest(buf, len, digest);
	return hex_digest(digest);
}

/* Limits on the stored options that jsonb_in could otherwise trip over */
#define MAX_OPTIONS_DEPTH 32
#define MAX_NUMBER_CHARS 64

typedef struct OptionsCheck
{
	int			depth;
} OptionsCheck;

static void
options_invalid(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid medrnn model"),
			 errdetail("Section OPTS %s.", why)));
}

static void
options_nest(void *state)
{
	OptionsCheck *c = state;

	if (++c->depth > MAX_OPTIONS_DEPTH)
		options_invalid("nests too deeply");
}

static void
options_unnest(void *state)
{
	((OptionsCheck *) state)->depth--;
}

/* A number must be one jsonb can hold: short, finite, not underflowing */
static void
options_scalar(void *state, char *token, JsonTokenType type)
{
	if (type == JSON_TOKEN_NUMBER)
	{
		double		d;

		errno = 0;
		d = strtod(token, NULL);
		if (strlen(token) > MAX_NUMBER_CHARS || errno == ERANGE || !isfinite(d))
			options_invalid("holds a number out of range");
	}
}

/*
 * The stored options as server-encoding JSON text.  The decoder checked it
 * is UTF-8; a crafted model could still hold text that is not JSON, or JSON
 * that jsonb cannot take (a \u0000 escape, a lone surrogate, a huge number,
 * deep nesting).  Each of those must be "invalid medrnn model" like any
 * other damage, so the text is checked here, strictly, before jsonb_in
 * sees it.
 */
static char *
options_text(const MrModel *m)
{
	char	   *s = MedrnnUtf8ToServer(m->options_json, m->options_len);
	JsonLexContext *lex = makeJsonLexContextCstringLen(s, strlen(s), GetDatabaseEncoding(), true);
	JsonSemAction sem;
	OptionsCheck check = {0};

	memset(&sem, 0, sizeof(sem));
	sem.semstate = &check;
	sem.object_start = options_nest;
	sem.object_end = options_unnest;
	sem.array_start = options_nest;
	sem.array_end = options_unnest;
	sem.scalar = options_scalar;
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS)
		options_invalid("is not valid JSON");
	return s;
}

/*
 * A duration to the millisecond: the model stores what the clock said, but
 * 28.247613209999997 s claims a precision a shared machine's clock lacks
 */
static double
round_ms(double seconds)
{
	return round(seconds * 1000.0) / 1000.0;
}

/* rnn_model_info's document as JSON text; see info.h */
char *
MedrnnModelInfoText(bytea *b, const MrModel *m)
{
	const MrNetConfig *cfg = &m->cfg;
	StringInfoData j;
	size_t		n_params;
	static const char *const pools[] = {"last", "max", "mean"};

	mr_net_param_count(cfg, &n_params);
	initStringInfo(&j);
	appendStringInfo(&j, "{\"format_version\": %d, \"size_bytes\": %zu, \"fingerprint\": \"%s\"",
					 m->version, (size_t) VARSIZE_ANY_EXHDR(b),
					 fingerprint((const uint8 *) VARDATA_ANY(b), m->fingerprint_len));
	appendStringInfo(&j, ", \"input\": \"%s\"",
					 m->input_kind == MR_INPUT_TEXT ? "text" :
					 m->input_kind == MR_INPUT_TOKENS ? "tokens" : "measurements");
	if (m->input_kind == MR_INPUT_SERIES)
	{
		appendStringInfo(&j, ", \"time\": \"%s\", \"origin\": \"%s\", \"step\": ",
						 m->series_time_kind == MR_SERIES_TIME_TIMESTAMP ? "timestamp" : "number",
						 m->series_origin == MR_ORIGIN_FIRST ? "first" : "zero");
		MedrnnAppendJsonNumber(&j, m->series_step);
		appendStringInfoString(&j, ", \"variables\": [");
		for (int v = 0; v < m->n_vars; v++)
		{
			appendStringInfo(&j, "%s{\"name\": ", v ? ", " : "");
			append_string(&j, m->var_names[v], m->var_name_len[v]);
			appendStringInfoString(&j, ", \"mean\": ");
			MedrnnAppendJsonNumber(&j, m->var_mean[v]);
			appendStringInfoString(&j, ", \"sd\": ");
			MedrnnAppendJsonNumber(&j, m->var_scale[v]);
			appendStringInfoChar(&j, '}');
		}
		appendStringInfoChar(&j, ']');
	}
	if (m->input_kind == MR_INPUT_TEXT)
		appendStringInfo(&j, ", \"tokenizer\": \"%s\", \"lowercase\": %s",
						 mr_tokenizer_name(m->tokenizer),
						 m->lowercase ? "true" : "false");
	/* 1 without variants; how many training texts stood for their variants */
	if (m->input_kind == MR_INPUT_TEXT)
		appendStringInfo(&j, ", \"smiles_variants\": %d, \"rows_not_rewritten\": " UINT64_FORMAT,
						 m->smiles_variants > 1 ? m->smiles_variants : 1, m->rows_not_rewritten);
	appendStringInfo(&j, ", \"vocabulary_size\": %d, \"embedding_rows\": %d",
					 m->n_tokens, cfg->vocab_size);
	if (m->task == MR_TASK_LANGUAGE_MODEL)
	{
		/* its outputs are its commonest tokens and one for the rest */
		const MrEpochLog *best = &m->epochs[m->best_epoch - 1];

		appendStringInfo(&j, ", \"output_words\": %d, \"perplexity\": ", cfg->n_classes);
		MedrnnAppendJsonNumber(&j, exp(best->loss));
		appendStringInfoString(&j, ", \"val_perplexity\": ");
		if (isnan(best->val_loss))
			appendStringInfoString(&j, "null");
		else
			MedrnnAppendJsonNumber(&j, exp(best->val_loss));
	}
	else
	{
		appendStringInfo(&j, ", \"classes\": %d, \"labels\": [", cfg->n_classes);
		for (int k = 0; k < cfg->n_classes; k++)
		{
			if (k)
				appendStringInfoString(&j, ", ");
			append_string(&j, m->labels[k], m->label_len[k]);
		}
		appendStringInfoString(&j, "], \"positive_label\": ");
		if (m->positive_class >= 0)
			append_string(&j, m->labels[m->positive_class], m->label_len[m->positive_class]);
		else
			appendStringInfoString(&j, "null");
	}
	if (m->has_base)
		appendStringInfo(&j, ", \"base_model\": {\"fingerprint\": \"%s\", \"rows_used\": " UINT64_FORMAT "}",
						 hex_digest(m->base_fingerprint), m->base_rows);
	/* what a model that does not classify predicts, and how it decides */
	if (m->task != MR_TASK_CLASSIFICATION)
		appendStringInfo(&j, ", \"task\": \"%s\"", mr_task_name(m->task));
	if (m->task == MR_TASK_REGRESSION)
	{
		appendStringInfo(&j, ", \"loss\": \"%s\", \"target_mean\": ",
						 m->loss == MR_LOSS_HUBER ? "huber" : "mse");
		MedrnnAppendJsonNumber(&j, m->target_mean);
		appendStringInfoString(&j, ", \"target_scale\": ");
		MedrnnAppendJsonNumber(&j, m->target_scale);
	}
	else if (m->task == MR_TASK_MULTILABEL || m->task == MR_TASK_MULTITASK)
	{
		appendStringInfoString(&j, ", \"thresholds\": [");
		for (int k = 0; k < cfg->n_classes; k++)
		{
			if (k)
				appendStringInfoString(&j, ", ");
			MedrnnAppendJsonNumber(&j, m->thresholds[k]);
		}
		appendStringInfoChar(&j, ']');
	}
	appendStringInfo(&j, ", \"maxlen\": %d, \"padding\": \"%s\", \"truncating\": \"%s\"",
					 cfg->maxlen, cfg->padding == MR_PAD_PRE ? "pre" : "post",
					 m->truncating == MR_PAD_PRE ? "pre" : "post");
	appendStringInfo(&j, ", \"embed_dim\": %d, \"hidden\": [", cfg->embed_dim);
	for (int l = 0; l < cfg->n_layers; l++)
		appendStringInfo(&j, "%s%d", l ? ", " : "", cfg->hidden[l]);
	appendStringInfo(&j, "], \"bidirectional\": %s, \"pooling\": \"%s\", \"parameters\": %zu",
					 cfg->bidirectional ? "true" : "false", pools[cfg->pooling], n_params);
	appendStringInfo(&j, ", \"options\": %s", options_text(m));
	appendStringInfo(&j, ", \"rows_used\": " UINT64_FORMAT ", \"rows_skipped\": " UINT64_FORMAT
					 ", \"train_rows\": " UINT64_FORMAT ", \"validation_rows\": " UINT64_FORMAT,
					 m->rows_used, m->rows_skipped, m->train_rows, m->val_rows);
	appendStringInfo(&j, ", \"best_epoch\": %d, \"stopped_early\": %s, \"epochs\": [",
					 m->best_epoch, m->stopped_early ? "true" : "false");
	for (int e = 0; e < m->n_epochs; e++)
	{
		const MrEpochLog *log = &m->epochs[e];

		appendStringInfo(&j, "%s{\"epoch\": %d, \"loss\": ", e ? ", " : "", e + 1);
		MedrnnAppendJsonNumber(&j, log->loss);
		appendStringInfoString(&j, ", \"accuracy\": ");
		MedrnnAppendJsonNumber(&j, log->accuracy);
		if (!isnan(log->val_loss))
		{
			appendStringInfoString(&j, ", \"val_loss\": ");
			MedrnnAppendJsonNumber(&j, log->val_loss);
			appendStringInfoString(&j, ", \"val_accuracy\": ");
			MedrnnAppendJsonNumber(&j, log->val_accuracy);
		}
		appendStringInfoString(&j, ", \"seconds\": ");
		MedrnnAppendJsonNumber(&j, round_ms(log->seconds));
		appendStringInfoChar(&j, '}');
	}
	appendStringInfoString(&j, "], \"training_seconds\": ");
	MedrnnAppendJsonNumber(&j, round_ms(m->train_seconds));
	/* UTC and ISO 8601 whatever DateStyle and TimeZone say: this is IMMUTABLE */
	{
		time_t		t = (time_t) m->created_at;
		struct tm	tm;
		char		iso[64];

		if (m->created_at < 253402300800.0 && gmtime_r(&t, &tm) != NULL &&
			strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
			appendStringInfo(&j, ", \"created_at\": \"%s\"}", iso);
		else
			appendStringInfoString(&j, ", \"created_at\": null}");
	}
	return j.data;
}

PG_FUNCTION_INFO_V1(rnn_model_info);

/* Describe a model */
Datum
rnn_model_info(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in,
										CStringGetDatum(MedrnnModelInfoText(b, MedrnnDecodeModel(b)))));
}
