/*
 * test_crc32c.c
 *	  The model checksum: the standard check value, and agreement with a
 *	  bit-at-a-time reference at every length and alignment, so the fast
 *	  path (the crc32 instruction, or slicing by 8) is checked whichever one
 *	  this build uses.
 */
#include <string.h>

#include "mr_crc32c.h"
#include "mr_rng.h"
#include "mr_test.h"

/* CRC-32C one bit at a time: slow and obviously right */
static uint32_t
crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t	crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++)
	{
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return crc ^ 0xFFFFFFFFu;
}

void
test_crc32c(void)
{
	static uint8_t buf[4096 + 16];
	MrRng		rng;
	int			agree = 1;
	int			bad_len = -1,
				bad_off = -1;
	uint32_t	before;

	MR_CHECK(mr_crc32c((const uint8_t *) "123456789", 9) == 0xE3069283u,
			 "CRC-32C of \"123456789\" is the standard check value 0xE3069283");
	MR_CHECK(mr_crc32c(buf, 0) == 0, "CRC-32C of nothing is 0");

	mr_rng_seed(&rng, 7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t) mr_rng_below(&rng, 256);
	for (int off = 0; off < 8 && agree; off++)
		for (int len = 0; len <= 300 && agree; len++)
			if (mr_crc32c(buf + off, (size_t) len) != crc32c_bitwise(buf + off, (size_t) len))
			{
				agree = 0;
				bad_len = len;
				bad_off = off;
			}
	MR_CHECK(agree, "equal to the bitwise reference at every length 0..300 and offset 0..7 (first difference: length %d, offset %d)",
			 bad_len, bad_off);
	MR_CHECK(mr_crc32c(buf + 3, 4096) == crc32c_bitwise(buf + 3, 4096),
			 "equal to the bitwise reference on 4 KiB at an odd offset");

	before = mr_crc32c(buf, 1000);
	buf[517] ^= 0x10;
	MR_CHECK(mr_crc32c(buf, 1000) != before, "one flipped bit changes it");
}
