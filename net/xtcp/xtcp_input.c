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
	opt_rx->sack_off = 0;
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
			case TCPOPT_SACK:
				/* read by the sender when SACK was agreed */
				if (opsize >= TCPOLEN_SACK_BASE +
					      TCPOLEN_SACK_PERBLOCK &&
				    !((opsize - TCPOLEN_SACK_BASE) %
				      TCPOLEN_SACK_PERBLOCK))
					opt_rx->sack_off = (ptr - 2) -
						(const unsigned char *)th;
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

/* How one ACK was processed: the twins of tcp_input.c's FLAG_*. */
#define XTCP_FLAG_DATA			0x001	/* it carried data */
#define XTCP_FLAG_WIN_UPDATE		0x002	/* it updated the window */
#define XTCP_FLAG_DATA_ACKED		0x004	/* it acked new data */
#define XTCP_FLAG_RETRANS_DATA_ACKED	0x008	/* ... some retransmitted */
#define XTCP_FLAG_SYN_ACKED		0x010	/* it acked our SYN */
#define XTCP_FLAG_DATA_SACKED		0x020	/* it SACKed new data */
#define XTCP_FLAG_SND_UNA_ADVANCED	0x040	/* snd_una moved */
#define XTCP_FLAG_DSACKING_ACK		0x080	/* it carried a D-SACK */
#define XTCP_FLAG_LOST_RETRANS		0x100	/* a retransmit was lost */
#define XTCP_FLAG_SACK_RENEGING	0x200	/* the peer dropped SACKed data */
#define XTCP_FLAG_DSACK_TLP		0x400	/* it D-SACKed the loss probe */
#define XTCP_FLAG_SET_XMIT_TIMER	0x800	/* set the probe or RTO timer */

#define XTCP_FLAG_ACKED		(XTCP_FLAG_DATA_ACKED | XTCP_FLAG_SYN_ACKED)
#define XTCP_FLAG_NOT_DUP	(XTCP_FLAG_DATA | XTCP_FLAG_WIN_UPDATE | \
				 XTCP_FLAG_ACKED)
#define XTCP_FLAG_CA_ALERT	(XTCP_FLAG_DATA_SACKED | \
				 XTCP_FLAG_DSACKING_ACK)

/* RFC 6675's DupThresh at first (6.1's net.ipv4.tcp_reordering), and
 * at most (net.ipv4.tcp_max_reordering) as reordering raises it.
 */
#define XTCP_DUPTHRESH		3
#define XTCP_MAX_REORDERING	300
/* SACK blocks an option can carry (40 option bytes) */
#define XTCP_MAX_SACKS		4

static bool xtcp_is_sack(const struct xtcp_sock *xsk)
{
	return xsk->sack_ok;
}

static u32 xtcp_highest_sack_seq(const struct xtcp_sock *xsk)
{
	return xsk->sacked_out && xtcp_is_sack(xsk) ? xsk->highest_sack :
						      xsk->snd_una;
}

/* The twin of tcp_mark_skb_lost(). */
void xtcp_mark_skb_lost(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 pcount = xtcp_skb_pcount(skb);

	if (tcb->sacked & XTCPCB_SACKED_ACKED)
		return;
	if (tcb->sacked & XTCPCB_LOST) {
		if (tcb->sacked & XTCPCB_SACKED_RETRANS) {
			/* the retransmission is lost as well */
			tcb->sacked &= ~XTCPCB_SACKED_RETRANS;
			xsk->retrans_out -= pcount;
			XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_LOSTRETRANSMIT,
				       pcount);
		}
	} else {
		tcb->sacked |= XTCPCB_LOST;
		xsk->lost_out += pcount;
		xsk->lost += pcount;
	}
}

/* The twin of tcp_clear_retrans() and the CA state reset of
 * tcp_disconnect(): an empty scoreboard, for a new or reused sock.
 */
void xtcp_clear_sender_state(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	xsk->sacked_out = 0;
	xsk->lost_out = 0;
	xsk->retrans_out = 0;
	xsk->undo_marker = 0;
	xsk->undo_retrans = 0;
	xsk->prior_ssthresh = 0;
	xsk->reordering = XTCP_DUPTHRESH;
	xsk->prr_delivered = 0;
	xsk->prr_out = 0;
	xsk->snd_cwnd_cnt = 0;
	xsk->max_packets_out = 0;
	xsk->is_cwnd_limited = 0;
	xsk->ca_state = TCP_CA_Open;
	xsk->ca_initialized = 0;
	memset(xtcp_ca(sk), 0, ICSK_CA_PRIV_SIZE);
	xtcp_rack_init(xsk);
}

/* ------------------------------------------------------------------ */
/* The SACK scoreboard (RFC 2018, RFC 6675): the twin of
 * tcp_sacktag_write_queue() without its caches.  An skb is SACKed only
 * when a block covers all of it: the whole segments a block covers are
 * cut off into an skb of their own first (xtcp_sack_split()); a
 * segment SACKed in part stays a hole.
 */

struct xtcp_sack_block {
	u32	start_seq;
	u32	end_seq;
};

/* The twin of tcp_is_sackblock_valid(): inside snd_una..snd_nxt, not
 * reversed; a D-SACK may lie below snd_una, down to the undo marker.
 */
static bool xtcp_is_sackblock_valid(const struct xtcp_sock *xsk, bool dsack,
				    u32 start_seq, u32 end_seq)
{
	if (after(end_seq, xsk->snd_nxt) || !before(start_seq, end_seq))
		return false;
	if (!before(start_seq, xsk->snd_nxt))
		return false;
	if (after(start_seq, xsk->snd_una))
		return true;
	if (!dsack || !xsk->undo_marker)
		return false;
	if (after(end_seq, xsk->snd_una))
		return false;
	if (!before(start_seq, xsk->undo_marker))
		return true;
	if (!after(end_seq, xsk->undo_marker))
		return false;	/* too old */
	return !before(start_seq, end_seq - xsk->max_window);
}

/* The twin of tcp_check_dsack() (RFC 2883): the first block is a D-SACK
 * when it lies below the ACK or inside the second block.  A D-SACK below
 * snd_una proves retransmissions of the recovery spurious (undo_retrans).
 */
static bool xtcp_check_dsack(struct sock *sk, u32 ack,
			     const struct xtcp_sack_block *sp, int num,
			     u32 prior_snd_una)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 dup_segs;

	if (before(sp[0].start_seq, ack)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DSACKRECV);
		return true;
	}
	if (num > 1 && !after(sp[0].end_seq, sp[1].end_seq) &&
	    !before(sp[0].start_seq, sp[1].start_seq)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DSACKOFORECV);
	} else {
		return false;
	}
	dup_segs = DIV_ROUND_UP(sp[0].end_seq - sp[0].start_seq,
				max(xsk->mss_cache, 1U));
	if (xsk->undo_marker && xsk->undo_retrans > 0 &&
	    !after(sp[0].end_seq, prior_snd_una) &&
	    after(sp[0].end_seq, xsk->undo_marker))
		xsk->undo_retrans = max_t(int, 0, xsk->undo_retrans - dup_segs);
	return true;
}

/* The twin of tcp_check_sack_reordering(): a hole at @low_seq was
 * filled by its original transmission while data up to the highest
 * SACK had arrived: the path reorders that much, and DupThresh follows.
 */
static void xtcp_check_sack_reordering(struct sock *sk, u32 low_seq)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 mss = xsk->mss_cache, fack = xtcp_highest_sack_seq(xsk), metric;

	if (!before(low_seq, fack) || !mss)
		return;
	metric = fack - low_seq;
	if (metric > xsk->reordering * mss)
		xsk->reordering = min_t(u32, DIV_ROUND_UP(metric, mss),
					XTCP_MAX_REORDERING);
	xsk->reord_seen++;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SACKREORDER);
	/* a reduction this reordering caused is undone, as 6.1 does */
	if (xsk->prior_ssthresh) {
		xsk->snd_cwnd = xsk->ca_ops->undo_cwnd(sk);
		if (xsk->prior_ssthresh > xsk->snd_ssthresh)
			xsk->snd_ssthresh = xsk->prior_ssthresh;
	}
	xsk->undo_marker = 0;
	/* RACK looks again, with the reordering window now open */
	xsk->rack.advanced = 1;
}

/* What one ACK's SACK blocks told (the twin of tcp_sacktag_state):
 * XTCP_FLAG_* bits, the lowest hole an original filled, and the send
 * times of the first and last never retransmitted skbs newly SACKed
 * (RTT samples), 0 when none.
 */
struct xtcp_sacktag_state {
	int	flag;
	u32	reord;
	u64	first_sackt;
	u64	last_sackt;
};

/* The twin of tcp_sacktag_one(): the peer holds all of @skb (twice,
 * for a D-SACK: @dup).
 */
static void xtcp_sacktag_one(struct sock *sk, struct sk_buff *skb, bool dup,
			     struct xtcp_sacktag_state *state)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 pcount = xtcp_skb_pcount(skb);

	if (dup && tcb->retransmitted && xsk->undo_marker &&
	    xsk->undo_retrans > 0 && after(tcb->end_seq, xsk->undo_marker))
		xsk->undo_retrans = max_t(int, 0,
					  xsk->undo_retrans - (int)pcount);
	if (tcb->sacked & XTCPCB_SACKED_ACKED)
		return;
	/* acked by this very ACK: xtcp_clean_rtx_queue() frees it */
	if (!after(tcb->end_seq, xsk->snd_una))
		return;
	xtcp_rack_advance(xsk, tcb->retransmitted, tcb->end_seq, tcb->mstamp);
	if (!tcb->retransmitted) {
		if (xsk->sacked_out && before(tcb->seq, xsk->highest_sack) &&
		    before(tcb->seq, state->reord))
			state->reord = tcb->seq;
		if (!state->first_sackt)
			state->first_sackt = tcb->mstamp;
		state->last_sackt = tcb->mstamp;
	}
	if (tcb->sacked & XTCPCB_LOST)
		xsk->lost_out -= pcount;
	if (tcb->sacked & XTCPCB_SACKED_RETRANS)
		xsk->retrans_out -= pcount;
	tcb->sacked &= ~(XTCPCB_LOST | XTCPCB_SACKED_RETRANS);
	tcb->sacked |= XTCPCB_SACKED_ACKED;
	if (!xsk->sacked_out || after(tcb->end_seq, xsk->highest_sack))
		xsk->highest_sack = tcb->end_seq;
	xsk->sacked_out += pcount;
	xsk->delivered += pcount;
	state->flag |= XTCP_FLAG_DATA_SACKED;
}

/* The twin of the old tcp_mark_lost_retrans(): in recovery, a
 * retransmission is lost when the peer SACKed data sent after it.
 */
static void xtcp_mark_lost_retrans(struct sock *sk, int *flag)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 received_upto = xtcp_highest_sack_seq(xsk);
	u32 cnt = 0;
	struct sk_buff *skb;

	if (!xsk->retrans_out || !xsk->sacked_out ||
	    xsk->ca_state != TCP_CA_Recovery)
		return;
	for (skb = xtcp_rtx_head(sk); skb; skb = xtcp_rtx_next(sk, skb)) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

		if (cnt == xsk->retrans_out)
			break;
		if (!(tcb->sacked & XTCPCB_SACKED_RETRANS))
			continue;
		if (after(received_upto, tcb->rexmit_nxt +
			  (xsk->reordering - 1) * xsk->mss_cache)) {
			tcb->sacked &= ~XTCPCB_SACKED_RETRANS;
			xsk->retrans_out -= xtcp_skb_pcount(skb);
			*flag |= XTCP_FLAG_LOST_RETRANS;
			xtcp_mark_skb_lost(sk, skb);
			XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_LOSTRETRANSMIT,
				       xtcp_skb_pcount(skb));
		} else {
			cnt += xtcp_skb_pcount(skb);
		}
	}
}

/* The twin of tcp_match_skb_to_sack(): does the block start..end hold
 * all of @skb?  A block that holds whole segments of an skb of several
 * has them cut off into an skb of their own first: at the block's
 * start, rounded up to a segment (the part past the cut is the next skb
 * the walk sees), or at its end, rounded down.
 */
static bool xtcp_sack_split(struct sock *sk, struct sk_buff *skb, u32 start,
			    u32 end)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	u32 len;

	if (!after(end, tcb->seq) || !before(start, tcb->end_seq))
		return false;
	if (!after(start, tcb->seq) && !after(tcb->end_seq, end))
		return true;
	if (xtcp_skb_pcount(skb) <= 1 || !tcb->mss)
		return false;
	if (after(start, tcb->seq)) {
		len = roundup(start - tcb->seq, tcb->mss);
		if (len < skb->len)
			xtcp_fragment(sk, skb, len);
		return false;
	}
	len = rounddown(end - tcb->seq, tcb->mss);
	if (!len || len >= skb->len)
		return false;
	return !xtcp_fragment(sk, skb, len);
}

/* Read the SACK option of @ack_skb and mark what it covers, in
 * @state; returns its XTCP_FLAG_* bits.
 */
static int xtcp_sacktag_write_queue(struct sock *sk,
				    const struct sk_buff *ack_skb,
				    const struct xtcp_options_received *rx,
				    u32 prior_snd_una,
				    struct xtcp_sacktag_state *state)
{
	const unsigned char *opt = (const unsigned char *)tcp_hdr(ack_skb) +
				   rx->sack_off;
	struct xtcp_sack_block wire[XTCP_MAX_SACKS], sp[XTCP_MAX_SACKS];
	u32 ack = XTCP_SKB_CB(ack_skb)->ack_seq;
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int num, used = 0, i, j;
	bool dup[XTCP_MAX_SACKS], dsack;
	struct sk_buff *skb;

	num = min((opt[1] - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_PERBLOCK,
		  XTCP_MAX_SACKS);
	for (i = 0; i < num; i++) {
		wire[i].start_seq = get_unaligned_be32(opt + 2 + 8 * i);
		wire[i].end_seq = get_unaligned_be32(opt + 6 + 8 * i);
	}
	state->flag = 0;
	state->reord = xsk->snd_nxt;
	if (!num)
		return 0;
	dsack = xtcp_check_dsack(sk, ack, wire, num, prior_snd_una);
	if (dsack) {
		state->flag |= XTCP_FLAG_DSACKING_ACK;
		/* the loss probe and its original both arrived */
		if (xsk->tlp_high_seq && xsk->tlp_high_seq == wire[0].end_seq &&
		    wire[0].end_seq - wire[0].start_seq <= xsk->mss_cache)
			state->flag |= XTCP_FLAG_DSACK_TLP;
		/* a spurious recovery RACK started on reordering?  Widen
		 * its window (xtcp_rack_update_reo_wnd())
		 */
		if (xsk->reord_seen && !(state->flag & XTCP_FLAG_DSACK_TLP))
			xsk->rack.dsack_seen = 1;
	}

	/* too old an ACK to trust its blocks */
	if (before(ack, prior_snd_una - xsk->max_window))
		return 0;
	if (!xsk->packets_out)
		return state->flag;

	for (i = 0; i < num; i++) {
		if (!xtcp_is_sackblock_valid(xsk, dsack && !i,
					     wire[i].start_seq,
					     wire[i].end_seq)) {
			/* a D-SACK out of range, or an old block of a
			 * reordered ACK, is not counted
			 */
			if (!(dsack && !i) &&
			    (ack == xsk->snd_una ||
			     after(wire[i].end_seq, xsk->snd_una)))
				XTCP_INC_STATS(sock_net(sk),
					       XTCP_MIB_SACKDISCARD);
			continue;
		}
		if (!after(wire[i].end_seq, prior_snd_una))
			continue;
		/* insertion sort by start */
		for (j = used; j > 0 && after(sp[j - 1].start_seq,
					      wire[i].start_seq); j--) {
			sp[j] = sp[j - 1];
			dup[j] = dup[j - 1];
		}
		sp[j] = wire[i];
		dup[j] = dsack && !i;
		used++;
	}
	if (!used)
		return state->flag;

	/* one walk: the blocks are sorted by start, and may overlap */
	j = 0;
	for (skb = xtcp_rtx_head(sk); skb; skb = xtcp_rtx_next(sk, skb)) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
		int k;

		while (j < used && !after(sp[j].end_seq, tcb->seq))
			j++;
		if (j == used)
			break;
		for (k = j; k < used && before(sp[k].start_seq, tcb->end_seq);
		     k++) {
			if (xtcp_sack_split(sk, skb, sp[k].start_seq,
					    sp[k].end_seq)) {
				xtcp_sacktag_one(sk, skb, dup[k], state);
				break;
			}
		}
	}
	if (xsk->ca_state != TCP_CA_Loss || xsk->undo_marker)
		xtcp_check_sack_reordering(sk, state->reord);
	/* RACK finds lost retransmissions by itself */
	if (!xtcp_is_rack(sk))
		xtcp_mark_lost_retrans(sk, &state->flag);
	return state->flag;
}

/* ------------------------------------------------------------------ */
/* Loss detection and the recovery state machine: the twin of
 * tcp_fastretrans_alert() and its helpers, with RACK (xtcp_recovery.c)
 * for SACK, RFC 6675's DupThresh rule when net.xtcp.recovery turns RACK
 * off, and RFC 6582's NewReno without SACK.
 */

/* Reno: a duplicate ACK counts as a SACKed segment (tcp_add_reno_sack,
 * tcp_limit_reno_sacked).
 */
static void xtcp_add_reno_sack(struct sock *sk, int num_dupack)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 holes, prior = xsk->sacked_out;

	if (!num_dupack)
		return;
	xsk->sacked_out += num_dupack;
	holes = min(max(xsk->lost_out, 1U), xsk->packets_out);
	if (xsk->sacked_out + holes > xsk->packets_out)
		xsk->sacked_out = xsk->packets_out - holes;
	if (xsk->sacked_out > prior)
		xsk->delivered += xsk->sacked_out - prior;
}

/* Reno: an ACK of @acked segments eats as many duplicate ACKs, less
 * the hole it filled (tcp_remove_reno_sacks).
 */
static void xtcp_remove_reno_sacks(struct sock *sk, int acked)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (acked <= 0)
		return;
	xsk->delivered += max_t(int, acked - xsk->sacked_out, 1);
	if (acked - 1 >= xsk->sacked_out)
		xsk->sacked_out = 0;
	else
		xsk->sacked_out -= acked - 1;
}

/* SACKed data lies more than DupThresh segments beyond snd_una. */
static bool xtcp_force_fast_retransmit(const struct xtcp_sock *xsk)
{
	return after(xtcp_highest_sack_seq(xsk),
		     xsk->snd_una + xsk->reordering * xsk->mss_cache);
}

/* The twin of tcp_time_to_recover(): loss is proven (marked), or,
 * without RACK, DupThresh segments are SACKed above a hole.
 */
static bool xtcp_time_to_recover(const struct sock *sk)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xsk->lost_out)
		return true;
	if (xtcp_is_rack(sk))
		return false;
	return xsk->sacked_out >= xsk->reordering ||
	       (xtcp_is_sack(xsk) && xtcp_force_fast_retransmit(xsk));
}

/* The twin of tcp_mark_head_lost(): from the head, mark lost the holes
 * below the point where @packets SACKed skbs have been passed (RFC
 * 6675's IsLost(): DupThresh SACKed segments above a hole); with
 * @mark_head, only the head.
 */
static void xtcp_mark_head_lost(struct sock *sk, int packets, bool mark_head)
{
	struct sk_buff *skb;
	int cnt = 0;

	for (skb = xtcp_rtx_head(sk); skb; skb = xtcp_rtx_next(sk, skb)) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

		if (tcb->sacked & XTCPCB_SACKED_ACKED)
			cnt += xtcp_skb_pcount(skb);
		if (cnt > packets)
			break;
		if (!(tcb->sacked & XTCPCB_LOST))
			xtcp_mark_skb_lost(sk, skb);
		if (mark_head)
			break;
	}
}

/* The twin of tcp_update_scoreboard() (SACK). */
static void xtcp_update_scoreboard(struct sock *sk, bool fast_rexmit)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int sacked_upto = xsk->sacked_out - xsk->reordering;

	if (!xtcp_is_sack(xsk))
		return;
	if (sacked_upto >= 0)
		xtcp_mark_head_lost(sk, sacked_upto, false);
	else if (fast_rexmit)
		xtcp_mark_head_lost(sk, 1, true);
}

/* The twin of tcp_newreno_mark_lost(): the head is lost after DupThresh
 * duplicate ACKs, and in recovery after each partial ACK (RFC 6582).
 */
static void xtcp_newreno_mark_lost(struct sock *sk, bool snd_una_advanced)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb = xtcp_rtx_head(sk);

	if (!skb)
		return;
	if ((xsk->ca_state < TCP_CA_Recovery &&
	     xsk->sacked_out >= xsk->reordering) ||
	    (xsk->ca_state == TCP_CA_Recovery && snd_una_advanced))
		xtcp_mark_skb_lost(sk, skb);
}

/* The twin of tcp_identify_packet_loss(): NewReno without SACK, RACK
 * with.  A RACK that armed the reorder timer keeps it (no
 * XTCP_FLAG_SET_XMIT_TIMER); a retransmission it found lost sets
 * XTCP_FLAG_LOST_RETRANS.
 */
static void xtcp_identify_packet_loss(struct sock *sk, int *ack_flag)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!xtcp_rtx_head(sk))
		return;
	if (!xtcp_is_sack(xsk)) {
		xtcp_newreno_mark_lost(sk,
				       *ack_flag & XTCP_FLAG_SND_UNA_ADVANCED);
	} else if (xtcp_is_rack(sk)) {
		u32 prior_retrans = xsk->retrans_out;

		if (xtcp_rack_mark_lost(sk))
			*ack_flag &= ~XTCP_FLAG_SET_XMIT_TIMER;
		if (prior_retrans > xsk->retrans_out)
			*ack_flag |= XTCP_FLAG_LOST_RETRANS;
	}
}

static bool xtcp_any_retrans_done(const struct sock *sk)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb = xtcp_rtx_head(sk);

	return xsk->retrans_out ||
	       (skb && XTCP_SKB_CB(skb)->retransmitted);
}

/* The twin of tcp_try_keep_open(): Disorder while anything is SACKed,
 * lost or retransmitted, else Open.
 */
void xtcp_try_keep_open(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u8 state = TCP_CA_Open;

	if (xtcp_left_out(xsk) || xtcp_any_retrans_done(sk))
		state = TCP_CA_Disorder;
	if (xsk->ca_state != state) {
		xtcp_set_ca_state(sk, state);
		xsk->high_seq = xsk->snd_nxt;
	}
}

/* The twin of tcp_current_ssthresh(). */
static u32 xtcp_current_ssthresh(const struct xtcp_sock *xsk)
{
	if (xtcp_in_cwnd_reduction(xsk))
		return xsk->snd_ssthresh;
	return max(xsk->snd_ssthresh,
		   (xsk->snd_cwnd >> 1) + (xsk->snd_cwnd >> 2));
}

/* The twin of tcp_init_undo(): a reduction that D-SACKs may undo,
 * once every retransmission in flight (a loss probe's too) is D-SACKed.
 */
static void xtcp_init_undo(struct xtcp_sock *xsk)
{
	xsk->undo_marker = xsk->snd_una;
	xsk->undo_retrans = xsk->retrans_out;
	if (xsk->tlp_high_seq && xsk->tlp_retrans)
		xsk->undo_retrans++;
	if (!xsk->undo_retrans)
		xsk->undo_retrans = -1;
}

/* Every retransmission since undo_marker was D-SACKed: the reduction
 * was spurious (reordering, not loss).  tcp_may_undo() without the
 * timestamp test.
 */
static bool xtcp_may_undo(const struct xtcp_sock *xsk)
{
	return xsk->undo_marker && !xsk->undo_retrans;
}

/* The twin of tcp_undo_cwnd_reduction(). */
static void xtcp_undo_cwnd_reduction(struct sock *sk, bool unmark_loss)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb;

	if (unmark_loss) {
		for (skb = xtcp_rtx_head(sk); skb; skb = xtcp_rtx_next(sk, skb))
			XTCP_SKB_CB(skb)->sacked &= ~XTCPCB_LOST;
		xsk->lost_out = 0;
	}
	if (xsk->prior_ssthresh) {
		xsk->snd_cwnd = xsk->ca_ops->undo_cwnd(sk);
		if (xsk->prior_ssthresh > xsk->snd_ssthresh)
			xsk->snd_ssthresh = xsk->prior_ssthresh;
	}
	xsk->undo_marker = 0;
}

/* The twin of tcp_try_undo_dsack(): RACK keeps its reordering window
 * for one more recovery.
 */
static bool xtcp_try_undo_dsack(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!xtcp_may_undo(xsk))
		return false;
	xsk->rack.reo_wnd_persist = min(XTCP_RACK_RECOVERY_THRESH,
					xsk->rack.reo_wnd_persist + 1);
	xtcp_undo_cwnd_reduction(sk, false);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DSACKUNDO);
	return true;
}

/* The twin of tcp_try_undo_recovery(): high_seq is acked; undo a
 * spurious reduction and leave recovery or loss.  Returns true while
 * NewReno holds the state (RFC 6582: until something above high_seq
 * is acked).
 */
static bool xtcp_try_undo_recovery(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xtcp_may_undo(xsk)) {
		xtcp_undo_cwnd_reduction(sk, false);
		XTCP_INC_STATS(sock_net(sk), xsk->ca_state == TCP_CA_Loss ?
			       XTCP_MIB_LOSSUNDO : XTCP_MIB_FULLUNDO);
	} else if (xsk->rack.reo_wnd_persist) {
		xsk->rack.reo_wnd_persist--;
	}
	if (xsk->snd_una == xsk->high_seq && !xtcp_is_sack(xsk))
		return true;
	xtcp_set_ca_state(sk, TCP_CA_Open);
	return false;
}

/* The twin of tcp_try_undo_loss(): every retransmission after the RTO
 * was D-SACKed.
 */
static bool xtcp_try_undo_loss(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!xtcp_may_undo(xsk))
		return false;
	xtcp_undo_cwnd_reduction(sk, true);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LOSSUNDO);
	inet_csk(sk)->icsk_retransmits = 0;
	if (xtcp_is_sack(xsk))
		xtcp_set_ca_state(sk, TCP_CA_Open);
	return true;
}

/* The twin of tcp_init_cwnd_reduction(): a PRR reduction to the
 * algorithm's ssthresh starts (and ends the loss probe episode).
 */
void xtcp_init_cwnd_reduction(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	xsk->high_seq = xsk->snd_nxt;
	xsk->tlp_high_seq = 0;
	xsk->snd_cwnd_cnt = 0;
	xsk->prior_cwnd = xsk->snd_cwnd;
	xsk->prr_delivered = 0;
	xsk->prr_out = 0;
	xsk->snd_ssthresh = xsk->ca_ops->ssthresh(sk);
}

/* The twin of tcp_enter_recovery(). */
void xtcp_enter_recovery(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	XTCP_INC_STATS(sock_net(sk), xtcp_is_sack(xsk) ?
		       XTCP_MIB_SACKRECOVERY : XTCP_MIB_RENORECOVERY);
	xsk->prior_ssthresh = 0;
	xtcp_init_undo(xsk);
	if (!xtcp_in_cwnd_reduction(xsk)) {
		xsk->prior_ssthresh = xtcp_current_ssthresh(xsk);
		xtcp_init_cwnd_reduction(sk);
	}
	xtcp_set_ca_state(sk, TCP_CA_Recovery);
}

/* The twin of tcp_end_cwnd_reduction(): cwnd ends at ssthresh, unless
 * the reduction was undone.
 */
void xtcp_end_cwnd_reduction(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xsk->snd_ssthresh < U32_MAX &&
	    (xsk->ca_state == TCP_CA_CWR || xsk->undo_marker))
		xsk->snd_cwnd = xsk->snd_ssthresh;
	xtcp_ca_event(sk, CA_EVENT_COMPLETE_CWR);
}

/* The twin of tcp_cwnd_reduction(): Proportional Rate Reduction (RFC
 * 6937) sets cwnd so that what is sent in recovery follows what is
 * delivered, down to ssthresh.
 */
void xtcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked,
			 int newly_lost, int flag)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int delta = xsk->snd_ssthresh - xtcp_packets_in_flight(xsk);
	int sndcnt;

	if (newly_acked_sacked <= 0 || WARN_ON_ONCE(!xsk->prior_cwnd))
		return;
	xsk->prr_delivered += newly_acked_sacked;
	if (delta < 0) {
		u64 dividend = (u64)xsk->snd_ssthresh * xsk->prr_delivered +
			       xsk->prior_cwnd - 1;

		sndcnt = div_u64(dividend, xsk->prior_cwnd) - xsk->prr_out;
	} else {
		/* PRR-SSRB: slow start back up to ssthresh */
		sndcnt = max_t(int, xsk->prr_delivered - xsk->prr_out,
			       newly_acked_sacked);
		if (flag & XTCP_FLAG_SND_UNA_ADVANCED && !newly_lost)
			sndcnt++;
		sndcnt = min(delta, sndcnt);
	}
	/* the fast retransmit itself always goes */
	sndcnt = max(sndcnt, xsk->prr_out ? 0 : 1);
	/* never 0, even when a whole lost GSO skb empties the pipe: a
	 * later reduction starts from it (prior_cwnd)
	 */
	xsk->snd_cwnd = max(xtcp_packets_in_flight(xsk) + sndcnt, 1U);
}

/* Loss state (after an RTO): the twin of tcp_process_loss() without
 * F-RTO and undo.
 */
static void xtcp_process_loss(struct sock *sk, int flag, int num_dupack,
			      bool *rexmit)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if ((flag & XTCP_FLAG_SND_UNA_ADVANCED) && xtcp_try_undo_loss(sk))
		return;
	if (!before(xsk->snd_una, xsk->high_seq)) {
		xtcp_try_undo_recovery(sk);
		return;
	}
	if (!xtcp_is_sack(xsk)) {
		if (after(xsk->snd_nxt, xsk->high_seq) && num_dupack)
			xtcp_add_reno_sack(sk, num_dupack);
		else if (flag & XTCP_FLAG_SND_UNA_ADVANCED)
			xsk->sacked_out = 0;
	}
	*rexmit = true;
}

/* The twin of tcp_fastretrans_alert(): called for ACKs that are
 * duplicate, SACK something, or come while not Open.  Sets *@rexmit when
 * lost segments are to be retransmitted.
 */
static void xtcp_fastretrans_alert(struct sock *sk, int num_dupack,
				   int *ack_flag, bool *rexmit)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int flag = *ack_flag;
	bool fast_rexmit = false;
	bool do_lost = num_dupack || ((flag & XTCP_FLAG_DATA_SACKED) &&
				      xtcp_force_fast_retransmit(xsk));

	if (!xsk->packets_out && xsk->sacked_out)
		xsk->sacked_out = 0;

	/* the peer dropped data it had SACKed: wait a little for the
	 * ACK that explains, then the RTO retransmits (tcp_check_sack_reneging)
	 */
	if ((flag & XTCP_FLAG_SACK_RENEGING) &&
	    (flag & XTCP_FLAG_SND_UNA_ADVANCED)) {
		unsigned long delay = max(usecs_to_jiffies(xsk->srtt_us >> 4),
					  msecs_to_jiffies(10));

		xtcp_reset_xmit_timer(sk, ICSK_TIME_RETRANS, delay);
		*ack_flag &= ~XTCP_FLAG_SET_XMIT_TIMER;
		return;
	}

	/* recovery ends when high_seq is acked */
	if (xsk->ca_state == TCP_CA_Recovery &&
	    !before(xsk->snd_una, xsk->high_seq)) {
		if (!xtcp_is_sack(xsk))
			xsk->sacked_out = 0;
		if (xtcp_try_undo_recovery(sk))
			return;
		xtcp_end_cwnd_reduction(sk);
	}

	switch (xsk->ca_state) {
	case TCP_CA_Recovery:
		if (!(flag & XTCP_FLAG_SND_UNA_ADVANCED)) {
			if (!xtcp_is_sack(xsk))
				xtcp_add_reno_sack(sk, num_dupack);
		} else {
			/* a partial ACK (RFC 6582, RFC 6675) */
			do_lost = xtcp_force_fast_retransmit(xsk);
		}
		if (xtcp_try_undo_dsack(sk))
			xtcp_try_keep_open(sk);
		xtcp_identify_packet_loss(sk, ack_flag);
		if (xsk->ca_state != TCP_CA_Recovery) {
			/* undone: loss may still be evident */
			if (!xtcp_time_to_recover(sk))
				return;
			xtcp_enter_recovery(sk);
		}
		break;
	case TCP_CA_Loss:
		xtcp_process_loss(sk, flag, num_dupack, rexmit);
		xtcp_identify_packet_loss(sk, ack_flag);
		if (xsk->ca_state != TCP_CA_Open &&
		    !(*ack_flag & XTCP_FLAG_LOST_RETRANS))
			return;
		fallthrough;
	default:
		if (!xtcp_is_sack(xsk)) {
			if (flag & XTCP_FLAG_SND_UNA_ADVANCED)
				xsk->sacked_out = 0;
			xtcp_add_reno_sack(sk, num_dupack);
		}
		if (xsk->ca_state <= TCP_CA_Disorder)
			xtcp_try_undo_dsack(sk);
		xtcp_identify_packet_loss(sk, ack_flag);
		if (!xtcp_time_to_recover(sk)) {
			xtcp_try_keep_open(sk);
			return;
		}
		xtcp_enter_recovery(sk);
		fast_rexmit = true;
	}
	if (!xtcp_is_rack(sk) && do_lost)
		xtcp_update_scoreboard(sk, fast_rexmit);
	*rexmit = true;
}

/* The twin of tcp_timeout_mark_lost() and tcp_enter_loss(), for the
 * RTO: everything not SACKed is lost (all of it when the peer reneged;
 * with RACK, not what was sent within the last RACK.RTT, but the head),
 * cwnd restarts from one segment and recovery goes back to snd_una.
 */
void xtcp_enter_loss(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *head = xtcp_rtx_head(sk), *skb;
	bool rack = xtcp_is_rack(sk);
	bool is_reneg;

	is_reneg = head && (XTCP_SKB_CB(head)->sacked & XTCPCB_SACKED_ACKED);
	if (is_reneg) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SACKRENEGING);
		xsk->sacked_out = 0;
	} else if (!xtcp_is_sack(xsk)) {
		xsk->sacked_out = 0;
	}
	xsk->tcp_mstamp = xtcp_clock_us();
	for (skb = head; skb; skb = xtcp_rtx_next(sk, skb)) {
		if (is_reneg)
			XTCP_SKB_CB(skb)->sacked &= ~XTCPCB_SACKED_ACKED;
		else if (rack && skb != head &&
			 xtcp_rack_skb_timeout(xsk, skb, 0) > 0)
			continue;
		xtcp_mark_skb_lost(sk, skb);
	}

	/* cut ssthresh once per window of data */
	if (xsk->ca_state <= TCP_CA_Disorder ||
	    !after(xsk->high_seq, xsk->snd_una) ||
	    (xsk->ca_state == TCP_CA_Loss &&
	     !inet_csk(sk)->icsk_retransmits)) {
		xsk->prior_ssthresh = xtcp_current_ssthresh(xsk);
		xsk->prior_cwnd = xsk->snd_cwnd;
		xsk->snd_ssthresh = xsk->ca_ops->ssthresh(sk);
		xtcp_ca_event(sk, CA_EVENT_LOSS);
		xtcp_init_undo(xsk);
	}
	xsk->snd_cwnd = xtcp_packets_in_flight(xsk) + 1;
	xsk->snd_cwnd_cnt = 0;
	xtcp_set_ca_state(sk, TCP_CA_Loss);
	xsk->high_seq = xsk->snd_nxt;
	xsk->tlp_high_seq = 0;
}

/* The congestion part of tcp_init_transfer(): the connection is
 * established; a SYN lost on the way does not cut the first window
 * (ssthresh starts infinite, as 6.1's tcp_init_metrics() resets it).
 */
static void xtcp_init_transfer(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	xsk->snd_cwnd = XTCP_INIT_CWND;
	xsk->snd_ssthresh = U32_MAX;
	xsk->snd_cwnd_cnt = 0;
	xsk->ca_state = TCP_CA_Open;
	if (!xsk->ca_initialized)
		xtcp_init_congestion_control(sk);
}

/* ------------------------------------------------------------------ */

/* The twin of tcp_stamp_us_delta(): usecs from @t0 to @t1, >= 0. */
static long xtcp_stamp_delta(u64 t1, u64 t0)
{
	return max_t(s64, t1 - t0, 0);
}

/* The twin of tcp_skb_spurious_retrans(): the ACK echoes a timestamp
 * older than @skb's retransmission, so the original was delivered.
 */
static bool xtcp_skb_spurious_retrans(const struct xtcp_sock *xsk,
				      const struct sk_buff *skb,
				      const struct xtcp_options_received *rx)
{
	const struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

	return tcb->retransmitted && rx->saw_tstamp && rx->rcv_tsecr &&
	       xsk->tstamp_ok &&
	       before(rx->rcv_tsecr - xsk->tsoffset,
		      (u32)div_u64(tcb->mstamp, USEC_PER_MSEC));
}

/* The twin of tcp_ack_update_rtt(): an RTT sample from the send times
 * of what the ACK newly acked (never from a retransmitted skb: Karn),
 * else of what it newly SACKed, else from the echoed timestamp.
 * @ca_rtt_us (of the last skb delivered) feeds min_rtt.  Returns true
 * when SRTT took a sample.
 */
static bool xtcp_ack_update_rtt(struct sock *sk, int flag, long seq_rtt_us,
				long sack_rtt_us, long *ca_rtt_us,
				const struct xtcp_options_received *rx)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (seq_rtt_us < 0)
		seq_rtt_us = sack_rtt_us;
	if (seq_rtt_us < 0 && rx->saw_tstamp && rx->rcv_tsecr &&
	    xsk->tstamp_ok && (flag & XTCP_FLAG_ACKED)) {
		u32 delta = xtcp_ts_now() + xsk->tsoffset - rx->rcv_tsecr;

		if (delta < INT_MAX / USEC_PER_MSEC) {
			seq_rtt_us = max(delta, 1U) * USEC_PER_MSEC;
			*ca_rtt_us = seq_rtt_us;
		}
	}
	if (seq_rtt_us < 0)
		return false;
	xtcp_update_rtt_min(xsk, *ca_rtt_us);
	xtcp_rtt_estimator(sk, seq_rtt_us);
	/* RFC 6298: a valid sample ends the backoff */
	inet_csk(sk)->icsk_backoff = 0;
	return true;
}

/* Free what the ACK covers and account it: the twin of
 * tcp_clean_rtx_queue().  snd_una is already the ACK; @sack is what its
 * SACK blocks told.  Returns XTCP_FLAG_* bits.
 */
static int xtcp_clean_rtx_queue(struct sock *sk, u32 prior_fack,
				const struct xtcp_options_received *rx,
				const struct xtcp_sacktag_state *sack)
{
	long seq_rtt_us = -1, sack_rtt_us = -1, ca_rtt_us = -1;
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u64 first_ackt = 0, last_ackt = 0;
	u32 reord = xsk->snd_nxt;
	u32 pkts_acked = 0;
	struct sk_buff *skb;
	bool rtt_update;
	int flag = 0;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != xsk->send_head) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
		u32 start = tcb->seq, acked;
		u8 sacked = tcb->sacked;
		bool fully_acked = true;

		if (after(tcb->end_seq, xsk->snd_una)) {
			/* the first segments of an skb of several
			 * (tcp_tso_acked())
			 */
			if (xtcp_skb_pcount(skb) == 1 ||
			    !after(xsk->snd_una, tcb->seq))
				break;
			acked = xtcp_trim_head(sk, skb,
					       xsk->snd_una - tcb->seq);
			if (!acked)
				break;
			fully_acked = false;
		} else {
			acked = xtcp_skb_pcount(skb);
		}
		if (tcb->retransmitted) {
			flag |= XTCP_FLAG_RETRANS_DATA_ACKED;
		} else if (!(sacked & XTCPCB_SACKED_ACKED)) {
			last_ackt = tcb->mstamp;
			if (!first_ackt)
				first_ackt = last_ackt;
			if (before(start, reord))
				reord = start;
		}
		pkts_acked += acked;
		flag |= tcb->tcp_flags & TCPHDR_SYN ? XTCP_FLAG_SYN_ACKED :
						      XTCP_FLAG_DATA_ACKED;
		if (!(sacked & XTCPCB_SACKED_ACKED) && xtcp_is_sack(xsk)) {
			xsk->delivered += acked;
			if (!xtcp_skb_spurious_retrans(xsk, skb, rx))
				xtcp_rack_advance(xsk, tcb->retransmitted,
						  tcb->end_seq, tcb->mstamp);
		}
		/* a trimmed skb's counts went down in xtcp_trim_head() */
		if (!fully_acked)
			break;
		if (sacked & XTCPCB_SACKED_RETRANS)
			xsk->retrans_out -= acked;
		if (sacked & XTCPCB_SACKED_ACKED)
			xsk->sacked_out -= acked;
		if (sacked & XTCPCB_LOST)
			xsk->lost_out -= acked;
		xsk->packets_out -= min(xsk->packets_out, acked);
		__skb_unlink(skb, &sk->sk_write_queue);
		xtcp_wmem_queued_add(sk, -skb->truesize);
		__kfree_skb(skb);
	}
	if (skb == xsk->send_head)
		skb = NULL;
	/* the head is one the peer SACKed but does not ack: reneging */
	if (skb && (XTCP_SKB_CB(skb)->sacked & XTCPCB_SACKED_ACKED))
		flag |= XTCP_FLAG_SACK_RENEGING;

	if (first_ackt && !(flag & XTCP_FLAG_RETRANS_DATA_ACKED)) {
		seq_rtt_us = xtcp_stamp_delta(xsk->tcp_mstamp, first_ackt);
		ca_rtt_us = xtcp_stamp_delta(xsk->tcp_mstamp, last_ackt);
	}
	if (sack->first_sackt) {
		sack_rtt_us = xtcp_stamp_delta(xsk->tcp_mstamp,
					       sack->first_sackt);
		ca_rtt_us = xtcp_stamp_delta(xsk->tcp_mstamp,
					     sack->last_sackt);
	}
	rtt_update = xtcp_ack_update_rtt(sk, flag, seq_rtt_us, sack_rtt_us,
					 &ca_rtt_us, rx);

	if (pkts_acked) {
		/* the probe timer, or the RTO, from now */
		flag |= XTCP_FLAG_SET_XMIT_TIMER;
		if (!xtcp_is_sack(xsk))
			xtcp_remove_reno_sacks(sk, pkts_acked);
		else if (before(reord, prior_fack))
			/* a hole filled without a retransmission */
			xtcp_check_sack_reordering(sk, reord);
		if (xsk->ca_ops->pkts_acked)
			xsk->ca_ops->pkts_acked(sk, pkts_acked, ca_rtt_us);
	} else if (skb && rtt_update && sack_rtt_us >= 0 &&
		   sack_rtt_us > xtcp_stamp_delta(xsk->tcp_mstamp,
						  XTCP_SKB_CB(skb)->mstamp)) {
		/* SACKs of data sent after the head's last transmission
		 * push the RTO back; not those of data sent before, or
		 * the RTO would keep moving in recovery
		 */
		flag |= XTCP_FLAG_SET_XMIT_TIMER;
	}
	return flag;
}

/* The twin of tcp_process_tlp_ack(): an ACK at or past the loss probe
 * ends its episode.  When the probe was a retransmission that the ACK
 * does not show to be a duplicate (a D-SACK of it, or a pure duplicate
 * ACK), it repaired a loss: cwnd is reduced as for one.
 */
static void xtcp_process_tlp_ack(struct sock *sk, u32 ack, int flag)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (before(ack, xsk->tlp_high_seq))
		return;
	if (!xsk->tlp_retrans) {
		/* the probe was new data, and it is acked */
		xsk->tlp_high_seq = 0;
	} else if (flag & XTCP_FLAG_DSACK_TLP) {
		/* original and probe both arrived: no loss */
		xsk->tlp_high_seq = 0;
	} else if (after(ack, xsk->tlp_high_seq)) {
		/* the probe repaired a loss (xtcp_init_cwnd_reduction()
		 * ends the episode)
		 */
		xtcp_init_cwnd_reduction(sk);
		xtcp_set_ca_state(sk, TCP_CA_CWR);
		xtcp_end_cwnd_reduction(sk);
		xtcp_try_keep_open(sk);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LOSSPROBERECOVERY);
	} else if (!(flag & (XTCP_FLAG_SND_UNA_ADVANCED | XTCP_FLAG_NOT_DUP |
			     XTCP_FLAG_DATA_SACKED))) {
		/* a pure duplicate ACK: original and probe arrived */
		xsk->tlp_high_seq = 0;
	}
}

/* The twin of tcp_set_xmit_timer(): the probe timer when it applies,
 * else the RTO.
 */
static void xtcp_set_xmit_timer(struct sock *sk)
{
	if (!xtcp_schedule_loss_probe(sk, true))
		xtcp_rearm_rto(sk);
}

/* The twin of tcp_cong_control(): reduce cwnd in recovery (PRR), else
 * let the algorithm grow it when new data was acked.
 */
static void xtcp_cong_control(struct sock *sk, u32 ack, u32 acked_sacked,
			      int newly_lost, int flag)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xtcp_in_cwnd_reduction(xsk))
		xtcp_cwnd_reduction(sk, acked_sacked, newly_lost, flag);
	else if (flag & XTCP_FLAG_DATA_ACKED)
		xsk->ca_ops->cong_avoid(sk, ack, acked_sacked);
}

/* The twin of tcp_sndbuf_expand(), from tcp_new_space(): as cwnd grows,
 * the send buffer holds twice cwnd's worth of skbs (CUBIC's 1.7 rounded
 * up), unless the user set SO_SNDBUF or the protocol is short of memory
 * (tcp_should_expand_sndbuf()).
 */
static void xtcp_sndbuf_expand(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int per_mss, sndmem;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK ||
	    xtcp_under_memory_pressure(sk) ||
	    sk_memory_allocated(sk) >= sk_prot_mem_limits(sk, 0) ||
	    xtcp_packets_in_flight(xsk) >= xsk->snd_cwnd)
		return;
	per_mss = roundup_pow_of_two(SKB_TRUESIZE(min_t(int, xsk->mss_cache,
							16384) + MAX_HEADER +
						  128));
	sndmem = 2 * max_t(u32, xsk->snd_cwnd, XTCP_INIT_CWND) * per_mss;
	if (sk->sk_sndbuf < sndmem)
		WRITE_ONCE(sk->sk_sndbuf,
			   min(sndmem,
			       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[2])));
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
	u32 prior_fack = xtcp_highest_sack_seq(xsk);
	u32 prior_packets = xsk->packets_out;
	u32 prior_delivered = xsk->delivered;
	u32 prior_lost = xsk->lost;
	u32 nwin = ntohs(tcp_hdr(skb)->window);
	bool sack = rx->sack_off && xtcp_is_sack(xsk);
	struct xtcp_sacktag_state sack_state = {};
	bool rexmit = false;
	int num_dupack = 0;
	int flag = 0;

	xsk->tcp_mstamp = xtcp_clock_us();

	if (before(ack, prior_una)) {
		/* RFC 5961 5.2: older than a window (and than what was
		 * ever acked) is blind injection
		 */
		if (before(ack, prior_una - min(xsk->max_window, prior_una -
						 xsk->snd_isn - 1))) {
			xtcp_send_challenge_ack(sk);
			return false;
		}
		/* an old duplicate: its SACK blocks still count */
		if (sack)
			xtcp_sacktag_write_queue(sk, skb, rx, prior_una,
						 &sack_state);
		return true;
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

	if (after(ack, prior_una)) {
		flag |= XTCP_FLAG_SND_UNA_ADVANCED;
		icsk->icsk_retransmits = 0;
		xsk->retrans_stamp = 0;
	}
	if (tcb->seq != tcb->end_seq)
		flag |= XTCP_FLAG_DATA;

	/* Window update, as tcp_may_update_window() allows it.  The window
	 * of a SYN (the SYN-ACK xtcp_rcv_synsent_state_process() passes
	 * here) is never scaled, as in tcp_ack_update_window(): scaled, it
	 * would let us send far beyond a small receive buffer.
	 */
	if (!tcp_hdr(skb)->syn)
		nwin <<= xsk->snd_wscale;
	if (after(ack, prior_una) || after(tcb->seq, xsk->snd_wl1) ||
	    (tcb->seq == xsk->snd_wl1 && nwin > xsk->snd_wnd)) {
		flag |= XTCP_FLAG_WIN_UPDATE;
		xsk->snd_wl1 = tcb->seq;
		xsk->snd_wnd = nwin;
		xsk->max_window = max(xsk->max_window, nwin);
	}
	xsk->snd_una = ack;

	if (sack)
		flag |= xtcp_sacktag_write_queue(sk, skb, rx, prior_una,
						 &sack_state);
	if (!prior_packets)
		goto no_queue;

	flag |= xtcp_clean_rtx_queue(sk, prior_fack, rx, &sack_state);
	if (xsk->delivered != prior_delivered)
		xtcp_rack_update_reo_wnd(sk);
	if (xsk->tlp_high_seq)
		xtcp_process_tlp_ack(sk, ack, flag);

	/* tcp_ack_is_dubious() */
	if (!(flag & XTCP_FLAG_NOT_DUP) || (flag & XTCP_FLAG_CA_ALERT) ||
	    xsk->ca_state != TCP_CA_Open) {
		if (!(flag & (XTCP_FLAG_SND_UNA_ADVANCED | XTCP_FLAG_NOT_DUP |
			      XTCP_FLAG_DSACKING_ACK)))
			num_dupack = 1;
		xtcp_fastretrans_alert(sk, num_dupack, &flag, &rexmit);
	}

	if (flag & XTCP_FLAG_SET_XMIT_TIMER)
		xtcp_set_xmit_timer(sk);

	xtcp_cong_control(sk, ack, xsk->delivered - prior_delivered,
			  xsk->lost - prior_lost, flag);
	if (rexmit && sk->sk_state != TCP_CLOSE)
		xtcp_xmit_retransmit_queue(sk);
	if (flag & XTCP_FLAG_ACKED)
		xtcp_sndbuf_expand(sk);

no_queue:
	if (!prior_packets && xsk->tlp_high_seq)
		xtcp_process_tlp_ack(sk, ack, flag);
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
 * Memory: every queued skb is charged to sk_rmem_alloc and to the
 * protocol's memory (net.xtcp.mem) by skb_set_owner_r(), after
 * sk_rmem_schedule() took the pages for it: the bounds are sk_rcvbuf
 * and the protocol's limits, checked as tcp_try_rmem_schedule() checks
 * them.
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

/* The twin of tcp_clamp_window(): the queues outgrew the receive
 * buffer (the sender sent more than the window, or skbs cost more than
 * the window counts).  Grow the buffer to what they hold, within
 * net.ipv4.tcp_rmem[2], unless the user set it or the protocol is short
 * of memory; and stop quick ACKs.
 */
static void xtcp_clamp_window(struct sock *sk)
{
	struct net *net = sock_net(sk);
	int rmem2 = READ_ONCE(net->ipv4.sysctl_tcp_rmem[2]);

	inet_csk(sk)->icsk_ack.quick = 0;
	if (sk->sk_rcvbuf < rmem2 &&
	    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    !xtcp_under_memory_pressure(sk) &&
	    sk_memory_allocated(sk) < sk_prot_mem_limits(sk, 0))
		WRITE_ONCE(sk->sk_rcvbuf,
			   min(atomic_read(&sk->sk_rmem_alloc), rmem2));
}

/* The twin of tcp_prune_queue(): the sock is over its receive buffer,
 * or the protocol has no memory for more.  Grow the buffer if it may
 * (xtcp_clamp_window()); else collapse the queues, then drop
 * out-of-order data.  Returns -1 when even that did not bring it within
 * the buffer: the caller drops the segment (the sender will send it
 * again).
 */
static int xtcp_prune_queue(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int rcvbuf;

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PRUNECALLED);
	if (atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf))
		xtcp_clamp_window(sk);
	rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	if (atomic_read(&sk->sk_rmem_alloc) <= rcvbuf)
		return 0;

	xtcp_collapse_ofo_queue(sk);
	if (!skb_queue_empty(&sk->sk_receive_queue))
		xtcp_collapse(sk, &sk->sk_receive_queue, NULL,
			      skb_peek(&sk->sk_receive_queue), NULL,
			      xsk->copied_seq, xsk->rcv_nxt);
	sk_mem_reclaim(sk);
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

/* The twin of tcp_rcv_rtt_update(): fold @sample (usecs) into the
 * receiver's RTT estimate.  A sample taken once a window (@win_dep) is
 * an upper bound of the RTT (the sender may not have filled the
 * window): it only ever lowers the estimate.  A TSecr sample is
 * averaged in with weight 1/8.
 */
static void xtcp_rcv_rtt_update(struct xtcp_sock *xsk, u32 sample,
				bool win_dep)
{
	u32 est = xsk->rcv_rtt_est.rtt_us;

	if (!est)
		est = sample << 3;
	else if (win_dep)
		est = min(est, sample << 3);
	else
		est = est + sample - (est >> 3);
	xsk->rcv_rtt_est.rtt_us = max(est, 1U);
}

/* The twin of tcp_rcv_rtt_measure(): without timestamps, the time a
 * window of data takes to arrive is one RTT at most.  Called for
 * in-order data.
 */
static void xtcp_rcv_rtt_measure(struct xtcp_sock *xsk)
{
	u64 now = tcp_clock_us();

	if (xsk->rcv_rtt_est.time) {
		if (before(xsk->rcv_nxt, xsk->rcv_rtt_est.seq))
			return;
		xtcp_rcv_rtt_update(xsk, max_t(u64, now -
					       xsk->rcv_rtt_est.time, 1),
				    true);
	}
	xsk->rcv_rtt_est.seq = xsk->rcv_nxt + xsk->rcv_wnd;
	xsk->rcv_rtt_est.time = now;
}

/* The twin of tcp_rcv_rtt_measure_ts(): a full segment echoing a new
 * TSecr gives an RTT sample, from our clock to the peer and back.
 */
static void xtcp_rcv_rtt_measure_ts(struct sock *sk, const struct sk_buff *skb,
				    const struct xtcp_options_received *rx)
{
	const struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 delta;

	if (!rx->saw_tstamp || !xsk->tstamp_ok ||
	    rx->rcv_tsecr == xsk->rcv_rtt_last_tsecr)
		return;
	xsk->rcv_rtt_last_tsecr = rx->rcv_tsecr;
	if (tcb->end_seq - tcb->seq < xsk->rcv_mss)
		return;
	delta = xtcp_ts_now() + xsk->tsoffset - rx->rcv_tsecr;
	if (delta >= INT_MAX / USEC_PER_MSEC)
		return;
	xtcp_rcv_rtt_update(xsk, max(delta, 1U) * USEC_PER_MSEC, false);
}

/* The twin of tcp_rcv_space_adjust(), dynamic right-sizing: once per
 * receiver RTT, see how much the reader took in it.  When that beat the
 * last RTT's, grow sk_rcvbuf (and the window clamp with it) so that the
 * window holds twice what the reader takes, and more while the rate
 * grows, as memory for full segments costs; unless the user locked the
 * buffer (SO_RCVBUF) or net.xtcp.moderate_rcvbuf is off.  The buffer
 * never shrinks here, and never passes net.ipv4.tcp_rmem[2].  Called by
 * the readers, under the socket lock.
 */
void xtcp_rcv_space_adjust(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u64 now = tcp_clock_us();
	u32 copied;

	if (!xsk->rcv_rtt_est.rtt_us ||
	    now - xsk->rcvq_space.time < (xsk->rcv_rtt_est.rtt_us >> 3))
		return;

	copied = xsk->copied_seq - xsk->rcvq_space.seq;
	if (copied <= xsk->rcvq_space.space)
		goto new_measure;

	if (XTCP_SYSCTL(sock_net(sk), moderate_rcvbuf) &&
	    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
		u32 advmss = max_t(u32, xsk->advmss, 1);
		u64 rcvwin, grow;
		int rcvmem;
		u64 rcvbuf;

		/* twice the last RTT's data, slack for 16 segments of
		 * reordering, and twice the growth seen on top
		 */
		rcvwin = ((u64)copied << 1) + 16 * advmss;
		grow = div_u64(rcvwin * (copied - xsk->rcvq_space.space),
			       max_t(u32, xsk->rcvq_space.space, 1));
		rcvwin += grow << 1;

		/* what one full segment costs in truesize */
		rcvmem = SKB_TRUESIZE(advmss + MAX_TCP_HEADER);
		while (xtcp_win_from_space(rcvmem) < advmss)
			rcvmem += 128;

		rcvbuf = div_u64(rcvwin, advmss) * rcvmem;
		rcvbuf = min_t(u64, rcvbuf,
			       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]));
		if (rcvbuf > sk->sk_rcvbuf) {
			WRITE_ONCE(sk->sk_rcvbuf, (int)rcvbuf);
			xsk->window_clamp = xtcp_win_from_space(rcvbuf);
		}
	}
	xsk->rcvq_space.space = copied;

new_measure:
	xsk->rcvq_space.seq = xsk->copied_seq;
	xsk->rcvq_space.time = now;
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
		if (skb_queue_empty(&sk->sk_receive_queue)) {
			xtcp_forced_mem_schedule(sk, skb->truesize,
						 SK_MEM_RECV);
		} else if (xtcp_try_rmem_schedule(sk, skb, skb->truesize)) {
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
		/* tcp_event_data_recv(): idle time, for keepalive, and the
		 * receiver's RTT for autotuning
		 */
		if (skb->len) {
			inet_csk(sk)->icsk_ack.lrcvtime = jiffies;
			xtcp_rcv_rtt_measure(xsk);
		}
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

/* The twin of tcp_init_buffer_space(), once the connection is
 * established.  The window clamp fits the receive buffer, less one
 * segment (so that a full window always leaves room for one more), and
 * autotuning starts from the first window's worth of data (at most ten
 * segments).  Then the send buffer: room for two initial windows of
 * full segments, as they cost in memory, unless the user set SO_SNDBUF.
 */
void xtcp_init_buffer_space(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 maxwin = xtcp_win_from_space(READ_ONCE(sk->sk_rcvbuf));
	int per_mss, sndmem;

	xsk->rcv_rtt_est.rtt_us = 0;
	xsk->rcv_rtt_est.time = 0;
	xsk->rcv_rtt_last_tsecr = 0;
	xsk->rcvq_space.time = tcp_clock_us();
	xsk->rcvq_space.seq = xsk->copied_seq;
	if (xsk->window_clamp >= maxwin)
		xsk->window_clamp = maxwin;
	if (xsk->window_clamp > 2U * xsk->advmss &&
	    xsk->window_clamp + xsk->advmss > maxwin)
		xsk->window_clamp = max(2U * xsk->advmss,
					maxwin - xsk->advmss);
	xsk->rcvq_space.space = min_t(u32, xsk->rcv_wnd,
				      XTCP_INIT_CWND * xsk->advmss);

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
		xtcp_init_transfer(sk);
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

	/* tcp_paws_discard(): TCP_PAWS_WINDOW tolerates a TSval one less */
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
		xtcp_init_transfer(sk);
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
		/* An orphan waits for the peer's FIN as a time-wait sock,
		 * but not yet when this segment carries the FIN (xtcp_fin()
		 * takes it below) or close() still owns the sock: the FIN
		 * may wait behind this ACK in the backlog, and close() does
		 * it once the backlog is done.
		 */
		if (!th->fin && !sock_owned_by_user(sk)) {
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
		xtcp_rcv_rtt_measure_ts(sk, skb, &rx);
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
