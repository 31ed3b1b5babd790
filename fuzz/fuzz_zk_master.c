/* fuzz_zk_master.c -- libFuzzer target for what ZooKeeper and the config
 * hand to leader detection: a MasterInfo znode (JSON and protobuf), a zk
 * URL and the host:port splitter.  Decoded addresses must split again, and
 * what the splitter accepts must survive a join and a second split. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "master/zk.h"
#include "util/hostport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An address that leader detection produced is one that fetching takes
 * apart again. */
static void
check_address(int rc, const char *addr, size_t cap)
{
	struct hostport hp;

	if (rc != 0)
		return;
	assert(memchr(addr, '\0', cap) != NULL);
	assert(hostport_split_loose(addr, strlen(addr), &hp) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char addr[320], id[256], err[512], joined[300];
	char *text = malloc(size + 1);
	struct hostport hp, again;
	struct zk_url url;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	check_address(zk_master_info_json((const char *)data, size, addr,
			  sizeof addr, id, sizeof id),
	    addr, sizeof addr);
	check_address(zk_master_info_protobuf(data, size, addr, sizeof addr, id,
			  sizeof id),
	    addr, sizeof addr);

	/* file:// reads a file the URL names: not from fuzz input. */
	if (strncmp(text, "file:", 5) != 0 &&
	    zk_parse_url(text, &url, err, sizeof err) == 0) {
		assert(memchr(url.hosts, '\0', sizeof url.hosts) != NULL);
		assert(url.path[0] == '/');
	}

	for (int optional = 0; optional <= 1; optional++) {
		if (hostport_split(text, &hp, optional) != 0)
			continue;
		assert(memchr(hp.host, '\0', sizeof hp.host) != NULL);
		assert(hp.port >= -1 && hp.port <= 65535);
		if (!hp.has_port || hp.port < 0)
			continue;
		hostport_join(joined, sizeof joined, hp.host, hp.port);
		assert(hostport_split(joined, &again, false) == 0);
		assert(again.port == hp.port);
		assert(strcmp(again.host, hp.host) == 0);
	}
	(void)hostport_split_loose(text, size, &hp);
	free(text);
	return 0;
}
