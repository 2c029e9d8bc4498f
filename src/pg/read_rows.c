/*
 * read_rows.c
 *	  Resolving a relation's columns and reading them through SPI.
 *
 * The relation arrives as regclass, so its name was resolved and checked
 * by the server; columns are looked up in the catalog and every name that
 * goes into SQL is quoted, so a column name like x"; DROP TABLE t; -- is
 * just a column that does not exist.  The query runs through SPI as the
 * calling user: SELECT privileges (table or column) and row-level security
 * apply as for any query of theirs.  Rows are fetched through a cursor in
 * batches so a large table is never materialised twice.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "read_rows.h"

#define FETCH_ROWS 1000

/* Find a user column of relid by name, or raise the error a user expects */
static AttrNumber
resolve_column(Oid relid, const char *relname, const char *col, Oid *typid)
{
	AttrNumber	attnum = get_attnum(relid, col);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col, relname)));
	if (attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot train on system column \"%s\"", col)));
	*typid = get_atttype(relid, attnum);
	return attnum;
}

/* Is typid medrnn's rnnseq type? */
bool
MedrnnIsRnnSeqType(Oid typid)
{
	Oid			ext = get_extension_oid("medrnn", true);
	HeapTuple	tup;
	bool		named;

	if (!OidIsValid(ext))
		return false;
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tup))
		return false;
	named = strcmp(NameStr(((Form_pg_type) GETSTRUCT(tup))->typname), "rnnseq") == 0;
	ReleaseSysCache(tup);
	return named && getExtensionOfObject(TypeRelationId, typid) == ext;
}

/* Resolve a source; see read_rows.h */
void
MedrnnResolveSource(Oid relid, const char *input_col, const char *label_col,
					int task, MedrnnSource *src)
{
	char		relkind = get_rel_relkind(relid);
	char	   *nspname;
	Oid			in_type,
				label_type,
				base;
	StringInfoData q;

	memset(src, 0, sizeof(*src));
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	src->relid = relid;
	src->relname = get_rel_name(relid);
	src->input_col = pstrdup(input_col);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE &&
		relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, materialized view or foreign table",
						src->relname)));

	resolve_column(relid, src->relname, input_col, &in_type);
	base = getBaseType(in_type);
	if (TypeCategory(base) == TYPCATEGORY_STRING)
		src->input_type = MEDRNN_IN_TEXT;
	else if (base == TEXTARRAYOID || base == VARCHARARRAYOID)
		src->input_type = MEDRNN_IN_TEXT_ARRAY;
	else if (MedrnnIsRnnSeqType(base))
		src->input_type = MEDRNN_IN_RNNSEQ;
	else
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" has type %s, which medrnn cannot read as input",
						input_col, format_type_be(in_type)),
				 errhint("Use a text column (words or characters), a text[] column of tokens, or an rnnseq column of events.")));

	nspname = get_namespace_name(get_rel_namespace(relid));
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT %s%s", quote_identifier(input_col),
					 src->input_type == MEDRNN_IN_TEXT ? "::pg_catalog.text" :
					 src->input_type == MEDRNN_IN_TEXT_ARRAY ? "::pg_catalog.text[]" : "");
	if (label_col)
	{
		resolve_column(relid, src->relname, label_col, &label_type);
		src->task = MedrnnLabelTask(label_type, label_col, task, &src->label_form);
		/* every type has a text form: classes are read as text, numbers as float8 */
		appendStringInfo(&q, ", %s::%s", quote_identifier(label_col),
						 src->label_form == MEDRNN_LABEL_ARRAY ? "pg_catalog.text[]" :
						 src->label_form == MEDRNN_LABEL_FLOAT8 ? "pg_catalog.float8" :
						 src->label_form == MEDRNN_LABEL_JSONB ? "pg_catalog.jsonb" : "pg_catalog.text");
		src->has_label = true;
		src->label_col = pstrdup(label_col);
	}
	appendStringInfo(&q, " FROM %s", quote_qualified_identifier(nspname, src->relname));
	src->query = q.data;
}

/* Open the source query; see read_rows.h */
void
MedrnnScanBegin(const MedrnnSource *src, MedrnnScan *scan)
{
	SPIPlanPtr	plan;

	memset(scan, 0, sizeof(*scan));
	scan->src = src;
	scan->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "medrnn row context",
										 ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(src->query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", src->query,
			 SPI_result_code_string(SPI_result));
	scan->portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	scan->open = true;
}

/* The next row, or false after the last; see read_rows.h */
bool
MedrnnScanNext(MedrnnScan *scan, Datum *input, bool *input_null,
			   const char **label, size_t *label_len)
{
	HeapTuple	tup;
	TupleDesc	desc;
	bool		label_null = true;

	if (!scan->open)
		return false;
	MemoryContextReset(scan->rowcxt);
	if (scan->i == scan->n)
	{
		if (scan->n > 0)
			SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(scan->portal, true, FETCH_ROWS);
		scan->n = SPI_processed;
		scan->i = 0;
		if (scan->n == 0)
		{
			MedrnnScanEnd(scan);
			return false;
		}
	}
	tup = SPI_tuptable->vals[scan->i];
	desc = SPI_tuptable->tupdesc;
	scan->i++;
	*input = SPI_getbinval(tup, desc, 1, input_null);
	*label = NULL;
	*label_len = 0;
	if (scan->src->has_label)
	{
		Datum		l = SPI_getbinval(tup, desc, 2, &label_null);

		if (!label_null)
		{
			MemoryContext old = MemoryContextSwitchTo(scan->rowcxt);

			*label = MedrnnEncodeLabel(l, scan->src->label_form, scan->src->label_col, label_len);
			MemoryContextSwitchTo(old);
		}
	}
	return true;
}

/* Close the query and SPI; see read_rows.h */
void
MedrnnScanEnd(MedrnnScan *scan)
{
	if (!scan->open)
		return;
	scan->open = false;
	SPI_cursor_close(scan->portal);
	SPI_finish();
	MemoryContextDelete(scan->rowcxt);
}

/* Read every row; see read_rows.h */
void
MedrnnScanSource(const MedrnnSource *src, MedrnnRowFn fn, void *arg)
{
	MedrnnScan	scan;
	Datum		in;
	bool		in_null;
	const char *label;
	size_t		label_len;

	MedrnnScanBegin(src, &scan);
	while (MedrnnScanNext(&scan, &in, &in_null, &label, &label_len))
	{
		MemoryContext old = MemoryContextSwitchTo(scan.rowcxt);

		fn(in, in_null, label, label_len, arg);
		MemoryContextSwitchTo(old);
	}
}
