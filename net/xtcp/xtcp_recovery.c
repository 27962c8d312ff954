// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP loss detection by time: RACK and tail loss probes (RACK-TLP, RFC
 * 8985), the twin of net/ipv4/tcp_recovery.c and of the loss probe half
 * of tcp_output.c (tcp_schedule_loss_probe(), tcp_send_loss_probe()).
 *
 * RACK: an skb is lost when an skb sent after it has been delivered
 * (acked or SACKed) and more than the delivered one's RTT plus a
 * reordering window has passed since it was sent.  That holds for
 * retransmissions as for originals, so a lost retransmission is found
 * without waiting for the RTO.  The reordering window is min_rtt/4 (in
 * steps that D-SACKs widen), 0 in recovery and once DupThresh skbs are
 * SACKed while no reordering has been seen, which keeps RFC 6675's
 * DupThresh rule as 6.1 keeps it.  An skb not yet past its time arms
 * the reorder timer (ICSK_TIME_REO_TIMEOUT).
 *
 * TLP: while nothing is known lost (Open, CWR), the retransmission timer
 * is first a probe timeout of 2 SRTT (plus the delayed ACK allowance
 * with one segment out).  It sends one new segment, or the last one
 * again, so that a tail loss is learnt from the probe's ACK (SACK, then
 * RACK) instead of the RTO.  One probe per episode (tlp_high_seq); an
 * episode whose probe repaired a loss reduces cwnd (TCPLossProbeRecovery).
 *
 * net.xtcp.recovery (TCP_RACK_* bits) and net.xtcp.early_retrans (3 or
 * 4: probes on) decide, as their net.ipv4.tcp_* twins.
 *
 * The retransmission timer (icsk_retransmit_timer) carries the RTO, the
 * zero window probe, the loss probe and the reorder timeout; which one
 * is icsk_pending (ICSK_TIME_*), set by xtcp_reset_xmit_timer().
 * Everything here runs under the socket lock.
 */

#include <net/tcp_states.h>
#include <net/xtcp.h>

/* The twin of TCP_TIMEOUT_MIN_US. */
#define XTCP_TIMEOUT_MIN_US		2000
/* The twin of net.ipv4.tcp_min_rtt_wlen's default: min_rtt's window */
#define XTCP_MIN_RTT_WLEN		(300 * HZ)

bool xtcp_is_rack(const struct sock *sk)
{
	return xtcp_sk(sk)->sack_ok &&
	       (XTCP_SYSCTL(sock_net(sk), recovery) & TCP_RACK_LOSS_DETECTION);
}

static u32 xtcp_min_rtt(const struct xtcp_sock *xsk)
{
	return xsk->min_rtt_us ? : ~0U;
}

/* The twin of tcp_update_rtt_min(): the smallest RTT of the last
 * XTCP_MIN_RTT_WLEN (one sample kept: a new minimum, or any sample once
 * the kept one is too old, replaces it).
 */
void xtcp_update_rtt_min(struct xtcp_sock *xsk, u32 rtt_us)
{
	u32 now = jiffies;

	rtt_us = rtt_us ? : jiffies_to_usecs(1);
	if (!xsk->min_rtt_us || rtt_us <= xsk->min_rtt_us ||
	    now - xsk->min_rtt_stamp > XTCP_MIN_RTT_WLEN) {
		xsk->min_rtt_us = rtt_us;
		xsk->min_rtt_stamp = now;
	}
}

/* A fresh RACK and TLP state (tcp_init_sock(), tcp_disconnect()). */
void xtcp_rack_init(struct xtcp_sock *xsk)
{
	memset(&xsk->rack, 0, sizeof(xsk->rack));
	xsk->rack.reo_wnd_steps = 1;
	xsk->reord_seen = 0;
	xsk->min_rtt_us = 0;
	xsk->tlp_high_seq = 0;
	xsk->tlp_retrans = 0;
}

/* The twin of tcp_skb_sent_after(): was (@t1, @seq1) sent after (@t2,
 * @seq2)?  Equal times (one burst) are ordered by sequence.
 */
static bool xtcp_skb_sent_after(u64 t1, u64 t2, u32 seq1, u32 seq2)
{
	return t1 > t2 || (t1 == t2 && after(seq1, seq2));
}

static u32 xtcp_stamp_us_delta(u64 t1, u64 t0)
{
	return max_t(s64, t1 - t0, 0);
}

/* The twin of tcp_rack_reo_wnd(). */
static u32 xtcp_rack_reo_wnd(const struct sock *sk)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!xsk->reord_seen) {
		/* no reordering seen: no settling delay in recovery, nor
		 * once DupThresh skbs are SACKed
		 */
		if (xsk->ca_state >= TCP_CA_Recovery)
			return 0;
		if (xsk->sacked_out >= xsk->reordering &&
		    !(XTCP_SYSCTL(sock_net(sk), recovery) &
		      TCP_RACK_NO_DUPTHRESH))
			return 0;
	}
	/* min_rtt/4 per step: reordering is a property of the path,
	 * not of its queues; at most SRTT
	 */
	return min((xtcp_min_rtt(xsk) >> 2) * xsk->rack.reo_wnd_steps,
		   xsk->srtt_us >> 3);
}

/* The twin of tcp_rack_skb_timeout(): how long until @skb counts as
 * lost, <= 0 when it does.
 */
s32 xtcp_rack_skb_timeout(const struct xtcp_sock *xsk,
			  const struct sk_buff *skb, u32 reo_wnd)
{
	return xsk->rack.rtt_us + reo_wnd -
	       xtcp_stamp_us_delta(xsk->tcp_mstamp, XTCP_SKB_CB(skb)->mstamp);
}

/* The twin of tcp_rack_detect_loss(): mark lost every skb sent before
 * the latest delivered one and not delivered within its RTT plus the
 * reordering window.  *@reo_timeout: the longest wait of the others, 0
 * when none.  6.1 walks a list sorted by send time; XTCP walks the
 * retransmit queue (in sequence order) whole.
 */
static void xtcp_rack_detect_loss(struct sock *sk, u32 *reo_timeout)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 reo_wnd = xtcp_rack_reo_wnd(sk);
	struct sk_buff *skb;

	*reo_timeout = 0;
	for (skb = xtcp_rtx_head(sk); skb; skb = xtcp_rtx_next(sk, skb)) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
		s32 remaining;

		if (tcb->sacked & XTCPCB_SACKED_ACKED)
			continue;
		/* marked lost and not yet retransmitted: nothing to learn */
		if ((tcb->sacked & XTCPCB_LOST) &&
		    !(tcb->sacked & XTCPCB_SACKED_RETRANS))
			continue;
		if (!xtcp_skb_sent_after(xsk->rack.mstamp, tcb->mstamp,
					 xsk->rack.end_seq, tcb->end_seq))
			continue;
		remaining = xtcp_rack_skb_timeout(xsk, skb, reo_wnd);
		if (remaining <= 0)
			xtcp_mark_skb_lost(sk, skb);
		else
			*reo_timeout = max_t(u32, *reo_timeout, remaining);
	}
}

/* The twin of tcp_rack_mark_lost(): after an ACK that delivered
 * something; returns true when it armed the reorder timer.
 */
bool xtcp_rack_mark_lost(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 timeout;

	if (!xsk->rack.advanced)
		return false;
	xsk->rack.advanced = 0;
	xtcp_rack_detect_loss(sk, &timeout);
	if (timeout) {
		timeout = usecs_to_jiffies(timeout + XTCP_TIMEOUT_MIN_US);
		xtcp_reset_xmit_timer(sk, ICSK_TIME_REO_TIMEOUT,
				      min_t(u32, timeout,
					    inet_csk(sk)->icsk_rto));
	}
	return !!timeout;
}

/* The twin of tcp_rack_advance(): an skb sent at @xmit_time, ending at
 * @end_seq, was delivered: RACK.xmit_time and RACK.RTT follow the most
 * recently sent of those.
 */
void xtcp_rack_advance(struct xtcp_sock *xsk, bool retrans, u32 end_seq,
		       u64 xmit_time)
{
	u32 rtt_us = xtcp_stamp_us_delta(xsk->tcp_mstamp, xmit_time);

	/* Delivered sooner than the path allows after a retransmission:
	 * the original (or an earlier copy) arrived, not this one; the
	 * sample would make RACK.RTT too short.
	 */
	if (retrans && rtt_us < xtcp_min_rtt(xsk))
		return;
	xsk->rack.advanced = 1;
	xsk->rack.rtt_us = rtt_us;
	if (xtcp_skb_sent_after(xmit_time, xsk->rack.mstamp, end_seq,
				xsk->rack.end_seq)) {
		xsk->rack.mstamp = xmit_time;
		xsk->rack.end_seq = end_seq;
	}
}

/* The twin of tcp_rack_reo_timeout(): the reordering window of some
 * skbs has passed: mark them lost and retransmit them.
 */
void xtcp_rack_reo_timeout(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 prior_inflight = xtcp_packets_in_flight(xsk);
	u32 lost = xsk->lost, timeout;

	xtcp_rack_detect_loss(sk, &timeout);
	if (prior_inflight != xtcp_packets_in_flight(xsk)) {
		if (xsk->ca_state != TCP_CA_Recovery) {
			xtcp_enter_recovery(sk);
			xtcp_cwnd_reduction(sk, 1, xsk->lost - lost, 0);
		}
		xtcp_xmit_retransmit_queue(sk);
	}
	if (inet_csk(sk)->icsk_pending != ICSK_TIME_RETRANS)
		xtcp_rearm_rto(sk);
}

/* The twin of tcp_rack_update_reo_wnd(), after an ACK that delivered
 * something: a D-SACK that may come from a spurious recovery RACK
 * started widens the window by one step, at most once per round trip
 * (ignored when the delivered skb was sent before the last step); the
 * window stays for XTCP_RACK_RECOVERY_THRESH recoveries, then returns
 * to one step.
 */
void xtcp_rack_update_reo_wnd(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (XTCP_SYSCTL(sock_net(sk), recovery) & TCP_RACK_STATIC_REO_WND)
		return;
	if (xsk->rack.mstamp < xsk->rack.reo_wnd_mstamp)
		xsk->rack.dsack_seen = 0;
	if (xsk->rack.dsack_seen) {
		xsk->rack.reo_wnd_steps = min_t(u32, 0xFF,
						xsk->rack.reo_wnd_steps + 1);
		xsk->rack.dsack_seen = 0;
		xsk->rack.reo_wnd_mstamp = xsk->tcp_mstamp;
		xsk->rack.reo_wnd_persist = XTCP_RACK_RECOVERY_THRESH;
	} else if (!xsk->rack.reo_wnd_persist) {
		xsk->rack.reo_wnd_steps = 1;
	}
}

/* The twin of inet_csk_reset_xmit_timer(): the retransmission timer
 * fires in @when jiffies (at most XTCP_RTO_MAX) for @what (ICSK_TIME_*).
 */
void xtcp_reset_xmit_timer(struct sock *sk, int what, unsigned long when)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	when = min_t(unsigned long, when, XTCP_RTO_MAX);
	icsk->icsk_pending = what;
	icsk->icsk_timeout = jiffies + when;
	sk_reset_timer(sk, &icsk->icsk_retransmit_timer, icsk->icsk_timeout);
}

/* The twin of tcp_rto_delta_us(): how far in the future the RTO of the
 * head of the retransmit queue lies (from when it was last sent).
 */
static s64 xtcp_rto_delta_us(const struct sock *sk)
{
	const struct sk_buff *skb = xtcp_rtx_head(sk);
	u32 rto = inet_csk(sk)->icsk_rto;

	if (!skb)
		return jiffies_to_usecs(rto);
	return (s64)(XTCP_SKB_CB(skb)->mstamp + jiffies_to_usecs(rto)) -
	       (s64)xtcp_clock_us();
}

/* The twin of tcp_rearm_rto(): the RTO again after forward progress,
 * from now; from the head's send time when the timer was a loss probe
 * or a reorder timeout, which must not push the RTO back.
 */
void xtcp_rearm_rto(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	u32 rto = icsk->icsk_rto;

	if (!xtcp_sk(sk)->packets_out) {
		icsk->icsk_pending = 0;
		sk_stop_timer(sk, &icsk->icsk_retransmit_timer);
		return;
	}
	if (icsk->icsk_pending == ICSK_TIME_REO_TIMEOUT ||
	    icsk->icsk_pending == ICSK_TIME_LOSS_PROBE) {
		s64 delta_us = xtcp_rto_delta_us(sk);

		/* not positive when the timer fired late (the user
		 * owned the sock)
		 */
		rto = usecs_to_jiffies(max_t(s64, delta_us, 1));
	}
	xtcp_reset_xmit_timer(sk, ICSK_TIME_RETRANS, rto);
}

/* The twin of tcp_schedule_loss_probe(): arm the probe timeout instead
 * of the RTO, for a SACK connection with data out and nothing known
 * lost.  @advancing_rto: the RTO would start from now (an ACK), rather
 * than from the head's send time.  Returns true when armed.
 */
bool xtcp_schedule_loss_probe(struct sock *sk, bool advancing_rto)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 timeout, timeout_us;
	int early_retrans;
	s64 rto_delta_us;

	early_retrans = XTCP_SYSCTL(sock_net(sk), early_retrans);
	if ((early_retrans != 3 && early_retrans != 4) ||
	    !xsk->packets_out || !xsk->sack_ok ||
	    ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) ||
	    (xsk->ca_state != TCP_CA_Open && xsk->ca_state != TCP_CA_CWR))
		return false;

	/* 2 SRTT; with one segment out, its ACK may be delayed: add the
	 * minimal RTO; no RTT yet: the initial RTO
	 */
	if (xsk->srtt_us) {
		timeout_us = xsk->srtt_us >> 2;
		if (xsk->packets_out == 1)
			timeout_us += jiffies_to_usecs(XTCP_RTO_MIN);
		else
			timeout_us += XTCP_TIMEOUT_MIN_US;
		timeout = usecs_to_jiffies(timeout_us);
	} else {
		timeout = XTCP_TIMEOUT_INIT;
	}

	/* never later than the RTO would fire */
	rto_delta_us = advancing_rto ? jiffies_to_usecs(icsk->icsk_rto) :
				       xtcp_rto_delta_us(sk);
	if (rto_delta_us > 0)
		timeout = min_t(u32, timeout, usecs_to_jiffies(rto_delta_us));

	xtcp_reset_xmit_timer(sk, ICSK_TIME_LOSS_PROBE, timeout);
	return true;
}

/* The timer part of tcp_event_new_data_sent() and tcp_write_xmit(),
 * called by xtcp_write_xmit() after it sent new data: a pending probe
 * timeout gives way to the RTO, then a new probe timeout is tried.
 */
void xtcp_event_data_sent(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (icsk->icsk_pending == ICSK_TIME_LOSS_PROBE &&
	    timer_pending(&icsk->icsk_retransmit_timer))
		xtcp_rearm_rto(sk);
	xtcp_schedule_loss_probe(sk, false);
}

/* The last sent skb, NULL when none is out. */
static struct sk_buff *xtcp_rtx_tail(const struct sock *sk)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb;

	if (!xsk->send_head)
		return skb_peek_tail(&sk->sk_write_queue);
	skb = xsk->send_head;
	if (skb == skb_peek(&sk->sk_write_queue))
		return NULL;
	return skb->prev;
}

/* The twin of tcp_snd_wnd_test(): does the first segment of @skb fit
 * the peer's window?
 */
static bool xtcp_snd_wnd_test(const struct xtcp_sock *xsk,
			      const struct sk_buff *skb, unsigned int mss)
{
	u32 end_seq = XTCP_SKB_CB(skb)->end_seq;

	if (skb->len > mss)
		end_seq = XTCP_SKB_CB(skb)->seq + mss;
	return !after(end_seq, xsk->snd_una + xsk->snd_wnd);
}

/* The loss probe's retransmission, the twin of __tcp_retransmit_skb():
 * sent again, counted as a retransmission, but not in the scoreboard
 * (not lost, not in retrans_out): it probes, it does not repair.
 */
static int xtcp_tlp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int err;

	if (inet_sk_rebuild_header(sk))
		return -EHOSTUNREACH;
	tcb->tcp_flags |= TCPHDR_ACK;
	err = xtcp_transmit_skb(sk, skb, true);
	if (err)
		return err;
	tcb->retransmitted = 1;
	XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS,
		       xtcp_skb_pcount(skb));
	xsk->total_retrans += xtcp_skb_pcount(skb);
	xsk->bytes_retrans += skb->len;
	return 0;
}

/* The twin of tcp_send_loss_probe(): the probe timeout fired.  Send a
 * new segment when the window allows, else the last one again.
 */
void xtcp_send_loss_probe(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	unsigned int mss = xtcp_current_mss(sk);
	struct sk_buff *skb;

	/* at most one probe out */
	if (xsk->tlp_high_seq)
		goto rearm_timer;

	xsk->tlp_retrans = 0;
	skb = xsk->send_head;
	if (skb && xtcp_snd_wnd_test(xsk, skb, mss)) {
		u32 prior_packets = xsk->packets_out;

		/* one segment, whatever cwnd and Nagle say */
		xtcp_write_wakeup(sk, -1);
		if (xsk->packets_out > prior_packets)
			goto probe_sent;
		goto rearm_timer;
	}
	skb = xtcp_rtx_tail(sk);
	if (unlikely(!skb)) {
		inet_csk(sk)->icsk_pending = 0;
		return;
	}
	/* its last copy still waits in a local queue: no use */
	if (skb_fclone_busy(sk, skb))
		goto rearm_timer;
	/* the probe is the last segment alone */
	if (xtcp_skb_pcount(skb) > 1) {
		if (xtcp_fragment(sk, skb, (xtcp_skb_pcount(skb) - 1) *
				  XTCP_SKB_CB(skb)->mss))
			goto rearm_timer;
		skb = skb->next;
	}
	if (xtcp_tlp_retransmit_skb(sk, skb))
		goto rearm_timer;
	xsk->tlp_retrans = 1;

probe_sent:
	xsk->tlp_high_seq = xsk->snd_nxt;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LOSSPROBES);
	/* the RTO counts from now */
	inet_csk(sk)->icsk_pending = 0;
rearm_timer:
	xtcp_rearm_rto(sk);
}
