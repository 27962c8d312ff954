// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP per network namespace state.
 *
 * Each netns has its own bind table and listening hash.  Sockets hold
 * a reference on their netns, so a netns being dismantled has no XTCP
 * socket left; its exit only frees what sockets left behind for
 * deferred work (bind buckets waiting for the GC).
 */

#include <linux/module.h>
#include <net/net_namespace.h>
#include <net/xtcp.h>

unsigned int xtcp_net_id __read_mostly;

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xn->net = net;
	return xtcp_hashtables_net_init(xn);
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	xtcp_hashtables_net_exit(xtcp_pernet(net));
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
