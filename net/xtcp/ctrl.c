// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP per network namespace state.
 *
 * Each netns has its own bind table, listening hash and established
 * hash, its LOCAL_IN hook, its control socket and its sysctls
 * (net.xtcp.*).  Sockets (and request
 * socks, through their listener) hold a reference on their netns, so a
 * netns being dismantled has none left; its exit kills the time-wait
 * socks, which hold no reference, and frees what sockets left for
 * deferred work (bind buckets waiting for the GC).
 */

#include <linux/module.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/xtcp.h>

unsigned int xtcp_net_id __read_mostly;

static int xtcp_max_syn_retries = MAX_TCP_SYNCNT;
static int xtcp_retr1_max = 255;

/* The template of net.xtcp.*: .data holds the field's offset in struct
 * xtcp_sysctl, made a pointer into the netns's copy at registration.
 * Names, handlers and bounds are those of the net.ipv4.tcp_* twins.
 */
#define XTCP_SYSCTL_ENTRY(field, len, handler, min, max)		\
	{								\
		.procname	= #field,				\
		.data		= (void *)offsetof(struct xtcp_sysctl, field), \
		.maxlen		= len,					\
		.mode		= 0644,					\
		.proc_handler	= handler,				\
		.extra1		= min,					\
		.extra2		= max,					\
	}
#define XTCP_SYSCTL_INT(field, handler, min, max)			\
	XTCP_SYSCTL_ENTRY(field, sizeof(int), handler, min, max)
/* no bounds, as 6.1 has none on tcp_sack, tcp_abort_on_overflow...:
 * any non-zero value means on
 */
#define XTCP_SYSCTL_BOOL(field)						\
	XTCP_SYSCTL_ENTRY(field, sizeof(u8), proc_dou8vec_minmax,	\
			  NULL, NULL)

static const struct ctl_table xtcp_sysctl_template[] = {
	XTCP_SYSCTL_INT(syn_retries, proc_dointvec_minmax, SYSCTL_ONE,
			&xtcp_max_syn_retries),
	XTCP_SYSCTL_INT(synack_retries, proc_dointvec, NULL, NULL),
	XTCP_SYSCTL_INT(retries1, proc_dointvec_minmax, NULL,
			&xtcp_retr1_max),
	XTCP_SYSCTL_INT(retries2, proc_dointvec, NULL, NULL),
	XTCP_SYSCTL_INT(orphan_retries, proc_dointvec, NULL, NULL),
	XTCP_SYSCTL_INT(fin_timeout, proc_dointvec_jiffies, NULL, NULL),
	XTCP_SYSCTL_INT(keepalive_time, proc_dointvec_jiffies, NULL, NULL),
	XTCP_SYSCTL_INT(keepalive_intvl, proc_dointvec_jiffies, NULL, NULL),
	XTCP_SYSCTL_INT(keepalive_probes, proc_dointvec, NULL, NULL),
	XTCP_SYSCTL_INT(invalid_ratelimit, proc_dointvec_ms_jiffies, NULL,
			NULL),
	XTCP_SYSCTL_BOOL(abort_on_overflow),
	XTCP_SYSCTL_BOOL(sack),
	XTCP_SYSCTL_BOOL(timestamps),
	XTCP_SYSCTL_BOOL(window_scaling),
	XTCP_SYSCTL_BOOL(dsack),
	XTCP_SYSCTL_BOOL(moderate_rcvbuf),
	/* TCP_RACK_* bits, unbounded as tcp_recovery */
	XTCP_SYSCTL_ENTRY(recovery, sizeof(u8), proc_dou8vec_minmax, NULL,
			  NULL),
	XTCP_SYSCTL_ENTRY(early_retrans, sizeof(u8), proc_dou8vec_minmax,
			  SYSCTL_ZERO, SYSCTL_FOUR),
	/* a name: ENOENT for one no algorithm has, as 6.1's */
	XTCP_SYSCTL_ENTRY(congestion_control, XTCP_CA_NAME_MAX,
			  xtcp_proc_congestion_control, NULL, NULL),
	{
		.procname	= "available_congestion_control",
		.data		= NULL,	/* unused */
		.maxlen		= XTCP_CA_BUF_MAX,
		.mode		= 0444,
		.proc_handler	= xtcp_proc_available_congestion_control,
	},
	{ }
};

/* net.xtcp.mem: global, like net.ipv4.tcp_mem, so in init_net only. */
static struct ctl_table xtcp_mem_sysctl_table[] = {
	{
		.procname	= "mem",
		.data		= &xtcp_sysctl_mem,
		.maxlen		= sizeof(xtcp_sysctl_mem),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
	},
	{ }
};

static struct ctl_table_header *xtcp_mem_sysctl_header;

/* The defaults of Linux 6.1's net.ipv4.tcp_* twins. */
static void xtcp_sysctl_defaults(struct xtcp_sysctl *sc)
{
	sc->syn_retries = TCP_SYN_RETRIES;
	sc->synack_retries = TCP_SYNACK_RETRIES;
	sc->retries1 = TCP_RETR1;
	sc->retries2 = TCP_RETR2;
	sc->orphan_retries = 0;
	sc->fin_timeout = TCP_FIN_TIMEOUT;
	sc->keepalive_time = TCP_KEEPALIVE_TIME;
	sc->keepalive_intvl = TCP_KEEPALIVE_INTVL;
	sc->keepalive_probes = TCP_KEEPALIVE_PROBES;
	sc->invalid_ratelimit = HZ / 2;
	sc->abort_on_overflow = 0;
	sc->sack = 1;
	sc->timestamps = 1;
	sc->window_scaling = 1;
	sc->dsack = 1;
	sc->moderate_rcvbuf = 1;
	sc->recovery = TCP_RACK_LOSS_DETECTION;
	sc->early_retrans = 3;
}

static int xtcp_sysctl_net_init(struct xtcp_net *xn)
{
	struct ctl_table *table;
	int i;

	xtcp_sysctl_defaults(&xn->sysctl);
	/* as 6.1's tcp_sk_init(): a new netns takes init_net's choice */
	xn->sysctl.congestion_control = net_eq(xn->net, &init_net) ?
		xtcp_ca_builtin_default() :
		XTCP_SYSCTL(&init_net, congestion_control);
	table = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; table[i].procname; i++)
		table[i].data = (char *)&xn->sysctl +
				(uintptr_t)table[i].data;
	xn->sysctl_header = register_net_sysctl(xn->net, "net/xtcp", table);
	if (!xn->sysctl_header)
		goto err_free_table;
	if (net_eq(xn->net, &init_net)) {
		xtcp_mem_sysctl_header =
			register_net_sysctl(&init_net, "net/xtcp",
					    xtcp_mem_sysctl_table);
		if (!xtcp_mem_sysctl_header)
			goto err_unregister_table;
	}
	return 0;

err_unregister_table:
	unregister_net_sysctl_table(xn->sysctl_header);
err_free_table:
	kfree(table);
	return -ENOMEM;
}

static void xtcp_sysctl_net_exit(struct xtcp_net *xn)
{
	struct ctl_table *table = xn->sysctl_header->ctl_table_arg;

	if (net_eq(xn->net, &init_net)) {
		unregister_net_sysctl_table(xtcp_mem_sysctl_header);
		xtcp_mem_sysctl_header = NULL;
	}
	unregister_net_sysctl_table(xn->sysctl_header);
	kfree(table);
}

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	xn->net = net;
	err = xtcp_sysctl_net_init(xn);
	if (err)
		return err;
	err = xtcp_hashtables_net_init(xn);
	if (err)
		goto err_sysctl;
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
err_sysctl:
	xtcp_sysctl_net_exit(xn);
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
	xtcp_sysctl_net_exit(xn);
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
