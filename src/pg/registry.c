/*
 * registry.c
 *	  rnn_predict(name, input) and rnn_predict_proba(name, input): predict
 *	  with the deployed version of a model in the rnn_model registry.
 *
 * A decoded model is kept per backend, keyed by name, so a query does not
 * decode it again, and neither does the next query.  At the first call of
 * each query (and call site) the registry is asked, with the caller's
 * privileges, which version is deployed and which row version holds it
 * (its xmin); a deployment, a rollback or an edit of that row since the
 * model was cached gives another answer, and the model is read again.
 * So another connection's deployment is seen by the next query here, and
 * within one query the model does not change (these functions are STABLE).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "medrnn.h"
#include "model_cache.h"
#include "predict.h"

#define MAX_MODEL_NAME 128

/* A deployed model decoded in this backend */
typedef struct NamedModel
{
	char		name[MAX_MODEL_NAME];	/* hash key */
	int32		version;
	int64		row_xmin;		/* xmin of the registry row it was read from */
	MedrnnCachedModel *c;		/* in its own context under the cache's */
} NamedModel;

/* What one call site validated in this query */
typedef struct CallSiteCache
{
	char		name[MAX_MODEL_NAME];
	NamedModel *entry;
} CallSiteCache;

static HTAB *named_models = NULL;
static MemoryContext named_cxt = NULL;

/*
 * The registry table, qualified by the extension's schema: the schema of
 * the calling SQL function (the extension is not relocatable).
 */
static char *
registry_table(FunctionCallInfo fcinfo)
{
	char	   *nsp = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));

	return quote_qualified_identifier(nsp, "rnn_model");
}

/* Look the deployed version of name up; load it if it is not the cached one */
static NamedModel *
deployed_model(FunctionCallInfo fcinfo, const char *name)
{
	NamedModel *e;
	bool		found;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int32		version;
	int64		row_xmin;
	bool		isnull;
	char	   *table = registry_table(fcinfo);

	if (strlen(name) >= MAX_MODEL_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("model name \"%s\" is too long", name)));
	if (named_models == NULL)
	{
		HASHCTL		ctl;

		named_cxt = AllocSetContextCreate(TopMemoryContext, "medrnn named models",
										  ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = MAX_MODEL_NAME;
		ctl.entrysize = sizeof(NamedModel);
		ctl.hcxt = named_cxt;
		named_models = hash_create("medrnn named models", 16, &ctl,
								   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}

	args[0] = CStringGetTextDatum(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(psprintf("SELECT version, xmin::text::bigint FROM %s WHERE name = $1 AND deployed",
									   table),
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the model registry failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no deployed model named \"%s\"", name),
				 errhint("Train one with rnn_train_model, or deploy a version with rnn_deploy.")));
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	row_xmin = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));

	e = hash_search(named_models, name, HASH_ENTER, &found);
	if (!found)
	{
		e->version = 0;
		e->row_xmin = 0;
		e->c = NULL;
	}
	if (e->c == NULL || e->version != version || e->row_xmin != row_xmin)
	{
		Datum		d;
		bytea	   *model;

		if (SPI_execute_with_args(psprintf("SELECT model FROM %s WHERE name = $1 AND deployed", table),
								  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
			SPI_processed == 0)
			elog(ERROR, "reading the deployed model failed");
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		model = DatumGetByteaPP(d);
		if (e->c)
		{
			MemoryContextDelete(e->c->cxt);
			pfree(e->c);
			e->c = NULL;
		}
		e->c = MedrnnLoadModel(named_cxt, model);
		e->version = version;
		e->row_xmin = row_xmin;
	}
	SPI_finish();
	return e;
}

/* The cached model for this call: validated once per query and name */
static MedrnnCachedModel *
named_model(FunctionCallInfo fcinfo)
{
	CallSiteCache *cs = (CallSiteCache *) fcinfo->flinfo->fn_extra;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (cs == NULL)
	{
		cs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallSiteCache));
		fcinfo->flinfo->fn_extra = cs;
	}
	if (cs->entry == NULL || strcmp(cs->name, name) != 0)
	{
		cs->entry = deployed_model(fcinfo, name);
		strlcpy(cs->name, name, sizeof(cs->name));
	}
	return cs->entry->c;
}

PG_FUNCTION_INFO_V1(rnn_predict_named);

/* The most probable label, by the deployed version of a named model */
Datum
rnn_predict_named(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = named_model(fcinfo);
	const float *p = MedrnnPredictDatum(c, PG_GETARG_DATUM(1),
										get_fn_expr_argtype(fcinfo->flinfo, 1));

	PG_RETURN_TEXT_P(MedrnnLabelText(c->model, MedrnnArgmax(p, c->model->cfg.n_classes)));
}

PG_FUNCTION_INFO_V1(rnn_predict_proba_named);

/* Every label's probability, by the deployed version of a named model */
Datum
rnn_predict_proba_named(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = named_model(fcinfo);
	const float *p = MedrnnPredictDatum(c, PG_GETARG_DATUM(1),
										get_fn_expr_argtype(fcinfo->flinfo, 1));

	PG_RETURN_JSONB_P(MedrnnProbaJsonb(c->model, p));
}
