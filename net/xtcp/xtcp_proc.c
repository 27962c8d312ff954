// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/xtcp: every XTCP sock of the netns in the format of
 * /proc/net/tcp (tcp4_seq_show()): listeners, connections, request
 * socks (st 03) and time-wait socks (st 06).
 *
 * The tables are walked under RCU; their socks are SLAB_TYPESAFE_BY_RCU
 * or SOCK_RCU_FREE, so a line may be stale but never reads freed memory.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/xtcp.h>

#define XTCP_PROC_LINE	150

static void xtcp_proc_full(struct seq_file *f, struct sock *sk, int i)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	int state = inet_sk_state_load(sk);
	unsigned long timer_expires;
	int timer_active, rx_queue, tx_queue;

	if (timer_pending(&icsk->icsk_retransmit_timer)) {
		timer_active = xsk->packets_out ? 1 : 4;
		timer_expires = icsk->icsk_retransmit_timer.expires;
	} else if (timer_pending(&icsk->icsk_keepalive_timer)) {
		timer_active = 2;
		timer_expires = icsk->icsk_keepalive_timer.expires;
	} else {
		timer_active = 0;
		timer_expires = jiffies;
	}

	if (state == TCP_LISTEN) {
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
		tx_queue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		rx_queue = max_t(int, READ_ONCE(xsk->rcv_nxt) -
				 READ_ONCE(xsk->copied_seq), 0);
		tx_queue = READ_ONCE(xsk->write_seq) - xsk->snd_una;
	}

	seq_printf(f, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d",
		   i, sk->sk_rcv_saddr, sk->sk_num, sk->sk_daddr,
		   ntohs(sk->sk_dport), state, tx_queue, rx_queue,
		   timer_active, jiffies_delta_to_clock_t(timer_expires - jiffies),
		   icsk->icsk_retransmits,
		   from_kuid_munged(seq_user_ns(f), sock_i_uid(sk)),
		   icsk->icsk_probes_out, sock_i_ino(sk),
		   refcount_read(&sk->sk_refcnt), sk,
		   jiffies_to_clock_t(icsk->icsk_rto), 0UL, 0,
		   xsk->snd_cwnd,
		   state == TCP_LISTEN ? 0 :
		   (xsk->snd_ssthresh == U32_MAX ? -1 : xsk->snd_ssthresh));
}

static void xtcp_proc_req(struct seq_file *f, struct sock *sk, int i)
{
	const struct xtcp_request_sock *req = xtcp_rsk(sk);
	long ttd = req->timer.expires - jiffies;

	seq_printf(f, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK",
		   i, sk->sk_rcv_saddr, sk->sk_num, sk->sk_daddr,
		   ntohs(sk->sk_dport), TCP_SYN_RECV, 0, 0, 1,
		   jiffies_delta_to_clock_t(max(ttd, 0L)), req->num_retrans,
		   from_kuid_munged(seq_user_ns(f),
				    sock_i_uid(req->listener)),
		   0, 0, 0, req);
}

static void xtcp_proc_tw(struct seq_file *f, struct sock *sk, int i)
{
	const struct xtcp_timewait_sock *tws = xtcp_twsk(sk);
	long delta = tws->timer.expires - jiffies;

	seq_printf(f, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		   i, sk->sk_rcv_saddr, sk->sk_num, sk->sk_daddr,
		   ntohs(sk->sk_dport), tws->substate, 0, 0, 3,
		   jiffies_delta_to_clock_t(max(delta, 0L)), 0, 0, 0, 0,
		   refcount_read(&sk->sk_refcnt), tws);
}

static int xtcp_proc_show(struct seq_file *f, void *v)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_single_net(f));
	struct hlist_nulls_node *node;
	struct sock *sk;
	int i, n = 0;

	seq_printf(f, "%-*s\n", XTCP_PROC_LINE - 1,
		   "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");

	rcu_read_lock();
	for (i = 0; i < XTCP_LHASH_SIZE; i++) {
		sk_nulls_for_each_rcu(sk, node, &xn->lhash[i].nulls_head) {
			xtcp_proc_full(f, sk, n++);
			seq_pad(f, '\n');
		}
	}
	for (i = 0; i < XTCP_EHASH_SIZE; i++) {
		sk_nulls_for_each_rcu(sk, node, &xn->ehash[i].chain) {
			if (sk->sk_state == TCP_NEW_SYN_RECV)
				xtcp_proc_req(f, sk, n++);
			else if (sk->sk_state == TCP_TIME_WAIT)
				xtcp_proc_tw(f, sk, n++);
			else
				xtcp_proc_full(f, sk, n++);
			seq_pad(f, '\n');
		}
	}
	rcu_read_unlock();
	return 0;
}

static const char *const xtcp_mib_names[__XTCP_MIB_MAX] = {
	[XTCP_MIB_INSEGS]		= "InSegs",
	[XTCP_MIB_OUTSEGS]		= "OutSegs",
	[XTCP_MIB_RETRANSSEGS]		= "RetransSegs",
	[XTCP_MIB_INERRS]		= "InErrs",
	[XTCP_MIB_INCSUMERRORS]		= "InCsumErrors",
	[XTCP_MIB_OUTRSTS]		= "OutRsts",
	[XTCP_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[XTCP_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[XTCP_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[XTCP_MIB_ESTABRESETS]		= "EstabResets",
	[XTCP_MIB_CHALLENGEACKS]	= "TCPChallengeACK",
	[XTCP_MIB_LISTENDROPS]		= "ListenDrops",
	[XTCP_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[XTCP_MIB_TIMEOUTS]		= "TCPTimeouts",
	[XTCP_MIB_FASTRETRANS]		= "TCPFastRetrans",
	[XTCP_MIB_PAWSDROPS]		= "PAWSEstabRejected",
	[XTCP_MIB_OFODROPS]		= "TCPOFODrop",
	[XTCP_MIB_ACKSKIPPEDSYNRECV]	= "TCPACKSkippedSynRecv",
	[XTCP_MIB_ACKSKIPPEDPAWS]	= "TCPACKSkippedPAWS",
	[XTCP_MIB_ACKSKIPPEDSEQ]	= "TCPACKSkippedSeq",
	[XTCP_MIB_ACKSKIPPEDTIMEWAIT]	= "TCPACKSkippedTimeWait",
	[XTCP_MIB_ACKSKIPPEDCHALLENGE]	= "TCPACKSkippedChallenge",
	[XTCP_MIB_DEFERACCEPTDROP]	= "TCPDeferAcceptDrop",
	[XTCP_MIB_ABORTONLINGER]	= "TCPAbortOnLinger",
	[XTCP_MIB_ABORTONDATA]		= "TCPAbortOnData",
	[XTCP_MIB_OFOQUEUE]		= "TCPOFOQueue",
	[XTCP_MIB_OFOMERGE]		= "TCPOFOMerge",
	[XTCP_MIB_OFOPRUNED]		= "OfoPruned",
	[XTCP_MIB_RCVPRUNED]		= "RcvPruned",
	[XTCP_MIB_PRUNECALLED]		= "PruneCalled",
	[XTCP_MIB_RCVCOLLAPSED]		= "TCPRcvCollapsed",
	[XTCP_MIB_RCVCOALESCE]		= "TCPRcvCoalesce",
	[XTCP_MIB_RCVQDROP]		= "TCPRcvQDrop",
	[XTCP_MIB_ZEROWINDOWDROP]	= "TCPZeroWindowDrop",
	[XTCP_MIB_DELAYEDACKLOST]	= "DelayedACKLost",
	[XTCP_MIB_DSACKOLDSENT]		= "TCPDSACKOldSent",
	[XTCP_MIB_DSACKOFOSENT]		= "TCPDSACKOfoSent",
	[XTCP_MIB_BACKLOGDROP]		= "TCPBacklogDrop",
	[XTCP_MIB_BACKLOGCOALESCE]	= "TCPBacklogCoalesce",
	[XTCP_MIB_OUTOFWINDOWICMPS]	= "OutOfWindowIcmps",
	[XTCP_MIB_LOCKDROPPEDICMPS]	= "LockDroppedIcmps",
	[XTCP_MIB_ABORTONTIMEOUT]	= "TCPAbortOnTimeout",
	[XTCP_MIB_ABORTONMEMORY]	= "TCPAbortOnMemory",
	[XTCP_MIB_KEEPALIVE]		= "TCPKeepAlive",
	[XTCP_MIB_SACKRECOVERY]		= "TCPSackRecovery",
	[XTCP_MIB_RENORECOVERY]		= "TCPRenoRecovery",
	[XTCP_MIB_SACKDISCARD]		= "TCPSACKDiscard",
	[XTCP_MIB_DSACKRECV]		= "TCPDSACKRecv",
	[XTCP_MIB_DSACKOFORECV]		= "TCPDSACKOfoRecv",
	[XTCP_MIB_LOSTRETRANSMIT]	= "TCPLostRetransmit",
	[XTCP_MIB_SACKRENEGING]		= "TCPSACKReneging",
	[XTCP_MIB_SLOWSTARTRETRANS]	= "TCPSlowStartRetrans",
	[XTCP_MIB_SACKREORDER]		= "TCPSACKReorder",
	[XTCP_MIB_DSACKUNDO]		= "TCPDSACKUndo",
	[XTCP_MIB_FULLUNDO]		= "TCPFullUndo",
	[XTCP_MIB_LOSSUNDO]		= "TCPLossUndo",
	[XTCP_MIB_MEMORYPRESSURES]	= "TCPMemoryPressures",
	[XTCP_MIB_MEMORYPRESSURESCHRONO] = "TCPMemoryPressuresChrono",
	[XTCP_MIB_LOSSPROBES]		= "TCPLossProbes",
	[XTCP_MIB_LOSSPROBERECOVERY]	= "TCPLossProbeRecovery",
};

/* /proc/net/xtcp_stat: one "Name Value" line per counter. */
static int xtcp_stat_show(struct seq_file *f, void *v)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_single_net(f));
	int i, cpu;

	for (i = 0; i < __XTCP_MIB_MAX; i++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(xn->mib, cpu)->mibs[i];
		seq_printf(f, "%s %lu\n", xtcp_mib_names[i], sum);
	}
	return 0;
}

/* /proc/net/xtcp_sockstat: XTCP's line of /proc/net/sockstat
 * (sockstat_seq_show()), "XTCP: inuse N orphan N tw N alloc N mem N":
 * the socks hashed in this netns, and, for the whole system as 6.1
 * counts them, orphans, time-wait socks, socks allocated and the pages
 * of net.xtcp.mem accounted (per-CPU reserves included: exact, where
 * sockstat's "mem" leaves them out).
 */
static int xtcp_sockstat_show(struct seq_file *f, void *v)
{
	struct net *net = seq_file_single_net(f);

	seq_printf(f, "XTCP: inuse %d orphan %d tw %ld alloc %lld mem %ld\n",
		   sock_prot_inuse_get(net, &xtcp_prot),
		   xtcp_orphan_count_sum(),
		   atomic_long_read(&xtcp_objects[XTCP_OBJ_TWSK]),
		   percpu_counter_sum_positive(&xtcp_sockets_allocated),
		   xtcp_memory_allocated_sum());
	return 0;
}

int xtcp_proc_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xn->mib = alloc_percpu(struct xtcp_mib);
	if (!xn->mib)
		goto err;
	if (!proc_create_net_single("xtcp", 0444, net->proc_net,
				    xtcp_proc_show, NULL))
		goto err_free_mib;
	if (!proc_create_net_single("xtcp_stat", 0444, net->proc_net,
				    xtcp_stat_show, NULL))
		goto err_remove_xtcp;
	if (!proc_create_net_single("xtcp_sockstat", 0444, net->proc_net,
				    xtcp_sockstat_show, NULL))
		goto err_remove_stat;
	return 0;

err_remove_stat:
	remove_proc_entry("xtcp_stat", net->proc_net);
err_remove_xtcp:
	remove_proc_entry("xtcp", net->proc_net);
err_free_mib:
	free_percpu(xn->mib);
err:
	return -ENOMEM;
}

/* After the hook is gone: nothing counts any more. */
void xtcp_proc_net_exit(struct net *net)
{
	remove_proc_entry("xtcp_sockstat", net->proc_net);
	remove_proc_entry("xtcp_stat", net->proc_net);
	remove_proc_entry("xtcp", net->proc_net);
}

void xtcp_mib_net_exit(struct net *net)
{
	free_percpu(xtcp_pernet(net)->mib);
}
