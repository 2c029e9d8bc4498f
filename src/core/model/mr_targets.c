/*
 * mr_targets.c
 *	  Tasks, their labels' encoding, and the targets training reads (see
 *	  mr_targets.h).
 */
#include "mr_targets.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_net.h"

const char *
mr_task_name(int task)
{
	switch (task)
	{
		case MR_TASK_MULTILABEL:
			return "multilabel";
		case MR_TASK_MULTITASK:
			return "multitask";
		case MR_TASK_REGRESSION:
			return "regression";
		case MR_TASK_LANGUAGE_MODEL:
			return "language_model";
		default:
			return "classification";
	}
}

int
mr_task_head(int task)
{
	if (task == MR_TASK_MULTILABEL || task == MR_TASK_MULTITASK)
		return MR_HEAD_SIGMOID;
	if (task == MR_TASK_LANGUAGE_MODEL)
		return MR_HEAD_NEXT_TOKEN;
	return task == MR_TASK_REGRESSION ? MR_HEAD_LINEAR : MR_HEAD_SOFTMAX;
}

/* A regression label; see mr_targets.h */
int
mr_targets_parse_value(const char *s, size_t len, double *out)
{
	char		buf[128];
	char	   *end;
	double		v;

	/* the server's text forms of numbers are short; longer is not one */
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	if (end == buf || *end != '\0')
		return -1;
	if (!isfinite(v))
		return 0;
	*out = v;
	return 1;
}

/*
 * Walk the entries of an encoded target: fn gets each name and value;
 * returns MR_EINVAL (message in err) at the first malformed entry
 */
typedef MrStatus (*EntryFn) (const char *name, size_t len, int value, void *arg);

static MrStatus
walk_entries(const char *s, size_t len, EntryFn fn, void *arg, MrError *err)
{
	size_t		i = 0;

	while (i < len)
	{
		const char *nul = memchr(s + i, '\0', len - i);
		size_t		name_len;
		MrStatus	st;

		if (!nul || (s[i] != '0' && s[i] != '1'))
			return mr_set_error(err, MR_EINVAL, "A multi-label target is malformed at byte %zu.", i);
		name_len = (size_t) (nul - (s + i)) - 1;
		if (name_len < 1 || name_len > MR_MAX_LABEL_BYTES)
			return mr_set_error(err, MR_EINVAL, "A label name has %zu bytes; it must have 1 to %d.",
								name_len, MR_MAX_LABEL_BYTES);
		if (fn && (st = fn(s + i + 1, name_len, s[i] - '0', arg)) != MR_OK)
			return st;
		i += name_len + 2;
	}
	return MR_OK;
}

static MrStatus
count_entry(const char *name, size_t len, int value, void *arg)
{
	(void) name;
	(void) len;
	(void) value;
	(*(int64_t *) arg)++;
	return MR_OK;
}

MrStatus
mr_targets_check_multi(const char *s, size_t len, int64_t *n_entries, MrError *err)
{
	*n_entries = 0;
	return walk_entries(s, len, count_entry, n_entries, err);
}

/* A row's truth against a model's names */
typedef struct Truth
{
	const MrVocab *names;
	int8_t	   *truth;
	int64_t    *unseen;
} Truth;

static MrStatus
truth_entry(const char *name, size_t len, int value, void *arg)
{
	Truth	   *t = arg;
	int32_t		k = mr_vocab_lookup(t->names, name, len);

	if (k < 0)
		(*t->unseen)++;
	else
		t->truth[k] = (int8_t) value;
	return MR_OK;
}

MrStatus
mr_targets_truth(const char *s, size_t len, const MrVocab *names, int task,
				 int32_t K, int8_t *truth, int64_t *unseen, MrError *err)
{
	Truth		t = {names, truth, unseen};

	*unseen = 0;
	memset(truth, task == MR_TASK_MULTITASK ? -1 : 0, (size_t) K);
	return walk_entries(s, len, truth_entry, &t, err);
}

/* Collecting the names, then filling one target's row */
typedef struct Collect
{
	MrTargets  *t;
	int32_t    *output_of;		/* name id -> output */
	int8_t	   *row;			/* the target being filled */
	MrError    *err;
} Collect;

static MrStatus
add_name(const char *name, size_t len, int value, void *arg)
{
	Collect    *c = arg;

	(void) value;
	if (mr_vocab_lookup(c->t->names, name, len) < 0 &&
		mr_vocab_size(c->t->names) >= MR_MAX_CLASSES)
		return mr_set_error(c->err, MR_EINVAL, "There are more than %d distinct label names.", MR_MAX_CLASSES);
	if (mr_vocab_add(c->t->names, name, len, 0) < 0)
		return mr_set_error(c->err, MR_ENOMEM, "Out of memory for label names.");
	return MR_OK;
}

static MrStatus
fill_entry(const char *name, size_t len, int value, void *arg)
{
	Collect    *c = arg;

	c->row[c->output_of[mr_vocab_lookup(c->t->names, name, len)]] = (int8_t) value;
	return MR_OK;
}

static MrStatus
build_multi(MrTargets *t, const MrVocab *labels, const int32_t *label_of,
			const int32_t *row_target, int64_t rows, const MrAllocator *a, MrError *err)
{
	Collect		c = {t, NULL, NULL, err};
	int8_t		absent = t->task == MR_TASK_MULTITASK ? -1 : 0;
	MrStatus	st;
	int32_t		K;

	if (!(t->names = mr_vocab_new(a, 16)))
		return mr_set_error(err, MR_ENOMEM, "Out of memory for label names.");
	for (int32_t i = 0; i < t->n; i++)
	{
		size_t		l;
		const char *s = mr_vocab_key(labels, label_of[i], &l);

		if ((st = walk_entries(s, l, add_name, &c, err)) != MR_OK)
			return st;
	}
	K = t->K = mr_vocab_size(t->names);
	if (K == 0)
	{
		mr_error_message(err, MR_EDATA, "no label names among the rows");
		mr_error_detail(err, "Every label is an empty set.");
		mr_error_hint(err, "A multi-label model needs at least one label that some row has.");
		return MR_EDATA;
	}
	t->name_order = mr_alloc(a, sizeof(int32_t) * (size_t) K);
	c.output_of = mr_alloc(a, sizeof(int32_t) * (size_t) K);
	t->positives = mr_alloc0(a, sizeof(int64_t) * (size_t) K);
	t->known = mr_alloc0(a, sizeof(int64_t) * (size_t) K);
	t->multi = mr_alloc(a, (size_t) t->n * (size_t) K);
	if (!t->name_order || !c.output_of || !t->positives || !t->known || !t->multi ||
		mr_vocab_sort_by_key(t->names, t->name_order) != MR_OK)
	{
		mr_free(a, c.output_of);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for the targets.");
	}
	for (int32_t k = 0; k < K; k++)
		c.output_of[t->name_order[k]] = k;
	for (int32_t i = 0; i < t->n; i++)
	{
		size_t		l;
		const char *s = mr_vocab_key(labels, label_of[i], &l);

		c.row = t->multi + (size_t) i * K;
		memset(c.row, absent, (size_t) K);
		walk_entries(s, l, fill_entry, &c, err);
	}
	mr_free(a, c.output_of);
	for (int64_t r = 0; r < rows; r++)
	{
		const int8_t *y = t->multi + (size_t) row_target[r] * K;

		for (int32_t k = 0; k < K; k++)
		{
			t->known[k] += y[k] >= 0;
			t->positives[k] += y[k] == 1;
		}
	}
	return MR_OK;
}

static MrStatus
build_regression(MrTargets *t, const MrVocab *labels, const int32_t *label_of,
				 const int32_t *row_target, int64_t rows, const MrAllocator *a, MrError *err)
{
	double	   *v = mr_alloc(a, sizeof(double) * (size_t) (t->n > 0 ? t->n : 1));
	double		sum = 0.0,
				ss = 0.0;

	t->K = 1;
	t->values = mr_alloc(a, sizeof(float) * (size_t) (t->n > 0 ? t->n : 1));
	if (!v || !t->values)
	{
		mr_free(a, v);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for the targets.");
	}
	for (int32_t i = 0; i < t->n; i++)
	{
		size_t		l;
		const char *s = mr_vocab_key(labels, label_of[i], &l);

		if (mr_targets_parse_value(s, l, &v[i]) != 1)
		{
			mr_free(a, v);
			return mr_set_error(err, MR_EINVAL, "A regression label is not a finite number.");
		}
	}
	/* two passes: the mean, then the spread around it */
	for (int64_t r = 0; r < rows; r++)
		sum += v[row_target[r]];
	t->mean = rows > 0 ? sum / rows : 0.0;
	for (int64_t r = 0; r < rows; r++)
		ss += (v[row_target[r]] - t->mean) * (v[row_target[r]] - t->mean);
	t->scale = rows > 0 ? sqrt(ss / rows) : 0.0;
	for (int32_t i = 0; i < t->n; i++)
		if (!(fabs(v[i]) <= MR_MAX_TARGET))
		{
			mr_error_message(err, MR_EDATA, "regression label %g is beyond the limit of %g", v[i], MR_MAX_TARGET);
			mr_error_hint(err, "Rescale the label column, e.g. to other units.");
			mr_free(a, v);
			return MR_EDATA;
		}
	if (!(t->scale > 0.0) || !isfinite(t->scale) || !isfinite(t->mean))
	{
		mr_free(a, v);
		mr_error_message(err, MR_EDATA, "cannot train a regression on %s",
						 rows < 2 ? "fewer than two rows" : "a constant target");
		mr_error_detail(err, "%lld usable rows; their targets' standard deviation is %g.",
						(long long) rows, t->scale);
		mr_error_hint(err, "A regression needs rows whose labels differ.");
		return MR_EDATA;
	}
	for (int32_t i = 0; i < t->n; i++)
		t->values[i] = (float) ((v[i] - t->mean) / t->scale);
	mr_free(a, v);
	return MR_OK;
}

/* The targets; see mr_targets.h */
MrStatus
mr_targets_build(MrTargets *t, int task, const MrVocab *labels, const int32_t *label_of,
				 int32_t n, const int32_t *row_target, int64_t rows,
				 const MrAllocator *a, MrError *err)
{
	MrStatus	st;

	memset(t, 0, sizeof(*t));
	t->task = task;
	t->n = n;
	st = task == MR_TASK_REGRESSION ?
		build_regression(t, labels, label_of, row_target, rows, a, err) :
		build_multi(t, labels, label_of, row_target, rows, a, err);
	if (st != MR_OK)
		mr_targets_free(t, a);
	return st;
}

void
mr_targets_free(MrTargets *t, const MrAllocator *a)
{
	if (t->names)
		mr_vocab_free(t->names);
	mr_free(a, t->name_order);
	mr_free(a, t->multi);
	mr_free(a, t->positives);
	mr_free(a, t->known);
	mr_free(a, t->values);
	memset(t, 0, sizeof(*t));
}

/* Balanced per-label weights; see mr_targets.h */
void
mr_targets_balanced_weights(const MrTargets *t, float *w)
{
	for (int32_t k = 0; k < t->K; k++)
	{
		int64_t		pos = t->positives[k],
					neg = t->known[k] - pos;

		w[k] = neg > 0 ? (float) ((double) t->known[k] / (2.0 * neg)) : 1.0f;
		w[t->K + k] = pos > 0 ? (float) ((double) t->known[k] / (2.0 * pos)) : 1.0f;
	}
}
