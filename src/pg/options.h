/*
 * options.h
 *	  rnn_train's jsonb options, read into the core's MrOptions: the table
 *	  of options, their checks and messages live in the core
 *	  (src/core/model/mr_options.c); this is the jsonb side.
 */
#ifndef MEDRNN_OPTIONS_H
#define MEDRNN_OPTIONS_H

#include "utils/jsonb.h"

#include "mr_options.h"

/*
 * Parse and validate options (NULL means all defaults) into o; strings
 * are allocated in the current memory context.  An invalid option is an
 * ERROR naming it.
 */
void		MedrnnParseOptions(Jsonb *options, MrOptions *o);

#endif							/* MEDRNN_OPTIONS_H */
