// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest_crash - make the test VM's kernel complain on purpose, to check that
 * tools/testing/vm/run.sh notices.  Built and loaded only by
 * tools/testing/vm/selftest.sh; never part of socksec.
 *
 *   insmod vmtest_crash.ko what=warn   WARN() (panic_on_warn stops the VM)
 *   insmod vmtest_crash.ko what=oops   NULL pointer dereference (oops=panic)
 *   insmod vmtest_crash.ko what=none   load cleanly
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/bug.h>

static char *what = "none";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "none, warn or oops");

static int __init vmtest_crash_init(void)
{
	if (!strcmp(what, "warn")) {
		WARN(1, "vmtest_crash: deliberate warning\n");
	} else if (!strcmp(what, "oops")) {
		int *volatile p = NULL;

		pr_info("vmtest_crash: deliberate NULL dereference: %d\n", *p);
	}
	return 0;
}

static void __exit vmtest_crash_exit(void)
{
}

module_init(vmtest_crash_init);
module_exit(vmtest_crash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate kernel warnings for the socksec VM harness self-test");
