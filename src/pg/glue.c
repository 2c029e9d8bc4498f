/*
 * glue.c
 *	  The few things the core needs from the server: memory, error reports,
 *	  threads, and text in and out of UTF-8.
 */
#include "postgres.h"

#include <math.h>

#include "access/parallel.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "medrnn.h"
#include "mr_blas.h"
#include "mr_buf.h"

static void *
context_alloc(size_t size, void *state)
{
	/* NULL instead of an ERROR, so the core can report what it was doing */
	return MemoryContextAllocExtended((MemoryContext) state, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
context_free(void *ptr, void *state)
{
	pfree(ptr);
}

/* An allocator for the core that takes memory from cxt */
MrAllocator
MedrnnAllocator(MemoryContext cxt)
{
	MrAllocator a = {context_alloc, context_free, cxt};

	return a;
}

/* Report a model decoding failure: hostile or damaged bytea, or newer format */
void
MedrnnReportModelError(const MrError *err)
{
	if (err->status == MR_EVERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unsupported medrnn model format version"),
				 errdetail("%s", err->detail),
				 errhint("Update the medrnn extension.")));
	if (err->status == MR_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("%s", err->detail)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid medrnn model"),
			 errdetail("%s", err->detail)));
	pg_unreachable();
}

/* UTF-8 text of the core's in the server encoding, or NULL for "" */
static char *
server_text(const char *utf8)
{
	return utf8[0] ? MedrnnUtf8ToServer(utf8, strlen(utf8)) : NULL;
}

/*
 * Report a failure of the core: the SQLSTATE by its status, its message
 * (or the status's own when it has none), detail and hint
 */
void
MedrnnReportError(const MrError *err)
{
	char	   *message = server_text(err->message);
	char	   *detail = server_text(err->detail);
	char	   *hint = server_text(err->hint);
	int			code;

	switch (err->status)
	{
		case MR_EDIVERGED:
			code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			if (!message)
				message = "training diverged";
			if (!hint)
				hint = "Lower the learning rate, set clip_norm, or check the inputs for extreme values.";
			break;
		case MR_ELIMIT:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			if (!message)
				message = psprintf("training needs more memory than medrnn.train_memory_limit (%d kB)",
								   medrnn_train_memory_limit);
			if (!hint)
				hint = "Raise medrnn.train_memory_limit, or reduce num_words, maxlen, hidden or batch_size.";
			break;
		case MR_ENOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			if (!message)
				message = "out of memory";
			break;
		case MR_EINVAL:
		case MR_EDIMS:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			if (!message)
				message = "cannot train on these rows";
			break;
		case MR_EDATA:
			code = ERRCODE_DATA_EXCEPTION;
			if (!message)
				message = "cannot train on these rows";
			break;
		case MR_EMISMATCH:
			code = ERRCODE_DATATYPE_MISMATCH;
			if (!message)
				message = "the input is of another kind than the model reads";
			break;
		case MR_ECANCELED:
			code = ERRCODE_QUERY_CANCELED;
			if (!message)
				message = "canceling statement due to user request";
			break;
		default:
			elog(ERROR, "medrnn failed: %s (%s)", mr_status_text(err->status), err->detail);
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg_internal("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

/* The core's NOTICEs and WARNINGs (an MrNoticeFn) */
void
MedrnnNotice(int level, const MrError *msg, void *state)
{
	char	   *detail = server_text(msg->detail);
	char	   *hint = server_text(msg->hint);

	ereport(level == MR_WARNING ? WARNING : NOTICE,
			(errmsg_internal("%s", server_text(msg->message)),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
}

/*
 * OpenBLAS kernels that are generic fallbacks: what Debian's OpenBLAS 0.3.21
 * picks for CPUs it does not recognise (such as recent Xeons), several
 * times slower than the AVX2 or AVX-512 kernels those CPUs can run.
 */
static const char *const generic_cores[] = {
	"Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn",
	"Dunnington", "Nehalem", "Atom", "Sandybridge", "Barcelona", "Opteron"
};

/* Warn once per backend when OpenBLAS runs generic kernels on a capable CPU */
static void
check_blas_kernel(void)
{
	static bool checked = false;
	const char *core;
	const char *suggest = NULL;

	if (checked)
		return;
	checked = true;
	core = mr_blas_corename();
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		__builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
		suggest = "SkylakeX";
	else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		suggest = "Haswell";
#endif
	if (suggest == NULL || core == NULL)
		return;
	for (size_t i = 0; i < lengthof(generic_cores); i++)
		if (pg_strcasecmp(core, generic_cores[i]) == 0)
		{
			/*
			 * Parallel workers are new backends too, and each would repeat
			 * the WARNING to the client in every parallel query; the leader
			 * runs the same plan and warns for them.
			 */
			ereport(IsParallelWorker() ? DEBUG1 : WARNING,
					(errmsg("OpenBLAS is using its generic \"%s\" kernels on a CPU that can run \"%s\" kernels",
							core, suggest),
					 errdetail("Training and prediction run several times slower than they could."),
					 errhint("Set OPENBLAS_CORETYPE=%s in the server's environment (on Debian, in /etc/postgresql/15/<cluster>/environment) and restart the server.",
							 suggest)));
			return;
		}
}

/* Set OpenBLAS's thread count for this backend (and check its kernels) */
void
MedrnnUseThreads(int n)
{
	check_blas_kernel();
	mr_blas_set_threads(n);
}

/*
 * The core's should_stop hook (training, explanations): a cancel or a
 * timeout raises an ERROR right here, and what the core allocated goes with
 * the memory context, so it never has to return nonzero.
 */
int
MedrnnShouldStop(void *state)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/*
 * A text datum's contents as UTF-8 (the core's encoding), *len bytes.  In a
 * UTF8 database this is the text itself, not a copy, and not NUL-terminated.
 */
char *
MedrnnTextToUtf8(text *t, size_t *len)
{
	char	   *s = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);
	char	   *u = pg_server_to_any(s, n, PG_UTF8);

	*len = u == s ? (size_t) n : strlen(u);
	return u;
}

/* A NUL-terminated server-encoding copy of UTF-8 bytes */
char *
MedrnnUtf8ToServer(const char *s, size_t len)
{
	char	   *copy = pnstrdup(s, len);
	char	   *conv = pg_any_to_server(copy, (int) len, PG_UTF8);

	return conv;
}

/* A text datum from UTF-8 bytes */
text *
MedrnnUtf8ToText(const char *s, size_t len)
{
	return cstring_to_text(MedrnnUtf8ToServer(s, len));
}

/*
 * Append a JSON number in shortest round-trip form, or null when it is not
 * finite.  Not float8out: that follows the session's extra_float_digits,
 * and model bytes (their options, hence the fingerprint) and the metrics
 * rnn_train_model compares must not depend on a session setting.
 */
void
MedrnnAppendJsonNumber(StringInfo buf, double v)
{
	char		s[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!isfinite(v))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	double_to_shortest_decimal_buf(v, s);
	appendStringInfoString(buf, s);
}

/* The same for the core's JSON (an MrFormatDouble): float8's own digits */
void
MedrnnFormatDouble(double v, char out[MR_DOUBLE_TEXT_LEN])
{
	StaticAssertStmt(DOUBLE_SHORTEST_DECIMAL_LEN <= MR_DOUBLE_TEXT_LEN,
					 "the core's number buffer is too small for float8 output");
	double_to_shortest_decimal_buf(v, out);
}
