/*
 * seq_type.h
 *	  The rnnseq type in the server: thin wrappers around the core's
 *	  rnnseq (src/core/data/mr_seq.h), which owns its layout, builder, text
 *	  and binary forms.
 */
#ifndef MEDRNN_SEQ_TYPE_H
#define MEDRNN_SEQ_TYPE_H

#include "postgres.h"

#include "fmgr.h"

#include "mr_seq.h"

/*
 * Detoast and copy to 4-byte-header, aligned memory: never the _PACKED
 * variants, whose data would not be 8-byte aligned.
 */
#define DatumGetRnnSeqP(X)		((struct varlena *) PG_DETOAST_DATUM(X))
#define PG_GETARG_RNNSEQ_P(n)	DatumGetRnnSeqP(PG_GETARG_DATUM(n))

/*
 * Check a detoasted value and point v into it: a damaged value is an
 * ERROR ("invalid rnnseq value"), never a wild read.  Values made by the
 * type's input functions and the aggregates always pass.  O(n).
 */
void		RnnSeqGetView(const struct varlena *detoasted, MrSeqView *v);

/* The database's encoding, as the core's parsers take it */
const MrTextEncoding *RnnSeqServerEncoding(void);

/* An ERROR for a failure of the core's rnnseq code (context: for internal errors) */
void		RnnSeqReportError(const MrError *err, const char *context) pg_attribute_noreturn();

/* A value the core built (its first 4 bytes left for the length word) as a varlena */
struct varlena *RnnSeqValue(uint8_t *value, size_t size);

/* A timestamptz as the stored seconds (ERROR outside 0001-9999) */
float8		RnnSeqTimestampToSeconds(int64 pg_timestamp);

#endif							/* MEDRNN_SEQ_TYPE_H */
