/*
 * mr_crc32c.h
 *	  CRC-32C (Castagnoli), the checksum at the end of every model.
 */
#ifndef MR_CRC32C_H
#define MR_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of len bytes (reflected, polynomial 0x82F63B78; "123456789" -> 0xE3069283) */
uint32_t	mr_crc32c(const uint8_t *data, size_t len);

#endif							/* MR_CRC32C_H */
