/*
 * mr_crc32c.c
 *	  CRC-32C of a model image.
 *
 * Every prediction query checks the checksum of the whole model once, and
 * a default model is 10 MB, so the byte-at-a-time table loop (about half a
 * gigabyte a second) cost tens of milliseconds a query.  With SSE4.2 (any
 * x86-64 build for a CPU that has it, as -march=native gives) the CPU's
 * crc32 instruction computes CRC-32C directly; elsewhere "slicing by 8"
 * consumes 8 bytes per step with 8 tables.  Both give the same value.
 */
#include "mr_crc32c.h"

#include <string.h>

#if defined(__SSE4_2__) && defined(__x86_64__)
#include <nmmintrin.h>

uint32_t
mr_crc32c(const uint8_t *data, size_t len)
{
	uint64_t	crc = 0xFFFFFFFFu;

	for (; len > 0 && ((uintptr_t) data & 7) != 0; len--)
		crc = _mm_crc32_u8((uint32_t) crc, *data++);
	for (; len >= 8; len -= 8, data += 8)
	{
		uint64_t	word;

		memcpy(&word, data, 8);
		crc = _mm_crc32_u64(crc, word);
	}
	for (; len > 0; len--)
		crc = _mm_crc32_u8((uint32_t) crc, *data++);
	return (uint32_t) crc ^ 0xFFFFFFFFu;
}

#else

/* table[k][b]: the CRC of byte b followed by k zero bytes */
static uint32_t table[8][256];
static int	table_ready = 0;

static void
build_tables(void)
{
	for (uint32_t b = 0; b < 256; b++)
	{
		uint32_t	c = b;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		table[0][b] = c;
	}
	for (uint32_t b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xFF];
	table_ready = 1;
}

uint32_t
mr_crc32c(const uint8_t *data, size_t len)
{
	uint32_t	crc = 0xFFFFFFFFu;

	/* the tables are the same whoever builds them, so a race is harmless */
	if (!table_ready)
		build_tables();
	for (; len >= 8; len -= 8, data += 8)
	{
		/* little-endian order of the 8 bytes, whatever the CPU's */
		uint32_t	lo = crc ^ ((uint32_t) data[0] | (uint32_t) data[1] << 8 |
								(uint32_t) data[2] << 16 | (uint32_t) data[3] << 24);

		crc = table[7][lo & 0xFF] ^ table[6][(lo >> 8) & 0xFF] ^
			table[5][(lo >> 16) & 0xFF] ^ table[4][lo >> 24] ^
			table[3][data[4]] ^ table[2][data[5]] ^
			table[1][data[6]] ^ table[0][data[7]];
	}
	for (; len > 0; len--)
		crc = table[0][(crc ^ *data++) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

#endif
