/*
 * image_edit.h
 *	  Editing model images for the hostile-decoding tests: read and write
 *	  the format's little-endian fields, find a section, patch or resize
 *	  it, fix the checksum so the decoder's own checks judge the edit, and
 *	  check that the decoder refuses it with the expected status and frees
 *	  everything it allocated.
 */
#ifndef IMAGE_EDIT_H
#define IMAGE_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"

uint32_t	img_get32(const uint8_t *p);
void		img_put32(uint8_t *p, uint32_t v);
void		img_put_f64(uint8_t *p, double d);

/* Fix the checksum after editing an image */
void		img_recrc(uint8_t *buf, size_t len);

/* Offset of a section's payload in an image, 0 if it has none */
size_t		img_find_section(const uint8_t *buf, size_t len, const char *tag);

/* Decode with a counting allocator: the status, and whether all was freed */
MrStatus	img_decode_counted(const uint8_t *buf, size_t len, MrError *err, int *clean);

/* Judge an edited image (its checksum fixed here): want, and nothing leaked */
void		img_expect_refused(uint8_t *c, size_t len, MrStatus want, const char *what);

/* Overwrite n bytes at off of a copy of the image, and judge it */
void		img_expect_patch_refused(const uint8_t *img, size_t len, size_t off,
									 const void *bytes, size_t n, MrStatus want,
									 const char *what);

/*
 * Grow (delta > 0, zero bytes) or shrink a section's payload at its end,
 * with the section's length and the image's fixed, and judge the image
 */
void		img_expect_resize_refused(const uint8_t *img, size_t len, const char *tag,
									  int delta, MrStatus want, const char *what);

#endif							/* IMAGE_EDIT_H */
