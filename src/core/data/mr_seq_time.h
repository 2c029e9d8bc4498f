/*
 * mr_seq_time.h
 *	  The times of an rnnseq.  Times of time kind "timestamp" are stored as
 *	  seconds since 1970-01-01 00:00:00 UTC, a whole number of microseconds
 *	  in years 0001 to 9999 (exact to the microsecond for years before about
 *	  2250); their text is RFC 3339, in UTC on output.
 */
#ifndef MR_SEQ_TIME_H
#define MR_SEQ_TIME_H

#include <stdint.h>

#include "mr_seq.h"

typedef enum MrSeqTsResult
{
	MR_TS_OK,
	MR_TS_SYNTAX,				/* not YYYY-MM-DDTHH:MM:SS[.f]Z|±hh:mm */
	MR_TS_FIELD,				/* month 13, February 30, hour 24... */
	MR_TS_RANGE					/* outside 0001-01-01 to 9999-12-31 UTC */
} MrSeqTsResult;

/*
 * Parse an RFC 3339 timestamp s[0..len), 1 to 6 fraction digits, offset Z
 * or ±hh:mm (no leap second), into Unix microseconds
 */
MrSeqTsResult mr_seq_parse_timestamp(const char *s, size_t len, int64_t *us);

/* Unix microseconds as seconds */
double		mr_seq_usecs_seconds(int64_t us);

/*
 * The microseconds whose seconds are exactly t (sign of zero included):
 * 0 if there are none in years 0001 to 9999
 */
int			mr_seq_seconds_to_usecs(double t, int64_t *us);

#endif							/* MR_SEQ_TIME_H */
