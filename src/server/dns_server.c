/* dns_server.c -- placeholder until the server lands (this commit's
 * daemon serves HTTP only). */
#include "server/dns_server.h"

#include <stdio.h>

int
dns_server_start(const struct config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	snprintf(err, errlen, "failed to setup \"udp\" server: DNS is not "
	    "built yet; set dnson to false");
	return -1;
}

void
dns_server_stop(void)
{
}
