// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP input: the twin of net/ipv4/tcp_input.c.
 *
 * Segments reach xtcp_rcv_state_process() with the sock locked (the
 * socket lock, or bh_lock_sock() while the user does not own it), with
 * skb->data at the TCP header and XTCP_SKB_CB() filled in by
 * xtcp_v4_rcv().  Out-of-order segments are dropped and answered with a
 * duplicate ACK; the sender's retransmission fills the hole.
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

/* The twin of tcp_fin(): the peer closed its side. */
static void xtcp_fin(struct sock *sk)
{
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

/* The twin of tcp_data_queue(): in-order data goes to the receive queue;
 * anything else is dropped with a duplicate ACK.  Consumes @skb.
 */
static void xtcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	bool fin = tcb->tcp_flags & TCPHDR_FIN;

	if (tcb->seq == tcb->end_seq) {
		__kfree_skb(skb);
		return;
	}
	if (!before(tcb->seq, xsk->rcv_nxt + xtcp_receive_window(xsk)) ||
	    after(tcb->seq, xsk->rcv_nxt) ||
	    !after(tcb->end_seq, xsk->rcv_nxt)) {
		/* out of order, out of window, or all old */
		if (after(tcb->seq, xsk->rcv_nxt))
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFODROPS);
		xtcp_send_ack(sk);
		__kfree_skb(skb);
		return;
	}
	/* In-window data is taken even a little over the receive buffer
	 * (the window counts bytes, the buffer truesize); only a peer that
	 * ignores the window overruns it twice.
	 */
	if (atomic_read(&sk->sk_rmem_alloc) > 2 * READ_ONCE(sk->sk_rcvbuf) &&
	    skb->len) {
		/* the peer overran the window we offered */
		xtcp_send_ack(sk);
		__kfree_skb(skb);
		return;
	}

	WRITE_ONCE(xsk->rcv_nxt, tcb->end_seq);
	/* the twin of tcp_measure_rcv_mss(): ACK pacing follows what the
	 * peer really sends, not the MSS we offered
	 */
	if (skb->len > xsk->rcv_mss)
		xsk->rcv_mss = min_t(u32, skb->len, xsk->advmss);
	if (skb->len) {
		/* tcp_event_data_recv(): idle time, for keepalive */
		inet_csk(sk)->icsk_ack.lrcvtime = jiffies;
		skb_dst_drop(skb);
		skb_set_owner_r(skb, sk);
		__skb_queue_tail(&sk->sk_receive_queue, skb);
	} else {
		__kfree_skb(skb);
	}

	if (fin)
		xtcp_fin(sk);

	/* ACK at once when more than a full segment is unacked (every
	 * second one) or the window runs short, the rest after a delay
	 */
	if (!fin) {
		if (xsk->rcv_nxt - xsk->rcv_wup > xsk->rcv_mss ||
		    xtcp_receive_window(xsk) < 2 * xsk->rcv_mss)
			xtcp_send_ack(sk);
		else
			xtcp_delack_timer_arm(sk);
	}
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
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
	    (s32)(rx->rcv_tsval - xsk->ts_recent) < 0 &&
	    ktime_get_seconds() < xsk->ts_recent_stamp + 24 * 3600 * 24) {
		/* PAWS: an old duplicate */
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PAWSDROPS);
		if (!xtcp_oow_rate_limited(sock_net(sk), skb,
					   XTCP_MIB_ACKSKIPPEDPAWS,
					   &xsk->last_oow_ack_time))
			xtcp_send_ack(sk);
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
			xtcp_send_ack(sk);
		goto discard;
	}

	if (th->rst) {
		if (tcb->seq == xsk->rcv_nxt)
			xtcp_reset(sk);
		else
			xtcp_send_challenge_ack(sk);
		goto discard;
	}

	if (rx->saw_tstamp && xsk->tstamp_ok &&
	    !after(tcb->seq, xsk->rcv_wup))
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
