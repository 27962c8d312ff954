// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP input: the twin of net/ipv4/tcp_input.c.
 *
 * Segments reach xtcp_rcv_state_process() with the sock locked (the
 * socket lock, or bh_lock_sock() while the user does not own it), with
 * skb->data at the TCP header and XTCP_SKB_CB() filled in by
 * xtcp_v4_rcv().  Out-of-order segments wait in an rbtree until the
 * hole before them fills, and the ACKs report them in SACK blocks.
 */

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp_states.h>
#include <net/xtcp.h>

/* The twin of tcp_parse_options(); the header is linear (pulled by
 * xtcp_v4_rcv()).
 */
void xtcp_parse_options(const struct sk_buff *skb,
			struct xtcp_options_received *opt_rx)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const unsigned char *ptr = (const unsigned char *)(th + 1);
	int length = (th->doff * 4) - sizeof(*th);

	opt_rx->saw_tstamp = 0;
	while (length > 0) {
		int opcode = *ptr++;
		int opsize;

		switch (opcode) {
		case TCPOPT_EOL:
			return;
		case TCPOPT_NOP:
			length--;
			continue;
		default:
			if (length < 2)
				return;
			opsize = *ptr++;
			if (opsize < 2 || opsize > length)
				return;	/* bad option length: stop */
			switch (opcode) {
			case TCPOPT_MSS:
				if (opsize == TCPOLEN_MSS && th->syn) {
					u16 in_mss = get_unaligned_be16(ptr);

					if (in_mss)
						opt_rx->mss_clamp = in_mss;
				}
				break;
			case TCPOPT_WINDOW:
				if (opsize == TCPOLEN_WINDOW && th->syn) {
					opt_rx->wscale_ok = 1;
					opt_rx->snd_wscale = min_t(u8, *ptr,
								   XTCP_MAX_WSCALE);
				}
				break;
			case TCPOPT_TIMESTAMP:
				if (opsize == TCPOLEN_TIMESTAMP) {
					opt_rx->saw_tstamp = 1;
					opt_rx->rcv_tsval =
						get_unaligned_be32(ptr);
					opt_rx->rcv_tsecr =
						get_unaligned_be32(ptr + 4);
				}
				break;
			case TCPOPT_SACK_PERM:
				if (opsize == TCPOLEN_SACK_PERM && th->syn)
					opt_rx->sack_ok = 1;
				break;
			}
			ptr += opsize - 2;
			length -= opsize;
		}
	}
}

/* The twin of tcp_done(): the connection is over. */
void xtcp_done(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);

	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_clear_xmit_timers(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		xtcp_inet_csk_destroy_sock(sk);
}

/* The twin of tcp_done_with_error(): the connection failed with @err
 * (a timeout, an ICMP error).  An orphan is destroyed on return; the
 * caller's reference keeps the memory.
 */
void xtcp_done_with_error(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err, err);
	/* pairs with the smp_rmb() in xtcp_poll() */
	smp_wmb();
	xtcp_write_queue_purge(sk);
	xtcp_done(sk);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
}

/* The twin of tcp_reset(): the peer reset the connection. */
void xtcp_reset(struct sock *sk)
{
	int err;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		err = ECONNRESET;
	}
	WRITE_ONCE(sk->sk_err, err);
	/* pairs with the smp_rmb() in xtcp_poll() */
	smp_wmb();
	sk_error_report(sk);
	xtcp_done(sk);
}

/* The twin of tcp_rtt_estimator() (RFC 6298), and tcp_set_rto(). */
void xtcp_rtt_estimator(struct sock *sk, long mrtt_us)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	long m = mrtt_us ? : 1;
	u32 rto;

	if (xsk->srtt_us) {
		m -= (xsk->srtt_us >> 3);
		xsk->srtt_us += m;
		if (m < 0)
			m = -m;
		m -= (xsk->mdev_us >> 2);
		xsk->mdev_us += m;
	} else {
		xsk->srtt_us = m << 3;
		xsk->mdev_us = m << 1;
	}
	rto = usecs_to_jiffies((xsk->srtt_us >> 3) + xsk->mdev_us);
	inet_csk(sk)->icsk_rto = clamp_t(u32, rto, XTCP_RTO_MIN, XTCP_RTO_MAX);
}

/* The twin of __tcp_oow_rate_limited(): may an ACK answer an invalid
 * segment now, at most one per net.xtcp.invalid_ratelimit?
 */
static bool __xtcp_oow_rate_limited(struct net *net, int mib_idx,
				    u32 *last_oow_ack_time)
{
	u32 last = READ_ONCE(*last_oow_ack_time);

	if (last) {
		s32 elapsed = (s32)((u32)jiffies - last);

		if (elapsed >= 0 &&
		    elapsed < XTCP_SYSCTL(net, invalid_ratelimit)) {
			XTCP_INC_STATS(net, mib_idx);
			return true;
		}
	}
	WRITE_ONCE(*last_oow_ack_time, (u32)jiffies);
	return false;
}

/* The twin of tcp_oow_rate_limited(): data without a SYN is not part of
 * an ACK loop and is always answered.
 */
bool xtcp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			   int mib_idx, u32 *last_oow_ack_time)
{
	if (XTCP_SKB_CB(skb)->seq != XTCP_SKB_CB(skb)->end_seq &&
	    !tcp_hdr(skb)->syn)
		return false;
	return __xtcp_oow_rate_limited(net, mib_idx, last_oow_ack_time);
}

/* The twin of tcp_send_challenge_ack() (RFC 5961 3.2, 4.2, 5.2): rate
 * limited per socket only, as 6.1's default (tcp_challenge_ack_limit
 * INT_MAX) has it; one global counter is the side channel of
 * CVE-2016-5696.
 */
static void xtcp_send_challenge_ack(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (__xtcp_oow_rate_limited(net, XTCP_MIB_ACKSKIPPEDCHALLENGE,
				    &xtcp_sk(sk)->last_oow_ack_time))
		return;
	XTCP_INC_STATS(net, XTCP_MIB_CHALLENGEACKS);
	xtcp_send_ack(sk);
}

static void xtcp_store_ts_recent(struct xtcp_sock *xsk,
				 const struct xtcp_options_received *rx)
{
	xsk->ts_recent = rx->rcv_tsval;
	xsk->ts_recent_stamp = ktime_get_seconds();
}

/* Free what the ACK covers; the twin of tcp_clean_rtx_queue(). */
static void xtcp_clean_rtx_queue(struct sock *sk, u32 ack,
				 const struct xtcp_options_received *rx)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	long rtt_us = -1;
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != xsk->send_head) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

		if (after(tcb->end_seq, ack))
			break;
		if (!tcb->retransmitted && rtt_us < 0 && !rx->saw_tstamp)
			rtt_us = jiffies_to_usecs(jiffies - tcb->when);
		__skb_unlink(skb, &sk->sk_write_queue);
		sk_wmem_queued_add(sk, -skb->truesize);
		__kfree_skb(skb);
		if (xsk->packets_out)
			xsk->packets_out--;
	}
	if (rx->saw_tstamp && rx->rcv_tsecr && xsk->tstamp_ok)
		rtt_us = (long)(xtcp_ts_now() + xsk->tsoffset -
				rx->rcv_tsecr) * USEC_PER_MSEC;
	if (rtt_us >= 0)
		xtcp_rtt_estimator(sk, rtt_us);
}

/* Grow the congestion window: slow start, then one segment per window
 * (NewReno; the congestion-control issue brings CUBIC).
 */
static void xtcp_cong_avoid(struct xtcp_sock *xsk, u32 acked)
{
	if (xsk->snd_cwnd < xsk->snd_ssthresh) {
		xsk->snd_cwnd += acked;
	} else {
		xsk->rtt_seq += acked;
		if (xsk->rtt_seq >= xsk->snd_cwnd) {
			xsk->rtt_seq = 0;
			xsk->snd_cwnd++;
		}
	}
	xsk->snd_cwnd = min(xsk->snd_cwnd, 65535U);
}

/* The twin of tcp_ack(): returns false when the ACK must be dropped
 * (it acks what was never sent: answered with an ACK).
 */
static bool xtcp_ack(struct sock *sk, struct sk_buff *skb,
		     const struct xtcp_options_received *rx)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 ack = tcb->ack_seq;
	u32 prior_una = xsk->snd_una;
	u32 nwin = ntohs(tcp_hdr(skb)->window) << xsk->snd_wscale;

	if (before(ack, prior_una)) {
		/* RFC 5961 5.2: older than a window (and than what was
		 * ever acked) is blind injection
		 */
		if (before(ack, prior_una - min(xsk->max_window, prior_una -
						 xsk->snd_isn - 1))) {
			xtcp_send_challenge_ack(sk);
			return false;
		}
		return true;	/* old duplicate: ignore its ack */
	}
	/* RFC 793 3.9: an ACK of data not yet sent drops the segment */
	if (after(ack, xsk->snd_nxt))
		return false;
	/* The peer is alive: zero window and keepalive probes start
	 * over, and a soft error (an ICMP) is forgotten, as tcp_ack() does.
	 */
	WRITE_ONCE(sk->sk_err_soft, 0);
	icsk->icsk_probes_out = 0;
	xsk->rcv_tstamp = jiffies;

	/* window update, as tcp_may_update_window() allows it */
	if (after(ack, prior_una) || after(tcb->seq, xsk->snd_wl1) ||
	    (tcb->seq == xsk->snd_wl1 && nwin > xsk->snd_wnd)) {
		xsk->snd_wl1 = tcb->seq;
		xsk->snd_wnd = nwin;
		xsk->max_window = max(xsk->max_window, nwin);
	}

	if (ack == prior_una) {
		/* a duplicate ACK: three of them retransmit the head */
		if (xsk->packets_out && !skb->len && !tcp_hdr(skb)->fin &&
		    ++xsk->dupacks == 3 && !xsk->in_recovery) {
			xsk->snd_ssthresh = max(xsk->snd_cwnd >> 1, 2U);
			xsk->snd_cwnd = xsk->snd_ssthresh;
			xsk->in_recovery = 1;
			xsk->high_seq = xsk->snd_nxt;
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_FASTRETRANS);
			xtcp_retransmit_skb(sk,
					    skb_peek(&sk->sk_write_queue));
		}
		return true;
	}

	xsk->snd_una = ack;
	xsk->dupacks = 0;
	icsk->icsk_retransmits = 0;
	icsk->icsk_backoff = 0;
	xsk->retrans_stamp = 0;
	xtcp_clean_rtx_queue(sk, ack, rx);

	if (xsk->in_recovery) {
		if (before(ack, xsk->high_seq) && xsk->packets_out) {
			/* a partial ACK: the next hole, at once */
			xtcp_retransmit_skb(sk,
					    skb_peek(&sk->sk_write_queue));
		} else {
			xsk->in_recovery = 0;
		}
	} else {
		xtcp_cong_avoid(xsk, max(1U, (ack - prior_una) /
					    max(xsk->mss_cache, 1U)));
	}

	if (xsk->packets_out)
		xtcp_retransmit_timer_arm(sk);
	else
		sk_stop_timer(sk, &icsk->icsk_retransmit_timer);

	/* room in the send buffer again? */
	if (sk->sk_socket && test_bit(SOCK_NOSPACE, &sk->sk_socket->flags))
		sk->sk_write_space(sk);
	return true;
}

/* Has the FIN we sent been acked? */
static bool xtcp_fin_acked(const struct sock *sk)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);

	return xsk->snd_una == xsk->write_seq && !xsk->send_head &&
	       skb_queue_empty(&sk->sk_write_queue);
}

/* ---------------------------------------------------------------------
 * The receive side: in-order data, the out-of-order queue, the SACK and
 * D-SACK blocks our ACKs carry, and the receive memory bounds.  All of
 * it runs under the socket lock, with the segment's TCP header pulled.
 *
 * Memory: every queued skb is charged to sk_rmem_alloc by
 * skb_set_owner_r().  xtcp_prot has no memory_allocated or sysctl_mem,
 * so sk_rmem_schedule() always grants and sk_mem_charge() does nothing:
 * the bound is sk_rcvbuf alone, checked as tcp_try_rmem_schedule()
 * checks it.
 */

#define XTCP_MAX_QUICKACKS	16	/* TCP_MAX_QUICKACKS */
#define XTCP_NUM_SACKS		4

/* A segment we do not keep: counted on the sock as Linux counts them. */
static void xtcp_drop(struct sock *sk, struct sk_buff *skb)
{
	sk_drops_add(sk, skb);
	kfree_skb(skb);
}

/* An empty out-of-order queue and no SACK state to report. */
void xtcp_ofo_init(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	xsk->out_of_order_queue = RB_ROOT;
	xsk->ooo_last_skb = NULL;
	xsk->num_sacks = 0;
	xsk->dsack = 0;
}

/* Free the out-of-order queue (the twin of skb_rbtree_purge() on it) and
 * forget the SACK blocks that described it.
 */
void xtcp_ofo_purge(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct rb_node *p = rb_first(&xsk->out_of_order_queue);

	while (p) {
		struct sk_buff *skb = rb_to_skb(p);

		p = rb_next(p);
		rb_erase(&skb->rbnode, &xsk->out_of_order_queue);
		kfree_skb(skb);
	}
	xtcp_ofo_init(sk);
}

/* The twin of tcp_enter_quickack_mode(): ACK the next data segments at
 * once, as many as half the window holds, between 2 and @max.
 */
static void xtcp_enter_quickack_mode(struct sock *sk, unsigned int max)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	unsigned int quick;

	quick = xsk->rcv_wnd / (2 * max_t(u32, xsk->rcv_mss, 1));
	quick = clamp(quick, 2U, max);
	if (quick > icsk->icsk_ack.quick)
		icsk->icsk_ack.quick = quick;
}

/* The twin of __tcp_ack_snd_check(), after in-order data: ACK at once
 * when asked to, when more than a full segment is unacked (every second
 * one), when the window runs short, while data waits out of order, or
 * in quickack mode; else after the delayed-ACK timeout.
 */
static void xtcp_ack_snd_check(struct sock *sk, bool now)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (now || xsk->rcv_nxt - xsk->rcv_wup > xsk->rcv_mss ||
	    xtcp_receive_window(xsk) < 2 * xsk->rcv_mss ||
	    !RB_EMPTY_ROOT(&xsk->out_of_order_queue)) {
		xtcp_send_ack(sk);
	} else if (icsk->icsk_ack.quick) {
		icsk->icsk_ack.quick--;
		xtcp_send_ack(sk);
	} else {
		xtcp_delack_timer_arm(sk);
	}
}

/* Grow block @sp by [@seq, @end_seq) when they overlap or touch: the
 * twin of tcp_sack_extend().
 */
static bool xtcp_sack_extend(struct tcp_sack_block *sp, u32 seq, u32 end_seq)
{
	if (after(seq, sp->end_seq) || after(sp->start_seq, end_seq))
		return false;
	if (before(seq, sp->start_seq))
		sp->start_seq = seq;
	if (after(end_seq, sp->end_seq))
		sp->end_seq = end_seq;
	return true;
}

/* The twin of tcp_dsack_set(): the next ACK reports [@seq, @end_seq) as
 * received twice (RFC 2883), unless net.xtcp.dsack is off.
 */
static void xtcp_dsack_set(struct sock *sk, u32 seq, u32 end_seq)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!xsk->sack_ok || !XTCP_SYSCTL(sock_net(sk), dsack))
		return;
	XTCP_INC_STATS(sock_net(sk), before(seq, xsk->rcv_nxt) ?
				     XTCP_MIB_DSACKOLDSENT :
				     XTCP_MIB_DSACKOFOSENT);
	xsk->dsack = 1;
	xsk->duplicate_sack[0].start_seq = seq;
	xsk->duplicate_sack[0].end_seq = end_seq;
}

/* The twin of tcp_dsack_extend(). */
static void xtcp_dsack_extend(struct sock *sk, u32 seq, u32 end_seq)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xsk->dsack)
		xtcp_sack_extend(xsk->duplicate_sack, seq, end_seq);
	else
		xtcp_dsack_set(sk, seq, end_seq);
}

/* The twin of tcp_send_dupack(): answer a segment that is not
 * acceptable; old data is a lost ACK, reported by D-SACK.
 */
static void xtcp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (tcb->end_seq != tcb->seq && before(tcb->seq, xsk->rcv_nxt)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DELAYEDACKLOST);
		xtcp_enter_quickack_mode(sk, XTCP_MAX_QUICKACKS);
		xtcp_dsack_set(sk, tcb->seq, after(tcb->end_seq, xsk->rcv_nxt) ?
					     xsk->rcv_nxt : tcb->end_seq);
	}
	xtcp_send_ack(sk);
}

/* Block 0 just grew: merge the blocks it now reaches into it (the twin
 * of tcp_sack_maybe_coalesce()).
 */
static void xtcp_sack_maybe_coalesce(struct xtcp_sock *xsk)
{
	struct tcp_sack_block *sp = xsk->selective_acks;
	int i = 1;

	while (i < xsk->num_sacks) {
		if (!xtcp_sack_extend(&sp[0], sp[i].start_seq, sp[i].end_seq)) {
			i++;
			continue;
		}
		xsk->num_sacks--;
		memmove(&sp[i], &sp[i + 1], (xsk->num_sacks - i) * sizeof(*sp));
	}
}

/* The twin of tcp_sack_new_ofo_skb(): [@seq, @end_seq) joined the
 * out-of-order queue.  The block that holds it moves first (RFC 2018:
 * the most recent first); a new block pushes the oldest out when all
 * four are used.
 */
static void xtcp_sack_new_ofo_skb(struct sock *sk, u32 seq, u32 end_seq)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct tcp_sack_block *sp = xsk->selective_acks;
	struct tcp_sack_block blk;
	int i, keep;

	for (i = 0; i < xsk->num_sacks; i++) {
		if (!xtcp_sack_extend(&sp[i], seq, end_seq))
			continue;
		blk = sp[i];
		memmove(&sp[1], &sp[0], i * sizeof(*sp));
		sp[0] = blk;
		xtcp_sack_maybe_coalesce(xsk);
		return;
	}
	keep = min_t(int, xsk->num_sacks, XTCP_NUM_SACKS - 1);
	memmove(&sp[1], &sp[0], keep * sizeof(*sp));
	sp[0].start_seq = seq;
	sp[0].end_seq = end_seq;
	xsk->num_sacks = keep + 1;
}

/* The twin of tcp_sack_remove(): rcv_nxt advanced; the blocks it covers
 * are acked now.
 */
static void xtcp_sack_remove(struct xtcp_sock *xsk)
{
	struct tcp_sack_block *sp = xsk->selective_acks;
	int i = 0;

	if (RB_EMPTY_ROOT(&xsk->out_of_order_queue)) {
		xsk->num_sacks = 0;
		return;
	}
	while (i < xsk->num_sacks) {
		if (before(xsk->rcv_nxt, sp[i].start_seq)) {
			i++;
			continue;
		}
		/* a block is contiguous data: rcv_nxt passed all of it */
		WARN_ON_ONCE(before(xsk->rcv_nxt, sp[i].end_seq));
		xsk->num_sacks--;
		memmove(&sp[i], &sp[i + 1], (xsk->num_sacks - i) * sizeof(*sp));
	}
}

/* The twin of tcp_try_coalesce(): append @from's data to @to, which it
 * follows exactly, when skb_try_coalesce() can do it cheaply.  Returns
 * true when @from is to be freed with kfree_skb_partial(); @to keeps its
 * charge plus the difference.  Never past a FIN.
 */
static bool xtcp_try_coalesce(struct sock *sk, struct sk_buff *to,
			      struct sk_buff *from, bool *fragstolen)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(to);
	int delta;

	*fragstolen = false;
	if (XTCP_SKB_CB(from)->seq != tcb->end_seq ||
	    (tcb->tcp_flags & TCPHDR_FIN))
		return false;
	if (!skb_try_coalesce(to, from, fragstolen, &delta))
		return false;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RCVCOALESCE);
	tcb->end_seq = XTCP_SKB_CB(from)->end_seq;
	tcb->ack_seq = XTCP_SKB_CB(from)->ack_seq;
	tcb->tcp_flags |= XTCP_SKB_CB(from)->tcp_flags;
	return true;
}

/* The twin of tcp_queue_rcv(): in-order @skb (charged to the sock
 * already when @charged) joins the receive queue, merged into its tail
 * if it can be, and rcv_nxt moves past it.  A FIN without data is not
 * queued.  Consumes @skb.
 */
static void xtcp_queue_rcv(struct sock *sk, struct sk_buff *skb, bool charged)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	bool fragstolen;

	WRITE_ONCE(xsk->rcv_nxt, XTCP_SKB_CB(skb)->end_seq);
	if (tail && xtcp_try_coalesce(sk, tail, skb, &fragstolen)) {
		kfree_skb_partial(skb, fragstolen);
		return;
	}
	if (!skb->len) {
		__kfree_skb(skb);
		return;
	}
	if (!charged)
		skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
}

/* The next skb of the receive queue @list, or of the out-of-order tree
 * when @list is NULL.
 */
static struct sk_buff *xtcp_skb_next(struct sk_buff *skb,
				     struct sk_buff_head *list)
{
	if (list)
		return skb_queue_is_last(list, skb) ? NULL : skb->next;
	return skb_rb_next(skb);
}

/* Unlink and free @skb, whose data was copied; returns the next one. */
static struct sk_buff *xtcp_collapse_one(struct sock *sk, struct sk_buff *skb,
					 struct sk_buff_head *list,
					 struct rb_root *root)
{
	struct sk_buff *next = xtcp_skb_next(skb, list);

	if (list)
		__skb_unlink(skb, list);
	else
		rb_erase(&skb->rbnode, root);
	__kfree_skb(skb);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RCVCOLLAPSED);
	return next;
}

/* Put @skb in the out-of-order tree by its sequence number. */
static void xtcp_rbtree_insert(struct rb_root *root, struct sk_buff *skb)
{
	struct rb_node **p = &root->rb_node, *parent = NULL;

	while (*p) {
		parent = *p;
		if (before(XTCP_SKB_CB(skb)->seq,
			   XTCP_SKB_CB(rb_to_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, root);
}

/* An skb whose memory holds much more than its data (the window counts
 * half the buffer as data, so: truesize above twice the length).
 */
static bool xtcp_skb_bloated(const struct sk_buff *skb)
{
	return skb->truesize / 2 > skb->len;
}

/* The twin of tcp_collapse(): the contiguous data [@start, @end) held by
 * @head and the skbs after it, up to @tail (excluded; NULL: the end), of
 * the receive queue @list or (@list NULL) the out-of-order tree @root.
 * Leading skbs that are compact and do not overlap the next one are
 * left alone; from the first other one on, the data is copied into
 * compact skbs of a page, and the originals are freed.  An skb with a
 * FIN ends the copy, and is kept.
 */
static void xtcp_collapse(struct sock *sk, struct sk_buff_head *list,
			  struct rb_root *root, struct sk_buff *head,
			  struct sk_buff *tail, u32 start, u32 end)
{
	struct sk_buff *skb = head, *next, *nskb;
	struct sk_buff_head fresh;

	/* where copying starts to pay */
	while (skb && skb != tail) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

		next = xtcp_skb_next(skb, list);
		if (!before(start, tcb->end_seq)) {
			/* nothing new in it (it happens in the tree) */
			skb = xtcp_collapse_one(sk, skb, list, root);
			continue;
		}
		if (tcb->tcp_flags & TCPHDR_FIN)
			return;
		if (xtcp_skb_bloated(skb) || before(tcb->seq, start) ||
		    (next && next != tail &&
		     tcb->end_seq != XTCP_SKB_CB(next)->seq))
			break;
		start = tcb->end_seq;
		skb = next;
	}
	if (!skb || skb == tail)
		return;

	__skb_queue_head_init(&fresh);
	while (before(start, end)) {
		int room = min_t(int, SKB_MAX_ORDER(0, 0), end - start);

		nskb = alloc_skb(room, GFP_ATOMIC | __GFP_NOWARN);
		if (!nskb)
			break;
		memcpy(nskb->cb, skb->cb, sizeof(skb->cb));
		XTCP_SKB_CB(nskb)->seq = start;
		XTCP_SKB_CB(nskb)->end_seq = start;
		XTCP_SKB_CB(nskb)->tcp_flags &= ~TCPHDR_FIN;
		if (list)
			__skb_queue_before(list, skb, nskb);
		else
			__skb_queue_tail(&fresh, nskb);	/* into the tree later */
		skb_set_owner_r(nskb, sk);

		while (room > 0) {
			u32 offset = start - XTCP_SKB_CB(skb)->seq;
			int size = min_t(int, room, (int)skb->len - (int)offset);

			if (WARN_ON_ONCE(after(XTCP_SKB_CB(skb)->seq, start)))
				goto out;
			if (size > 0) {
				if (WARN_ON_ONCE(skb_copy_bits(skb, offset,
							       skb_put(nskb, size),
							       size)))
					goto out;
				XTCP_SKB_CB(nskb)->end_seq += size;
				room -= size;
				start += size;
			}
			if (before(start, XTCP_SKB_CB(skb)->seq + skb->len))
				continue;
			skb = xtcp_collapse_one(sk, skb, list, root);
			if (!skb || skb == tail ||
			    (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN))
				goto out;
		}
	}
out:
	while ((nskb = __skb_dequeue(&fresh)) != NULL)
		xtcp_rbtree_insert(root, nskb);
}

/* The twin of tcp_collapse_ofo_queue(): collapse each run of contiguous
 * or overlapping skbs of the out-of-order tree; single small skbs are
 * not worth a copy.
 */
static void xtcp_collapse_ofo_queue(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb, *head;
	u32 range_truesize, sum_tiny = 0;
	u32 start, end;

	skb = skb_rb_first(&xsk->out_of_order_queue);
	while (skb) {
		head = skb;
		start = XTCP_SKB_CB(skb)->seq;
		end = XTCP_SKB_CB(skb)->end_seq;
		range_truesize = skb->truesize;
		for (skb = skb_rb_next(skb); skb; skb = skb_rb_next(skb)) {
			struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

			if (after(tcb->seq, end) || before(tcb->end_seq, start))
				break;
			range_truesize += skb->truesize;
			if (before(tcb->seq, start))
				start = tcb->seq;
			if (after(tcb->end_seq, end))
				end = tcb->end_seq;
		}
		if (range_truesize != head->truesize ||
		    end - start >= SKB_WITH_OVERHEAD(PAGE_SIZE)) {
			xtcp_collapse(sk, NULL, &xsk->out_of_order_queue, head,
				      skb, start, end);
		} else {
			sum_tiny += range_truesize;
			if (sum_tiny > READ_ONCE(sk->sk_rcvbuf) >> 3)
				break;
		}
	}
	xsk->ooo_last_skb = skb_rb_last(&xsk->out_of_order_queue);
}

/* The twin of tcp_prune_ofo_queue(): free out-of-order data from the
 * highest sequence down, an eighth of the buffer at a time, until the
 * sock is within its buffer: what is nearest rcv_nxt has the best chance
 * to be used soon.  Returns false when the queue was empty.
 */
static bool xtcp_prune_ofo_queue(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct rb_node *node, *prev;
	int goal;

	if (RB_EMPTY_ROOT(&xsk->out_of_order_queue))
		return false;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOPRUNED);
	goal = READ_ONCE(sk->sk_rcvbuf) >> 3;
	node = &xsk->ooo_last_skb->rbnode;
	do {
		struct sk_buff *skb = rb_to_skb(node);

		prev = rb_prev(node);
		rb_erase(node, &xsk->out_of_order_queue);
		goal -= skb->truesize;
		xtcp_drop(sk, skb);
		if (!prev || goal <= 0) {
			if (atomic_read(&sk->sk_rmem_alloc) <=
			    READ_ONCE(sk->sk_rcvbuf))
				break;
			goal = READ_ONCE(sk->sk_rcvbuf) >> 3;
		}
		node = prev;
	} while (node);
	xsk->ooo_last_skb = rb_to_skb(prev);
	/* the blocks may name what is gone: start them over */
	xsk->num_sacks = 0;
	xsk->dsack = 0;
	return true;
}

/* The twin of tcp_prune_queue(): the sock is over its receive buffer.
 * Collapse the queues first, then drop out-of-order data.  Returns -1
 * when even that did not bring it within the buffer: the caller drops
 * the segment (the sender will send it again).  Unlike 6.1's
 * tcp_clamp_window(), the buffer is never grown here: XTCP has no
 * tcp_mem-like global limit to stop that.
 */
static int xtcp_prune_queue(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PRUNECALLED);
	if (atomic_read(&sk->sk_rmem_alloc) <= rcvbuf)
		return 0;

	xtcp_collapse_ofo_queue(sk);
	if (!skb_queue_empty(&sk->sk_receive_queue))
		xtcp_collapse(sk, &sk->sk_receive_queue, NULL,
			      skb_peek(&sk->sk_receive_queue), NULL,
			      xsk->copied_seq, xsk->rcv_nxt);
	if (atomic_read(&sk->sk_rmem_alloc) <= rcvbuf)
		return 0;

	xtcp_prune_ofo_queue(sk);
	if (atomic_read(&sk->sk_rmem_alloc) <= rcvbuf)
		return 0;

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RCVPRUNED);
	return -1;
}

/* The twin of tcp_try_rmem_schedule(): room for @size more bytes of
 * receive memory?  0 when yes, after pruning if need be.
 */
static int xtcp_try_rmem_schedule(struct sock *sk, struct sk_buff *skb,
				  unsigned int size)
{
	if (atomic_read(&sk->sk_rmem_alloc) <= READ_ONCE(sk->sk_rcvbuf) &&
	    sk_rmem_schedule(sk, skb, size))
		return 0;
	if (xtcp_prune_queue(sk) < 0)
		return -1;
	while (!sk_rmem_schedule(sk, skb, size)) {
		if (!xtcp_prune_ofo_queue(sk))
			return -1;
	}
	return 0;
}

/* The twin of tcp_fin(): the peer closed its side. */
static void xtcp_fin(struct sock *sk)
{
	/* nothing after the FIN is data: what waits out of order goes */
	xtcp_ofo_purge(sk);

	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		xtcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		/* simultaneous close */
		xtcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		xtcp_send_ack(sk);
		xtcp_time_wait(sk, TCP_TIME_WAIT, 0);
		return;
	default:
		break;
	}
	xtcp_send_ack(sk);

	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/* The twin of tcp_ofo_queue(): move what the out-of-order queue holds
 * at rcv_nxt to the receive queue, D-SACKing what arrived twice.
 * Returns true when a FIN came in order (xtcp_fin() has ACKed it).
 */
static bool xtcp_ofo_queue(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 dsack_high = xsk->rcv_nxt;
	struct rb_node *p;

	p = rb_first(&xsk->out_of_order_queue);
	while (p) {
		struct sk_buff *skb = rb_to_skb(p);
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

		if (after(tcb->seq, xsk->rcv_nxt))
			break;
		if (before(tcb->seq, dsack_high))
			xtcp_dsack_extend(sk, tcb->seq,
					  before(tcb->end_seq, dsack_high) ?
					  tcb->end_seq : dsack_high);
		p = rb_next(p);
		rb_erase(&skb->rbnode, &xsk->out_of_order_queue);
		if (!after(tcb->end_seq, xsk->rcv_nxt)) {
			/* all of it came in order meanwhile */
			xtcp_drop(sk, skb);
			continue;
		}
		if (tcb->tcp_flags & TCPHDR_FIN) {
			xtcp_queue_rcv(sk, skb, true);
			/* purges the rest of the tree */
			xtcp_fin(sk);
			return true;
		}
		xtcp_queue_rcv(sk, skb, true);
	}
	return false;
}

/* The twin of tcp_data_queue_ofo(): @skb starts beyond rcv_nxt, within
 * the window.  It joins the tree unless the buffer is full: a segment
 * the tree holds entirely already is dropped (D-SACK), one that starts
 * where another does and covers it replaces it, one that covers later
 * ones replaces them, partial overlaps stay (the data read is the lower
 * skb's); one that follows another exactly is merged into it.  Returns
 * false when it was dropped for memory.
 */
static bool xtcp_data_queue_ofo(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct rb_root *root = &xsk->out_of_order_queue;
	u32 seq = XTCP_SKB_CB(skb)->seq, end_seq = XTCP_SKB_CB(skb)->end_seq;
	struct rb_node **p, *parent;
	struct sk_buff *skb1;
	bool fragstolen;

	if (xtcp_try_rmem_schedule(sk, skb, skb->truesize)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFODROPS);
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_data_ready(sk);
		xtcp_drop(sk, skb);
		return false;
	}
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOQUEUE);

	if (RB_EMPTY_ROOT(root)) {
		/* the first hole: one block */
		if (xsk->sack_ok) {
			xsk->num_sacks = 1;
			xsk->selective_acks[0].start_seq = seq;
			xsk->selective_acks[0].end_seq = end_seq;
		}
		rb_link_node(&skb->rbnode, NULL, &root->rb_node);
		rb_insert_color(&skb->rbnode, root);
		xsk->ooo_last_skb = skb;
		goto charge;
	}

	/* most often it comes right after the last one */
	if (xtcp_try_coalesce(sk, xsk->ooo_last_skb, skb, &fragstolen))
		goto merged;
	if (!before(seq, XTCP_SKB_CB(xsk->ooo_last_skb)->end_seq)) {
		parent = &xsk->ooo_last_skb->rbnode;
		p = &parent->rb_right;
		goto insert;
	}

	parent = NULL;
	p = &root->rb_node;
	while (*p) {
		struct xtcp_skb_cb *cb1;

		parent = *p;
		skb1 = rb_to_skb(parent);
		cb1 = XTCP_SKB_CB(skb1);
		if (before(seq, cb1->seq)) {
			p = &parent->rb_left;
			continue;
		}
		if (before(seq, cb1->end_seq)) {
			if (!after(end_seq, cb1->end_seq)) {
				/* all of it is here already */
				XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOMERGE);
				xtcp_drop(sk, skb);
				xtcp_dsack_set(sk, seq, end_seq);
				skb = NULL;
				goto add_sack;
			}
			if (after(seq, cb1->seq)) {
				/* its head overlaps skb1's tail: both stay */
				xtcp_dsack_set(sk, seq, cb1->end_seq);
			} else {
				/* same start, more data: it takes skb1's place */
				rb_replace_node(&skb1->rbnode, &skb->rbnode, root);
				xtcp_dsack_extend(sk, cb1->seq, cb1->end_seq);
				XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOMERGE);
				xtcp_drop(sk, skb1);
				goto drop_covered;
			}
		} else if (xtcp_try_coalesce(sk, skb1, skb, &fragstolen)) {
			goto merged;
		}
		p = &parent->rb_right;
	}
insert:
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, root);

drop_covered:
	/* the skbs it covers entirely go; the first one it does not stays */
	while ((skb1 = skb_rb_next(skb)) != NULL) {
		struct xtcp_skb_cb *cb1 = XTCP_SKB_CB(skb1);

		if (!after(end_seq, cb1->seq))
			break;
		if (before(end_seq, cb1->end_seq)) {
			xtcp_dsack_extend(sk, cb1->seq, end_seq);
			break;
		}
		rb_erase(&skb1->rbnode, root);
		xtcp_dsack_extend(sk, cb1->seq, cb1->end_seq);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOMERGE);
		xtcp_drop(sk, skb1);
	}
	if (!skb1)
		xsk->ooo_last_skb = skb;
	goto add_sack;

merged:
	kfree_skb_partial(skb, fragstolen);
	skb = NULL;
add_sack:
	if (xsk->sack_ok)
		xtcp_sack_new_ofo_skb(sk, seq, end_seq);
charge:
	if (skb)
		skb_set_owner_r(skb, sk);
	return true;
}

/* The twin of tcp_data_queue(): consumes @skb, whose header is pulled.
 *  - at rcv_nxt (or partly before it): to the receive queue, within the
 *    receive buffer, then what the out-of-order queue holds after it;
 *  - all old: a D-SACK and an ACK at once;
 *  - beyond rcv_nxt in the window: the out-of-order queue, and an ACK at
 *    once (with its SACK blocks);
 *  - beyond the window: an ACK at once.
 */
static void xtcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	bool fin, ack_now;

	if (tcb->seq == tcb->end_seq) {
		__kfree_skb(skb);
		return;
	}
	skb_dst_drop(skb);
	xsk->dsack = 0;

	if (tcb->seq == xsk->rcv_nxt) {
		if (!xtcp_receive_window(xsk)) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ZEROWINDOWDROP);
			goto out_of_window;
		}
queue_and_out:
		/* an empty receive queue always takes it */
		if (!skb_queue_empty(&sk->sk_receive_queue) &&
		    xtcp_try_rmem_schedule(sk, skb, skb->truesize)) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RCVQDROP);
			if (!sock_flag(sk, SOCK_DEAD))
				sk->sk_data_ready(sk);
			xtcp_drop(sk, skb);
			return;
		}
		/* the twin of tcp_measure_rcv_mss(): ACK pacing follows
		 * what the peer really sends, not the MSS we offered
		 */
		if (skb->len > xsk->rcv_mss)
			xsk->rcv_mss = min_t(u32, skb->len, xsk->advmss);
		/* tcp_event_data_recv(): idle time, for keepalive */
		if (skb->len)
			inet_csk(sk)->icsk_ack.lrcvtime = jiffies;
		fin = tcb->tcp_flags & TCPHDR_FIN;
		xtcp_queue_rcv(sk, skb, false);
		if (fin)
			xtcp_fin(sk);

		/* RFC 5681 4.2: filling a hole is ACKed at once */
		ack_now = !RB_EMPTY_ROOT(&xsk->out_of_order_queue);
		if (ack_now && xtcp_ofo_queue(sk))
			fin = true;
		if (xsk->num_sacks)
			xtcp_sack_remove(xsk);

		/* xtcp_fin() ACKed the FIN */
		if (!fin)
			xtcp_ack_snd_check(sk, ack_now);
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_data_ready(sk);
		return;
	}

	if (!after(tcb->end_seq, xsk->rcv_nxt)) {
		/* all old: our ACK was lost, or the sender was too quick */
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DELAYEDACKLOST);
		xtcp_dsack_set(sk, tcb->seq, tcb->end_seq);
out_of_window:
		xtcp_enter_quickack_mode(sk, XTCP_MAX_QUICKACKS);
		xtcp_send_ack(sk);
		xtcp_drop(sk, skb);
		return;
	}

	/* beyond the window, such as a zero window probe */
	if (!before(tcb->seq, xsk->rcv_nxt + xtcp_receive_window(xsk)))
		goto out_of_window;

	if (before(tcb->seq, xsk->rcv_nxt)) {
		/* partly old: D-SACK the old part, take the rest */
		xtcp_dsack_set(sk, tcb->seq, xsk->rcv_nxt);
		if (!xtcp_receive_window(xsk)) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ZEROWINDOWDROP);
			goto out_of_window;
		}
		goto queue_and_out;
	}

	if (xtcp_data_queue_ofo(sk, skb))
		xtcp_send_ack(sk);
}

/* The twin of tcp_init_buffer_space()'s tcp_sndbuf_expand(): once the
 * MSS is known, room for two initial windows of full segments, as they
 * cost in memory, unless the user set SO_SNDBUF.
 */
void xtcp_init_buffer_space(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int per_mss, sndmem;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	per_mss = roundup_pow_of_two(SKB_TRUESIZE(min_t(int, xsk->mss_cache,
							16384) + MAX_HEADER +
						  128));
	sndmem = 2 * XTCP_INIT_CWND * per_mss *
		 DIV_ROUND_UP(xsk->mss_cache, 16384);
	if (sk->sk_sndbuf < sndmem)
		WRITE_ONCE(sk->sk_sndbuf,
			   min(sndmem,
			       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[2])));
}

/* Take what the peer's SYN (or SYN-ACK) tells: its ISN, window, and the
 * options agreed.  The window of a SYN is never scaled.
 */
static void xtcp_synsent_take_syn(struct sock *sk, const struct sk_buff *skb,
				  const struct xtcp_options_received *rx)
{
	const struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);

	xsk->rcv_isn = tcb->seq;
	xsk->rcv_nxt = tcb->seq + 1;
	xsk->rcv_wup = xsk->rcv_nxt;
	xsk->copied_seq = xsk->rcv_nxt;
	xsk->snd_wl1 = tcb->seq;
	/* an option counts when both SYNs carry it */
	xsk->wscale_ok &= rx->wscale_ok;
	xsk->snd_wscale = xsk->wscale_ok ? rx->snd_wscale : 0;
	if (!xsk->wscale_ok) {
		xsk->rcv_wscale = 0;
		xsk->window_clamp = min(xsk->window_clamp, 65535U);
	}
	xsk->snd_wnd = ntohs(tcp_hdr(skb)->window);
	xsk->max_window = xsk->snd_wnd;
	xsk->tstamp_ok &= rx->saw_tstamp;
	if (xsk->tstamp_ok)
		xtcp_store_ts_recent(xsk, rx);
	xsk->sack_ok &= rx->sack_ok;
	xsk->rx_mss = rx->mss_clamp ? : XTCP_MSS_DEFAULT;
	xtcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
}

/* The twin of tcp_rcv_synsent_state_process(): our SYN is out. */
static int xtcp_rcv_synsent_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct xtcp_options_received rx = {};

	xtcp_parse_options(skb, &rx);

	if (th->ack) {
		/* RFC 793: an ACK outside (ISS, SND.NXT] gets a reset */
		if (!after(tcb->ack_seq, xsk->snd_isn) ||
		    after(tcb->ack_seq, xsk->snd_nxt))
			return th->rst ? 0 : 1;
		if (th->rst) {
			xtcp_reset(sk);
			return 0;
		}
		if (!th->syn)
			return 0;

		/* a SYN-ACK: established */
		xtcp_synsent_take_syn(sk, skb, &rx);

		xtcp_ack(sk, skb, &rx);
		xtcp_set_state(sk, TCP_ESTABLISHED);
		xtcp_init_buffer_space(sk);
		/* tcp_finish_connect() */
		inet_csk(sk)->icsk_ack.lrcvtime = jiffies;
		xsk->lsndtime = jiffies;
		if (sock_flag(sk, SOCK_KEEPOPEN))
			inet_csk_reset_keepalive_timer(sk,
						       xtcp_keepalive_time_when(sk));
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		}
		xtcp_send_ack(sk);
		xtcp_write_xmit(sk);
		return 0;
	}
	if (th->rst)
		return 0;
	if (th->syn) {
		/* simultaneous open: answer with a SYN-ACK, SYN_RECV */
		xtcp_set_state(sk, TCP_SYN_RECV);
		xtcp_synsent_take_syn(sk, skb, &rx);
		XTCP_SKB_CB(skb_peek(&sk->sk_write_queue))->tcp_flags |=
			TCPHDR_ACK;
		xtcp_retransmit_skb(sk, skb_peek(&sk->sk_write_queue));
	}
	return 0;
}

/* RFC 793's acceptability test, as tcp_sequence() does it. */
static bool xtcp_sequence_ok(const struct xtcp_sock *xsk, u32 seq,
			     u32 end_seq)
{
	return !before(end_seq, xsk->rcv_wup) &&
	       !after(seq, xsk->rcv_nxt + xtcp_receive_window(xsk));
}

#define XTCP_PAWS_24DAYS	(60 * 60 * 24 * 24)
#define XTCP_PAWS_WINDOW	1	/* TCP_PAWS_WINDOW: reordering */

/* The twin of tcp_paws_check(): is the TSval recent enough, at most @win
 * older than ts_recent?  A ts_recent of 24 days ago, or zero (a peer
 * that sent none in its SYN), does not count.
 */
static bool xtcp_paws_check(const struct xtcp_sock *xsk,
			    const struct xtcp_options_received *rx, int win)
{
	return (s32)(xsk->ts_recent - rx->rcv_tsval) <= win ||
	       !time_before32((u32)ktime_get_seconds(),
			      xsk->ts_recent_stamp + XTCP_PAWS_24DAYS) ||
	       !xsk->ts_recent;
}

/* The twin of tcp_disordered_ack(): a pure duplicate ACK at rcv_nxt that
 * would not update the window, older than ts_recent by less than an RTO:
 * ACKs reordered, not replayed.
 */
static bool xtcp_disordered_ack(const struct sock *sk,
				const struct sk_buff *skb,
				const struct xtcp_options_received *rx)
{
	const struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 nwin = ntohs(th->window) << xsk->snd_wscale;

	return th->ack && tcb->seq == tcb->end_seq &&
	       tcb->seq == xsk->rcv_nxt && tcb->ack_seq == xsk->snd_una &&
	       /* as tcp_may_update_window() would say no */
	       !after(tcb->seq, xsk->snd_wl1) &&
	       !(tcb->seq == xsk->snd_wl1 && (nwin > xsk->snd_wnd || !nwin)) &&
	       (s32)(xsk->ts_recent - rx->rcv_tsval) <=
	       (inet_csk(sk)->icsk_rto * 1024) / HZ;
}

/* The twin of tcp_validate_incoming(): PAWS, the sequence check, RST and
 * SYN handling (RFC 5961: an RST not exactly at rcv_nxt and an in-window
 * SYN get a challenge ACK).  Consumes @skb and returns false when the
 * segment goes no further.
 */
static bool xtcp_validate_incoming(struct sock *sk, struct sk_buff *skb,
				   struct xtcp_options_received *rx)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (rx->saw_tstamp && xsk->tstamp_ok && !th->rst &&
	    !xtcp_paws_check(xsk, rx, XTCP_PAWS_WINDOW) &&
	    !xtcp_disordered_ack(sk, skb, rx)) {
		/* PAWS: an old duplicate */
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PAWSDROPS);
		if (!xtcp_oow_rate_limited(sock_net(sk), skb,
					   XTCP_MIB_ACKSKIPPEDPAWS,
					   &xsk->last_oow_ack_time))
			xtcp_send_dupack(sk, skb);
		goto discard;
	}

	if (!xtcp_sequence_ok(xsk, tcb->seq, tcb->end_seq)) {
		if (th->rst)
			goto discard;
		if (th->syn)
			goto syn_challenge;
		if (!xtcp_oow_rate_limited(sock_net(sk), skb,
					   XTCP_MIB_ACKSKIPPEDSEQ,
					   &xsk->last_oow_ack_time))
			xtcp_send_dupack(sk, skb);
		goto discard;
	}

	if (th->rst) {
		if (tcb->seq == xsk->rcv_nxt)
			xtcp_reset(sk);
		else
			xtcp_send_challenge_ack(sk);
		goto discard;
	}

	/* the twin of tcp_replace_ts_recent(): never an older one */
	if (rx->saw_tstamp && xsk->tstamp_ok &&
	    !after(tcb->seq, xsk->rcv_wup) && xtcp_paws_check(xsk, rx, 0))
		xtcp_store_ts_recent(xsk, rx);

	if (th->syn) {
syn_challenge:
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_INERRS);
		xtcp_send_challenge_ack(sk);
		goto discard;
	}
	return true;

discard:
	__kfree_skb(skb);
	return false;
}

/* The twin of tcp_rcv_state_process(): every state but LISTEN's SYN
 * handling (xtcp_v4_do_rcv() sends those to conn_request).  Returns 1
 * when the caller must answer with a reset; consumes @skb otherwise.
 */
int xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct xtcp_options_received rx = {};
	int ret;

	switch (sk->sk_state) {
	case TCP_CLOSE:
		goto discard;

	case TCP_LISTEN:
		if (th->ack)
			return 1;
		if (th->rst || !th->syn || th->fin)
			goto discard;
		if (xtcp_v4_conn_request(sk, skb) < 0)
			return 1;
		goto discard;

	case TCP_SYN_SENT:
		ret = xtcp_rcv_synsent_state_process(sk, skb);
		if (ret)
			return ret;
		goto discard;
	}

	xtcp_parse_options(skb, &rx);
	if (!xtcp_validate_incoming(sk, skb, &rx))
		return 0;

	if (!th->ack)
		goto discard;

	if (sk->sk_state == TCP_SYN_RECV) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

		if (before(tcb->ack_seq, xsk->snd_una) ||
		    after(tcb->ack_seq, xsk->snd_nxt))
			return 1;
		xsk->snd_wnd = ntohs(th->window) << xsk->snd_wscale;
		xsk->snd_wl1 = tcb->seq;
		xtcp_set_state(sk, TCP_ESTABLISHED);
		xtcp_init_buffer_space(sk);
		sk->sk_state_change(sk);
		if (sk->sk_socket)
			sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}

	if (!xtcp_ack(sk, skb, &rx))
		goto discard;

	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		if (!xtcp_fin_acked(sk))
			break;
		xtcp_set_state(sk, TCP_FIN_WAIT2);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			break;
		}
		if (xsk->linger2 < 0) {
			/* TCP_LINGER2 < 0: no FIN_WAIT2 for orphans */
			xtcp_done(sk);
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONDATA);
			return 1;
		}
		/* an orphan waits for the peer's FIN as a time-wait sock */
		if (!th->fin) {
			xtcp_time_wait(sk, TCP_FIN_WAIT2, xtcp_fin_time(sk));
			goto discard;
		}
		break;
	case TCP_CLOSING:
		if (xtcp_fin_acked(sk)) {
			xtcp_time_wait(sk, TCP_TIME_WAIT, 0);
			goto discard;
		}
		break;
	case TCP_LAST_ACK:
		if (xtcp_fin_acked(sk)) {
			xtcp_done(sk);
			goto discard;
		}
		break;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		/* the peer's FIN came already: nothing more is data */
		if (!before(XTCP_SKB_CB(skb)->seq, xsk->rcv_nxt)) {
			__kfree_skb(skb);
			break;
		}
		fallthrough;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		/* RFC 793: after our close, new data gets a reset */
		if (sk->sk_shutdown & RCV_SHUTDOWN &&
		    after(XTCP_SKB_CB(skb)->end_seq - th->fin, xsk->rcv_nxt)) {
			xtcp_reset(sk);
			return 1;
		}
		fallthrough;
	case TCP_ESTABLISHED:
		__skb_pull(skb, th->doff * 4);
		xtcp_data_queue(sk, skb);
		break;
	default:
		__kfree_skb(skb);
		break;
	}

	/* the ACK may have opened the window: send what waits */
	if (sk->sk_state != TCP_CLOSE)
		xtcp_write_xmit(sk);
	return 0;

discard:
	__kfree_skb(skb);
	return 0;
}
