// SPDX-License-Identifier: GPL-2.0
/*
 * The knobs of a network namespace: the defaults sockets asking for
 * DEFAULT resolve to, the mode, loopback, on-demand IPsec and the kTLS
 * handshake budget. Every namespace has its own, as the stack has its
 * own net.ipv4.*: net.socksec.* is registered in each, writable by whoever
 * administers that namespace's network, and a new namespace starts with
 * the initial namespace's values. /sys/kernel/socksec shows and sets the
 * initial namespace's (sysfs.c).
 *
 * One syntax for both: a value is parsed and printed here, so
 * "echo ktls > /sys/kernel/socksec/default_protocol" and
 * "sysctl net.socksec.default_protocol=ktls" mean the same. A value is the
 * whole of one write, whatever the file offset: no NUL byte in it, at most
 * SOCKSEC_KNOB_TEXT_MAX characters and one trailing newline. Anything
 * else, or a value the knob does not take, is EINVAL and changes
 * nothing. Values are read locklessly (READ_ONCE) on
 * the packet path and written under socksec_cfg_lock, which also
 * serialises the policy resync a change may need.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include "socksec.h"

#define SOCKSEC_HOLD_MIN_MS		100
#define SOCKSEC_HOLD_MAX_MS		600000
/*
 * Bytes a kTLS-required socket may send before TLS_TX: its handshake.
 * Measured handshakes with real certificate chains stay far below the
 * default (Documentation/ktls.rst).
 */
#define SOCKSEC_KTLS_BUDGET_DEFAULT	32768
#define SOCKSEC_KTLS_BUDGET_MAX		1048576

const char *const socksec_knob_names[__SOCKSEC_K_MAX] = {
	[SOCKSEC_K_DEFAULT_PROTOCOL]	= "default_protocol",
	[SOCKSEC_K_DEFAULT_FLAGS]	= "default_flags",
	[SOCKSEC_K_MODE]		= "mode",
	[SOCKSEC_K_PROTECT_LOOPBACK]	= "protect_loopback",
	[SOCKSEC_K_IPSEC_REQID]		= "ipsec_reqid",
	[SOCKSEC_K_HOLD_TIMEOUT_MS]	= "hold_timeout_ms",
	[SOCKSEC_K_KTLS_BUDGET]		= "ktls_handshake_budget",
};

static const u32 socksec_knob_defaults[__SOCKSEC_K_MAX] = {
	[SOCKSEC_K_DEFAULT_PROTOCOL]	= SOCKSEC_PROTO_IPSEC,
	[SOCKSEC_K_DEFAULT_FLAGS]	= 0,
	[SOCKSEC_K_MODE]		= SOCKSEC_MODE_ENFORCE,
	[SOCKSEC_K_PROTECT_LOOPBACK]	= 0,
	[SOCKSEC_K_IPSEC_REQID]		= 0,
	[SOCKSEC_K_HOLD_TIMEOUT_MS]	= 5000,
	[SOCKSEC_K_KTLS_BUDGET]		= SOCKSEC_KTLS_BUDGET_DEFAULT,
};

/**
 * socksec_knobs_init - a new namespace's knobs
 * @sn: its state
 *
 * The initial namespace starts with the built-in defaults, every other
 * one with the initial namespace's values of the moment.
 */
void socksec_knobs_init(struct socksec_net *sn)
{
	const struct socksec_net *init = socksec_net(&init_net);
	int k;

	for (k = 0; k < __SOCKSEC_K_MAX; k++)
		sn->knob[k] = net_eq(sn->net, &init_net) ?
			socksec_knob_defaults[k] : READ_ONCE(init->knob[k]);
}

/**
 * socksec_knob_text_ok - whether a write can hold a knob's value at all
 * @buf: what was written
 * @count: its length, NUL bytes included
 *
 * The same rule for sysfs and net.socksec.*: a value is the whole write,
 * so a NUL byte inside it or text too long for any value is refused
 * rather than cut short.
 *
 * Return: 0, or -EINVAL.
 */
int socksec_knob_text_ok(const char *buf, size_t count)
{
	size_t len = count;

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len > SOCKSEC_KNOB_TEXT_MAX ||
	    strnlen(buf, count) != count)
		return -EINVAL;
	return 0;
}

/*
 * The kernel's boolean spellings, whole: kstrtobool() looks at the first
 * characters only and would take "10" or "nonsense".
 */
static int socksec_parse_bool(const char *buf, u32 *v)
{
	static const char *const words[] = {
		"0", "1", "n", "y", "no", "yes", "off", "on",
	};
	size_t len = strlen(buf);
	unsigned int i;

	if (len && buf[len - 1] == '\n')
		len--;
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (strlen(words[i]) == len &&
		    !strncasecmp(buf, words[i], len)) {
			*v = i % 2;
			return 0;
		}
	}
	return -EINVAL;
}

static int socksec_parse_range(const char *buf, u32 min, u32 max, u32 *v)
{
	if (kstrtou32(buf, 0, v) || *v < min || *v > max)
		return -EINVAL;
	return 0;
}

/**
 * socksec_knob_parse - a knob's value from its text
 * @k: the knob
 * @buf: the text, a trailing newline allowed
 * @v: the value
 *
 * Return: 0, or -EINVAL for a value the knob does not take.
 */
int socksec_knob_parse(enum socksec_knob k, const char *buf, u32 *v)
{
	enum socksec_mode m;
	int err;

	switch (k) {
	case SOCKSEC_K_DEFAULT_PROTOCOL:
		return socksec_parse_protocol(buf, v);
	case SOCKSEC_K_DEFAULT_FLAGS:
		return socksec_parse_flags(buf, v);
	case SOCKSEC_K_MODE:
		err = socksec_parse_mode(buf, &m);
		*v = m;
		return err;
	case SOCKSEC_K_PROTECT_LOOPBACK:
		return socksec_parse_bool(buf, v);
	case SOCKSEC_K_IPSEC_REQID:
		return socksec_parse_range(buf, 0, U32_MAX, v);
	case SOCKSEC_K_HOLD_TIMEOUT_MS:
		return socksec_parse_range(buf, SOCKSEC_HOLD_MIN_MS,
					   SOCKSEC_HOLD_MAX_MS, v);
	case SOCKSEC_K_KTLS_BUDGET:
		return socksec_parse_range(buf, 0, SOCKSEC_KTLS_BUDGET_MAX, v);
	default:
		return -EINVAL;
	}
}

/**
 * socksec_knob_print - a knob's value as text
 * @k: the knob
 * @v: the value
 * @buf: where
 * @len: its size
 *
 * Return: the length written, as scnprintf().
 */
int socksec_knob_print(enum socksec_knob k, u32 v, char *buf, size_t len)
{
	switch (k) {
	case SOCKSEC_K_DEFAULT_PROTOCOL:
		return scnprintf(buf, len, "%s", socksec_protocol_name(v));
	case SOCKSEC_K_DEFAULT_FLAGS:
		return scnprintf(buf, len, "0x%x", v);
	case SOCKSEC_K_MODE:
		return scnprintf(buf, len, "%s", socksec_mode_name(v));
	default:
		return scnprintf(buf, len, "%u", v);
	}
}

u32 socksec_knob_get(const struct net *net, enum socksec_knob k)
{
	return READ_ONCE(socksec_net(net)->knob[k]);
}

/**
 * socksec_knob_set - set one knob of a namespace
 * @net: the namespace
 * @k: the knob
 * @v: a value socksec_knob_parse() accepted
 *
 * Mode, loopback and reqid shape the namespace's on-demand policies:
 * they are brought in line at once.
 *
 * Return: 0.
 */
int socksec_knob_set(struct net *net, enum socksec_knob k, u32 v)
{
	struct socksec_net *sn = socksec_net(net);

	mutex_lock(&socksec_cfg_lock);
	WRITE_ONCE(sn->knob[k], v);
	mutex_unlock(&socksec_cfg_lock);
	if (k == SOCKSEC_K_MODE || k == SOCKSEC_K_PROTECT_LOOPBACK ||
	    k == SOCKSEC_K_IPSEC_REQID)
		socksec_ipsec_resync(net);
	return 0;
}

/**
 * socksec_defaults_get - a snapshot of a namespace's defaults
 * @net: the namespace
 * @def: filled in
 *
 * Each field is read once; a concurrent write may change one field
 * between two reads, which is harmless as every combination of valid
 * fields is itself valid.
 */
void socksec_defaults_get(const struct net *net, struct socksec_defaults *def)
{
	const struct socksec_net *sn = socksec_net(net);

	def->protocol = READ_ONCE(sn->knob[SOCKSEC_K_DEFAULT_PROTOCOL]);
	def->flags = READ_ONCE(sn->knob[SOCKSEC_K_DEFAULT_FLAGS]);
	def->mode = READ_ONCE(sn->knob[SOCKSEC_K_MODE]);
	def->protect_loopback = READ_ONCE(sn->knob[SOCKSEC_K_PROTECT_LOOPBACK]);
}

/**
 * socksec_ipsec_cfg_get - a snapshot of a namespace's IPsec knobs
 * @net: the namespace
 * @cfg: filled in
 */
void socksec_ipsec_cfg_get(const struct net *net,
			   struct socksec_ipsec_cfg *cfg)
{
	const struct socksec_net *sn = socksec_net(net);

	cfg->reqid = READ_ONCE(sn->knob[SOCKSEC_K_IPSEC_REQID]);
	cfg->mark = socksec_ipsec_mark();
	cfg->hold_timeout_ms = READ_ONCE(sn->knob[SOCKSEC_K_HOLD_TIMEOUT_MS]);
	cfg->protect_loopback = READ_ONCE(sn->knob[SOCKSEC_K_PROTECT_LOOPBACK]);
	cfg->mode = READ_ONCE(sn->knob[SOCKSEC_K_MODE]);
}

/* The handshake budget a namespace's kTLS-required streams start with. */
u32 socksec_ktls_budget(const struct net *net)
{
	return socksec_knob_get(net, SOCKSEC_K_KTLS_BUDGET);
}

/*
 * net.socksec.KNOB: ->data is the namespace, ->extra1 the knob. The text
 * is that of sysfs: a read goes through a buffer of its own; a write is
 * one whole value wherever the file offset stands (proc_dostring() would
 * cut a long one short and ignore one past the start).
 */
static int socksec_sysctl_handler(SOCKSEC_CTL_CONST struct ctl_table *table,
				  int write, void *buffer, size_t *lenp,
				  loff_t *ppos)
{
	enum socksec_knob k = (uintptr_t)table->extra1;
	struct net *net = table->data;
	struct ctl_table tmp = {
		.maxlen = SOCKSEC_KNOB_TEXT_MAX + 1,
		.mode = table->mode,
	};
	char text[SOCKSEC_KNOB_TEXT_MAX + 2];
	u32 v;
	int err;

	if (write) {
		err = socksec_knob_text_ok(buffer, *lenp);
		if (err)
			return err;
		memcpy(text, buffer, *lenp);
		text[*lenp] = '\0';
		err = socksec_knob_parse(k, text, &v);
		if (err)
			return err;
		err = socksec_knob_set(net, k, v);
		if (!err)
			*ppos += *lenp;
		return err;
	}
	tmp.data = text;
	socksec_knob_print(k, socksec_knob_get(net, k), text,
			   SOCKSEC_KNOB_TEXT_MAX + 1);
	return proc_dostring(&tmp, 0, buffer, lenp, ppos);
}

/**
 * socksec_sysctl_register - net.socksec.* of a namespace
 * @sn: its state, knobs set
 *
 * Return: 0 or -ENOMEM.
 */
int socksec_sysctl_register(struct socksec_net *sn)
{
	struct ctl_table *t;
	int k;

	/* One entry more: before 6.5 an empty entry ends the table. */
	t = kcalloc(__SOCKSEC_K_MAX + 1, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (k = 0; k < __SOCKSEC_K_MAX; k++) {
		t[k].procname = socksec_knob_names[k];
		t[k].data = sn->net;
		t[k].maxlen = SOCKSEC_KNOB_TEXT_MAX + 1;
		t[k].mode = 0644;
		t[k].proc_handler = socksec_sysctl_handler;
		t[k].extra1 = (void *)(uintptr_t)k;
	}
	sn->sysctl = socksec_register_net_sysctl(sn->net, "net/socksec", t,
						 __SOCKSEC_K_MAX);
	if (!sn->sysctl) {
		kfree(t);
		return -ENOMEM;
	}
	sn->sysctl_table = t;
	return 0;
}

void socksec_sysctl_unregister(struct socksec_net *sn)
{
	unregister_net_sysctl_table(sn->sysctl);
	kfree(sn->sysctl_table);
}
