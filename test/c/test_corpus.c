/*
 * test_corpus.c
 *	  Training rows and prediction rows: Keras Tokenizer ranking
 *	  (frequency, ties first-seen, num_words cut), pad_sequences windows in
 *	  all four padding/truncating modes, labels in byte order, the memory
 *	  budget, and the same ids for a text at training and prediction time.
 */
#include <stdlib.h>
#include <string.h>

#include "mr_corpus.h"
#include "mr_predict.h"
#include "mr_window.h"
#include "mr_test.h"
#include "mr_utf8.h"

static int
ids_equal(const int32_t *a, const int32_t *b, int n)
{
	return memcmp(a, b, sizeof(int32_t) * n) == 0;
}

static void
check_windows(void)
{
	int32_t		ring[4],
				out[4];
	MrWindow	w;
	static const struct
	{
		int			padding,
					truncating;
		int32_t		long_row[4],
					short_row[4];
	}			cases[] = {
		{MR_PAD_PRE, MR_PAD_PRE, {3, 4, 5, 6}, {0, 0, 1, 2}},
		{MR_PAD_POST, MR_PAD_PRE, {3, 4, 5, 6}, {1, 2, 0, 0}},
		{MR_PAD_PRE, MR_PAD_POST, {1, 2, 3, 4}, {0, 0, 1, 2}},
		{MR_PAD_POST, MR_PAD_POST, {1, 2, 3, 4}, {1, 2, 0, 0}},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	{
		int32_t		L;
		int			ok;

		mr_window_init(&w, ring, 4, cases[c].truncating);
		for (int32_t id = 1; id <= 6; id++)
			mr_window_push(&w, id);
		L = mr_window_finish(&w, cases[c].padding, out);
		ok = L == 4 && ids_equal(out, cases[c].long_row, 4);
		mr_window_init(&w, ring, 4, cases[c].truncating);
		mr_window_push(&w, 1);
		mr_window_push(&w, 2);
		L = mr_window_finish(&w, cases[c].padding, out);
		ok &= L == 2 && ids_equal(out, cases[c].short_row, 4);
		MR_CHECK(ok, "pad_sequences window padding=%s truncating=%s",
				 cases[c].padding == MR_PAD_PRE ? "pre" : "post",
				 cases[c].truncating == MR_PAD_PRE ? "pre" : "post");
	}
	mr_window_init(&w, ring, 4, MR_PAD_PRE);
	MR_CHECK(mr_window_finish(&w, MR_PAD_PRE, out) == 0 && out[0] == 0 && out[3] == 0,
			 "an empty row is all padding");
}

static void
free_rows(MrCorpusRows *r)
{
	free(r->word_ids);
	free(r->class_label);
	free(r->class_count);
	free(r->ids);
	free(r->lengths);
	free(r->labels);
}

/* Rows with SMILES variants from texts added in the given order */
static MrStatus
variant_rows(const char *const *texts, const char *const *labels, const int *order, int n,
			 MrCorpus **c, MrCorpusRows *rows)
{
	MrTokenizer tk = {MR_TOKENIZER_SMILES, 0};
	MrError		err;

	*c = mr_corpus_new(&mr_malloc_allocator, &tk, 0);
	mr_corpus_set_smiles_variants(*c, 4, 11);
	for (int i = 0; i < n; i++)
		if (mr_corpus_add_text(*c, texts[order[i]], strlen(texts[order[i]]),
							   labels[order[i]], 1, &err) != MR_OK)
			return err.status;
	return mr_corpus_finish(*c, 100, 40, MR_PAD_PRE, MR_PAD_PRE, 0, rows, &err);
}

/*
 * SMILES variants: every row becomes four, the first as written; a text
 * that is not SMILES is repeated and counted; the rows do not depend on the
 * order they were added in
 */
static void
check_smiles_variants(void)
{
	static const char *const texts[] = {"CC(=O)Oc1ccccc1C(=O)O", "not a molecule", "N[C@@H](C)C(=O)O", "CCO"};
	static const char *const labels[] = {"0", "1", "1", "0"};
	static const int forward[] = {0, 1, 2, 3},
				backward[] = {3, 2, 1, 0};
	MrCorpus   *c1 = NULL,
			   *c2 = NULL;
	MrCorpusRows r1,
				r2;
	int			ok = 1;

	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	MR_CHECK(variant_rows(texts, labels, forward, 4, &c1, &r1) == MR_OK &&
			 variant_rows(texts, labels, backward, 4, &c2, &r2) == MR_OK,
			 "rows with SMILES variants are built");
	MR_CHECK(r1.n == 4 && r1.variants == 4 && mr_corpus_rows(c1) == 4,
			 "four rows, four variants each (%lld rows, %d variants)", (long long) r1.n, r1.variants);
	MR_CHECK(mr_corpus_not_rewritten(c1) == 1, "the text that is not SMILES is counted (%lld)",
			 (long long) mr_corpus_not_rewritten(c1));
	for (int64_t i = 0; i < r1.n; i++)
	{
		/* a rewrite has the atoms and bonds of the original: as many tokens, give or take ring labels and parentheses */
		for (int v = 1; v < 4; v++)
			ok &= r1.lengths[i * 4 + v] > 0 && r1.lengths[i * 4 + v] <= 40;
	}
	MR_CHECK(ok, "every variant is a non-empty row");
	MR_CHECK(r1.vocab_size == r2.vocab_size &&
			 memcmp(r1.ids, r2.ids, sizeof(int32_t) * 4 * 4 * 40) == 0 &&
			 memcmp(r1.lengths, r2.lengths, sizeof(int32_t) * 16) == 0 &&
			 memcmp(r1.labels, r2.labels, sizeof(int32_t) * 4) == 0,
			 "the rows and their variants do not depend on the order rows arrive in");
	ok = 0;
	for (int64_t i = 0; i < r1.n; i++)
		ok |= memcmp(r1.ids + i * 4 * 40, r1.ids + (i * 4 + 1) * 40, sizeof(int32_t) * 40) != 0;
	MR_CHECK(ok, "rewrites differ from the text as written");
	free_rows(&r1);
	free_rows(&r2);
	mr_corpus_free(c1);
	mr_corpus_free(c2);
}

void
test_corpus(void)
{
	MrTokenizer tk = {MR_TOKENIZER_WORD, 1};
	MrCorpus   *c = mr_corpus_new(&mr_malloc_allocator, &tk, 0);
	MrCorpusRows rows;
	MrError		err;
	int32_t		pain = 0,
				cough = 0;
	static const char *texts[] = {
		"Chest pain, fever.",		/* chest pain fever */
		"fever FEVER fever cough",	/* fever x3, cough */
		"pain; cough! nausea",		/* pain cough nausea */
		"",
	};
	static const char *labels[] = {"cardio", "resp", "cardio", "other"};

	check_windows();
	for (int i = 0; i < 4; i++)
		mr_corpus_add_text(c, texts[i], strlen(texts[i]), labels[i], strlen(labels[i]), &err);
	MR_CHECK(mr_corpus_rows(c) == 4 && mr_corpus_n_labels(c) == 3, "rows and labels are counted");

	/*
	 * Counts: fever 3, pain 2, cough 2, chest 1, nausea 1.  Keras order:
	 * fever(1), then pain and cough (tied; first seen in the canonical row
	 * order), then chest and nausea.  num_words = 4 keeps ids 1..3.
	 */
	MR_CHECK(mr_corpus_finish(c, 4, 3, MR_PAD_PRE, MR_PAD_PRE, 0, &rows, &err) == MR_OK,
			 "finish the corpus");
	{
		const MrVocab *wv = mr_corpus_words(c);
		size_t		len;
		const char *w1 = mr_vocab_key(wv, rows.word_ids[0], &len);
		int			ok = rows.vocab_size == 4 && len == 5 && memcmp(w1, "fever", 5) == 0;

		for (int r = 1; r < 3; r++)
		{
			const char *w = mr_vocab_key(wv, rows.word_ids[r], &len);

			if (len == 4 && memcmp(w, "pain", 4) == 0)
				pain = r + 1;
			else if (len == 5 && memcmp(w, "cough", 5) == 0)
				cough = r + 1;
		}
		ok &= pain > 0 && cough > 0;
		MR_CHECK(ok, "words ranked by count, ties in first-seen order, cut at num_words - 1");
	}
	{
		/*
		 * Rows come out in canonical (content) order, so find each by its
		 * ids: "chest pain fever" is [0 pain fever] (chest dropped),
		 * "fever FEVER fever cough" keeps its last 3 ids [fever fever
		 * cough], "pain cough nausea" is [0 pain cough] (nausea dropped),
		 * and the empty text is all padding.
		 */
		int32_t		r0[3] = {0, pain, 1};
		int32_t		r1[3] = {1, 1, cough};
		int32_t		r2[3] = {0, pain, cough};
		int32_t		r3[3] = {0, 0, 0};
		int			seen = 0;

		for (int i = 0; i < 4; i++)
		{
			const int32_t *row = rows.ids + 3 * i;

			if (ids_equal(row, r0, 3) && rows.lengths[i] == 2 && rows.labels[i] == 0)
				seen |= 1;
			else if (ids_equal(row, r1, 3) && rows.lengths[i] == 3 && rows.labels[i] == 2)
				seen |= 2;
			else if (ids_equal(row, r2, 3) && rows.lengths[i] == 2 && rows.labels[i] == 0)
				seen |= 4;
			else if (ids_equal(row, r3, 3) && rows.lengths[i] == 0 && rows.labels[i] == 1)
				seen |= 8;
		}
		MR_CHECK(seen == 15, "rows drop unknown words, keep the last maxlen ids and pad in front");
	}
	{
		/* labels sorted by bytes: cardio(0) other(1) resp(2) */
		int			ok = rows.n_classes == 3 && rows.class_count[0] == 2 &&
			rows.class_count[1] == 1 && rows.class_count[2] == 1;

		MR_CHECK(ok, "classes are the labels in byte order, with counts");
	}
	mr_free(&mr_malloc_allocator, rows.word_ids);
	mr_free(&mr_malloc_allocator, rows.class_label);
	mr_free(&mr_malloc_allocator, rows.class_count);
	mr_free(&mr_malloc_allocator, rows.ids);
	mr_free(&mr_malloc_allocator, rows.lengths);
	mr_free(&mr_malloc_allocator, rows.labels);
	mr_corpus_free(c);

	/* the same rows in another order give the same vocabulary and rows */
	{
		static const char *many[] = {"b a", "c a", "d e", "a b c", "e d", "x", "b b", "a"};
		MrCorpusRows r1,
					r2;
		MrCorpus   *c1 = mr_corpus_new(&mr_malloc_allocator, &tk, 0);
		MrCorpus   *c2 = mr_corpus_new(&mr_malloc_allocator, &tk, 0);
		int			same;

		for (int i = 0; i < 8; i++)
		{
			mr_corpus_add_text(c1, many[i], strlen(many[i]), i % 2 ? "y" : "n", 1, &err);
			mr_corpus_add_text(c2, many[7 - i], strlen(many[7 - i]), (7 - i) % 2 ? "y" : "n", 1, &err);
		}
		mr_corpus_finish(c1, 4, 3, MR_PAD_PRE, MR_PAD_PRE, 0, &r1, &err);
		mr_corpus_finish(c2, 4, 3, MR_PAD_PRE, MR_PAD_PRE, 0, &r2, &err);
		same = r1.vocab_size == r2.vocab_size && ids_equal(r1.ids, r2.ids, 8 * 3) &&
			ids_equal(r1.labels, r2.labels, 8) && ids_equal(r1.lengths, r2.lengths, 8);
		for (int w = 0; same && w < r1.vocab_size - 1; w++)
		{
			size_t		l1,
						l2;
			const char *k1 = mr_vocab_key(mr_corpus_words(c1), r1.word_ids[w], &l1);
			const char *k2 = mr_vocab_key(mr_corpus_words(c2), r2.word_ids[w], &l2);

			same = l1 == l2 && memcmp(k1, k2, l1) == 0;
		}
		MR_CHECK(same, "rows in any storage order give identical training rows and vocabulary");
		mr_corpus_free(c1);
		mr_corpus_free(c2);
		/* compact rows: the post-padded rows cut to the longest row's steps */
		{
			MrCorpusRows p,
						q,
						z;
			MrCorpus   *cp = mr_corpus_new(&mr_malloc_allocator, &tk, 0);
			MrCorpus   *cq = mr_corpus_new(&mr_malloc_allocator, &tk, 0);
			int			ok;

			for (int i = 0; i < 8; i++)
			{
				mr_corpus_add_text(cp, many[i], strlen(many[i]), i % 2 ? "y" : "n", 1, &err);
				mr_corpus_add_text(cq, many[i], strlen(many[i]), i % 2 ? "y" : "n", 1, &err);
			}
			mr_corpus_finish(cp, 100, 10, MR_PAD_POST, MR_PAD_PRE, 0, &p, &err);
			mr_corpus_finish(cq, 100, 10, MR_PAD_POST, MR_PAD_PRE, 1, &q, &err);
			ok = p.T == 10 && q.T == 3 && ids_equal(p.lengths, q.lengths, 8);
			for (int i = 0; ok && i < 8; i++)
				ok = ids_equal(p.ids + i * 10, q.ids + i * 3, 3) && p.ids[i * 10 + 3] == 0;
			MR_CHECK(ok, "compact rows hold the longest row's %d steps of maxlen 10, the same ids", q.T);
			MR_CHECK(mr_corpus_finish(cp, 100, 10, MR_PAD_PRE, MR_PAD_PRE, 1, &z, &err) == MR_EINVAL,
					 "compact rows need post padding");
			mr_corpus_rows_free(&q, &mr_malloc_allocator);
			mr_corpus_free(cp);
			mr_corpus_free(cq);
			free(p.word_ids);
			free(p.class_label);
			free(p.class_count);
			free(p.ids);
			free(p.lengths);
			free(p.labels);
		}
		free(r1.word_ids);
		free(r1.class_label);
		free(r1.class_count);
		free(r1.ids);
		free(r1.lengths);
		free(r1.labels);
		free(r2.word_ids);
		free(r2.class_label);
		free(r2.class_count);
		free(r2.ids);
		free(r2.lengths);
		free(r2.labels);
	}

	/*
	 * Pre-split tokens: an empty one is skipped; a long one is cut to
	 * MR_MAX_TOKEN_BYTES on a character boundary, and prediction cuts it
	 * the same way, so the learned token is found again.
	 */
	{
		MrCorpus   *tc = mr_corpus_new(&mr_malloc_allocator, &tk, 0);
		MrCorpusRows r;
		char		longtok[MR_MAX_TOKEN_BYTES + 8];
		const char *toks[3] = {"", longtok, "x"};
		size_t		lens[3] = {0, 0, 1};
		size_t		kl = 0;
		const char *k;
		int			ok;

		memset(longtok, 'A', MR_MAX_TOKEN_BYTES - 1);
		/* an E with acute accent (2 bytes) straddles the limit, then more letters */
		longtok[MR_MAX_TOKEN_BYTES - 1] = (char) 0xc3;
		longtok[MR_MAX_TOKEN_BYTES] = (char) 0x89;
		memset(longtok + MR_MAX_TOKEN_BYTES + 1, 'B', 3);
		lens[1] = MR_MAX_TOKEN_BYTES + 4;
		mr_corpus_add_tokens(tc, toks, lens, 3, "a", 1, &err);
		mr_corpus_add_tokens(tc, toks + 2, lens + 2, 1, "b", 1, &err);
		mr_corpus_finish(tc, 100, 4, MR_PAD_PRE, MR_PAD_PRE, 0, &r, &err);
		ok = r.vocab_size == 3;
		for (int w = 0; w < r.vocab_size - 1; w++)
		{
			k = mr_vocab_key(mr_corpus_words(tc), r.word_ids[w], &kl);
			if (kl > 1)
				ok &= kl == MR_MAX_TOKEN_BYTES - 1 && mr_utf8_valid((const unsigned char *) k, kl);
		}
		MR_CHECK(ok, "empty tokens are skipped; long ones are cut on a character boundary");
		{
			MrModel		m;
			int32_t		ring[4],
						out[4];
			int64_t		known;

			memset(&m, 0, sizeof(m));
			m.truncating = MR_PAD_PRE;
			m.cfg.maxlen = 4;
			m.vocab = mr_vocab_new(&mr_malloc_allocator, 4);
			for (int w = 0; w < r.vocab_size - 1; w++)
			{
				k = mr_vocab_key(mr_corpus_words(tc), r.word_ids[w], &kl);
				mr_vocab_add(m.vocab, k, kl, 0);
			}
			mr_model_tokens_row(&m, toks, lens, 3, ring, out, &known);
			MR_CHECK(known == 2, "prediction finds the long token cut as in training, and skips the empty one");
			mr_vocab_free(m.vocab);
		}
		free(r.word_ids);
		free(r.class_label);
		free(r.class_count);
		free(r.ids);
		free(r.lengths);
		free(r.labels);
		mr_corpus_free(tc);
	}

	/* the budget: a tiny one is exceeded with MR_ELIMIT */
	{
		MrCorpus   *small = mr_corpus_new(&mr_malloc_allocator, &tk, 1000);
		MrStatus	st = MR_OK;

		for (int i = 0; i < 1000 && st == MR_OK; i++)
			st = mr_corpus_add_text(small, "a b c d e f g h", 15, "x", 1, &err);
		MR_CHECK(st == MR_ELIMIT, "a corpus over its budget stops with MR_ELIMIT (%s)", err.detail);
		mr_corpus_free(small);
	}

	/* prediction rows use the same tokenizer, vocabulary and window */
	{
		MrModel		m;
		int32_t		ring[3],
					out[3];
		int64_t		n_tok,
					n_known;
		static const char *vtoks[] = {"fever", "pain", "cough"};
		int32_t		L;

		memset(&m, 0, sizeof(m));
		m.tokenizer = MR_TOKENIZER_WORD;
		m.lowercase = 1;
		m.truncating = MR_PAD_PRE;
		m.cfg.maxlen = 3;
		m.cfg.padding = MR_PAD_PRE;
		m.vocab = mr_vocab_new(&mr_malloc_allocator, 4);
		for (int i = 0; i < 3; i++)
			mr_vocab_add(m.vocab, vtoks[i], strlen(vtoks[i]), 0);
		L = mr_model_text_row(&m, "Chest PAIN, fever.", 18, ring, out, &n_tok, &n_known);
		MR_CHECK(L == 2 && out[0] == 0 && out[1] == 2 && out[2] == 1 && n_tok == 3 && n_known == 2,
				 "a text becomes the same ids at prediction time");
		{
			const char *toks[4] = {"cough", "unknown", "fever", "pain"};
			size_t		lens[4] = {5, 7, 5, 4};

			L = mr_model_tokens_row(&m, toks, lens, 4, ring, out, &n_known);
			MR_CHECK(L == 3 && out[0] == 3 && out[1] == 1 && out[2] == 2 && n_known == 3,
					 "pre-split tokens are looked up verbatim");
		}
		mr_vocab_free(m.vocab);
	}
	check_smiles_variants();
}
