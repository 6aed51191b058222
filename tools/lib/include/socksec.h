/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsocksec - ask the kernel to guarantee that a socket's traffic is
 * protected (IPsec or kernel TLS). The one public header of the library.
 *
 * Every function returns -1 (or NULL) and sets errno on failure, 0 (or a
 * pointer) on success. The errno values are the kernel's, documented in
 * <linux/socksec.h>, socksec(7), socksec_set(3) and socksec_query(3).
 *
 * Installed as <socksec/socksec.h>, with the kernel's ABI header beside it
 * (socksec/linux/socksec.h); `pkg-config --cflags libsocksec` also makes
 * plain <socksec.h> work.
 */
#ifndef LIBSOCKSEC_H
#define LIBSOCKSEC_H

#include <stddef.h>
#include <stdint.h>
/* Beside this header once installed, from the include path when building. */
#include "linux/socksec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Settings of fd: protocol and flags, as in WSASetSocketSecurity(). */
int socksec_set(int fd, uint32_t protocol, uint32_t flags);
/* The settings fd carries; ENODATA if it has none. */
int socksec_get(int fd, struct socksec_settings *s);
/* The protection in force, as in WSAQuerySocketSecurity(). */
int socksec_query(int fd, struct socksec_query *q);

/*
 * "default", "ipsec", "ipsec2", "ktls", "any"; NULL + EINVAL if unknown:
 * check before printing (a newer kernel may report a protocol this
 * library does not know).
 */
const char *socksec_protocol_name(uint32_t protocol);
/* Inverse of socksec_protocol_name(); -1 + EINVAL if unknown. */
int socksec_protocol_parse(const char *name, uint32_t *protocol);
/*
 * Flags from a comma-separated list of "encrypt" (GUARANTEE_ENCRYPTION),
 * "insecure" (ALLOW_INSECURE), "none", or a number; -1 + EINVAL if bad.
 */
int socksec_flags_parse(const char *text, uint32_t *flags);
/* Human-readable state bits, e.g. "required,secured,encrypted". */
int socksec_state_format(uint32_t state, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LIBSOCKSEC_H */
