/*
 * medrnn.h
 *	  Declarations shared by the server-side files (src/pg).
 *
 * Only src/pg includes postgres.h; the numeric core (src/core) is reached
 * through MrAllocator (palloc in a context we own) and MrStatus values,
 * which MedrnnReport* turns into ereport calls.
 */
#ifndef MEDRNN_H
#define MEDRNN_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "mr_buf.h"
#include "mr_common.h"
#include "mr_model.h"

/* GUCs (medrnn.c) */
extern int	medrnn_threads;
extern int	medrnn_train_memory_limit;	/* kB */

void		MedrnnInitGucs(void);

/* progress.c */
void		MedrnnProgressInit(void);
void		MedrnnProgressStart(Oid relid, int epochs, int64 rows_total);
void		MedrnnProgressBatch(int epoch, int64 rows_done, int64 rows_total, double loss);
void		MedrnnProgressEnd(void);

/* glue.c */
MrAllocator MedrnnAllocator(MemoryContext cxt);
void		MedrnnReportModelError(const MrError *err) pg_attribute_noreturn();
void		MedrnnReportError(const MrError *err) pg_attribute_noreturn();
void		MedrnnNotice(int level, const MrError *msg, void *state);
void		MedrnnUseThreads(int n);
int			MedrnnShouldStop(void *state);
char	   *MedrnnTextToUtf8(text *t, size_t *len);
char	   *MedrnnUtf8ToServer(const char *s, size_t len);
text	   *MedrnnUtf8ToText(const char *s, size_t len);
void		MedrnnAppendJsonNumber(StringInfo buf, double v);
void		MedrnnFormatDouble(double v, char out[MR_DOUBLE_TEXT_LEN]);

#endif							/* MEDRNN_H */
