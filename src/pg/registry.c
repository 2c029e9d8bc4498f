/*
 * registry.c
 *	  rnn_predict(name, input) and rnn_predict_proba(name, input): predict
 *	  with the deployed version of a model in the rnn_model registry.
 *
 * A decoded model is kept per backend, keyed by name (for the few names
 * used most recently, see MAX_NAMED_MODELS), so a query does not decode it
 * again, and neither does the next query.  At the first call of each query
 * (and call site) the registry is asked, with the caller's privileges,
 * which version is deployed and which row version holds it (its xmin and
 * ctid); a deployment, a rollback or an edit of that row since the model
 * was cached gives another answer, and the model is read again.  So
 * another connection's deployment is seen by the next query here, and
 * within one query the model does not change (these functions are STABLE).
 *
 * The call site keeps a reference to the decoded model it validated, not
 * to the cache entry, and the model is freed only when its last reference
 * goes.  So whatever happens to the cache during the query (a function
 * called by the query deploys or damages the model and predicts with it,
 * or predicts with enough other names to evict it), the call site goes on
 * with the model it started with, and never with a freed one.  A model
 * that fails to decode is never cached: the entry keeps the model it had.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "medrnn.h"
#include "model_cache.h"
#include "predict.h"
#include "registry.h"

/*
 * Names are at most 100 characters, as the registry table's CHECK says
 * (length() counts characters, not bytes); the buffer holds 100 characters
 * of the widest encoding.
 */
#define MAX_MODEL_NAME_CHARS 100
#define MODEL_NAME_BUFSIZE (MAX_MODEL_NAME_CHARS * MAX_MULTIBYTE_CHAR_LEN + 1)

/*
 * How many named models a backend keeps decoded.  A decoded model takes
 * about twice the size of its bytea (tens of MB at the default sizes) and
 * pooled connections live for hours, so an unbounded cache would keep
 * every model the backend ever predicted with.  An application predicts
 * with a few models at a time; beyond these, the least recently used one
 * is dropped and decoded again when next asked for.
 */
#define MAX_NAMED_MODELS 8

/*
 * A decoded model and its references: the cache entry's, until the entry
 * is reloaded or evicted, and one per call site using it, until the end of
 * its query.  The last one to go frees it.
 */
typedef struct LoadedModel
{
	MemoryContext cxt;			/* holds this struct and the model */
	MedrnnCachedModel *c;
	int			refcount;
} LoadedModel;

/*
 * The deployed model of one name, as this backend last read it, and the
 * registry row version it was read from: its xmin and ctid.
 */
typedef struct NamedModel
{
	char		name[MODEL_NAME_BUFSIZE];	/* hash key */
	int32		version;
	int64		row_xmin;
	ItemPointerData row_tid;
	uint64		last_used;		/* for eviction, least recent first */
	LoadedModel *m;				/* never NULL */
} NamedModel;

/* What one call site validated in this query */
typedef struct CallSiteCache
{
	MemoryContextCallback release;	/* drops m's reference with fn_mcxt */
	char		name[MODEL_NAME_BUFSIZE];
	LoadedModel *m;				/* referenced; NULL before the first call */
} CallSiteCache;

static HTAB *named_models = NULL;
static MemoryContext named_cxt = NULL;
static uint64 named_clock = 0;	/* ticks at each lookup, for last_used */

/* Drop one reference to a decoded model; free it with the last one */
static void
release_model(LoadedModel *m)
{
	Assert(m->refcount > 0);
	if (--m->refcount == 0)
		MemoryContextDelete(m->cxt);
}

/*
 * A call site's memory is going (end of query, or error): drop its model.
 * Runs during abort too, so it must not fail; it does not.
 */
static void
release_call_site(void *arg)
{
	CallSiteCache *cs = (CallSiteCache *) arg;

	if (cs->m != NULL)
		release_model(cs->m);
	cs->m = NULL;
}

/*
 * Make room for one more entry by dropping the least recently used one.
 * Call sites still using its model keep it until their query ends.
 */
static void
evict_least_recent(void)
{
	HASH_SEQ_STATUS seq;
	NamedModel *e;
	NamedModel *lru = NULL;
	LoadedModel *m;

	hash_seq_init(&seq, named_models);
	while ((e = (NamedModel *) hash_seq_search(&seq)) != NULL)
		if (lru == NULL || e->last_used < lru->last_used)
			lru = e;
	if (lru == NULL)
		return;
	m = lru->m;
	hash_search(named_models, lru->name, HASH_REMOVE, NULL);
	release_model(m);
}

/*
 * The registry table, qualified by the extension's schema: the schema of
 * the calling SQL function (the extension is not relocatable).  Call it
 * inside SPI.
 *
 * On a Citus node where the registry is a reference table (see
 * rnn_distribute_registry), prediction may run inside a query on a shard,
 * where Citus refuses a nested distributed query; every node holds a copy
 * of a reference table's one shard, so that local copy is read instead.
 * It is the same rows: writes to a reference table reach every copy in
 * the writing transaction.
 */
static char *
registry_table(FunctionCallInfo fcinfo)
{
	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	char	   *nspname = get_namespace_name(nsp);
	Oid			relid = get_relname_relid("rnn_model", nsp);

	if (OidIsValid(relid) &&
		OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)))
	{
		Oid			argtypes[1] = {REGCLASSOID};
		Datum		args[1] = {ObjectIdGetDatum(relid)};
		bool		isnull;

		if (SPI_execute_with_args("SELECT shardid FROM pg_catalog.pg_dist_shard WHERE logicalrelid = $1",
								  1, argtypes, args, NULL, true, 2) != SPI_OK_SELECT)
			elog(ERROR, "reading Citus's shards of the model registry failed");
		if (SPI_processed == 1)
		{
			int64		shardid = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
															  SPI_tuptable->tupdesc, 1, &isnull));
			char	   *shard = psprintf("rnn_model_" INT64_FORMAT, shardid);

			if (OidIsValid(get_relname_relid(shard, nsp)))
				return quote_qualified_identifier(nspname, shard);
		}
	}
	return quote_qualified_identifier(nspname, "rnn_model");
}

/* "no deployed model named ..." */
static void
no_deployed_model(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("no deployed model named \"%s\"", name),
			 errhint("Train one with rnn_train_model, or deploy a version with rnn_deploy.")));
}

/* See registry.h */
bytea *
MedrnnDeployedModelBytes(FunctionCallInfo fcinfo, const char *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	MemoryContext caller = CurrentMemoryContext;
	bytea	   *copy;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(psprintf("SELECT model FROM %s WHERE name = $1 AND deployed",
									   registry_table(fcinfo)),
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the model registry failed");
	if (SPI_processed == 0)
		no_deployed_model(name);
	{
		bytea	   *b = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1, &isnull));

		copy = MemoryContextAlloc(caller, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
		SET_VARSIZE(copy, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
		memcpy(VARDATA(copy), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	}
	SPI_finish();
	return copy;
}

/*
 * Decode the deployed model of name, with its one reference for the cache.
 * Its context is made under the current (SPI) context, so that if this or
 * anything before its publication fails, the abort frees it; the caller
 * moves it under named_cxt once nothing can fail any more.
 */
static LoadedModel *
load_deployed(const char *table, const char *name, Oid *argtypes, Datum *args)
{
	MemoryContext cxt;
	LoadedModel *m;
	bool		isnull;

	if (SPI_execute_with_args(psprintf("SELECT model FROM %s WHERE name = $1 AND deployed", table),
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed == 0)
		elog(ERROR, "reading the deployed model failed");
	cxt = AllocSetContextCreate(CurrentMemoryContext, "medrnn named model",
								ALLOCSET_DEFAULT_SIZES);
	MemoryContextCopyAndSetIdentifier(cxt, name);
	m = MemoryContextAlloc(cxt, sizeof(LoadedModel));
	m->cxt = cxt;
	m->refcount = 1;
	m->c = MedrnnLoadModel(cxt, DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0],
															   SPI_tuptable->tupdesc, 1,
															   &isnull)));
	return m;
}

/*
 * Look the deployed version of name up; load it if it is not the cached
 * one.  The model returned is referenced by the cache entry only: the
 * caller takes its own reference before anything else can evict it.
 */
static LoadedModel *
deployed_model(FunctionCallInfo fcinfo, const char *name)
{
	NamedModel *e;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int32		version;
	int64		row_xmin;
	ItemPointerData row_tid;
	bool		isnull;
	char	   *table;
	size_t		len = strlen(name);

	if (len >= MODEL_NAME_BUFSIZE ||
		pg_mbstrlen_with_len(name, (int) len) > MAX_MODEL_NAME_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("model name \"%s\" is too long", name),
				 errdetail("Model names have at most %d characters.", MAX_MODEL_NAME_CHARS)));
	if (named_models == NULL)
	{
		HASHCTL		ctl;

		named_cxt = AllocSetContextCreate(TopMemoryContext, "medrnn named models",
										  ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = MODEL_NAME_BUFSIZE;
		ctl.entrysize = sizeof(NamedModel);
		ctl.hcxt = named_cxt;
		named_models = hash_create("medrnn named models", MAX_NAMED_MODELS, &ctl,
								   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}

	args[0] = CStringGetTextDatum(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	table = registry_table(fcinfo);
	if (SPI_execute_with_args(psprintf("SELECT version, xmin::text::bigint, ctid FROM %s WHERE name = $1 AND deployed",
									   table),
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the model registry failed");
	if (SPI_processed == 0)
		no_deployed_model(name);
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	row_xmin = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0],
																SPI_tuptable->tupdesc, 3, &isnull)),
					&row_tid);

	/*
	 * The xmin alone does not tell two versions of the row written by one
	 * transaction apart (an UPDATE of the model in the transaction that
	 * cached it); their ctids differ.
	 */
	e = hash_search(named_models, name, HASH_FIND, NULL);
	if (e == NULL || e->version != version || e->row_xmin != row_xmin ||
		!ItemPointerEquals(&e->row_tid, &row_tid))
	{
		/* may fail: the entry, if any, keeps the model it has */
		LoadedModel *m = load_deployed(table, name, argtypes, args);

		/*
		 * Look again: reading the row ran SQL (a row security policy, say)
		 * that may itself have predicted by name and changed the cache.
		 */
		e = hash_search(named_models, name, HASH_FIND, NULL);
		if (e == NULL)
		{
			if (hash_get_num_entries(named_models) >= MAX_NAMED_MODELS)
				evict_least_recent();
			e = hash_search(named_models, name, HASH_ENTER, NULL);
			e->m = NULL;
		}

		/* nothing below fails: publish the new model, drop the old one */
		MemoryContextSetParent(m->cxt, named_cxt);
		if (e->m != NULL)
			release_model(e->m);
		e->m = m;
		e->version = version;
		e->row_xmin = row_xmin;
		e->row_tid = row_tid;
	}
	e->last_used = ++named_clock;
	SPI_finish();
	return e->m;
}

/* The model for this call: validated at the call site's first call per name */
static MedrnnCachedModel *
named_model(FunctionCallInfo fcinfo)
{
	CallSiteCache *cs = (CallSiteCache *) fcinfo->flinfo->fn_extra;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (cs == NULL)
	{
		cs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallSiteCache));
		cs->release.func = release_call_site;
		cs->release.arg = cs;
		MemoryContextRegisterResetCallback(fcinfo->flinfo->fn_mcxt, &cs->release);
		fcinfo->flinfo->fn_extra = cs;
	}
	if (cs->m == NULL || strcmp(cs->name, name) != 0)
	{
		LoadedModel *m = deployed_model(fcinfo, name);

		/* take the new reference before dropping the old one */
		m->refcount++;
		if (cs->m != NULL)
			release_model(cs->m);
		cs->m = m;
		strlcpy(cs->name, name, sizeof(cs->name));
	}
	return cs->m->c;
}

PG_FUNCTION_INFO_V1(rnn_predict_named);

/* The most probable label, by the deployed version of a named model */
Datum
rnn_predict_named(PG_FUNCTION_ARGS)
{
	Oid			type = MedrnnInputArgType(fcinfo, 1);
	MedrnnCachedModel *c = named_model(fcinfo);
	const float *p = MedrnnPredictDatum(c, PG_GETARG_DATUM(1), type);

	PG_RETURN_TEXT_P(MedrnnPredictedClass(c->model, p, "rnn_predict"));
}

PG_FUNCTION_INFO_V1(rnn_predict_proba_named);

/* Every label's probability, by the deployed version of a named model */
Datum
rnn_predict_proba_named(PG_FUNCTION_ARGS)
{
	Oid			type = MedrnnInputArgType(fcinfo, 1);
	MedrnnCachedModel *c = named_model(fcinfo);
	const float *p = MedrnnPredictDatum(c, PG_GETARG_DATUM(1), type);

	PG_RETURN_JSONB_P(MedrnnProbaJsonb(c->model, p));
}

PG_FUNCTION_INFO_V1(rnn_predict_labels_named);

/* The predicted labels, by the deployed version of a named multi-label model */
Datum
rnn_predict_labels_named(PG_FUNCTION_ARGS)
{
	Oid			type = MedrnnInputArgType(fcinfo, 1);

	PG_RETURN_ARRAYTYPE_P(MedrnnAnswerLabels(named_model(fcinfo), PG_GETARG_DATUM(1), type));
}

PG_FUNCTION_INFO_V1(rnn_predict_value_named);

/* The predicted number, by the deployed version of a named regression model */
Datum
rnn_predict_value_named(PG_FUNCTION_ARGS)
{
	Oid			type = MedrnnInputArgType(fcinfo, 1);

	PG_RETURN_FLOAT8(MedrnnAnswerValue(named_model(fcinfo), PG_GETARG_DATUM(1), type));
}
