/* parse.h -- streaming parser for a master's /master/state JSON.
 *
 * The body is fed in pieces as it arrives, so a 35 MB state never exists
 * in memory as text or as a DOM (the original's memory went there).  Keys
 * match case-insensitively, the last duplicate wins, unknown keys are
 * skipped (Go encoding/json rules).  A malformed framework, task or agent is
 * skipped and counted, where the original rejected the whole state
 * (spec/gaps.md A.6); broken JSON fails the whole parse.
 */
#ifndef MDNS_STATE_PARSE_H
#define MDNS_STATE_PARSE_H

#include <stddef.h>

#include "state/model.h"

struct state_parser;

/** A parser ready for the first byte; NULL when out of memory. */
struct state_parser *state_parser_new(void);

/** Feeds the next piece of the body; -1 on a JSON error (see _error). */
int state_parser_feed(struct state_parser *p, const void *data, size_t len);

/** Ends the body; returns the state (the caller owns it) or NULL. */
struct mesos_state *state_parser_finish(struct state_parser *p);

/** What went wrong, naming the byte offset or the field. */
const char *state_parser_error(const struct state_parser *p);

/** Frees the parser and any state it still owns. */
void state_parser_free(struct state_parser *p);

/** Parses a whole body in one call (tests, fuzzing); NULL with err set. */
struct mesos_state *
state_parse(const void *data, size_t len, char *err, size_t errlen);

#endif
