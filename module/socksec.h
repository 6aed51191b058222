/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between socksec's files. One file per concern:
 *   main.c	module init/exit, pinning
 *   decide.c	pure decision logic (KUnit-tested)
 *   sockopt.c	the socket options
 *   sysfs.c	/sys/kernel/socksec defaults
 */
#ifndef _SOCKSEC_H
#define _SOCKSEC_H

#include <net/sock.h>
#include "decide.h"

/* sysfs.c */
int socksec_sysfs_init(void);
void socksec_sysfs_exit(void);
void socksec_defaults_get(struct socksec_defaults *def);

/* sockopt.c */
int socksec_sockopt_init(void);
void socksec_sockopt_exit(void);

/* main.c */
void socksec_pin(void);

/**
 * socksec_sk_settings - the settings a full socket carries, if any
 * @sk: a full socket (not a request or time-wait socket)
 *
 * Lockless: called under RCU from the packet path and from option
 * handlers. Returns NULL for sockets without settings and for sockets
 * whose sk_user_data belongs to someone else.
 */
static inline const struct socksec_iset *
socksec_sk_settings(const struct sock *sk)
{
	uintptr_t raw = (uintptr_t)rcu_dereference_check(__sk_user_data(sk),
							 true);

	/* A tagged pointer is never socksec's: it tags nothing. */
	if (raw & ~SK_USER_DATA_PTRMASK)
		return NULL;
	if (!socksec_iset_owned((const void *)raw))
		return NULL;
	return (const struct socksec_iset *)raw;
}

#endif /* _SOCKSEC_H */
