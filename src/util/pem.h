/* pem.h -- start-up checks of the PEM files named in the configuration
 * (CACertFile, CertFile/KeyFile), so that a bad file stops the daemon at
 * once with the original's message instead of failing every fetch. */
#ifndef MDNS_PEM_H
#define MDNS_PEM_H

#include <stddef.h>

/** At least one certificate in a CA bundle; -1 with the original's
 *  message ("CACertFile parsing failed", ...) in err. */
int pem_check_ca(const char *file, char *err, size_t errlen);

/** A certificate and a private key that belong together. */
int pem_check_pair(const char *cert, const char *key, char *err, size_t errlen);

#endif
