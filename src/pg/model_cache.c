/*
 * model_cache.c
 *	  One decoded model per call site, in fn_extra.
 *
 * A default model is about 11 MB, so detoasting and validating it for
 * every row of a table would cost far more than the prediction.  The
 * decoded model is cached in fn_mcxt (it lives as long as the query's call
 * site) and reused while the argument is the same value.  Sameness is
 * exact: a model read from a table arrives as an on-disk TOAST pointer,
 * and TOAST values are immutable, so (toast relation, value id) identify
 * it without reading it; any other datum is compared byte for byte with
 * the cached copy.
 */
#include "postgres.h"

#include "access/detoast.h"
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#include "medrnn.h"
#include "model_cache.h"

/* Decode and validate; errors for anything that is not a good model */
static MrModel *
decode_in(MemoryContext cxt, bytea *b)
{
	MrAllocator a = MedrnnAllocator(cxt);
	MrModel    *m;
	MrError		err;

	if (mr_model_decode((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
						&a, &m, &err) != MR_OK)
		MedrnnReportModelError(&err);
	return m;
}

/* Decode a model in the current memory context */
MrModel *
MedrnnDecodeModel(bytea *b)
{
	return decode_in(CurrentMemoryContext, b);
}

/* Does the cached entry hold the model of this raw (maybe toasted) datum? */
static bool
cache_matches(const MedrnnCachedModel *c, struct varlena *raw, bytea **detoasted)
{
	if (VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		struct varatt_external ptr;

		VARATT_EXTERNAL_GET_POINTER(ptr, raw);
		return c->external && c->toastrelid == ptr.va_toastrelid &&
			c->valueid == ptr.va_valueid;
	}
	*detoasted = (bytea *) pg_detoast_datum_packed(raw);
	return !c->external &&
		VARSIZE_ANY_EXHDR(*detoasted) == VARSIZE_ANY_EXHDR(c->copy) &&
		memcmp(VARDATA_ANY(*detoasted), VARDATA_ANY(c->copy),
			   VARSIZE_ANY_EXHDR(c->copy)) == 0;
}

/* See model_cache.h */
void
MedrnnCheckPredictor(const MrModel *m)
{
	size_t		need;

	/* a language model predicts tokens, not what these functions answer */
	if (m->task == MR_TASK_LANGUAGE_MODEL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model is a language model, which predicts no labels"),
				 errdetail("rnn_pretrain made it to be fine-tuned, not to predict."),
				 errhint("Fine-tune it on labelled rows: rnn_train(relation, input_col, label_col, model).")));

	/*
	 * A model's shape is whatever its bytes say: check the workspace it asks
	 * for against the memory budget before allocating it.
	 */
	if (mr_predictor_size(m, &need) != MR_OK ||
		need > (size_t) medrnn_train_memory_limit * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("predicting with this model needs more memory than medrnn.train_memory_limit (%d kB)",
						medrnn_train_memory_limit),
				 errhint("Raise medrnn.train_memory_limit.")));
}

/* Prepare the inference state of a freshly decoded model in c->cxt */
static void
prepare(MedrnnCachedModel *c)
{
	MrAllocator a = MedrnnAllocator(c->cxt);
	MemoryContext old;

	MedrnnCheckPredictor(c->model);
	old = MemoryContextSwitchTo(c->cxt);
	MedrnnUseThreads(1);
	if (mr_predictor_new(c->model, &a, &c->predictor) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	MemoryContextSwitchTo(old);
}

static void
fill_entry(MedrnnCachedModel *c, bytea *b, struct varlena *raw)
{
	MemoryContext caller = CurrentMemoryContext;

	PG_TRY();
	{
		c->model = decode_in(c->cxt, b);
		if (raw != NULL && VARATT_IS_EXTERNAL_ONDISK(raw))
		{
			struct varatt_external ptr;

			VARATT_EXTERNAL_GET_POINTER(ptr, raw);
			c->external = true;
			c->toastrelid = ptr.va_toastrelid;
			c->valueid = ptr.va_valueid;
		}
		else if (raw != NULL)
		{
			c->copy = MemoryContextAlloc(c->cxt, VARSIZE_ANY(b));
			memcpy(c->copy, b, VARSIZE_ANY(b));
		}
		prepare(c);
	}
	PG_CATCH();
	{
		/* prepare() may have failed while in c->cxt: leave it first */
		MemoryContextSwitchTo(caller);
		MemoryContextDelete(c->cxt);
		pfree(c);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/* See model_cache.h */
MedrnnCachedModel *
MedrnnLoadModel(MemoryContext parent, bytea *b)
{
	MedrnnCachedModel *c = MemoryContextAllocZero(parent, sizeof(MedrnnCachedModel));

	c->cxt = AllocSetContextCreate(parent, "medrnn model", ALLOCSET_DEFAULT_SIZES);
	fill_entry(c, b, NULL);
	return c;
}

/* See model_cache.h */
MedrnnCachedModel *
MedrnnGetModel(FunctionCallInfo fcinfo, int argno)
{
	MedrnnCachedModel *c = (MedrnnCachedModel *) fcinfo->flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) PG_GETARG_POINTER(argno);
	bytea	   *b = NULL;

	if (c != NULL && cache_matches(c, raw, &b))
		return c;

	/*
	 * A different model.  Drop the old one before decoding the new one, so
	 * that two large models are never held at once, and unpublish it first:
	 * if decoding fails, the next call through this FmgrInfo finds no entry
	 * rather than a freed or half-built one.
	 */
	if (c != NULL)
	{
		fcinfo->flinfo->fn_extra = NULL;
		MemoryContextDelete(c->cxt);
		pfree(c);
	}
	if (b == NULL)
		b = (bytea *) pg_detoast_datum_packed(raw);
	c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(MedrnnCachedModel));
	c->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "medrnn model cache",
								   ALLOCSET_DEFAULT_SIZES);
	fill_entry(c, b, raw);
	fcinfo->flinfo->fn_extra = c;
	return c;
}
