/*
 * labels.h
 *	  What a label column holds, and its values in the form the core reads
 *	  (mr_targets.h): the task a column's type implies, and the encoding
 *	  of label sets (arrays) and labelled results (jsonb objects).
 */
#ifndef MEDRNN_LABELS_H
#define MEDRNN_LABELS_H

#include "postgres.h"

/* How the source query hands a label over */
typedef enum MedrnnLabelForm
{
	MEDRNN_LABEL_TEXT = 0,		/* label::text */
	MEDRNN_LABEL_FLOAT8,		/* label::float8: a regression's number */
	MEDRNN_LABEL_ARRAY,			/* label::text[]: a set of labels */
	MEDRNN_LABEL_JSONB			/* label::jsonb: {"label": true/false/1/0/null, ...} */
} MedrnnLabelForm;

/* A task not given by an option: the label column's type decides */
#define MEDRNN_TASK_FROM_TYPE (-1)

/*
 * The task of a label column of type typid (MrTask): task_option if given
 * (>= 0), checked against the type with an ERROR naming the column when
 * they do not fit, else the type's own.  *form gets how to read it.
 */
int			MedrnnLabelTask(Oid typid, const char *label_col, int task_option,
							MedrnnLabelForm *form);

/*
 * Encode one label value of the given form as the core reads it, in UTF-8
 * (palloc'd; *len its length).  A malformed value (an empty label name, a
 * jsonb that is not an object, a result that is not true, false, 0, 1 or
 * null) is an ERROR naming label_col.
 */
char	   *MedrnnEncodeLabel(Datum value, MedrnnLabelForm form, const char *label_col,
							  size_t *len);

#endif							/* MEDRNN_LABELS_H */
