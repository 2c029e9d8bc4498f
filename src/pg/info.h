/*
 * info.h
 *	  What rnn_model_info says about a model, for rnn_report's card too.
 */
#ifndef MEDRNN_INFO_H
#define MEDRNN_INFO_H

#include "postgres.h"

#include "mr_model.h"

/*
 * The JSON document rnn_model_info returns (as text in the server
 * encoding, members in a fixed order) of model m decoded from b
 */
char	   *MedrnnModelInfoText(bytea *b, const MrModel *m);

/*
 * SHA-256 of a model's identifying bytes (buf[0..len), len its
 * fingerprint_len): its fingerprint, and a fine-tuned model's lineage
 */
void		MedrnnModelDigest(const uint8 *buf, size_t len, uint8 *digest);

#endif							/* MEDRNN_INFO_H */
