/*
 * image_edit.c
 *	  Editing model images for the hostile-decoding tests (image_edit.h).
 */
#include "image_edit.h"

#include <stdlib.h>
#include <string.h>

#include "mr_crc32c.h"
#include "mr_model.h"
#include "mr_test.h"
#include "test_alloc.h"

uint32_t
img_get32(const uint8_t *p)
{
	return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

void
img_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* A double as the format writes it: little-endian IEEE 754 */
void
img_put_f64(uint8_t *p, double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (u >> (8 * i));
}

void
img_recrc(uint8_t *buf, size_t len)
{
	img_put32(buf + len - 4, mr_crc32c(buf, len - 4));
}

size_t
img_find_section(const uint8_t *buf, size_t len, const char *tag)
{
	size_t		p = MR_MODEL_HEADER_BYTES;

	while (p + 8 <= len - 4)
	{
		if (memcmp(buf + p, tag, 4) == 0)
			return p + 8;
		p += 8 + img_get32(buf + p + 4);
	}
	return 0;
}

MrStatus
img_decode_counted(const uint8_t *buf, size_t len, MrError *err, int *clean)
{
	TestAlloc	t;
	MrAllocator a = test_allocator(&t, -1);
	MrModel    *m = NULL;
	MrStatus	st;

	st = mr_model_decode(buf, len, &a, &m, err);
	if (st == MR_OK)
		mr_model_free(m, &a);
	*clean = t.live == 0;
	return st;
}

void
img_expect_refused(uint8_t *c, size_t len, MrStatus want, const char *what)
{
	MrError		err = {0};
	int			clean;
	MrStatus	st;

	img_recrc(c, len);
	st = img_decode_counted(c, len, &err, &clean);
	MR_CHECK(st == want && clean, "refused: %s (%s: %s)", what, mr_status_text(st), err.detail);
}

void
img_expect_patch_refused(const uint8_t *img, size_t len, size_t off, const void *bytes, size_t n,
						 MrStatus want, const char *what)
{
	uint8_t    *c = malloc(len);

	memcpy(c, img, len);
	memcpy(c + off, bytes, n);
	img_expect_refused(c, len, want, what);
	free(c);
}

void
img_expect_resize_refused(const uint8_t *img, size_t len, const char *tag, int delta,
						  MrStatus want, const char *what)
{
	size_t		p = img_find_section(img, len, tag);
	uint32_t	slen = img_get32(img + p - 4);
	size_t		end = p + slen,
				n = len + delta;
	uint8_t    *c = calloc(n, 1);

	memcpy(c, img, delta > 0 ? end : end + delta);
	memcpy(c + end + delta, img + end, len - end);
	img_put32(c + p - 4, slen + delta);
	img_put32(c + 8, (uint32_t) n);
	img_expect_refused(c, n, want, what);
	free(c);
}
