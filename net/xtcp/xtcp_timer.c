// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP timers: the twin of net/ipv4/tcp_timer.c.
 *
 * Each armed timer holds a reference on its sock (sk_reset_timer() and
 * sk_stop_timer() take and drop it).  A timer that finds the sock owned
 * by the user defers its work to xtcp_release_cb(), holding one more
 * reference until then.
 *
 * The retransmission timer doubles as the zero window probe timer (no
 * data in flight, data waiting behind the peer's window), the tail loss
 * probe timer and RACK's reorder timer (xtcp_recovery.c): icsk_pending
 * says which.  The keepalive timer is icsk_keepalive_timer.
 *
 * When a connection gives up, as in Linux 6.1:
 *  - SYN_SENT, SYN_RECV: after net.xtcp.syn_retries retransmissions
 *    (TCP_SYNCNT's icsk_syn_retries when set);
 *  - otherwise after the time that net.xtcp.retries2 retransmissions
 *    take with exponential backoff from XTCP_RTO_MIN
 *    (xtcp_retransmits_timed_out()), whatever the real RTO was; orphans
 *    after orphan_retries (8 while the RTO is below XTCP_RTO_MAX when it
 *    is 0);
 *  - TCP_USER_TIMEOUT, when set, replaces that time in every state, and
 *    bounds keepalive and zero window probing.
 * The socket then fails with sk_err_soft (an ICMP error, a route
 * failure) or ETIMEDOUT.
 */

#include <linux/percpu.h>
#include <net/route.h>
#include <net/tcp_states.h>
#include <net/xtcp.h>

/* Orphaned socks (closed by their user, or never accepted), counted as
 * tcp_orphan_count counts stock TCP's: incremented where they are
 * orphaned, decremented in xtcp_inet_csk_destroy_sock().  Per CPU,
 * summed when an orphan's timer asks.
 */
static DEFINE_PER_CPU(int, xtcp_orphan_count);

/* The twin of net.ipv4.tcp_max_orphans, which 6.1 keeps global (in
 * init_net only) and does not export: global here too, as a module
 * parameter; 0 at load means 6.1's boot default (half of stock TCP's
 * ehash size).
 */
static int xtcp_max_orphans;
module_param_named(max_orphans, xtcp_max_orphans, int, 0644);
MODULE_PARM_DESC(max_orphans,
		 "orphaned XTCP sockets before the oldest are reset (default: as tcp_max_orphans)");

void xtcp_orphan_count_inc(void)
{
	this_cpu_inc(xtcp_orphan_count);
}

void xtcp_orphan_count_dec(void)
{
	this_cpu_dec(xtcp_orphan_count);
}

/* How many orphans there are (/proc/net/xtcp_sockstat). */
int xtcp_orphan_count_sum(void)
{
	int cpu, orphans = 0;

	for_each_possible_cpu(cpu)
		orphans += per_cpu(xtcp_orphan_count, cpu);
	return max(orphans, 0);
}

/* The twin of tcp_too_many_orphans(). */
bool xtcp_too_many_orphans(int shift)
{
	int max = READ_ONCE(xtcp_max_orphans);
	int cpu, orphans = 0;

	if (!max)
		max = (tcp_hashinfo.ehash_mask + 1) / 2;
	for_each_possible_cpu(cpu)
		orphans += per_cpu(xtcp_orphan_count, cpu);
	return (orphans << shift) > max;
}

void xtcp_retransmit_timer_arm(struct sock *sk)
{
	xtcp_reset_xmit_timer(sk, ICSK_TIME_RETRANS, inet_csk(sk)->icsk_rto);
}

void xtcp_delack_timer_arm(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (!timer_pending(&icsk->icsk_delack_timer))
		sk_reset_timer(sk, &icsk->icsk_delack_timer,
			       jiffies + XTCP_DELACK_MIN);
}

void xtcp_delack_timer_clear(struct sock *sk)
{
	sk_stop_timer(sk, &inet_csk(sk)->icsk_delack_timer);
}

/* The twin of tcp_clamp_rto_to_user_timeout(): never wait past the user
 * timeout for the next retransmission.
 */
static u32 xtcp_clamp_rto_to_user_timeout(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	u32 user_timeout = READ_ONCE(icsk->icsk_user_timeout);
	s32 remaining;

	if (!user_timeout)
		return icsk->icsk_rto;
	remaining = msecs_to_jiffies(user_timeout) -
		    (jiffies - xtcp_sk(sk)->retrans_stamp);
	if (remaining <= 0)
		return 1;	/* the user timeout has passed: fire now */
	return min_t(u32, icsk->icsk_rto, remaining);
}

/* The twin of tcp_clamp_probe0_to_user_timeout(). */
static u32 xtcp_clamp_probe0_to_user_timeout(const struct sock *sk, u32 when)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	u32 user_timeout = READ_ONCE(icsk->icsk_user_timeout);
	s32 elapsed;
	u32 remaining;

	if (!user_timeout || !icsk->icsk_probes_tstamp)
		return when;
	elapsed = jiffies - icsk->icsk_probes_tstamp;
	if (unlikely(elapsed < 0))
		elapsed = 0;
	remaining = msecs_to_jiffies(user_timeout) - elapsed;
	remaining = max_t(u32, remaining, XTCP_TIMEOUT_MIN);
	return min_t(u32, remaining, when);
}

/* An unrecoverable error: the twin of tcp_write_err().  The sock may be
 * destroyed on return (an orphan); the caller's reference keeps it.
 */
static void xtcp_write_err(struct sock *sk)
{
	struct net *net = sock_net(sk);

	xtcp_done_with_error(sk, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
	XTCP_INC_STATS(net, XTCP_MIB_ABORTONTIMEOUT);
}

/* The twin of tcp_out_of_resources(): an orphan's timer found too many
 * orphans, or the protocol out of memory (xtcp_check_oom()).  Returns 1
 * when the sock was closed.
 */
static int xtcp_out_of_resources(struct sock *sk, bool do_reset)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int shift = 0;

	/* a peer that stays silent or keeps its window shut counts double */
	if ((s32)(jiffies - xsk->lsndtime) > 2 * XTCP_RTO_MAX || !do_reset)
		shift++;
	/* and so does a connection an ICMP error made dubious */
	if (READ_ONCE(sk->sk_err_soft))
		shift++;

	if (xtcp_check_oom(sk, shift)) {
		/* reset when we sent lately, or the window is shut */
		if ((s32)(jiffies - xsk->lsndtime) <= XTCP_TIMEWAIT_LEN ||
		    (!xsk->snd_wnd && !xsk->packets_out))
			do_reset = true;
		if (do_reset)
			xtcp_send_active_reset(sk, GFP_ATOMIC);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONMEMORY);
		xtcp_done(sk);
		return 1;
	}
	return 0;
}

/* The twin of tcp_orphan_retries(). */
static int xtcp_orphan_retries(struct sock *sk, bool alive)
{
	int retries = XTCP_SYSCTL(sock_net(sk), orphan_retries);

	/* an ICMP error says something is wrong */
	if (READ_ONCE(sk->sk_err_soft) && !alive)
		retries = 0;
	/* 0 means 8 while the sock sent lately (over 100 s from a
	 * 200 ms RTO)
	 */
	if (!retries && alive)
		retries = 8;
	return retries;
}

/* The twin of tcp_model_timeout(): how long @boundary retransmissions
 * take with exponential backoff from @rto_base, the RTO capped at
 * XTCP_RTO_MAX.  In jiffies.
 */
static unsigned int xtcp_model_timeout(unsigned int boundary,
				       unsigned int rto_base)
{
	unsigned int thresh = ilog2(XTCP_RTO_MAX / rto_base);

	if (boundary <= thresh)
		return ((2 << boundary) - 1) * rto_base;
	return ((2 << thresh) - 1) * rto_base +
	       (boundary - thresh) * XTCP_RTO_MAX;
}

/* The twin of retransmits_timed_out(): has the connection retransmitted
 * for longer than @boundary backed-off retransmissions from the minimal
 * RTO take (or than @timeout_ms when not 0), counting from the first
 * retransmission of the episode (from the SYN in SYN_SENT)?
 */
static bool xtcp_retransmits_timed_out(struct sock *sk, unsigned int boundary,
				       unsigned int timeout_ms)
{
	unsigned int timeout;

	if (!inet_csk(sk)->icsk_retransmits)
		return false;
	if (likely(!timeout_ms)) {
		unsigned int rto_base = XTCP_RTO_MIN;

		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			rto_base = XTCP_TIMEOUT_INIT;
		timeout = xtcp_model_timeout(boundary, rto_base);
	} else {
		timeout = msecs_to_jiffies(timeout_ms);
	}
	return (s32)(jiffies - xtcp_sk(sk)->retrans_stamp - timeout) >= 0;
}

/* The twin of tcp_write_timeout(): a retransmission timeout; give up?
 * Returns 1 when the sock was closed.
 */
static int xtcp_write_timeout(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct net *net = sock_net(sk);
	bool expired = false, do_reset;
	int retry_until;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (icsk->icsk_retransmits)
			__dst_negative_advice(sk);
		retry_until = READ_ONCE(icsk->icsk_syn_retries) ? :
			      XTCP_SYSCTL(net, syn_retries);
		expired = icsk->icsk_retransmits >= retry_until;
	} else {
		/* retries1: doubt the route */
		if (xtcp_retransmits_timed_out(sk, XTCP_SYSCTL(net, retries1),
					       0))
			__dst_negative_advice(sk);

		retry_until = XTCP_SYSCTL(net, retries2);
		if (sock_flag(sk, SOCK_DEAD)) {
			const bool alive = icsk->icsk_rto < XTCP_RTO_MAX;

			retry_until = xtcp_orphan_retries(sk, alive);
			do_reset = alive ||
				   !xtcp_retransmits_timed_out(sk, retry_until,
							       0);
			if (xtcp_out_of_resources(sk, do_reset))
				return 1;
		}
	}
	if (!expired)
		expired = xtcp_retransmits_timed_out(sk, retry_until,
						     READ_ONCE(icsk->icsk_user_timeout));
	if (expired) {
		xtcp_write_err(sk);
		return 1;
	}
	return 0;
}

/* The twin of tcp_send_probe0(): probe the zero window, back off. */
static void xtcp_send_probe0(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 timeout;
	int err;

	err = xtcp_write_wakeup(sk, -1);
	if (xsk->packets_out || !xsk->send_head) {
		/* the window opened: the retransmission timer takes over */
		icsk->icsk_probes_out = 0;
		icsk->icsk_backoff = 0;
		icsk->icsk_probes_tstamp = 0;
		if (xsk->packets_out)
			xtcp_retransmit_timer_arm(sk);
		return;
	}
	icsk->icsk_probes_out++;
	if (err <= 0) {
		if (icsk->icsk_backoff < XTCP_SYSCTL(sock_net(sk), retries2))
			icsk->icsk_backoff++;
		timeout = min_t(u64, (u64)max_t(u32, icsk->icsk_rto,
						XTCP_RTO_MIN) <<
				icsk->icsk_backoff, XTCP_RTO_MAX);
	} else {
		/* the probe was lost to local congestion */
		timeout = XTCP_RESOURCE_PROBE_INTERVAL;
	}
	xtcp_reset_xmit_timer(sk, ICSK_TIME_PROBE0,
			      xtcp_clamp_probe0_to_user_timeout(sk, timeout));
}

/* The twin of tcp_probe_timer(): nothing in flight but data waits
 * behind a zero window.  RFC 1122 4.2.2.17: a peer that answers the
 * probes keeps the connection open for ever (its ACKs reset
 * icsk_probes_out), unless the user set TCP_USER_TIMEOUT or the sock is
 * an orphan.
 */
static void xtcp_probe_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	int max_probes;

	if (!icsk->icsk_probes_tstamp) {
		icsk->icsk_probes_tstamp = jiffies;
	} else {
		u32 user_timeout = READ_ONCE(icsk->icsk_user_timeout);

		if (user_timeout &&
		    (s32)(jiffies - icsk->icsk_probes_tstamp) >=
		    (s32)msecs_to_jiffies(user_timeout))
			goto abort;
	}

	max_probes = XTCP_SYSCTL(sock_net(sk), retries2);
	if (sock_flag(sk, SOCK_DEAD)) {
		const bool alive = min_t(u64, (u64)icsk->icsk_rto <<
					 icsk->icsk_backoff, XTCP_RTO_MAX) <
				   XTCP_RTO_MAX;

		max_probes = xtcp_orphan_retries(sk, alive);
		if (!alive && icsk->icsk_backoff >= max_probes)
			goto abort;
		if (xtcp_out_of_resources(sk, true))
			return;
	}
	if (icsk->icsk_probes_out >= max_probes)
		goto abort;
	xtcp_send_probe0(sk);
	return;

abort:
	xtcp_write_err(sk);
}

/* The twin of tcp_rtx_probe0_timed_out(): the peer shrank its window to
 * zero under data in flight.  Time out only when it has been silent too,
 * for twice XTCP_RTO_MAX or the user timeout.
 */
static bool xtcp_rtx_probe0_timed_out(const struct sock *sk,
				      const struct sk_buff *skb)
{
	u32 user_timeout = READ_ONCE(inet_csk(sk)->icsk_user_timeout);
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 timeout = XTCP_RTO_MAX * 2;
	u32 rtx_delta;
	s32 rcv_delta;

	rtx_delta = jiffies - (xsk->retrans_stamp ? : XTCP_SKB_CB(skb)->when);
	if (user_timeout) {
		/* zero window ACKs do not reset TCP_USER_TIMEOUT */
		if (rtx_delta > msecs_to_jiffies(user_timeout))
			return true;
		timeout = min_t(u32, timeout, msecs_to_jiffies(user_timeout));
	}
	rcv_delta = jiffies - xsk->rcv_tstamp;
	if (rcv_delta <= (s32)timeout)
		return false;
	return rtx_delta > timeout;
}

/* The twin of tcp_retransmit_timer(). */
static void xtcp_retransmit_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct net *net = sock_net(sk);

	if (!xsk->packets_out) {
		if (xsk->send_head)
			xtcp_probe_timer(sk);
		return;
	}
	/* data in flight: no zero window probing goes on */
	icsk->icsk_probes_tstamp = 0;
	if (WARN_ON_ONCE(!skb))
		return;

	if (!xsk->snd_wnd && !sock_flag(sk, SOCK_DEAD) &&
	    !((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))) {
		/* The peer shrank its window under our data: the
		 * retransmissions are zero window probes, and do not time
		 * the connection out while the peer answers.
		 */
		if (xtcp_rtx_probe0_timed_out(sk, skb)) {
			xtcp_write_err(sk);
			return;
		}
		xtcp_enter_loss(sk);
		xtcp_retransmit_skb(sk, skb);
		__sk_dst_reset(sk);
		goto out_reset_timer;
	}

	XTCP_INC_STATS(net, XTCP_MIB_TIMEOUTS);
	if (xtcp_write_timeout(sk))
		return;

	/* loss (tcp_enter_loss()): all that is not SACKed is lost, cwnd
	 * back to one segment, recover from the head; a SYN only goes again
	 */
	if (!((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)))
		xtcp_enter_loss(sk);
	icsk->icsk_retransmits++;
	if (xtcp_retransmit_skb(sk, skb) > 0) {
		/* dropped by local congestion: try again soon, no backoff */
		xtcp_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
				      XTCP_RESOURCE_PROBE_INTERVAL);
		return;
	}
	if (icsk->icsk_backoff < 31)
		icsk->icsk_backoff++;

out_reset_timer:
	icsk->icsk_rto = min(icsk->icsk_rto << 1, XTCP_RTO_MAX);
	xtcp_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
			      xtcp_clamp_rto_to_user_timeout(sk));
	if (xtcp_retransmits_timed_out(sk, XTCP_SYSCTL(net, retries1) + 1, 0))
		__sk_dst_reset(sk);
}

/* The twin of tcp_write_timer_handler(): the retransmission timer
 * fired for what icsk_pending says (xtcp_recovery.c for the loss probe
 * and the reorder timeout).  Run late (the user owned the sock), it
 * does nothing when the timer was armed again meanwhile.
 */
static void xtcp_write_timer_handler(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)) ||
	    timer_pending(&icsk->icsk_retransmit_timer))
		return;
	xtcp_sk(sk)->tcp_mstamp = xtcp_clock_us();
	switch (icsk->icsk_pending) {
	case ICSK_TIME_REO_TIMEOUT:
		xtcp_rack_reo_timeout(sk);
		break;
	case ICSK_TIME_LOSS_PROBE:
		xtcp_send_loss_probe(sk);
		break;
	default:
		/* ICSK_TIME_RETRANS, ICSK_TIME_PROBE0 */
		icsk->icsk_pending = 0;
		xtcp_retransmit_timer(sk);
		break;
	}
}

static void xtcp_delack_timer_handler(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	xtcp_send_ack(sk);
}

/* How long the connection has been idle: the twin of
 * keepalive_time_elapsed().
 */
static u32 xtcp_keepalive_time_elapsed(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);

	return min_t(u32, jiffies - icsk->icsk_ack.lrcvtime,
		     jiffies - xtcp_sk(sk)->rcv_tstamp);
}

/* The twin of tcp_keepalive_timer()'s work, with the sock locked. */
static void xtcp_keepalive_timer_handler(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 elapsed, user_timeout;

	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT | TCPF_LISTEN)))
		return;

	elapsed = xtcp_keepalive_time_when(sk);
	/* it is alive without keepalive */
	if (xsk->packets_out || xsk->send_head)
		goto resched;

	elapsed = xtcp_keepalive_time_elapsed(sk);
	if (elapsed >= xtcp_keepalive_time_when(sk)) {
		/* TCP_USER_TIMEOUT, when set, decides instead of the
		 * probe count
		 */
		user_timeout = READ_ONCE(icsk->icsk_user_timeout);
		if ((user_timeout &&
		     elapsed >= msecs_to_jiffies(user_timeout) &&
		     icsk->icsk_probes_out > 0) ||
		    (!user_timeout &&
		     icsk->icsk_probes_out >= xtcp_keepalive_probes(sk))) {
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_write_err(sk);
			return;
		}
		if (xtcp_write_wakeup(sk, XTCP_MIB_KEEPALIVE) <= 0) {
			icsk->icsk_probes_out++;
			elapsed = xtcp_keepalive_intvl_when(sk);
		} else {
			/* the probe was lost to local congestion */
			elapsed = XTCP_RESOURCE_PROBE_INTERVAL;
		}
	} else {
		elapsed = xtcp_keepalive_time_when(sk) - elapsed;
	}

resched:
	inet_csk_reset_keepalive_timer(sk, elapsed);
}

/* The twin of tcp_set_keepalive(), xtcp_prot.keepalive: SO_KEEPALIVE
 * turned on or off, under the socket lock.
 */
void xtcp_set_keepalive(struct sock *sk, int val)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val && !sock_flag(sk, SOCK_KEEPOPEN))
		inet_csk_reset_keepalive_timer(sk,
					       xtcp_keepalive_time_when(sk));
	else if (!val)
		inet_csk_delete_keepalive_timer(sk);
}

/* The twin of tcp_sock_set_keepidle_locked(): TCP_KEEPIDLE, in seconds;
 * a running keepalive timer is moved to the new idle time.
 */
int xtcp_set_keepidle_locked(struct sock *sk, int val)
{
	if (val < 1 || val > MAX_TCP_KEEPIDLE)
		return -EINVAL;

	WRITE_ONCE(xtcp_sk(sk)->keepalive_time, val * HZ);
	if (sock_flag(sk, SOCK_KEEPOPEN) &&
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))) {
		u32 elapsed = xtcp_keepalive_time_elapsed(sk);
		u32 when = xtcp_keepalive_time_when(sk);

		inet_csk_reset_keepalive_timer(sk, when > elapsed ?
					       when - elapsed : 0);
	}
	return 0;
}

static void xtcp_timer_run(struct sock *sk, int bit,
			   void (*handler)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		handler(sk);
	else if (!test_and_set_bit(bit, &xtcp_sk(sk)->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void xtcp_write_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_retransmit_timer);

	xtcp_timer_run(&icsk->icsk_inet.sk, XTCP_WRITE_TIMER_DEFERRED,
		       xtcp_write_timer_handler);
}

static void xtcp_delack_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_delack_timer);

	xtcp_timer_run(&icsk->icsk_inet.sk, XTCP_DELACK_TIMER_DEFERRED,
		       xtcp_delack_timer_handler);
}

static void xtcp_keepalive_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_keepalive_timer);

	xtcp_timer_run(&icsk->icsk_inet.sk, XTCP_KEEPALIVE_TIMER_DEFERRED,
		       xtcp_keepalive_timer_handler);
}

/* The twin of tcp_release_cb(): run what timers and ICMP deferred.
 * Called by release_sock() with the sock still owned, under its
 * spinlock with BHs off.
 */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (test_and_clear_bit(XTCP_TSQ_DEFERRED, &xsk->deferred)) {
		xtcp_tsq_write(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_WRITE_TIMER_DEFERRED, &xsk->deferred)) {
		xtcp_write_timer_handler(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DELACK_TIMER_DEFERRED, &xsk->deferred)) {
		xtcp_delack_timer_handler(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_MTU_REDUCED_DEFERRED, &xsk->deferred)) {
		xtcp_v4_mtu_reduced(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_KEEPALIVE_TIMER_DEFERRED,
			       &xsk->deferred)) {
		xtcp_keepalive_timer_handler(sk);
		__sock_put(sk);
	}
}

void xtcp_init_xmit_timers(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	timer_setup(&icsk->icsk_retransmit_timer, xtcp_write_timer, 0);
	timer_setup(&icsk->icsk_delack_timer, xtcp_delack_timer, 0);
	timer_setup(&icsk->icsk_keepalive_timer, xtcp_keepalive_timer, 0);
	xtcp_sk(sk)->deferred = 0;
}

void xtcp_clear_xmit_timers(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	icsk->icsk_pending = 0;
	sk_stop_timer(sk, &icsk->icsk_retransmit_timer);
	sk_stop_timer(sk, &icsk->icsk_delack_timer);
	sk_stop_timer(sk, &icsk->icsk_keepalive_timer);
}
