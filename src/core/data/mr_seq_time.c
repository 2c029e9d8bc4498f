/*
 * mr_seq_time.c
 *	  The times of an rnnseq: RFC 3339 timestamps in and out, and
 *	  microseconds (see mr_seq_time.h).
 */
#include "mr_seq_time.h"

#include <math.h>
#include <stdio.h>

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in Unix microseconds */
#define MIN_USECS	INT64_C(-62135596800000000)
#define MAX_USECS	INT64_C(253402300799999999)
#define USECS_PER_SEC	INT64_C(1000000)
#define SECS_PER_DAY	INT64_C(86400)

/* Unix microseconds as seconds */
double
mr_seq_usecs_seconds(int64_t us)
{
	return (double) us / 1000000.0;
}

/* Unix microseconds to the stored seconds; see mr_seq.h */
MrStatus
mr_seq_usecs_to_seconds(int64_t us, double *seconds, MrError *err)
{
	if (us < MIN_USECS || us > MAX_USECS)
	{
		mr_error_message(err, MR_ETIME, "timestamp out of range for type rnnseq");
		mr_error_detail(err, "rnnseq holds timestamps from 0001-01-01 to 9999-12-31 UTC.");
		return MR_ETIME;
	}
	*seconds = mr_seq_usecs_seconds(us);
	return MR_OK;
}

/*
 * The microseconds whose seconds are exactly t (sign of zero included), or
 * 0 if there are none in years 0001 to 9999.  Near t * 10^6 first; the
 * search only matters for years after about 2250, where neighbouring
 * microseconds share a float8.
 */
int
mr_seq_seconds_to_usecs(double t, int64_t *us)
{
	double		secs;
	int64_t		base;

	if (!(t >= -62135596801.0 && t <= 253402300801.0))
		return 0;
	secs = floor(t);
	base = (int64_t) secs * USECS_PER_SEC + (int64_t) rint((t - secs) * 1000000.0);
	for (int k = 0; k <= 128; k++)
	{
		int64_t		c = base + ((k & 1) ? (k + 1) / 2 : -(k / 2));

		if (c >= MIN_USECS && c <= MAX_USECS &&
			mr_seq_usecs_seconds(c) == t && (signbit(mr_seq_usecs_seconds(c)) != 0) == (signbit(t) != 0))
		{
			*us = c;
			return 1;
		}
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era,
				yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of a day number since 1970-01-01 (inverse of days_from_civil) */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		era,
				doe,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

/* Days in a month of the proleptic Gregorian calendar */
static int
days_in_month(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* The value of n ASCII digits at s, or -1 if they are not all digits */
static int
read_digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Parse an RFC 3339 timestamp, 1 to 6 fraction digits, offset Z or ±hh:mm
 * (no leap second), into Unix microseconds
 */
MrSeqTsResult
mr_seq_parse_timestamp(const char *s, size_t len, int64_t *us)
{
	int			year,
				mon,
				mday,
				hour,
				min,
				sec,
				frac = 0,
				ndigits = 0;
	size_t		pos = 19;
	int64_t		offset = 0,
				total;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return MR_TS_SYNTAX;
	year = read_digits(s, 4);
	mon = read_digits(s + 5, 2);
	mday = read_digits(s + 8, 2);
	hour = read_digits(s + 11, 2);
	min = read_digits(s + 14, 2);
	sec = read_digits(s + 17, 2);
	if (year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0)
		return MR_TS_SYNTAX;
	if (s[pos] == '.')
	{
		pos++;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
		{
			if (++ndigits > 6)
				return MR_TS_SYNTAX;
			frac = frac * 10 + (s[pos++] - '0');
		}
		if (ndigits == 0)
			return MR_TS_SYNTAX;
		for (int i = ndigits; i < 6; i++)
			frac *= 10;
	}
	if (pos < len && s[pos] == 'Z')
		pos++;
	else if (pos + 6 <= len && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':')
	{
		int			oh = read_digits(s + pos + 1, 2),
					om = read_digits(s + pos + 4, 2);

		if (oh < 0 || om < 0)
			return MR_TS_SYNTAX;
		if (oh > 23 || om > 59)
			return MR_TS_FIELD;
		offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
		pos += 6;
	}
	else
		return MR_TS_SYNTAX;
	if (pos != len)
		return MR_TS_SYNTAX;
	if (year < 1 || mon < 1 || mon > 12 || mday < 1 || mday > days_in_month(year, mon) ||
		hour > 23 || min > 59 || sec > 59)
		return MR_TS_FIELD;
	total = (days_from_civil(year, mon, mday) * SECS_PER_DAY + hour * 3600 + min * 60 + sec -
			 offset) * USECS_PER_SEC + frac;
	if (total < MIN_USECS || total > MAX_USECS)
		return MR_TS_RANGE;
	*us = total;
	return MR_TS_OK;
}

/* A stored timestamp as a quoted RFC 3339 UTC string */
static void
append_timestamp(MrBuf *out, double t)
{
	int64_t		us = 0,
				days,
				rem;
	int			y,
				m,
				d,
				frac;

	/* a view guarantees nothing about timestamps: print what cannot be one as a number */
	if (!mr_seq_seconds_to_usecs(t, &us))
	{
		mr_buf_json_number(out, t, NULL);
		return;
	}
	days = us / (SECS_PER_DAY * USECS_PER_SEC);
	rem = us % (SECS_PER_DAY * USECS_PER_SEC);
	if (rem < 0)
	{
		rem += SECS_PER_DAY * USECS_PER_SEC;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	frac = (int) (rem % USECS_PER_SEC);
	rem /= USECS_PER_SEC;
	mr_buf_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d",
				  y, m, d, (int) (rem / 3600), (int) (rem / 60 % 60), (int) (rem % 60));
	if (frac != 0)
	{
		char		f[8];
		int			n = 6;

		snprintf(f, sizeof(f), "%06d", frac);
		while (f[n - 1] == '0')
			n--;
		mr_buf_printf(out, ".%.*s", n, f);
	}
	mr_buf_puts(out, "Z\"");
}

/* Append a time of the given time kind; see mr_seq.h */
void
mr_seq_append_time(MrBuf *out, int time_kind, double t, MrFormatDouble fmt)
{
	if (time_kind == MR_SEQ_TIME_TIMESTAMP)
		append_timestamp(out, t);
	else
		mr_buf_json_number(out, t, fmt);
}

