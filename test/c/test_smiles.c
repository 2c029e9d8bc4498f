/*
 * test_smiles.c
 *	  SMILES reading and random rewriting: what is refused, and that every
 *	  rewrite, read back, is the same molecule (same atoms, same bonds with
 *	  their symbols, the same handedness at every "@" atom), within the
 *	  promised length, reproducible from the seed.
 *
 * The rewrite is read back with the reader itself, so the checks here
 * catch a writer that disagrees with the reader; that both agree with
 * chemistry was checked once against RDKit (every rewrite of the 1,478
 * ClinTox molecules has the original's canonical isomeric SMILES; see the
 * README).
 */
#include "mr_test.h"

#include <stdlib.h>
#include <string.h>

#include "mr_smiles.h"

#define MAX_ATOMS 256

/* A molecule as plain arrays, read back from a string, for comparing */
typedef struct Graph
{
	int			n_atoms;
	char		atom[MAX_ATOMS][16];	/* text with "@" marks removed */
	int			marks[MAX_ATOMS];	/* 0, 1 (@) or 2 (@@) */
	int			has_h[MAX_ATOMS];
	int			n_edges;
	int			ea[MAX_ATOMS * 2],
				eb[MAX_ATOMS * 2];
	char		sym[MAX_ATOMS * 2];
	/* each atom's neighbours in written order; -1 is a chiral atom's H */
	int			n_nbr[MAX_ATOMS];
	int			nbr[MAX_ATOMS][8];
} Graph;

static void
add_nbr(Graph *g, int x, int y)
{
	if (g->n_nbr[x] < 8)
		g->nbr[x][g->n_nbr[x]] = y;
	g->n_nbr[x]++;
}

/*
 * An independent little reader of the writer's output (organic atoms,
 * bracket atoms, bonds, branches, ring labels, dots): enough to compare
 * the rewrite with the original atom by atom.
 */
static int
read_graph(const char *s, size_t len, Graph *g)
{
	int			prev = -1,
				stack[MAX_ATOMS],
				depth = 0;
	int			ring_atom[100],
				ring_edge_sym[100];
	char		bond = 0;

	memset(g, 0, sizeof(*g));
	for (int k = 0; k < 100; k++)
		ring_atom[k] = -1;
	for (size_t i = 0; i < len;)
	{
		char		c = s[i];

		if (c == '[' || strchr("BCNOPSFIbcnops*", c))
		{
			int			x = g->n_atoms++;
			size_t		j = i + 1,
						o = 0;

			if (x >= MAX_ATOMS)
				return 0;
			if (c == '[')
			{
				while (j < len && s[j] != ']')
					j++;
				j++;
			}
			else if ((c == 'B' && i + 1 < len && s[i + 1] == 'r') ||
					 (c == 'C' && i + 1 < len && s[i + 1] == 'l'))
				j++;
			for (size_t k = i; k < j && o < 15; k++)
			{
				if (s[k] == '@')
				{
					g->marks[x]++;
					if (k + 1 < j && s[k + 1] == 'H')
						g->has_h[x] = 1;
				}
				else
					g->atom[x][o++] = s[k];
			}
			if (prev >= 0)
			{
				g->ea[g->n_edges] = prev;
				g->eb[g->n_edges] = x;
				g->sym[g->n_edges++] = bond;
				add_nbr(g, x, prev);
				if (g->has_h[x])
					add_nbr(g, x, -1);
				add_nbr(g, prev, x);
			}
			else if (g->has_h[x])
				add_nbr(g, x, -1);
			bond = 0;
			prev = x;
			i = j;
		}
		else if (strchr("-=#$:/\\", c))
			bond = s[i++];
		else if (c == '%' || (c >= '0' && c <= '9'))
		{
			int			label = c == '%' ? (s[i + 1] - '0') * 10 + (s[i + 2] - '0') : c - '0';

			i += c == '%' ? 3 : 1;
			if (ring_atom[label] < 0)
			{
				ring_atom[label] = prev;
				ring_edge_sym[label] = bond;
				/* a placeholder neighbour, filled at the closing end */
				add_nbr(g, prev, -2 - label);
			}
			else
			{
				int			y = ring_atom[label];

				g->ea[g->n_edges] = y;
				g->eb[g->n_edges] = prev;
				g->sym[g->n_edges++] = (char) (ring_edge_sym[label] ? ring_edge_sym[label] : bond);
				for (int k = 0; k < g->n_nbr[y] && k < 8; k++)
					if (g->nbr[y][k] == -2 - label)
						g->nbr[y][k] = prev;
				add_nbr(g, prev, y);
				ring_atom[label] = -1;
			}
			bond = 0;
		}
		else if (c == '(')
		{
			stack[depth++] = prev;
			i++;
		}
		else if (c == ')')
		{
			prev = stack[--depth];
			i++;
		}
		else if (c == '.')
		{
			prev = -1;
			i++;
		}
		else
			return 0;
	}
	return 1;
}

/* The bond symbol between original atoms x and y read from x, or '?' */
static char
bond_from(const Graph *g, int x, int y)
{
	for (int e = 0; e < g->n_edges; e++)
	{
		if (g->ea[e] == x && g->eb[e] == y)
			return g->sym[e] ? g->sym[e] : ' ';
		if (g->ea[e] == y && g->eb[e] == x)
		{
			char		c = g->sym[e];

			return c == '/' ? '\\' : c == '\\' ? '/' : c ? c : ' ';
		}
	}
	return '?';
}

/* Parity of the permutation taking list a to list b (same elements) */
static int
parity(const int *a, const int *b, int n)
{
	int			pos[8],
				inv = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			if (a[j] == b[i])
				pos[i] = j;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			inv += pos[i] > pos[j];
	return inv & 1;
}

/*
 * Is rewrite (with order: rewrite atom -> original atom) the molecule of
 * original?  Returns 0 and says why otherwise.
 */
static int
same_molecule(const char *orig, const char *rw, size_t rw_len, const int32_t *order,
			  char *why, size_t why_len)
{
	static Graph g0,
				g1;
	int			back[MAX_ATOMS];

	if (!read_graph(orig, strlen(orig), &g0) || !read_graph(rw, rw_len, &g1))
		return snprintf(why, why_len, "unreadable"), 0;
	if (g0.n_atoms != g1.n_atoms || g0.n_edges != g1.n_edges)
		return snprintf(why, why_len, "%d atoms %d bonds, not %d and %d",
						g1.n_atoms, g1.n_edges, g0.n_atoms, g0.n_edges), 0;
	for (int i = 0; i < g1.n_atoms; i++)
	{
		back[i] = order[i];
		if (strcmp(g0.atom[order[i]], g1.atom[i]) != 0 ||
			(g0.marks[order[i]] == 0) != (g1.marks[i] == 0))
			return snprintf(why, why_len, "atom %d is %s, was %s", i, g1.atom[i], g0.atom[order[i]]), 0;
	}
	for (int e = 0; e < g1.n_edges; e++)
	{
		int			x = back[g1.ea[e]],
					y = back[g1.eb[e]];
		char		want = bond_from(&g0, x, y);
		char		got = g1.sym[e] ? g1.sym[e] : ' ';

		if (want != got)
			return snprintf(why, why_len, "bond %d-%d is '%c', was '%c'", x, y, got, want), 0;
	}
	/* handedness: marks flip exactly when the neighbour order is odd */
	for (int i = 0; i < g1.n_atoms; i++)
	{
		int			x = back[i],
					mapped[8];

		if (g1.marks[i] == 0 || g1.n_nbr[i] > 8)
			continue;
		for (int k = 0; k < g1.n_nbr[i]; k++)
			mapped[k] = g1.nbr[i][k] < 0 ? -1 : back[g1.nbr[i][k]];
		if ((g1.marks[i] != g0.marks[x]) != parity(g0.nbr[x], mapped, g1.n_nbr[i]))
			return snprintf(why, why_len, "atom %d (%s) has the wrong handedness", i, g1.atom[i]), 0;
	}
	return 1;
}

/* Many rewrites of one molecule, each checked, with a canary after the buffer */
static void
check_rewrites(const char *smiles, int n)
{
	MrSmiles   *s = NULL;
	MrRng		rng;
	char	   *buf;
	size_t		cap;
	int32_t		order[MAX_ATOMS],
				first[MAX_ATOMS];
	int			bad = 0,
				other_orders = 0;
	char		why[160] = "";

	if (mr_smiles_parse(smiles, strlen(smiles), &mr_malloc_allocator, &s) != MR_OK)
	{
		MR_CHECK(0, "%s is read", smiles);
		return;
	}
	cap = mr_smiles_max_length(s);
	buf = malloc(cap + 16);
	mr_rng_seed(&rng, 42);
	for (int i = 0; i < n && !bad; i++)
	{
		size_t		len;

		memset(buf, 0x5a, cap + 16);
		len = mr_smiles_write_random(s, &rng, buf, order);
		for (size_t k = cap; k < cap + 16; k++)
			bad |= buf[k] != 0x5a;
		if (bad)
			snprintf(why, sizeof(why), "wrote past %zu bytes", cap);
		else if (len == 0 || !same_molecule(smiles, buf, len, order, why, sizeof(why)))
			bad = 1;
		if (bad)
			mr_diag("rewrite: %.*s", (int) len, buf);
		/* benzene reads the same from every atom: compare atom orders */
		if (i == 0)
			memcpy(first, order, sizeof(int32_t) * mr_smiles_atom_count(s));
		else
			other_orders |= memcmp(first, order, sizeof(int32_t) * mr_smiles_atom_count(s)) != 0;
	}
	MR_CHECK(!bad, "%d rewrites of %s are the same molecule%s%s", n, smiles, bad ? ": " : "", why);
	if (mr_smiles_atom_count(s) > 2)
		MR_CHECK(other_orders, "rewrites of %s start from different atoms", smiles);
	free(buf);
	mr_smiles_free(s, &mr_malloc_allocator);
}

static void
check_refused(const char *smiles, const char *why)
{
	MrSmiles   *s = (MrSmiles *) 1;

	MR_CHECK(mr_smiles_parse(smiles, strlen(smiles), &mr_malloc_allocator, &s) == MR_EINVAL &&
			 s == NULL, "not read: \"%s\" (%s)", smiles, why);
}

/* Same seed, same rewrite; a text seeds its own stream */
static void
check_reproducible(void)
{
	const char *smi = "CC(=O)Oc1ccccc1C(=O)O";
	MrSmiles   *s;
	MrRng		r1,
				r2;
	char		a[256],
				b[256];
	size_t		la,
				lb;

	mr_smiles_parse(smi, strlen(smi), &mr_malloc_allocator, &s);
	mr_smiles_seed_rng(&r1, smi, strlen(smi), 7);
	mr_smiles_seed_rng(&r2, smi, strlen(smi), 7);
	la = mr_smiles_write_random(s, &r1, a, NULL);
	lb = mr_smiles_write_random(s, &r2, b, NULL);
	MR_CHECK(la == lb && memcmp(a, b, la) == 0, "the same text and salt give the same rewrite");
	mr_smiles_free(s, &mr_malloc_allocator);
}

/* Long chains and deep branches: no recursion, linear work */
static void
check_large(void)
{
	size_t		n = 100000;
	char	   *chain = malloc(n + 2);
	char	   *out;
	MrSmiles   *s = NULL;
	MrRng		rng;
	size_t		len;
	int			ok;

	memset(chain, 'C', n);
	MR_CHECK(mr_smiles_parse(chain, n, &mr_malloc_allocator, &s) == MR_OK,
			 "a chain of 100,000 atoms is read");
	mr_rng_seed(&rng, 3);
	out = malloc(mr_smiles_max_length(s));
	len = mr_smiles_write_random(s, &rng, out, NULL);
	ok = len > 0;
	for (size_t i = 0; ok && i < len; i++)
		ok = out[i] == 'C' || out[i] == '(' || out[i] == ')';
	MR_CHECK(ok, "and rewritten (%zu bytes, from a random atom)", len);
	free(out);
	mr_smiles_free(s, &mr_malloc_allocator);
	chain[n] = 'C';
	MR_CHECK(mr_smiles_parse(chain, n + 1, &mr_malloc_allocator, &s) == MR_EINVAL,
			 "a string over the length limit is not read");

	/* C(C(C(...))) 30,000 deep */
	{
		size_t		d = 30000,
					k = 0;
		char	   *deep = malloc(3 * d + 2);

		for (size_t i = 0; i < d; i++)
		{
			deep[k++] = 'C';
			deep[k++] = '(';
		}
		deep[k++] = 'C';
		for (size_t i = 0; i < d; i++)
			deep[k++] = ')';
		MR_CHECK(mr_smiles_parse(deep, k, &mr_malloc_allocator, &s) == MR_OK,
				 "30,000 nested branches are read");
		out = malloc(mr_smiles_max_length(s));
		MR_CHECK(mr_smiles_write_random(s, &rng, out, NULL) > 0, "and rewritten");
		free(out);
		mr_smiles_free(s, &mr_malloc_allocator);
		free(deep);
	}
	free(chain);
}

void
test_smiles(void)
{
	static const char *const molecules[] = {
		"CCO",
		"c1ccccc1",
		"CC(=O)Oc1ccccc1C(=O)O",	/* aspirin */
		"N[C@@H](C)C(=O)O",		/* L-alanine */
		"[C@@H](N)(C)C(=O)O",	/* a chiral first atom with a hydrogen */
		"C[C@](F)(Cl)Br",
		"F/C=C/F",
		"F/C=C\\Cl",
		"C/C=C/C(/F)=C/Cl",
		"[Na+].[Cl-]",
		"C1.C1",				/* a ring bond joins two parts */
		"C1CC2CCC1C2",			/* bicyclic */
		"C12CC1C2",
		"C=1CCCCC=1",			/* the bond at both ends */
		"C%10CCCCC%10",
		"O=C1N[C@@H](Cc2ccccc2)C(=O)N[C@H]1C",
		"[O-][N+](=O)c1ccc(cc1)S(=O)(=O)N",
		"C[C@H]1CC[C@@H](O)C[C@@H]1O",	/* chiral ring atoms */
		"[2H]C([2H])([2H])[C@@]12CC[C@H](C1)C2",
		"*C(=O)[C@H](CCCCNC(=O)OCCOC)NC(=O)OCCOC",	/* a ClinTox polymer */
		"[H]/[NH+]=C(/C1=CC(=O)/C(=C\\C=c2ccc(=C([NH3+])N)cc2)/C=C1)\\N",	/* ClinTox */
		"CC[C@@H]1/C=C(/C)C[C@H](C)C[C@H](OC)[C@H]2O[C@@](O)(C(=O)C(=O)N3CCCC[C@H]3C(=O)O1)[C@H](C)CC2",
	};

	for (size_t i = 0; i < sizeof(molecules) / sizeof(molecules[0]); i++)
		check_rewrites(molecules[i], 300);

	check_refused("", "empty");
	check_refused("C1CC", "an unclosed ring");
	check_refused("C(C", "an unclosed branch");
	check_refused("CC)", "a branch never opened");
	check_refused("C()C", "an empty branch");
	check_refused("C=", "a bond to nothing");
	check_refused("=C", "a bond from nothing");
	check_refused("C.=C", "a bond across a dot");
	check_refused("C..C", "two dots");
	check_refused("C11", "a ring bond to the atom itself");
	check_refused("C1C1", "a ring bond to a neighbour");
	check_refused("C12CC12", "two ring bonds between the same atoms");
	check_refused("C=1CCCCC#1", "ring-bond symbols that disagree");
	check_refused("C(C)1CC1", "a ring bond after a branch");
	check_refused("F[C@TH1](Cl)Br", "a chirality class");
	check_refused("[C@@@H](F)(Cl)Br", "three @");
	check_refused("[CH4", "an unclosed bracket");
	check_refused("C%1", "a short %nn label");
	check_refused("C C", "a space");
	check_refused("Xe", "not an organic-subset atom");
	check_reproducible();
	check_large();
}
