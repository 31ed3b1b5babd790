/* forward.c -- out-of-domain queries.  With ExternalOn false (or no
 * upstream) the original answers REFUSED; forwarding to upstreams is not
 * built yet, so until it is those queries get SERVFAIL, the original's
 * answer when every upstream fails. */
#include "fwd/forward.h"

#include "config.h"

enum handle_result
forward_query(struct answer_ctx *a, const struct config *cfg,
    const uint8_t *pkt, size_t len, bool tcp,
    const struct sockaddr_storage *peer, socklen_t peerlen, int fd,
    uint8_t *out, size_t cap, size_t *outlen)
{
	(void)pkt;
	(void)len;
	(void)tcp;
	(void)peer;
	(void)peerlen;
	(void)fd;
	*outlen = dns_rcode_reply(&a->query, cfg->external_on &&
	    cfg->resolvers.n > 0 ? RCODE_SERVFAIL : RCODE_REFUSED, out, cap);
	return HANDLE_REPLY;
}
