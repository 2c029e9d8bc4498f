/*
 * read_rows.h
 *	  Reading (input, label) rows from a user's table or view through SPI,
 *	  with the caller's privileges and row-level security.
 */
#ifndef MEDRNN_READ_ROWS_H
#define MEDRNN_READ_ROWS_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/portal.h"

#include "labels.h"

/* What an input column holds */
typedef enum MedrnnInputType
{
	MEDRNN_IN_TEXT = 1,			/* a string type, read as text */
	MEDRNN_IN_TEXT_ARRAY = 2,	/* text[] (or varchar[]): pre-split tokens */
	MEDRNN_IN_RNNSEQ = 3		/* rnnseq: tokens, timed tokens or measurements */
} MedrnnInputType;

typedef struct MedrnnSource
{
	Oid			relid;
	char	   *relname;		/* for messages */
	char	   *input_col;		/* for messages */
	char	   *query;			/* SELECT input, label FROM rel */
	MedrnnInputType input_type;
	bool		has_label;
	char	   *label_col;		/* for messages */
	int			task;			/* MrTask the labels are read for */
	MedrnnLabelForm label_form;
} MedrnnSource;

/*
 * Resolve relation and columns through the catalog.  A missing relation
 * kind, column or unsupported column type is an ERROR naming it.  With
 * label_col NULL only the input is read.  The labels are read for task
 * (a model's, or MEDRNN_TASK_FROM_TYPE: the column's type decides, see
 * MedrnnLabelTask); src->task says which.
 */
void		MedrnnResolveSource(Oid relid, const char *input_col, const char *label_col,
								int task, MedrnnSource *src);

/*
 * Called for each row.  input_null marks a NULL input; label is the
 * label in UTF-8 as the task encodes it (NULL for NULL; see labels.h).  The call runs in a memory
 * context that is reset after every row: values are only valid during the
 * call, and whatever must survive goes to a context of the callback's own.
 */
typedef void (*MedrnnRowFn) (Datum input, bool input_null,
							 const char *label, size_t label_len, void *arg);

/* Is typid medrnn's rnnseq type (in whatever schema the extension lives)? */
bool		MedrnnIsRnnSeqType(Oid typid);

/* Run the source query (read-only, as the calling user) and feed every row to fn */
void		MedrnnScanSource(const MedrnnSource *src, MedrnnRowFn fn, void *arg);

/*
 * The same a row at a time: MedrnnScanBegin opens the query (SPI stays
 * connected until MedrnnScanEnd), MedrnnScanNext gives the next row (false
 * after the last, when it has ended the scan itself).  A row's values, and
 * whatever the caller allocates in scan->rowcxt, last until the next call.
 */
typedef struct MedrnnScan
{
	const MedrnnSource *src;
	Portal		portal;
	MemoryContext rowcxt;		/* reset at every row */
	uint64		n;				/* rows of the current batch */
	uint64		i;				/* the next of them */
	bool		open;
} MedrnnScan;

void		MedrnnScanBegin(const MedrnnSource *src, MedrnnScan *scan);
bool		MedrnnScanNext(MedrnnScan *scan, Datum *input, bool *input_null,
						   const char **label, size_t *label_len);
void		MedrnnScanEnd(MedrnnScan *scan);

#endif							/* MEDRNN_READ_ROWS_H */
