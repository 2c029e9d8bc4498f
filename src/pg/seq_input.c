/*
 * seq_input.c
 *	  rnnseq values as model input (see seq_input.h).
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"

#include "medrnn.h"
#include "seq_input.h"

/* How a sequence kind is read */
MedrnnSeqMode
MedrnnSeqModeOf(const MrSeqView *v)
{
	if (v->kind == MR_SEQ_MEASURES)
		return MEDRNN_SEQ_SERIES;
	if (v->kind == MR_SEQ_TOKENS || v->kind == MR_SEQ_TIMED)
		return MEDRNN_SEQ_TOKENS;
	return MEDRNN_SEQ_ANY;
}

/* Dictionary string k of v in UTF-8 */
static const char *
seq_string(const MrSeqView *v, int32 k, size_t *len)
{
	const char *s = v->strbytes + v->str_off[k];
	int			n = v->str_off[k + 1] - v->str_off[k];
	char	   *u = pg_server_to_any(s, n, PG_UTF8);

	*len = u == s ? (size_t) n : strlen(u);
	return u;
}

/* Tokens of a token sequence; NULL tokens are missing and skipped */
int
MedrnnSeqTokens(const MrSeqView *v, const char ***toks, size_t **lens)
{
	int			k = 0;

	*toks = palloc(sizeof(char *) * (v->n + 1));
	*lens = palloc(sizeof(size_t) * (v->n + 1));
	for (int32 i = 0; i < v->n; i++)
	{
		if (v->str[i] < 0)
			continue;
		(*toks)[k] = seq_string(v, v->str[i], &(*lens)[k]);
		k++;
	}
	return k;
}

/* Events of a measurement sequence as arrays */
int
MedrnnSeqEvents(const MrSeqView *v, double **times, const char ***vars,
				size_t **var_lens, double **values)
{
	/* convert each dictionary string once */
	const char **dict = palloc(sizeof(char *) * (v->n_strings + 1));
	size_t	   *dict_len = palloc(sizeof(size_t) * (v->n_strings + 1));

	for (int32 k = 0; k < v->n_strings; k++)
		dict[k] = seq_string(v, k, &dict_len[k]);
	*times = palloc(sizeof(double) * (v->n + 1));
	*vars = palloc(sizeof(char *) * (v->n + 1));
	*var_lens = palloc(sizeof(size_t) * (v->n + 1));
	*values = palloc(sizeof(double) * (v->n + 1));
	for (int32 i = 0; i < v->n; i++)
	{
		int32		k = v->str[i];

		(*times)[i] = v->times[i];
		(*vars)[i] = k >= 0 ? dict[k] : "";
		(*var_lens)[i] = k >= 0 ? dict_len[k] : 0;
		(*values)[i] = v->value_null[i] ? NAN : v->values[i];
	}
	return v->n;
}

/* The grid of a measurement model */
void
MedrnnSeriesSpec(const MrModel *m, MrSeriesSpec *spec)
{
	spec->n_vars = m->n_vars;
	spec->T = m->cfg.maxlen;
	spec->step = m->series_step;
	spec->origin = m->series_origin;
	spec->mean = m->var_mean;
	spec->scale = m->var_scale;
}

/* Resample one sequence for prediction; see seq_input.h */
int32
MedrnnSeqSeriesRow(const MrModel *m, const MrSeqView *v,
				   MedrnnSeriesScratch *sc, MemoryContext cxt)
{
	MrSeriesSpec spec;
	int32	   *dict_var;

	if (v->kind != MR_SEQ_MEASURES && v->kind != MR_SEQ_EMPTY)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("this model reads measurement sequences, not %s",
						v->kind == MR_SEQ_TOKENS ? "token sequences" : "timed token sequences"),
				 errhint("Build the sequence with rnn_seq(time, variable, value).")));
	if (v->kind == MR_SEQ_MEASURES &&
		(v->time_kind == MR_SEQ_TIME_TIMESTAMP) != (m->series_time_kind == MR_SERIES_TIME_TIMESTAMP))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("this model reads sequences timed by %s",
						m->series_time_kind == MR_SERIES_TIME_TIMESTAMP ? "timestamps" : "numbers")));
	if (sc->cap < v->n || sc->feats == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);
		int32		cap = Max(v->n, 64);

		if (sc->feats == NULL)
		{
			MrAllocator a = MedrnnAllocator(cxt);

			if (mr_series_work_new(m->n_vars, &a, &sc->work) != MR_OK)
				ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
			sc->feats = palloc(sizeof(float) * (Size) m->cfg.maxlen * m->cfg.n_features);
		}
		if (sc->times)
		{
			pfree(sc->times);
			pfree(sc->vars);
			pfree(sc->values);
		}
		sc->times = palloc(sizeof(double) * cap);
		sc->vars = palloc(sizeof(int32) * cap);
		sc->values = palloc(sizeof(double) * cap);
		sc->cap = cap;
		MemoryContextSwitchTo(old);
	}
	/* map each dictionary string to the model's variable once */
	dict_var = palloc(sizeof(int32) * (v->n_strings + 1));
	for (int32 k = 0; k < v->n_strings; k++)
	{
		size_t		len;
		const char *u = seq_string(v, k, &len);

		dict_var[k] = mr_vocab_lookup(m->var_index, u, len);
	}
	for (int32 i = 0; i < v->n; i++)
	{
		sc->times[i] = v->times[i];
		sc->vars[i] = v->str[i] >= 0 ? dict_var[v->str[i]] : -1;
		sc->values[i] = v->value_null[i] ? NAN : v->values[i];
	}
	MedrnnSeriesSpec(m, &spec);
	mr_series_row(&spec, sc->times, sc->vars, sc->values, v->n, &sc->work, sc->feats);
	pfree(dict_var);
	return m->cfg.maxlen;
}
