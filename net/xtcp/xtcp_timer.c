// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP timers: the twin of net/ipv4/tcp_timer.c.
 *
 * Each armed timer holds a reference on its sock (sk_reset_timer() and
 * sk_stop_timer() take and drop it).  A timer that finds the sock owned
 * by the user defers its work to xtcp_release_cb(), holding one more
 * reference until then.
 */

#include <net/tcp_states.h>
#include <net/xtcp.h>

void xtcp_retransmit_timer_arm(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	sk_reset_timer(sk, &icsk->icsk_retransmit_timer,
		       jiffies + icsk->icsk_rto);
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

/* An unrecoverable error: the twin of tcp_write_err(). */
static void xtcp_write_err(struct sock *sk)
{
	WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
	sk_error_report(sk);
	xtcp_done(sk);
}

/* Nothing in flight but data waits behind a zero window: probe it. */
static void xtcp_probe_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (icsk->icsk_probes_out++ >= XTCP_RETRIES2) {
		xtcp_write_err(sk);
		return;
	}
	/* an old sequence number makes the peer answer with its window */
	xsk->snd_nxt--;
	xtcp_send_ack(sk);
	xsk->snd_nxt++;
	xtcp_write_xmit(sk);
	sk_reset_timer(sk, &icsk->icsk_retransmit_timer, jiffies +
		       min_t(unsigned long, icsk->icsk_rto <<
			     icsk->icsk_probes_out, XTCP_RTO_MAX));
}

/* The twin of tcp_retransmit_timer(). */
static void xtcp_retransmit_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	int limit;

	if (!xsk->packets_out) {
		if (xsk->send_head)
			xtcp_probe_timer(sk);
		return;
	}
	if (WARN_ON_ONCE(!skb))
		return;

	limit = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) ?
		XTCP_SYN_RETRIES : XTCP_RETRIES2;
	if (icsk->icsk_retransmits >= limit) {
		xtcp_write_err(sk);
		return;
	}

	/* loss (tcp_enter_loss()): all that is not SACKed is lost, cwnd
	 * back to one segment, recover from the head; a SYN only goes again
	 */
	if (!((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)))
		xtcp_enter_loss(sk);
	if (!icsk->icsk_retransmits)
		xsk->retrans_stamp = jiffies;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TIMEOUTS);
	xtcp_retransmit_skb(sk, skb);
	icsk->icsk_retransmits++;
	icsk->icsk_rto = min(icsk->icsk_rto << 1, XTCP_RTO_MAX);
	xtcp_retransmit_timer_arm(sk);
}

static void xtcp_write_timer_handler(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	xtcp_retransmit_timer(sk);
}

static void xtcp_delack_timer_handler(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	xtcp_send_ack(sk);
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

/* The twin of tcp_release_cb(): run what timers deferred. */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (test_and_clear_bit(XTCP_WRITE_TIMER_DEFERRED, &xsk->deferred)) {
		xtcp_write_timer_handler(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DELACK_TIMER_DEFERRED, &xsk->deferred)) {
		xtcp_delack_timer_handler(sk);
		__sock_put(sk);
	}
}

void xtcp_init_xmit_timers(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	timer_setup(&icsk->icsk_retransmit_timer, xtcp_write_timer, 0);
	timer_setup(&icsk->icsk_delack_timer, xtcp_delack_timer, 0);
	xtcp_sk(sk)->deferred = 0;
}

void xtcp_clear_xmit_timers(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	sk_stop_timer(sk, &icsk->icsk_retransmit_timer);
	sk_stop_timer(sk, &icsk->icsk_delack_timer);
}
