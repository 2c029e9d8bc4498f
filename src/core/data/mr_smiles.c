/*
 * mr_smiles.c
 *	  SMILES reading and random rewriting (see mr_smiles.h).
 *
 * The reader records each atom's span of the text and each bond as an
 * edge, and lists every atom's edges in the order the text gives them:
 * that order is what a tetrahedral "@" refers to (OpenSMILES: the atom it
 * follows, then its implicit hydrogen, then its ring bonds, then its
 * branches and the next atom).
 *
 * The writer works in two passes over the graph, both with explicit
 * stacks (a chain of thousands of atoms must not recurse that deep):
 * a depth-first search from a random atom, taking each atom's edges in a
 * random order, splits the edges into tree edges (written as branches or
 * the chain) and ring bonds (an edge back to an atom already reached);
 * then a preorder walk of that tree writes the text.  Every buffer is
 * sized by the reader, so writing allocates nothing.
 */
#include "mr_smiles.h"

#include <string.h>

/*
 * Longer strings are not read: no molecule a model would learn from is
 * that long, and it bounds what a hostile input can make the reader
 * allocate (about 100 bytes per input byte)
 */
#define MR_SMILES_MAX_BYTES		100000
#define MAX_BRACKET_BYTES		64
#define MAX_RING_LABEL			99	/* written 1..9, then %10..%99 */
#define MAX_CHIRAL_NEIGHBOURS	8
#define NO_EDGE					(-1)
#define IMPLICIT_H				(-2)	/* a chiral atom's hydrogen, in neighbour orders */

typedef struct Atom
{
	uint32_t	start;			/* span in the text */
	uint32_t	len;
	int32_t		chiral_at;		/* offset of "@" or "@@" in the span, -1 if none */
	uint8_t		chiral_len;		/* 1 or 2 */
	uint8_t		has_h;			/* a bracket hydrogen, which counts for chirality */
	int32_t		from_edge;		/* the bond to the atom written before it, or NO_EDGE */
} Atom;

/* A bond; a "/" or "\" symbol reads from atom a to atom b */
typedef struct Edge
{
	int32_t		a;
	int32_t		b;
	char		symbol;			/* 0 when none was written */
} Edge;

struct MrSmiles
{
	char	   *text;			/* a copy: atoms point into it */
	int32_t		n_atoms;
	int32_t		n_edges;
	int32_t		n_rings;		/* edges written as ring bonds */
	Atom	   *atoms;
	Edge	   *edges;
	int32_t    *inc_start;		/* (n_atoms + 1) each atom's slice of inc */
	int32_t    *inc;			/* (2 n_edges) edges by atom, in written order */
	size_t		max_length;

	/* the writer's scratch, sliced like inc where per atom */
	int32_t    *shuffled;		/* (2E) each atom's edges in random order */
	int32_t    *child;			/* (2E) tree edges to the atoms it writes next */
	int32_t    *ring_end;		/* (2E) ring bonds opened or closed at the atom */
	int32_t    *n_child;		/* (n) */
	int32_t    *n_ring_end;		/* (n) */
	int32_t    *parent_edge;	/* (n) tree edge it is reached by, or NO_EDGE */
	int32_t    *roots;			/* (n) atoms in random order, then part roots */
	int32_t    *stack_atom;		/* (n) */
	int32_t    *stack_pos;		/* (n) */
	uint8_t    *stack_paren;	/* (n) close a branch when the frame ends */
	uint8_t    *visited;		/* (n) */
	uint8_t    *edge_seen;		/* (E) */
	int32_t    *edge_label;		/* (E) ring label while open, else 0 */
	int32_t		label_edge[MAX_RING_LABEL + 1]; /* open label -> edge, NO_EDGE if free */
};

static int
is_directional(char c)
{
	return c == '/' || c == '\\';
}

static char
reverse_symbol(char c)
{
	return c == '/' ? '\\' : c == '\\' ? '/' : c;
}

static int
is_bond_symbol(char c)
{
	return c != 0 && strchr("-=#$:/\\", c) != NULL;
}

/*
 * The length of the atom at text[i..len), or 0 if none starts there;
 * a bracket atom's chirality goes to *atom
 */
static size_t
read_atom(const char *text, size_t i, size_t len, Atom *atom)
{
	char		c = text[i];

	atom->chiral_at = -1;
	atom->chiral_len = 0;
	atom->has_h = 0;
	if (c == '[')
	{
		size_t		j = i + 1;

		/* at most MAX_BRACKET_BYTES with the brackets */
		while (j < len && j + 1 - i < MAX_BRACKET_BYTES && text[j] != ']' && text[j] != '[')
			j++;
		if (j >= len || text[j] != ']' || j == i + 1)
			return 0;
		for (size_t k = i + 1; k < j; k++)
		{
			size_t		run = 0;

			if (text[k] != '@')
				continue;
			if (atom->chiral_at >= 0)
				return 0;		/* two chirality marks */
			while (k + run < j && text[k + run] == '@')
				run++;
			/* @TH1, @AL1, @SP1, @TB1, @OH1: not rewritten */
			if (run > 2 || (k + run < j && strchr("TASO", text[k + run]) != NULL))
				return 0;
			atom->chiral_at = (int32_t) (k - i);
			atom->chiral_len = (uint8_t) run;
			atom->has_h = k + run < j && text[k + run] == 'H' &&
				!(k + run + 1 < j && text[k + run + 1] == '0');
			k += run - 1;
		}
		/* a rewrite may write "@" as "@@": it must still fit */
		if (atom->chiral_len == 1 && j + 1 - i >= MAX_BRACKET_BYTES)
			return 0;
		return j + 1 - i;
	}
	if ((c == 'B' || c == 'C') && i + 1 < len && text[i + 1] == (c == 'B' ? 'r' : 'l'))
		return 2;
	return c != 0 && strchr("BCNOPSFIbcnops*", c) != NULL ? 1 : 0;
}

/* Append an edge; returns its index */
static int32_t
add_edge(MrSmiles *s, int32_t a, int32_t b, char symbol)
{
	Edge	   *e = &s->edges[s->n_edges];

	e->a = a;
	e->b = b;
	e->symbol = symbol;
	return s->n_edges++;
}

/* Is there already an edge between x and y among x's edges since from? */
static int
has_edge(const MrSmiles *s, const int32_t *inc_atom, const int32_t *inc_edge,
		 int32_t from, int32_t n_inc, int32_t x, int32_t y)
{
	for (int32_t k = from; k < n_inc; k++)
	{
		const Edge *e = &s->edges[inc_edge[k]];

		if (inc_atom[k] == x && (e->a == y || e->b == y))
			return 1;
	}
	return 0;
}

/*
 * Join a ring bond at atom x with the edge its label opened.  The symbol
 * may be written at either end, or at both if they agree; a "/" written at
 * x reads from x to the opener.
 */
static int
close_ring(MrSmiles *s, int32_t edge, int32_t x, char symbol)
{
	Edge	   *e = &s->edges[edge];
	int32_t		opener = e->a;

	if (symbol == 0)
	{
		e->b = x;
		return 1;
	}
	if (e->symbol != 0)
	{
		/* both ends: compare them read from the opener */
		char		seen_from_opener = is_directional(symbol) ? reverse_symbol(symbol) : symbol;

		e->b = x;
		return seen_from_opener == e->symbol;
	}
	e->a = x;
	e->b = opener;
	e->symbol = symbol;
	return 1;
}

static int32_t *
alloc_i32(const MrAllocator *a, size_t n)
{
	return mr_alloc(a, sizeof(int32_t) * (n > 0 ? n : 1));
}

MrStatus
mr_smiles_parse(const char *text, size_t len, const MrAllocator *a, MrSmiles **out)
{
	MrSmiles   *s;
	int32_t    *inc_atom = NULL,
			   *inc_edge = NULL,
			   *branch = NULL,
			   *first_inc = NULL;
	int32_t		ring_open[MAX_RING_LABEL + 1];
	int32_t		n_inc = 0,
				depth = 0,
				prev = -1,
				open_rings = 0;
	char		bond = 0;
	int			rings_ok = 0,	/* a ring bond may follow: right after an atom */
				branch_empty = 0;
	MrStatus	st = MR_EINVAL;

	*out = NULL;
	if (len == 0 || len > MR_SMILES_MAX_BYTES || text == NULL)
		return MR_EINVAL;
	s = mr_alloc0(a, sizeof(MrSmiles));
	if (!s)
		return MR_ENOMEM;
	/* at most one atom and one edge per byte, each edge on two atoms */
	s->text = mr_alloc(a, len);
	s->atoms = mr_alloc(a, sizeof(Atom) * len);
	s->edges = mr_alloc(a, sizeof(Edge) * len);
	inc_atom = alloc_i32(a, 2 * len);
	inc_edge = alloc_i32(a, 2 * len);
	branch = alloc_i32(a, len);
	first_inc = alloc_i32(a, len);
	if (!s->text || !s->atoms || !s->edges || !inc_atom || !inc_edge || !branch || !first_inc)
	{
		st = MR_ENOMEM;
		goto fail;
	}
	memcpy(s->text, text, len);
	for (int k = 0; k <= MAX_RING_LABEL; k++)
		ring_open[k] = NO_EDGE;

	for (size_t i = 0; i < len;)
	{
		char		c = text[i];
		Atom		atom;
		size_t		n = read_atom(text, i, len, &atom);

		if (n > 0)
		{
			int32_t		x = s->n_atoms++;

			atom.start = (uint32_t) i;
			atom.len = (uint32_t) n;
			atom.from_edge = NO_EDGE;
			first_inc[x] = n_inc;
			if (prev >= 0)
			{
				atom.from_edge = add_edge(s, prev, x, bond);
				inc_atom[n_inc] = x;
				inc_edge[n_inc++] = atom.from_edge;
				inc_atom[n_inc] = prev;
				inc_edge[n_inc++] = atom.from_edge;
			}
			else if (bond != 0)
				goto fail;		/* a bond from nothing */
			s->atoms[x] = atom;
			prev = x;
			bond = 0;
			rings_ok = 1;
			branch_empty = 0;
			i += n;
		}
		else if (is_bond_symbol(c))
		{
			if (prev < 0 || bond != 0)
				goto fail;
			bond = c;
			i++;
		}
		else if ((c >= '0' && c <= '9') || c == '%')
		{
			int			label;
			int32_t		edge;

			if (!rings_ok || prev < 0)
				goto fail;
			if (c == '%')
			{
				if (i + 2 >= len || text[i + 1] < '0' || text[i + 1] > '9' ||
					text[i + 2] < '0' || text[i + 2] > '9')
					goto fail;
				label = (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
				i += 3;
			}
			else
			{
				label = c - '0';
				i++;
			}
			edge = ring_open[label];
			if (edge == NO_EDGE)
			{
				edge = add_edge(s, prev, -1, bond);
				ring_open[label] = edge;
				open_rings++;
				s->n_rings++;
			}
			else
			{
				int32_t		opener = s->edges[edge].a;

				if (opener == prev ||
					has_edge(s, inc_atom, inc_edge, first_inc[prev], n_inc, prev, opener) ||
					!close_ring(s, edge, prev, bond))
					goto fail;
				ring_open[label] = NO_EDGE;
				open_rings--;
			}
			inc_atom[n_inc] = prev;
			inc_edge[n_inc++] = edge;
			bond = 0;
		}
		else if (c == '(')
		{
			if (prev < 0 || bond != 0)
				goto fail;
			branch[depth++] = prev;
			rings_ok = 0;
			branch_empty = 1;
			i++;
		}
		else if (c == ')')
		{
			if (depth == 0 || bond != 0 || branch_empty)
				goto fail;
			prev = branch[--depth];
			rings_ok = 0;
			i++;
		}
		else if (c == '.')
		{
			if (prev < 0 || bond != 0 || depth > 0)
				goto fail;
			prev = -1;
			rings_ok = 0;
			i++;
		}
		else
			goto fail;
	}
	if (prev < 0 || bond != 0 || depth > 0 || open_rings > 0)
		goto fail;

	/* every atom's edges, in written order */
	s->inc_start = mr_alloc0(a, sizeof(int32_t) * ((size_t) s->n_atoms + 1));
	s->inc = alloc_i32(a, (size_t) n_inc);
	if (!s->inc_start || !s->inc)
	{
		st = MR_ENOMEM;
		goto fail;
	}
	for (int32_t k = 0; k < n_inc; k++)
		s->inc_start[inc_atom[k] + 1]++;
	for (int32_t x = 0; x < s->n_atoms; x++)
		s->inc_start[x + 1] += s->inc_start[x];
	{
		int32_t    *fill = first_inc;	/* reused as each atom's next slot */

		memcpy(fill, s->inc_start, sizeof(int32_t) * (size_t) s->n_atoms);
		for (int32_t k = 0; k < n_inc; k++)
			s->inc[fill[inc_atom[k]]++] = inc_edge[k];
	}
	for (int32_t x = 0; x < s->n_atoms; x++)
	{
		const Atom *at = &s->atoms[x];

		if (at->chiral_at >= 0 &&
			s->inc_start[x + 1] - s->inc_start[x] + at->has_h > MAX_CHIRAL_NEIGHBOURS)
			goto fail;
	}

	/*
	 * The longest rewrite: every atom (a chirality mark may grow by one
	 * "@"), a symbol per bond, a branch "(...)" and a "." per atom, and
	 * "%nn" at both ends of every ring bond.
	 */
	s->max_length = len + (size_t) s->n_atoms * 4 + (size_t) s->n_edges +
		(size_t) s->n_rings * 6 + 1;

	{
		size_t		n = (size_t) s->n_atoms,
					e2 = (size_t) n_inc,
					e = (size_t) s->n_edges;

		s->shuffled = alloc_i32(a, e2);
		s->child = alloc_i32(a, e2);
		s->ring_end = alloc_i32(a, e2);
		s->n_child = alloc_i32(a, n);
		s->n_ring_end = alloc_i32(a, n);
		s->parent_edge = alloc_i32(a, n);
		s->roots = alloc_i32(a, n);
		s->stack_atom = alloc_i32(a, n);
		s->stack_pos = alloc_i32(a, n);
		s->stack_paren = mr_alloc(a, n);
		s->visited = mr_alloc(a, n);
		s->edge_seen = mr_alloc(a, e > 0 ? e : 1);
		s->edge_label = alloc_i32(a, e);
		if (!s->shuffled || !s->child || !s->ring_end || !s->n_child || !s->n_ring_end ||
			!s->parent_edge || !s->roots || !s->stack_atom || !s->stack_pos ||
			!s->stack_paren || !s->visited || !s->edge_seen || !s->edge_label)
		{
			st = MR_ENOMEM;
			goto fail;
		}
	}
	mr_free(a, inc_atom);
	mr_free(a, inc_edge);
	mr_free(a, branch);
	mr_free(a, first_inc);
	*out = s;
	return MR_OK;

fail:
	mr_free(a, inc_atom);
	mr_free(a, inc_edge);
	mr_free(a, branch);
	mr_free(a, first_inc);
	mr_smiles_free(s, a);
	return st;
}

void
mr_smiles_free(MrSmiles *s, const MrAllocator *a)
{
	if (!s)
		return;
	mr_free(a, s->text);
	mr_free(a, s->atoms);
	mr_free(a, s->edges);
	mr_free(a, s->inc_start);
	mr_free(a, s->inc);
	mr_free(a, s->shuffled);
	mr_free(a, s->child);
	mr_free(a, s->ring_end);
	mr_free(a, s->n_child);
	mr_free(a, s->n_ring_end);
	mr_free(a, s->parent_edge);
	mr_free(a, s->roots);
	mr_free(a, s->stack_atom);
	mr_free(a, s->stack_pos);
	mr_free(a, s->stack_paren);
	mr_free(a, s->visited);
	mr_free(a, s->edge_seen);
	mr_free(a, s->edge_label);
	mr_free(a, s);
}

int32_t
mr_smiles_atom_count(const MrSmiles *s)
{
	return s->n_atoms;
}

size_t
mr_smiles_max_length(const MrSmiles *s)
{
	return s->max_length;
}

static int32_t
other_atom(const Edge *e, int32_t x)
{
	return e->a == x ? e->b : e->a;
}

static void
shuffle(int32_t *v, int32_t n, MrRng *rng)
{
	for (int32_t i = n - 1; i > 0; i--)
	{
		int32_t		j = (int32_t) mr_rng_below(rng, (uint64_t) i + 1);
		int32_t		t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/* Reach atom x: take its edges in a random order */
static void
enter_atom(MrSmiles *s, int32_t x, int32_t via, MrRng *rng)
{
	int32_t		lo = s->inc_start[x],
				n = s->inc_start[x + 1] - lo;

	s->visited[x] = 1;
	s->parent_edge[x] = via;
	memcpy(s->shuffled + lo, s->inc + lo, sizeof(int32_t) * (size_t) n);
	shuffle(s->shuffled + lo, n, rng);
}

/*
 * Pass 1: a depth-first search from root, sorting the edges of its part
 * into tree edges (child) and ring bonds (ring_end, at both atoms)
 */
static void
search_part(MrSmiles *s, int32_t root, MrRng *rng)
{
	int32_t		sp = 0;

	enter_atom(s, root, NO_EDGE, rng);
	s->stack_atom[0] = root;
	s->stack_pos[0] = s->inc_start[root];
	while (sp >= 0)
	{
		int32_t		x = s->stack_atom[sp];
		int32_t		p = s->stack_pos[sp];
		int32_t		edge,
					y;

		if (p == s->inc_start[x + 1])
		{
			sp--;
			continue;
		}
		s->stack_pos[sp]++;
		edge = s->shuffled[p];
		if (s->edge_seen[edge])
			continue;
		s->edge_seen[edge] = 1;
		y = other_atom(&s->edges[edge], x);
		if (!s->visited[y])
		{
			s->child[s->inc_start[x] + s->n_child[x]++] = edge;
			enter_atom(s, y, edge, rng);
			sp++;
			s->stack_atom[sp] = y;
			s->stack_pos[sp] = s->inc_start[y];
		}
		else
		{
			/* y was written first: it opens the ring bond, x closes it */
			s->ring_end[s->inc_start[y] + s->n_ring_end[y]++] = edge;
			s->ring_end[s->inc_start[x] + s->n_ring_end[x]++] = edge;
		}
	}
}

/*
 * Whether atom x's neighbours in the rewrite are an odd permutation of
 * their written order, which swaps "@" and "@@"
 */
static int
odd_neighbour_order(const MrSmiles *s, int32_t x)
{
	const Atom *at = &s->atoms[x];
	int32_t		was[MAX_CHIRAL_NEIGHBOURS],
				now[MAX_CHIRAL_NEIGHBOURS];
	int32_t		n_was = 0,
				n_now = 0,
				inversions = 0;
	int32_t		lo = s->inc_start[x],
				hi = s->inc_start[x + 1];

	/* as written: the atom before, the hydrogen, then the rest in order */
	for (int32_t k = lo; k < hi; k++)
	{
		if (k == lo + (at->from_edge != NO_EDGE) && at->has_h)
			was[n_was++] = IMPLICIT_H;
		was[n_was++] = s->inc[k];
	}
	if (at->has_h && n_was == hi - lo)
		was[n_was++] = IMPLICIT_H;

	/* rewritten: the parent, the hydrogen, ring bonds, then the children */
	if (s->parent_edge[x] != NO_EDGE)
		now[n_now++] = s->parent_edge[x];
	if (at->has_h)
		now[n_now++] = IMPLICIT_H;
	for (int32_t k = 0; k < s->n_ring_end[x]; k++)
		now[n_now++] = s->ring_end[lo + k];
	for (int32_t k = 0; k < s->n_child[x]; k++)
		now[n_now++] = s->child[lo + k];

	/* the parity of the permutation taking was to now */
	for (int32_t i = 0; i < n_now; i++)
	{
		int32_t		pi = 0;

		while (pi < n_was && was[pi] != now[i])
			pi++;
		for (int32_t j = i + 1; j < n_now; j++)
		{
			int32_t		pj = 0;

			while (pj < n_was && was[pj] != now[j])
				pj++;
			inversions += pi > pj;
		}
	}
	return inversions & 1;
}

/* The writer's cursor */
typedef struct Writer
{
	MrSmiles   *s;
	char	   *out;
	size_t		pos;
	int32_t    *order;
	int32_t		n_written;
	int			failed;			/* more ring bonds open than labels */
} Writer;

static void
put(Writer *w, char c)
{
	w->out[w->pos++] = c;
}

/* A bond symbol, written from atom x */
static void
put_bond(Writer *w, int32_t edge, int32_t x)
{
	const Edge *e = &w->s->edges[edge];

	if (e->symbol != 0)
		put(w, e->a == x ? e->symbol : reverse_symbol(e->symbol));
}

static void
put_label(Writer *w, int32_t label)
{
	if (label < 10)
		put(w, (char) ('0' + label));
	else
	{
		put(w, '%');
		put(w, (char) ('0' + label / 10));
		put(w, (char) ('0' + label % 10));
	}
}

/* Atom x as written, chirality mended, then its ring bonds */
static void
put_atom(Writer *w, int32_t x)
{
	MrSmiles   *s = w->s;
	const Atom *at = &s->atoms[x];
	const char *t = s->text + at->start;
	int32_t		lo = s->inc_start[x];
	int32_t		closed[MAX_RING_LABEL + 1] = {0};
	int32_t		n_closed = 0;

	if (w->order)
		w->order[w->n_written] = x;
	w->n_written++;
	if (at->chiral_at < 0)
	{
		memcpy(w->out + w->pos, t, at->len);
		w->pos += at->len;
	}
	else
	{
		int			marks = at->chiral_len;
		size_t		after = (size_t) at->chiral_at + at->chiral_len;

		if (odd_neighbour_order(s, x))
			marks = 3 - marks;
		memcpy(w->out + w->pos, t, (size_t) at->chiral_at);
		w->pos += (size_t) at->chiral_at;
		while (marks-- > 0)
			put(w, '@');
		memcpy(w->out + w->pos, t + after, at->len - after);
		w->pos += at->len - after;
	}

	for (int32_t k = 0; k < s->n_ring_end[x]; k++)
	{
		int32_t		edge = s->ring_end[lo + k];
		int32_t		label = s->edge_label[edge];

		if (label > 0)
		{
			/* closing; the label is free again after this atom */
			put_label(w, label);
			closed[n_closed++] = label;
			s->edge_label[edge] = 0;
			continue;
		}
		for (label = 1; label <= MAX_RING_LABEL && s->label_edge[label] != NO_EDGE; label++)
			;
		if (label > MAX_RING_LABEL)
		{
			w->failed = 1;
			return;
		}
		s->label_edge[label] = edge;
		s->edge_label[edge] = label;
		put_bond(w, edge, x);
		put_label(w, label);
	}
	for (int32_t k = 0; k < n_closed; k++)
		s->label_edge[closed[k]] = NO_EDGE;
}

/* Pass 2: write the part searched from root, in preorder */
static void
write_part(Writer *w, int32_t root)
{
	MrSmiles   *s = w->s;
	int32_t		sp = 0;

	put_atom(w, root);
	s->stack_atom[0] = root;
	s->stack_pos[0] = 0;
	s->stack_paren[0] = 0;
	while (sp >= 0 && !w->failed)
	{
		int32_t		x = s->stack_atom[sp];
		int32_t		k = s->stack_pos[sp];
		int32_t		edge,
					y;
		int			paren;

		if (k == s->n_child[x])
		{
			if (s->stack_paren[sp])
				put(w, ')');
			sp--;
			continue;
		}
		s->stack_pos[sp]++;
		edge = s->child[s->inc_start[x] + k];
		y = other_atom(&s->edges[edge], x);
		/* every child but the last is a branch */
		paren = k < s->n_child[x] - 1;
		if (paren)
			put(w, '(');
		put_bond(w, edge, x);
		put_atom(w, y);
		sp++;
		s->stack_atom[sp] = y;
		s->stack_pos[sp] = 0;
		s->stack_paren[sp] = (uint8_t) paren;
	}
}

size_t
mr_smiles_write_random(MrSmiles *s, MrRng *rng, char *out, int32_t *order)
{
	int32_t		n = s->n_atoms,
				n_parts = 0;
	Writer		w = {s, out, 0, order, 0, 0};

	memset(s->visited, 0, (size_t) n);
	memset(s->edge_seen, 0, (size_t) (s->n_edges > 0 ? s->n_edges : 1));
	memset(s->n_child, 0, sizeof(int32_t) * (size_t) n);
	memset(s->n_ring_end, 0, sizeof(int32_t) * (size_t) n);
	memset(s->edge_label, 0, sizeof(int32_t) * (size_t) (s->n_edges > 0 ? s->n_edges : 1));
	for (int k = 0; k <= MAX_RING_LABEL; k++)
		s->label_edge[k] = NO_EDGE;

	/* a random first atom for each part, the parts in random order */
	for (int32_t x = 0; x < n; x++)
		s->roots[x] = x;
	shuffle(s->roots, n, rng);
	for (int32_t k = 0; k < n; k++)
	{
		int32_t		x = s->roots[k];

		if (s->visited[x])
			continue;
		search_part(s, x, rng);
		s->roots[n_parts++] = x;
	}
	for (int32_t k = 0; k < n_parts && !w.failed; k++)
	{
		if (k > 0)
			put(&w, '.');
		write_part(&w, s->roots[k]);
	}
	return w.failed ? 0 : w.pos;
}

void
mr_smiles_seed_rng(MrRng *rng, const char *text, size_t len, uint64_t salt)
{
	uint64_t	h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) text[i];
		h *= 0x100000001b3ULL;
	}
	mr_rng_seed(rng, h ^ (salt * 0x9e3779b97f4a7c15ULL));
}
