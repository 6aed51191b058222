// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/socksec: the initial network namespace's knobs (knobs.c;
 * every namespace has its own as net.socksec.*), and ipsec_mark, which is
 * global. One value per file, root-owned 0644 (the files' mode is the
 * access control: tightening one's own socket needs no privilege,
 * changing the host's defaults does). A write is validated as a whole
 * (socksec_knob_text_ok()); a bad value is EINVAL and the old value stays.
 */

#include <linux/kobject.h>
#include <linux/log2.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>
#include "socksec.h"

/* Default mark bit: high enough to stay clear of common fwmark users. */
#define SOCKSEC_DEFAULT_MARK	0x01000000

static u32 socksec_mark = SOCKSEC_DEFAULT_MARK;

/*
 * Orders the mark's changes against the first socket given settings,
 * which reads the mark and pins the module under it (sockopt.c): a change
 * lands either before it, and the socket is given the new bit, or after,
 * and finds the module pinned (EBUSY). Taken after lock_sock() and before
 * socksec_cfg_lock.
 */
DEFINE_MUTEX(socksec_mark_lock);

static struct kobject *socksec_kobj;

/* The mark bit of sockets that require IPsec, in every namespace. */
u32 socksec_ipsec_mark(void)
{
	return READ_ONCE(socksec_mark);
}

/* A knob's file: the initial namespace's value. */
struct socksec_knob_attr {
	struct kobj_attribute attr;
	enum socksec_knob knob;
};

static ssize_t socksec_knob_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	const struct socksec_knob_attr *ka =
		container_of(attr, struct socksec_knob_attr, attr);
	char text[32];

	socksec_knob_print(ka->knob, socksec_knob_get(&init_net, ka->knob),
			   text, sizeof(text));
	return sysfs_emit(buf, "%s\n", text);
}

static ssize_t socksec_knob_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	const struct socksec_knob_attr *ka =
		container_of(attr, struct socksec_knob_attr, attr);
	u32 v;
	int err;

	err = socksec_knob_text_ok(buf, count);
	if (!err)
		err = socksec_knob_parse(ka->knob, buf, &v);
	if (!err)
		err = socksec_knob_set(&init_net, ka->knob, v);
	return err ? err : count;
}

#define SOCKSEC_KNOB_ATTR(_name, _knob)					\
	static struct socksec_knob_attr socksec_attr_##_name = {	\
		.attr = __ATTR(_name, 0644, socksec_knob_show,		\
			       socksec_knob_store),			\
		.knob = _knob,						\
	}

SOCKSEC_KNOB_ATTR(default_protocol, SOCKSEC_K_DEFAULT_PROTOCOL);
SOCKSEC_KNOB_ATTR(default_flags, SOCKSEC_K_DEFAULT_FLAGS);
SOCKSEC_KNOB_ATTR(mode, SOCKSEC_K_MODE);
SOCKSEC_KNOB_ATTR(protect_loopback, SOCKSEC_K_PROTECT_LOOPBACK);
SOCKSEC_KNOB_ATTR(ipsec_reqid, SOCKSEC_K_IPSEC_REQID);
SOCKSEC_KNOB_ATTR(hold_timeout_ms, SOCKSEC_K_HOLD_TIMEOUT_MS);
SOCKSEC_KNOB_ATTR(ktls_handshake_budget, SOCKSEC_K_KTLS_BUDGET);

static ssize_t ipsec_mark_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", socksec_ipsec_mark());
}

/*
 * One bit, below bit 31: socksec uses it for sockets that require IPsec
 * and the bit above it for sockets that allow clear text.
 */
static ssize_t ipsec_mark_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	u32 v;

	if (socksec_knob_text_ok(buf, count) || kstrtou32(buf, 0, &v) ||
	    !v || !is_power_of_2(v) || v >= BIT(31))
		return -EINVAL;
	/*
	 * Sockets keep the bit they were given; under another one their
	 * packets would match no policy and wait for nothing. Once a socket
	 * has been protected the mark is fixed until reboot.
	 */
	mutex_lock(&socksec_mark_lock);
	if (v != socksec_ipsec_mark() && socksec_pinned_once()) {
		mutex_unlock(&socksec_mark_lock);
		return -EBUSY;
	}
	WRITE_ONCE(socksec_mark, v);
	socksec_ipsec_resync_all();
	mutex_unlock(&socksec_mark_lock);
	return count;
}

static struct kobj_attribute socksec_attr_ipsec_mark = __ATTR_RW(ipsec_mark);

static struct attribute *socksec_attrs[] = {
	&socksec_attr_default_protocol.attr.attr,
	&socksec_attr_default_flags.attr.attr,
	&socksec_attr_mode.attr.attr,
	&socksec_attr_protect_loopback.attr.attr,
	&socksec_attr_ipsec_reqid.attr.attr,
	&socksec_attr_ipsec_mark.attr,
	&socksec_attr_hold_timeout_ms.attr.attr,
	&socksec_attr_ktls_handshake_budget.attr.attr,
	NULL,
};

static const struct attribute_group socksec_attr_group = {
	.attrs = socksec_attrs,
};

int socksec_sysfs_init(void)
{
	int err;

	socksec_kobj = kobject_create_and_add("socksec", kernel_kobj);
	if (!socksec_kobj)
		return -ENOMEM;
	err = sysfs_create_group(socksec_kobj, &socksec_attr_group);
	if (err)
		goto err_group;
	return 0;

err_group:
	kobject_put(socksec_kobj);
	return err;
}

void socksec_sysfs_exit(void)
{
	sysfs_remove_group(socksec_kobj, &socksec_attr_group);
	kobject_put(socksec_kobj);
}
