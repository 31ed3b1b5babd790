/* rr.c -- the bounded section walk (see rr.h). */
#include "dns/rr.h"

#include "dns/dname.h"

bool
rr_iter_init(struct rr_iter *it, const uint8_t *msg, size_t len,
    enum rr_mode mode)
{
	it->msg = msg;
	it->len = len;
	it->pos = WIRE_HEADER_SIZE;
	it->section = RR_QUESTION;
	it->mode = mode;
	if (len < WIRE_HEADER_SIZE) {
		it->left[0] = it->left[1] = it->left[2] = it->left[3] = 0;
		it->pos = len;
		return false;
	}
	it->left[RR_QUESTION] = wire_read_u16(msg + WIRE_OFF_QDCOUNT);
	it->left[RR_ANSWER] = wire_read_u16(msg + WIRE_OFF_ANCOUNT);
	it->left[RR_AUTHORITY] = wire_read_u16(msg + WIRE_OFF_NSCOUNT);
	it->left[RR_ADDITIONAL] = wire_read_u16(msg + WIRE_OFF_ARCOUNT);
	return true;
}

static enum rr_step
fail(struct rr_iter *it)
{
	it->left[0] = it->left[1] = it->left[2] = it->left[3] = 0;
	it->section = RR_ADDITIONAL;
	it->mode = RR_STRICT;
	it->len = 0; /* every later call fails too */
	return RR_ERROR;
}

/* The question's type and class after its name, with the lenient mode's
 * cut-short forms. */
static enum rr_step
question_tail(struct rr_iter *it, struct rr *rr)
{
	size_t pos = it->pos, len = it->len;

	rr->type = rr->class = 0;
	if (it->mode == RR_STRICT) {
		if (len - pos < 4)
			return fail(it);
		rr->type = wire_read_u16(it->msg + pos);
		rr->class = wire_read_u16(it->msg + pos + 2);
		it->pos = pos + 4;
		return RR_NEXT;
	}
	if (pos < len) {
		if (len - pos < 2)
			return fail(it);
		rr->type = wire_read_u16(it->msg + pos);
		pos += 2;
		if (pos < len) {
			/* A class cut at the end is ignored, as miekg
			 * v1.0.15 does. */
			if (len - pos < 2) {
				pos = len;
			} else {
				rr->class = wire_read_u16(it->msg + pos);
				pos += 2;
			}
		}
	}
	it->pos = pos;
	return RR_NEXT;
}

enum rr_step
rr_next(struct rr_iter *it, struct rr *rr)
{
	size_t pos;

	if (it->len == 0)
		return RR_ERROR;
	while (it->left[it->section] == 0) {
		if (it->section == RR_ADDITIONAL)
			return RR_END;
		it->section++;
	}
	if (it->section != RR_QUESTION && it->mode == RR_LENIENT &&
	    it->pos == it->len) {
		/* The counts were a lie: miekg stops here. */
		it->left[RR_ANSWER] = it->left[RR_AUTHORITY] =
		    it->left[RR_ADDITIONAL] = 0;
		return RR_END;
	}
	it->left[it->section]--;
	rr->section = it->section;
	rr->name_off = pos = it->pos;
	if (dname_parse(it->msg, it->len, &pos, rr->name, &rr->name_len) < 0)
		return fail(it);
	it->pos = pos;
	if (it->section == RR_QUESTION) {
		rr->ttl = 0;
		rr->ttl_off = rr->rdata_off = 0;
		rr->rdlen = 0;
		return question_tail(it, rr);
	}
	if (it->len - pos < 10)
		return fail(it);
	rr->type = wire_read_u16(it->msg + pos);
	rr->class = wire_read_u16(it->msg + pos + 2);
	rr->ttl = wire_read_u32(it->msg + pos + 4);
	rr->ttl_off = pos + 4;
	rr->rdlen = wire_read_u16(it->msg + pos + 8);
	rr->rdata_off = pos + 10;
	if (it->len - rr->rdata_off < rr->rdlen)
		return fail(it);
	it->pos = rr->rdata_off + rr->rdlen;
	return RR_NEXT;
}
