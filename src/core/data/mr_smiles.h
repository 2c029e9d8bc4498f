/*
 * mr_smiles.h
 *	  Reading a SMILES string as a molecular graph and writing the same
 *	  molecule again from another atom, in another order ("SMILES
 *	  enumeration", Bjerrum 2017).
 *
 * A molecule has many SMILES strings: any atom can come first, and at every
 * branch point any neighbour can be written next.  A sequence model sees
 * only one of them per molecule; training on random rewrites, and averaging
 * its predictions over several rewrites of an input, teaches it the
 * molecule rather than one spelling of it.
 *
 * The rewrite keeps every atom exactly as it was written (bracket atoms
 * byte for byte, aromatic lower case as it was) and every bond symbol; it
 * only changes the order, the branches and the ring-bond labels.  What the
 * order changes is mended: a tetrahedral "@" / "@@" is swapped when the
 * atom's neighbours come in an odd permutation of their written order, and
 * a directional bond "/" / "\" is swapped when it is written from its other
 * end.
 *
 * The reader accepts the OpenSMILES grammar that appears in practice:
 * organic-subset atoms (B C N O P S F Cl Br I b c n o p s *), bracket
 * atoms, bonds - = # $ : / \, branches, ring bonds 0-9 and %nn, and "."
 * between parts.  Anything else (an unclosed ring or branch, a ring bond
 * to the atom itself or to a neighbour, chirality other than @ and @@, a
 * ring bond after a branch) is not read, and the caller keeps the string
 * as written.  Time and memory are linear in the string.
 */
#ifndef MR_SMILES_H
#define MR_SMILES_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"
#include "mr_rng.h"

/* The most SMILES strings of one molecule a model trains and predicts on */
#define MR_MAX_SMILES_VARIANTS 100

typedef struct MrSmiles MrSmiles;

/*
 * Read text[0..len) into a new molecule.  Returns MR_EINVAL when the text
 * is not SMILES this reader accepts (*out stays NULL), MR_ENOMEM when an
 * allocation fails.
 */
MrStatus	mr_smiles_parse(const char *text, size_t len, const MrAllocator *a,
							MrSmiles **out);
void		mr_smiles_free(MrSmiles *s, const MrAllocator *a);

int32_t		mr_smiles_atom_count(const MrSmiles *s);

/* Bytes enough for any rewrite of s */
size_t		mr_smiles_max_length(const MrSmiles *s);

/*
 * Write a random rewrite of s into out (mr_smiles_max_length bytes, not
 * NUL-terminated) and return its length.  The first atom, the order of the
 * parts and the order of every atom's neighbours are drawn from rng.
 * order (NULL or atom-count slots) receives, for each atom of the rewrite
 * in written order, its index in the original.  Returns 0 if the rewrite
 * would need more than 100 ring bonds open at once (the caller keeps the
 * original); never fails otherwise, and allocates nothing.
 */
size_t		mr_smiles_write_random(MrSmiles *s, MrRng *rng, char *out, int32_t *order);

/*
 * Seed rng from a text and a salt, so a text's rewrites depend on nothing
 * else (training salts with its seed; prediction uses 0)
 */
void		mr_smiles_seed_rng(MrRng *rng, const char *text, size_t len, uint64_t salt);

#endif							/* MR_SMILES_H */
