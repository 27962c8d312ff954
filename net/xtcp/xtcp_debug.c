// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP: test-only knobs that prove the debug kernel's detectors are live
 * (scripts/check-detectors).  Built only into a debug build of xtcp.ko
 * (CONFIG_XTCP_DEBUG=y, which `make KERNEL=debug` passes), never into the
 * default one.  Each knob is a load-time parameter whose .set callback
 * does the damage, so nothing here hooks into module init:
 *
 *   debug_leak=1     kmalloc() one object and drop the pointer (kmemleak)
 *   debug_lockdep=1  take two mutexes in both orders (lockdep)
 *   debug_kasan=1    read one byte past a kmalloc()ed object (KASAN)
 *
 * Module parameters are set in the order given to insmod.  A KASAN report
 * turns lockdep off, so give debug_lockdep before debug_kasan.
 */

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

/* What scripts/check-detectors looks for in kmemleak's hex dump. */
#define XTCP_DEBUG_LEAK_MARK	"XTCP-DEBUG-LEAK"
#define XTCP_DEBUG_LEAK_SIZE	64

static int xtcp_debug_leak;
static int xtcp_debug_lockdep;
static int xtcp_debug_kasan;

static DEFINE_MUTEX(xtcp_debug_lock_a);
static DEFINE_MUTEX(xtcp_debug_lock_b);

static noinline int xtcp_debug_do_leak(void)
{
	char *p = kmalloc(XTCP_DEBUG_LEAK_SIZE, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	strscpy(p, XTCP_DEBUG_LEAK_MARK, XTCP_DEBUG_LEAK_SIZE);
	pr_info("xtcp: debug_leak=1: leaking one %d-byte object (\"%s\") on purpose\n",
		XTCP_DEBUG_LEAK_SIZE, XTCP_DEBUG_LEAK_MARK);
	/* The only pointer to it goes out of scope here. */
	return 0;
}

static noinline int xtcp_debug_do_lockdep(void)
{
	pr_info("xtcp: debug_lockdep=1: taking two mutexes in both orders on purpose\n");
	mutex_lock(&xtcp_debug_lock_a);
	mutex_lock(&xtcp_debug_lock_b);
	mutex_unlock(&xtcp_debug_lock_b);
	mutex_unlock(&xtcp_debug_lock_a);

	mutex_lock(&xtcp_debug_lock_b);
	mutex_lock(&xtcp_debug_lock_a);
	mutex_unlock(&xtcp_debug_lock_a);
	mutex_unlock(&xtcp_debug_lock_b);
	return 0;
}

static noinline int xtcp_debug_do_kasan(void)
{
	size_t size = 13;
	char *p;
	char c;

	p = kmalloc(size, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	pr_info("xtcp: debug_kasan=1: reading one byte past a %zu-byte object on purpose\n",
		size);
	/* Hide the bound from the compiler: the read happens at run time. */
	OPTIMIZER_HIDE_VAR(size);
	c = READ_ONCE(p[size]);
	kfree(p);
	return c == 0x7f ? 1 : 0;	/* use c; never 1 in practice */
}

static int xtcp_debug_set(const char *val, const struct kernel_param *kp)
{
	int *knob = kp->arg;
	int v, err;

	err = kstrtoint(val, 0, &v);
	if (err)
		return err;
	if (v != 0 && v != 1)
		return -EINVAL;
	*knob = v;
	if (!v)
		return 0;

	if (knob == &xtcp_debug_leak)
		return xtcp_debug_do_leak();
	if (knob == &xtcp_debug_lockdep)
		return xtcp_debug_do_lockdep();
	if (knob == &xtcp_debug_kasan)
		return xtcp_debug_do_kasan() < 0 ? -ENOMEM : 0;
	return -EINVAL;
}

static const struct kernel_param_ops xtcp_debug_ops = {
	.set = xtcp_debug_set,
	.get = param_get_int,
};

module_param_cb(debug_leak, &xtcp_debug_ops, &xtcp_debug_leak, 0444);
MODULE_PARM_DESC(debug_leak, "test only: 1 = leak one object at load (kmemleak)");
module_param_cb(debug_lockdep, &xtcp_debug_ops, &xtcp_debug_lockdep, 0444);
MODULE_PARM_DESC(debug_lockdep, "test only: 1 = lock inversion at load (lockdep)");
module_param_cb(debug_kasan, &xtcp_debug_ops, &xtcp_debug_kasan, 0444);
MODULE_PARM_DESC(debug_kasan, "test only: 1 = out-of-bounds read at load (KASAN)");
