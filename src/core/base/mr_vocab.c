/*
 * mr_vocab.c
 *	  String interning: open addressing with linear probing, keys in an arena.
 *
 * Three pieces, all from the caller's MrAllocator:
 *	  slots		the hash table proper, a power of two of (id + 1, hash tag)
 *				pairs; 0 marks an empty slot.  The tag (high half of the
 *				hash) spares most memcmp calls on a probe.
 *	  entries	per id, in first-seen order: key pointer, length, count and
 *				the full hash (so growing never rehashes a key).
 *	  arena		a list of chunks the key bytes are copied into; a key never
 *				moves, so mr_vocab_key pointers stay valid.
 * Keys are never removed, so linear probing needs no tombstones.
 */
#include "mr_vocab.h"

#include <string.h>

#include "mr_sort.h"

#define VOCAB_MIN_SLOTS		16
#define VOCAB_ARENA_CHUNK	65536	/* bytes of key text per arena chunk */
#define VOCAB_MAX_KEYS		INT32_MAX	/* ids are int32 */

typedef struct VocabSlot
{
	uint32_t	id1;			/* id + 1; 0 = empty */
	uint32_t	tag;			/* hash >> 32 */
} VocabSlot;

typedef struct VocabEntry
{
	const char *key;			/* in the arena, not NUL-terminated */
	size_t		len;
	int64_t		count;
	uint64_t	hash;
} VocabEntry;

typedef struct VocabChunk
{
	struct VocabChunk *next;
	size_t		size;			/* bytes of data[] */
	size_t		used;
	char		data[];			/* key bytes */
} VocabChunk;

struct MrVocab
{
	MrAllocator alloc;			/* a copy, so the caller's may go away */
	VocabSlot  *slots;			/* nslots, a power of two */
	size_t		nslots;
	VocabEntry *entries;		/* size used of cap */
	size_t		size;
	size_t		cap;
	VocabChunk *chunks;			/* newest first; keys are appended to it */
	size_t		memory;			/* bytes held through alloc */
};

/*
 * 64-bit hash of key bytes: 8-byte words folded in with multiply and rotate
 * (the mixing step of xxHash64), finished with splitmix64's avalanche.
 * Only used in memory, so byte order does not matter.
 */
static uint64_t
vocab_hash(const char *key, size_t len)
{
	const uint64_t k1 = 0x9E3779B185EBCA87ULL;
	const uint64_t k2 = 0xC2B2AE3D27D4EB4FULL;
	uint64_t	h = 0x27D4EB2F165667C5ULL ^ ((uint64_t) len * k1);
	uint64_t	w;

	while (len >= 8)
	{
		memcpy(&w, key, 8);
		w *= k2;
		w = (w << 31) | (w >> 33);
		w *= k1;
		h ^= w;
		h = ((h << 27) | (h >> 37)) * k1 + 0x85EBCA77C2B2AE63ULL;
		key += 8;
		len -= 8;
	}
	if (len > 0)
	{
		w = 0;
		memcpy(&w, key, len);
		w *= k2;
		w = (w << 31) | (w >> 33);
		w *= k1;
		h ^= w;
		h = ((h << 27) | (h >> 37)) * k1 + 0x85EBCA77C2B2AE63ULL;
	}
	h ^= h >> 30;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 27;
	h *= 0x94D049BB133111EBULL;
	h ^= h >> 31;
	return h;
}

/* Allocate through the table's allocator and account for it */
static void *
vocab_alloc(MrVocab *v, size_t size)
{
	void	   *p = mr_alloc(&v->alloc, size);

	if (p)
		v->memory += size;
	return p;
}

/* Release what vocab_alloc gave */
static void
vocab_free(MrVocab *v, void *p, size_t size)
{
	if (p)
	{
		mr_free(&v->alloc, p);
		v->memory -= size;
	}
}

/* Slot array of n (a power of two) empty slots, or NULL */
static VocabSlot *
alloc_slots(MrVocab *v, size_t n)
{
	size_t		bytes;
	VocabSlot  *s;

	if (!mr_mul_size(n, sizeof(VocabSlot), &bytes))
		return NULL;
	s = vocab_alloc(v, bytes);
	if (s)
		memset(s, 0, bytes);
	return s;
}

/* Smallest power of two >= want / 0.7 (and >= VOCAB_MIN_SLOTS); 0 on overflow */
static size_t
slots_for(size_t want)
{
	size_t		need;
	size_t		n = VOCAB_MIN_SLOTS;

	/* want / 0.7 rounded up, without floating point */
	if (!mr_mul_size(want, 10, &need))
		return 0;
	need = need / 7 + 1;
	while (n < need)
	{
		if (n > SIZE_MAX / 2)
			return 0;
		n *= 2;
	}
	return n;
}

/* New empty table with room for about expected keys */
MrVocab *
mr_vocab_new(const MrAllocator *a, size_t expected)
{
	MrVocab    *v;
	size_t		nslots;

	if (a == NULL)
		return NULL;
	/* only a hint: the table grows anyway, so never preallocate past this */
	if (expected > MR_MAX_VOCAB)
		expected = MR_MAX_VOCAB;
	nslots = slots_for(expected);
	if (nslots == 0)
		return NULL;
	v = mr_alloc(a, sizeof(MrVocab));
	if (v == NULL)
		return NULL;
	memset(v, 0, sizeof(MrVocab));
	v->alloc = *a;
	v->memory = sizeof(MrVocab);
	v->slots = alloc_slots(v, nslots);
	if (v->slots == NULL)
	{
		mr_free(a, v);
		return NULL;
	}
	v->nslots = nslots;
	/* entries and the arena come with the first key */
	return v;
}

/* Release the table and everything it holds */
void
mr_vocab_free(MrVocab *v)
{
	MrAllocator a;
	VocabChunk *c;

	if (v == NULL)
		return;
	a = v->alloc;
	c = v->chunks;
	while (c)
	{
		VocabChunk *next = c->next;

		mr_free(&a, c);
		c = next;
	}
	mr_free(&a, v->entries);
	mr_free(&a, v->slots);
	mr_free(&a, v);
}

/* Slot of key: where it is, or the empty slot where it would go */
static size_t
find_slot(const MrVocab *v, const char *key, size_t len, uint64_t h)
{
	size_t		mask = v->nslots - 1;
	size_t		i = (size_t) h & mask;
	uint32_t	tag = (uint32_t) (h >> 32);

	/* the load factor stays below 0.7, so an empty slot always ends this */
	for (;;)
	{
		const VocabSlot *s = &v->slots[i];

		if (s->id1 == 0)
			return i;
		if (s->tag == tag)
		{
			const VocabEntry *e = &v->entries[s->id1 - 1];

			if (e->len == len && (len == 0 || memcmp(e->key, key, len) == 0))
				return i;
		}
		i = (i + 1) & mask;
	}
}

/* Double the slot array; 0 (table unchanged) on ENOMEM */
static int
grow_slots(MrVocab *v)
{
	size_t		n;
	size_t		oldbytes = v->nslots * sizeof(VocabSlot);
	VocabSlot  *s;

	if (!mr_mul_size(v->nslots, 2, &n))
		return 0;
	s = alloc_slots(v, n);
	if (s == NULL)
		return 0;
	/* reinsert by the stored hashes, in id order */
	for (size_t id = 0; id < v->size; id++)
	{
		uint64_t	h = v->entries[id].hash;
		size_t		i = (size_t) h & (n - 1);

		while (s[i].id1 != 0)
			i = (i + 1) & (n - 1);
		s[i].id1 = (uint32_t) id + 1;
		s[i].tag = (uint32_t) (h >> 32);
	}
	vocab_free(v, v->slots, oldbytes);
	v->slots = s;
	v->nslots = n;
	return 1;
}

/* Make room for one more entry; 0 (table unchanged) on ENOMEM */
static int
grow_entries(MrVocab *v)
{
	size_t		cap;
	size_t		bytes;
	VocabEntry *e;

	if (v->size < v->cap)
		return 1;
	cap = v->cap ? v->cap * 2 : 64;
	if (!mr_mul_size(cap, sizeof(VocabEntry), &bytes))
		return 0;
	e = vocab_alloc(v, bytes);
	if (e == NULL)
		return 0;
	if (v->size > 0)
		memcpy(e, v->entries, v->size * sizeof(VocabEntry));
	vocab_free(v, v->entries, v->cap * sizeof(VocabEntry));
	v->entries = e;
	v->cap = cap;
	return 1;
}

/* Copy len key bytes into the arena; NULL on ENOMEM */
static const char *
arena_copy(MrVocab *v, const char *key, size_t len)
{
	VocabChunk *c = v->chunks;
	char	   *dst;

	if (len == 0)
		return "";
	if (c == NULL || c->size - c->used < len)
	{
		size_t		size = len > VOCAB_ARENA_CHUNK ? len : VOCAB_ARENA_CHUNK;
		size_t		bytes;

		if (!mr_add_size(offsetof(VocabChunk, data), size, &bytes))
			return NULL;
		c = vocab_alloc(v, bytes);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		/* a chunk made for one long key is full at once; keep filling the old one */
		if (v->chunks != NULL && size > VOCAB_ARENA_CHUNK)
		{
			c->next = v->chunks->next;
			v->chunks->next = c;
		}
		else
		{
			c->next = v->chunks;
			v->chunks = c;
		}
	}
	dst = c->data + c->used;
	memcpy(dst, key, len);
	c->used += len;
	return dst;
}

/* Count one occurrence of key, adding it if new; its id, or -1 */
int32_t
mr_vocab_add(MrVocab *v, const char *key, size_t len, int32_t max_keys)
{
	uint64_t	h;
	size_t		i;
	size_t		need;
	size_t		room;
	VocabEntry *e;
	const char *copy;

	if (v == NULL || (key == NULL && len > 0))
		return -1;
	h = vocab_hash(key, len);
	i = find_slot(v, key, len, h);
	if (v->slots[i].id1 != 0)
	{
		int32_t		id = (int32_t) (v->slots[i].id1 - 1);

		v->entries[id].count++;
		return id;
	}

	/* a new key: every step that can fail comes before the table changes */
	if ((max_keys > 0 && v->size >= (size_t) max_keys) || v->size >= VOCAB_MAX_KEYS)
		return -1;
	/* keep 10 * (size + 1) <= 7 * nslots: the load stays under 70% */
	if (!mr_mul_size(v->size + 1, 10, &need) || !mr_mul_size(v->nslots, 7, &room))
		return -1;
	if (need > room)
	{
		if (!grow_slots(v))
			return -1;
		i = find_slot(v, key, len, h);
	}
	if (!grow_entries(v))
		return -1;
	copy = arena_copy(v, key, len);
	if (copy == NULL)
		return -1;

	e = &v->entries[v->size];
	e->key = copy;
	e->len = len;
	e->count = 1;
	e->hash = h;
	v->slots[i].id1 = (uint32_t) v->size + 1;
	v->slots[i].tag = (uint32_t) (h >> 32);
	return (int32_t) v->size++;
}

/* Id of key, or -1 */
int32_t
mr_vocab_lookup(const MrVocab *v, const char *key, size_t len)
{
	size_t		i;

	if (v == NULL || (key == NULL && len > 0))
		return -1;
	i = find_slot(v, key, len, vocab_hash(key, len));
	return (int32_t) v->slots[i].id1 - 1;
}

/* Number of keys */
int32_t
mr_vocab_size(const MrVocab *v)
{
	return v ? (int32_t) v->size : 0;
}

/* Key bytes of id and their length; NULL (len 0) for an id out of range */
const char *
mr_vocab_key(const MrVocab *v, int32_t id, size_t *len)
{
	if (v == NULL || id < 0 || (size_t) id >= v->size)
	{
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = v->entries[id].len;
	return v->entries[id].key;
}

/* Occurrences of id; 0 for an id out of range */
int64_t
mr_vocab_count(const MrVocab *v, int32_t id)
{
	if (v == NULL || id < 0 || (size_t) id >= v->size)
		return 0;
	return v->entries[id].count;
}

/* Keras rank order: descending count; ids are first-seen order, which a stable sort keeps on a tie */
static int
count_cmp(const void *pa, const void *pb, void *arg)
{
	const MrVocab *v = arg;
	int64_t		ca = v->entries[*(const int32_t *) pa].count;
	int64_t		cb = v->entries[*(const int32_t *) pb].count;

	return ca > cb ? -1 : ca < cb;
}

/* Label order: key bytes, shorter first when one is a prefix of the other */
static int
key_cmp(const void *pa, const void *pb, void *arg)
{
	const MrVocab *v = arg;
	const VocabEntry *ea = &v->entries[*(const int32_t *) pa];
	const VocabEntry *eb = &v->entries[*(const int32_t *) pb];
	size_t		n = ea->len < eb->len ? ea->len : eb->len;
	int			c = n > 0 ? memcmp(ea->key, eb->key, n) : 0;

	return c != 0 ? c : (ea->len > eb->len) - (ea->len < eb->len);
}

/* Fill order with all ids sorted by cmp; MR_ENOMEM if no scratch */
static MrStatus
sort_ids(const MrVocab *v, int32_t *order, MrCompareFn cmp)
{
	if (v == NULL || order == NULL)
		return MR_EINVAL;
	for (size_t i = 0; i < v->size; i++)
		order[i] = (int32_t) i;
	return mr_sort(order, v->size, sizeof(int32_t), cmp, (void *) v, &v->alloc);
}

/* Ids by descending count, ties in first-seen order (Keras word_index) */
MrStatus
mr_vocab_rank_by_count(const MrVocab *v, int32_t *order)
{
	return sort_ids(v, order, count_cmp);
}

/* Ids by key bytes, shorter first when one is a prefix of the other */
MrStatus
mr_vocab_sort_by_key(const MrVocab *v, int32_t *order)
{
	return sort_ids(v, order, key_cmp);
}

/* Bytes allocated for the table, its entries and its keys */
size_t
mr_vocab_memory(const MrVocab *v)
{
	return v ? v->memory : 0;
}
