/* wire.h -- DNS wire constants and big-endian integer access.
 *
 * Integers are read and written through memcpy so that no access is ever
 * unaligned; every caller has checked the bounds before.
 */
#ifndef MDNS_WIRE_H
#define MDNS_WIRE_H

#include <stdint.h>
#include <string.h>

/** Header field offsets (RFC 1035 §4.1.1). */
enum wire_offset {
	WIRE_OFF_ID = 0,
	WIRE_OFF_FLAGS = 2,
	WIRE_OFF_QDCOUNT = 4,
	WIRE_OFF_ANCOUNT = 6,
	WIRE_OFF_NSCOUNT = 8,
	WIRE_OFF_ARCOUNT = 10,
	WIRE_HEADER_SIZE = 12,
};

#define WIRE_MAX_NAME 255 /* octets of a name in wire form */
#define WIRE_MAX_LABEL 63
#define WIRE_MAX_UDP 512 /* RFC 1035 UDP limit without EDNS0 */
#define WIRE_MAX_MSG 65535

/* Header flag bits of the 16-bit flags word. */
#define WIRE_QR 0x8000
#define WIRE_AA 0x0400
#define WIRE_TC 0x0200
#define WIRE_RD 0x0100
#define WIRE_RA 0x0080
#define WIRE_AD 0x0020
#define WIRE_CD 0x0010
#define WIRE_OPCODE(f) (((f) >> 11) & 0xf)

enum wire_type {
	TYPE_A = 1,
	TYPE_NS = 2,
	TYPE_SOA = 6,
	TYPE_PTR = 12,
	TYPE_AAAA = 28,
	TYPE_SRV = 33,
	TYPE_OPT = 41,
	TYPE_ANY = 255,
};

enum wire_rcode {
	RCODE_NOERROR = 0,
	RCODE_FORMERR = 1,
	RCODE_SERVFAIL = 2,
	RCODE_NXDOMAIN = 3,
	RCODE_NOTIMP = 4,
	RCODE_REFUSED = 5,
	RCODE_BADVERS = 16,
};

#define CLASS_IN 1

/** Reads a big-endian u16. */
static inline uint16_t
wire_read_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return (uint16_t)((v >> 8) | (v << 8));
}

/** Reads a big-endian u32. */
static inline uint32_t
wire_read_u32(const uint8_t *p)
{
	return (uint32_t)wire_read_u16(p) << 16 | wire_read_u16(p + 2);
}

/** Writes a big-endian u16. */
static inline void
wire_write_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** Writes a big-endian u32. */
static inline void
wire_write_u32(uint8_t *p, uint32_t v)
{
	wire_write_u16(p, (uint16_t)(v >> 16));
	wire_write_u16(p + 2, (uint16_t)v);
}

#endif
