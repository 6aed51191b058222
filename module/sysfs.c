// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/socksec: the administrator's defaults. One value per file,
 * root-owned 0644 (the files' mode is the access control: tightening one's
 * own socket needs no privilege, changing everyone's defaults does). A
 * write is validated as a whole; a bad value is EINVAL and the old value
 * stays. Values are read locklessly at enforcement time.
 */

#include <linux/kobject.h>
#include <linux/log2.h>
#include <linux/sysfs.h>
#include "socksec.h"

static struct socksec_defaults socksec_defaults = {
	.protocol	  = SOCKSEC_PROTO_IPSEC,
	.flags		  = 0,
	.mode		  = SOCKSEC_MODE_ENFORCE,
	.protect_loopback = false,
};

/* Default mark bit: high enough to stay clear of common fwmark users. */
#define SOCKSEC_DEFAULT_MARK	0x01000000
#define SOCKSEC_HOLD_MIN_MS	100
#define SOCKSEC_HOLD_MAX_MS	600000

static struct socksec_ipsec_cfg socksec_ipsec = {
	.reqid		 = 0,
	.mark		 = SOCKSEC_DEFAULT_MARK,
	.hold_timeout_ms = 5000,
};

/*
 * Bytes a kTLS-required socket may send before TLS_TX: its handshake.
 * Measured handshakes with real certificate chains stay far below the
 * default (Documentation/socksec.rst, "Kernel TLS").
 */
#define SOCKSEC_KTLS_BUDGET_DEFAULT	32768
#define SOCKSEC_KTLS_BUDGET_MAX		1048576
static u32 socksec_ktls_budget_bytes = SOCKSEC_KTLS_BUDGET_DEFAULT;

static struct kobject *socksec_kobj;

/* The handshake budget a kTLS-required socket's tracker starts with. */
u32 socksec_ktls_budget(void)
{
	return READ_ONCE(socksec_ktls_budget_bytes);
}

/**
 * socksec_defaults_get - a snapshot of the defaults
 * @def: filled in
 *
 * Each field is read once; a concurrent write may change one field
 * between two reads, which is harmless as every combination of valid
 * fields is itself valid.
 */
void socksec_defaults_get(struct socksec_defaults *def)
{
	def->protocol = READ_ONCE(socksec_defaults.protocol);
	def->flags = READ_ONCE(socksec_defaults.flags);
	def->mode = READ_ONCE(socksec_defaults.mode);
	def->protect_loopback = READ_ONCE(socksec_defaults.protect_loopback);
}

/**
 * socksec_ipsec_cfg_get - a snapshot of the IPsec knobs
 * @cfg: filled in
 */
void socksec_ipsec_cfg_get(struct socksec_ipsec_cfg *cfg)
{
	cfg->reqid = READ_ONCE(socksec_ipsec.reqid);
	cfg->mark = READ_ONCE(socksec_ipsec.mark);
	cfg->hold_timeout_ms = READ_ONCE(socksec_ipsec.hold_timeout_ms);
	cfg->protect_loopback = READ_ONCE(socksec_defaults.protect_loopback);
	cfg->mode = READ_ONCE(socksec_defaults.mode);
}

static ssize_t default_protocol_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  socksec_protocol_name(READ_ONCE(socksec_defaults.protocol)));
}

static ssize_t default_protocol_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	u32 p;
	int err = socksec_parse_protocol(buf, &p);

	if (err)
		return err;
	WRITE_ONCE(socksec_defaults.protocol, p);
	return count;
}

static ssize_t default_flags_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%x\n", READ_ONCE(socksec_defaults.flags));
}

static ssize_t default_flags_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	u32 f;
	int err = socksec_parse_flags(buf, &f);

	if (err)
		return err;
	WRITE_ONCE(socksec_defaults.flags, f);
	return count;
}

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  socksec_mode_name(READ_ONCE(socksec_defaults.mode)));
}

static ssize_t mode_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	enum socksec_mode m;
	int err = socksec_parse_mode(buf, &m);

	if (err)
		return err;
	WRITE_ONCE(socksec_defaults.mode, m);
	/* Audit must not hold packets, off must not touch them: see ipsec.c. */
	socksec_ipsec_resync_all();
	return count;
}

static ssize_t protect_loopback_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(socksec_defaults.protect_loopback));
}

static ssize_t protect_loopback_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	bool v;

	if (kstrtobool(buf, &v))
		return -EINVAL;
	WRITE_ONCE(socksec_defaults.protect_loopback, v);
	/* The on-demand policies carry the loopback bypass. */
	socksec_ipsec_resync_all();
	return count;
}

static ssize_t ipsec_reqid_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(socksec_ipsec.reqid));
}

static ssize_t ipsec_reqid_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	u32 v;

	if (kstrtou32(buf, 0, &v))
		return -EINVAL;
	WRITE_ONCE(socksec_ipsec.reqid, v);
	socksec_ipsec_resync_all();
	return count;
}

static ssize_t ipsec_mark_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", READ_ONCE(socksec_ipsec.mark));
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

	if (kstrtou32(buf, 0, &v) || !v || !is_power_of_2(v) || v >= BIT(31))
		return -EINVAL;
	/*
	 * Sockets keep the bit they were given; under another one their
	 * packets would match no policy and wait for nothing. Once a socket
	 * has been protected the mark is fixed until reboot.
	 */
	if (v != READ_ONCE(socksec_ipsec.mark) && socksec_pinned_once())
		return -EBUSY;
	WRITE_ONCE(socksec_ipsec.mark, v);
	socksec_ipsec_resync_all();
	return count;
}

static ssize_t hold_timeout_ms_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(socksec_ipsec.hold_timeout_ms));
}

static ssize_t hold_timeout_ms_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	u32 v;

	if (kstrtou32(buf, 0, &v) || v < SOCKSEC_HOLD_MIN_MS ||
	    v > SOCKSEC_HOLD_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(socksec_ipsec.hold_timeout_ms, v);
	return count;
}

static ssize_t ktls_handshake_budget_show(struct kobject *kobj,
					  struct kobj_attribute *attr,
					  char *buf)
{
	return sysfs_emit(buf, "%u\n", socksec_ktls_budget());
}

static ssize_t ktls_handshake_budget_store(struct kobject *kobj,
					   struct kobj_attribute *attr,
					   const char *buf, size_t count)
{
	u32 v;

	if (kstrtou32(buf, 0, &v) || v > SOCKSEC_KTLS_BUDGET_MAX)
		return -EINVAL;
	WRITE_ONCE(socksec_ktls_budget_bytes, v);
	return count;
}

static struct kobj_attribute socksec_attr_default_protocol =
	__ATTR_RW(default_protocol);
static struct kobj_attribute socksec_attr_default_flags =
	__ATTR_RW(default_flags);
static struct kobj_attribute socksec_attr_mode = __ATTR_RW(mode);
static struct kobj_attribute socksec_attr_protect_loopback =
	__ATTR_RW(protect_loopback);
static struct kobj_attribute socksec_attr_ipsec_reqid = __ATTR_RW(ipsec_reqid);
static struct kobj_attribute socksec_attr_ipsec_mark = __ATTR_RW(ipsec_mark);
static struct kobj_attribute socksec_attr_hold_timeout_ms =
	__ATTR_RW(hold_timeout_ms);
static struct kobj_attribute socksec_attr_ktls_handshake_budget =
	__ATTR_RW(ktls_handshake_budget);

static struct attribute *socksec_attrs[] = {
	&socksec_attr_default_protocol.attr,
	&socksec_attr_default_flags.attr,
	&socksec_attr_mode.attr,
	&socksec_attr_protect_loopback.attr,
	&socksec_attr_ipsec_reqid.attr,
	&socksec_attr_ipsec_mark.attr,
	&socksec_attr_hold_timeout_ms.attr,
	&socksec_attr_ktls_handshake_budget.attr,
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
