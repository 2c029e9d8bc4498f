/*
 * mr_report_options.c
 *	  rnn_report's options (see mr_report.h): which sections, how many
 *	  examples and which, the explanations' quadrature, a title.
 */
#include <math.h>
#include <string.h>

#include "mr_explain.h"
#include "mr_report.h"
#include "mr_utf8.h"

#define OPTION_NAMES "\"sections\", \"examples\", \"example_order\", \"steps\", \"title\", \"lineage\""

static const struct
{
	const char *name;
	unsigned	bit;
}			section_names[] = {
	{"card", MR_REPORT_CARD},
	{"training", MR_REPORT_TRAINING},
	{"metrics", MR_REPORT_METRICS},
	{"confusion", MR_REPORT_CONFUSION},
	{"curves", MR_REPORT_CURVES},
	{"calibration", MR_REPORT_CALIBRATION},
	{"thresholds", MR_REPORT_THRESHOLDS},
	{"examples", MR_REPORT_EXAMPLES}
};

static const char *const order_names[] = {"errors", "confident", "uncertain", "first"};

#define N_SECTIONS ((int) (sizeof(section_names) / sizeof(section_names[0])))
#define SECTION_HINT "Valid sections are \"card\", \"training\", \"metrics\", \"confusion\", \"curves\", \"calibration\", \"thresholds\" and \"examples\"."

/* An integer option within [lo, hi] */
static MrStatus
int_option(const char *name, const MrJson *v, int lo, int hi, int *out, MrError *err)
{
	if (v->type != MR_JSON_NUMBER || v->number != floor(v->number) ||
		v->number < lo || v->number > hi)
	{
		mr_error_message(err, MR_EINVAL, "invalid value for report option \"%s\"", name);
		mr_error_detail(err, "Report option \"%s\" must be an integer from %d to %d.", name, lo, hi);
		return MR_EINVAL;
	}
	*out = (int) v->number;
	return MR_OK;
}

/* The sections listed in an array of names */
static MrStatus
sections_option(const MrJson *v, unsigned *out, MrError *err)
{
	if (v->type != MR_JSON_ARRAY)
	{
		mr_error_message(err, MR_EINVAL, "invalid value for report option \"sections\"");
		mr_error_detail(err, "Report option \"sections\" must be an array of section names.");
		mr_error_hint(err, SECTION_HINT);
		return MR_EINVAL;
	}
	*out = 0;
	for (int i = 0; i < v->n; i++)
	{
		const MrJson *s = &v->items[i];
		int			k = 0;

		while (k < N_SECTIONS && !(s->type == MR_JSON_STRING && strcmp(s->text, section_names[k].name) == 0))
			k++;
		if (k == N_SECTIONS)
		{
			if (s->type == MR_JSON_STRING)
				mr_error_message(err, MR_EINVAL, "unrecognized report section \"%.100s\"", s->text);
			else
				mr_error_message(err, MR_EINVAL, "report sections must be strings, not %s",
								 mr_json_type_name(s));
			mr_error_hint(err, SECTION_HINT);
			return MR_EINVAL;
		}
		*out |= section_names[k].bit;
	}
	return MR_OK;
}

/* Parse; see mr_report.h */
MrStatus
mr_report_options_parse(const MrJson *json, MrReportOptions *opts, MrError *err)
{
	memset(opts, 0, sizeof(*opts));
	opts->sections = MR_REPORT_ALL;
	opts->examples = 6;
	opts->order = MR_ORDER_ERRORS;
	opts->steps = 50;
	if (json == NULL || json->type == MR_JSON_NULL)
		return MR_OK;
	if (json->type != MR_JSON_OBJECT)
	{
		mr_error_message(err, MR_EINVAL, "report options must be a JSON object");
		mr_error_detail(err, "They are %s.", json->type == MR_JSON_ARRAY ? "an array" : mr_json_type_name(json));
		return MR_EINVAL;
	}
	for (int i = 0; i < json->n; i++)
	{
		const char *key = json->keys[i];
		const MrJson *v = &json->items[i];
		MrStatus	st = MR_OK;

		if (strcmp(key, "sections") == 0)
			st = sections_option(v, &opts->sections, err);
		else if (strcmp(key, "examples") == 0)
			st = int_option(key, v, 0, MR_REPORT_MAX_EXAMPLES, &opts->examples, err);
		else if (strcmp(key, "steps") == 0)
			st = int_option(key, v, 1, MR_EXPLAIN_MAX_STEPS, &opts->steps, err);
		else if (strcmp(key, "example_order") == 0)
		{
			int			k = 0;

			while (k < 4 && !(v->type == MR_JSON_STRING && strcmp(v->text, order_names[k]) == 0))
				k++;
			if (k == 4)
			{
				mr_error_message(err, MR_EINVAL, "invalid value for report option \"example_order\"");
				mr_error_hint(err, "Use \"errors\", \"confident\", \"uncertain\" or \"first\".");
				return MR_EINVAL;
			}
			opts->order = (MrReportOrder) k;
		}
		else if (strcmp(key, "title") == 0)
		{
			if (v->type != MR_JSON_STRING || 				!mr_utf8_valid((const unsigned char *) v->text, v->len) ||
				mr_utf8_count((const unsigned char *) v->text, v->len) > MR_REPORT_MAX_TITLE)
			{
				mr_error_message(err, MR_EINVAL, "invalid value for report option \"title\"");
				mr_error_detail(err, "Report option \"title\" must be a string of at most %d characters.",
								MR_REPORT_MAX_TITLE);
				return MR_EINVAL;
			}
			opts->title = v->text;
		}
		else if (strcmp(key, "lineage") == 0)
		{
			if (v->type != MR_JSON_OBJECT)
			{
				mr_error_message(err, MR_EINVAL, "invalid value for report option \"lineage\"");
				mr_error_detail(err, "Report option \"lineage\" must be a JSON object.");
				return MR_EINVAL;
			}
			opts->lineage = v;
		}
		else
		{
			mr_error_message(err, MR_EINVAL, "unrecognized report option \"%.100s\"", key);
			mr_error_hint(err, "Valid options are " OPTION_NAMES ".");
			return MR_EINVAL;
		}
		if (st != MR_OK)
			return st;
	}
	return MR_OK;
}
