// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP per network namespace state.
 *
 * Each netns has its own bind table, listening hash and established
 * hash, its LOCAL_IN hook and its control socket.  Sockets (and request
 * socks, through their listener) hold a reference on their netns, so a
 * netns being dismantled has none left; its exit kills the time-wait
 * socks, which hold no reference, and frees what sockets left for
 * deferred work (bind buckets waiting for the GC).
 */

#include <linux/module.h>
#include <net/net_namespace.h>
#include <net/xtcp.h>

unsigned int xtcp_net_id __read_mostly;

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	xn->net = net;
	err = xtcp_hashtables_net_init(xn);
	if (err)
		return err;
	err = xtcp_proc_net_init(net);
	if (err)
		goto err_hashtables;
	err = xtcp_v4_hooks_net_init(xn);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	xtcp_proc_net_exit(net);
	xtcp_mib_net_exit(net);
err_hashtables:
	xtcp_hashtables_net_exit(xn);
	return err;
}

/* First the hook (no new segment reaches XTCP), then the time-wait socks
 * and their timers, then the tables.
 */
static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xtcp_v4_hooks_net_exit(xn);
	xtcp_proc_net_exit(net);
	xtcp_purge_net(xn);
	xtcp_hashtables_net_exit(xn);
	xtcp_mib_net_exit(net);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

int xtcp_pernet_register(void)
{
	return register_pernet_subsys(&xtcp_net_ops);
}

void xtcp_pernet_unregister(void)
{
	unregister_pernet_subsys(&xtcp_net_ops);
}
