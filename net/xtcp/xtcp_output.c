// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP output: the twin of net/ipv4/tcp_output.c.
 */

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp_states.h>
#include <net/xtcp.h>

#define XTCP_HDR_MAX	(MAX_HEADER + 128)

/* The twin of tcp_sync_mss(): remember the path MTU and derive the MSS
 * from it, net of the IP and TCP headers (timestamps included) and of IP
 * options, and of what the peer can take.
 */
unsigned int xtcp_sync_mss(struct sock *sk, u32 pmtu)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int mss;

	mss = pmtu - sizeof(struct iphdr) - sizeof(struct tcphdr) -
	      icsk->icsk_ext_hdr_len;
	if (xsk->rx_mss && mss > xsk->rx_mss)
		mss = xsk->rx_mss;
	if (xsk->user_mss && mss > xsk->user_mss)
		mss = xsk->user_mss;
	if (xsk->tstamp_ok)
		mss -= TCPOLEN_TSTAMP_ALIGNED;
	mss = max(mss, 48);
	icsk->icsk_pmtu_cookie = pmtu;
	xsk->mss_cache = mss;
	return mss;
}

/* The twin of tcp_current_mss(): follow the route's MTU when it changed
 * (a lower device MTU, a learned path MTU, one that expired).  Under the
 * socket lock.
 */
unsigned int xtcp_current_mss(struct sock *sk)
{
	const struct dst_entry *dst = __sk_dst_get(sk);

	if (dst) {
		u32 mtu = dst_mtu(dst);

		if (mtu != inet_csk(sk)->icsk_pmtu_cookie)
			xtcp_sync_mss(sk, mtu);
	}
	return xtcp_sk(sk)->mss_cache;
}

struct xtcp_out_options {
	u16	mss;
	u8	ws;
	u8	ws_ok : 1,
		sack_ok : 1,
		ts_ok : 1;
	u8	num_sack_blocks;	/* of @sacks: D-SACK first */
	u32	tsval;
	u32	tsecr;
	struct tcp_sack_block	sacks[4];
};

/* Options in Linux's order: MSS, SACK-permitted with timestamps,
 * window scale, SACK blocks.  Returns the size in bytes (a multiple
 * of 4).
 */
static unsigned int xtcp_options_size(const struct xtcp_out_options *opts)
{
	unsigned int size = 0;

	if (opts->mss)
		size += TCPOLEN_MSS_ALIGNED;
	if (opts->ts_ok)
		size += TCPOLEN_TSTAMP_ALIGNED;
	else if (opts->sack_ok)
		size += TCPOLEN_SACKPERM_ALIGNED;
	if (opts->ws_ok)
		size += TCPOLEN_WSCALE_ALIGNED;
	if (opts->num_sack_blocks)
		size += TCPOLEN_SACK_BASE_ALIGNED +
			opts->num_sack_blocks * TCPOLEN_SACK_PERBLOCK;
	return size;
}

static void xtcp_options_write(__be32 *ptr, const struct xtcp_out_options *opts)
{
	if (opts->mss)
		*ptr++ = htonl((TCPOPT_MSS << 24) | (TCPOLEN_MSS << 16) |
			       opts->mss);
	if (opts->ts_ok) {
		if (opts->sack_ok)
			*ptr++ = htonl((TCPOPT_SACK_PERM << 24) |
				       (TCPOLEN_SACK_PERM << 16) |
				       (TCPOPT_TIMESTAMP << 8) |
				       TCPOLEN_TIMESTAMP);
		else
			*ptr++ = htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
				       (TCPOPT_TIMESTAMP << 8) |
				       TCPOLEN_TIMESTAMP);
		*ptr++ = htonl(opts->tsval);
		*ptr++ = htonl(opts->tsecr);
	} else if (opts->sack_ok) {
		*ptr++ = htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
			       (TCPOPT_SACK_PERM << 8) | TCPOLEN_SACK_PERM);
	}
	if (opts->ws_ok)
		*ptr++ = htonl((TCPOPT_NOP << 24) | (TCPOPT_WINDOW << 16) |
			       (TCPOLEN_WINDOW << 8) | opts->ws);
	if (opts->num_sack_blocks) {
		int i;

		*ptr++ = htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
			       (TCPOPT_SACK << 8) |
			       (TCPOLEN_SACK_BASE + opts->num_sack_blocks *
						    TCPOLEN_SACK_PERBLOCK));
		for (i = 0; i < opts->num_sack_blocks; i++) {
			*ptr++ = htonl(opts->sacks[i].start_seq);
			*ptr++ = htonl(opts->sacks[i].end_seq);
		}
	}
}

/* The SACK half of tcp_established_options(): the D-SACK block, then the
 * SACK blocks (RFC 2018, RFC 2883), as many as the 40 bytes of options
 * leave room for after the others (3 with timestamps, 4 without).  On a
 * segment with data only as many as fit the MSS, so that it stays
 * within the path MTU.  The D-SACK goes out once.
 */
static void xtcp_sack_options(struct sock *sk, unsigned int seg_len,
			      struct xtcp_out_options *opts)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int room = MAX_TCP_OPTION_SPACE - xtcp_options_size(opts);
	int n = xsk->num_sacks + xsk->dsack, i = 0, j = 0;

	if (!n || !xsk->sack_ok)
		return;
	if (seg_len)
		room = min_t(int, room, (int)xsk->mss_cache - (int)seg_len);
	if (room < TCPOLEN_SACK_BASE_ALIGNED + TCPOLEN_SACK_PERBLOCK)
		return;
	n = min_t(int, n, (room - TCPOLEN_SACK_BASE_ALIGNED) /
			  TCPOLEN_SACK_PERBLOCK);
	if (xsk->dsack) {
		opts->sacks[i++] = xsk->duplicate_sack[0];
		xsk->dsack = 0;
	}
	while (i < n)
		opts->sacks[i++] = xsk->selective_acks[j++];
	opts->num_sack_blocks = n;
}

/* The twin of tcp_select_initial_window(): the window offered in the
 * handshake, and the scale that lets the receive buffer's maximum fit.
 * A buffer the user set (SO_RCVBUF) never grows: 6.1 then clamps the
 * window to its full space (tcp_connect_init(), tcp_openreq_init_rwin())
 * and scales for that alone, so a small buffer gets no scale and its
 * window moves by whole segments down to zero.
 */
u32 xtcp_select_initial_window(const struct sock *sk, int mss, u8 *rcv_wscale)
{
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	int space = max(rcvbuf, 4 * mss) / 2;
	int maxspace = max_t(int, space,
			     READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]));
	u8 wscale = 0;

	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		maxspace = min(maxspace, rcvbuf / 2);

	while (maxspace > U16_MAX && wscale < XTCP_MAX_WSCALE) {
		maxspace >>= 1;
		wscale++;
	}
	*rcv_wscale = wscale;
	return rounddown(space, mss);
}

/* The twin of __tcp_select_window(): the window the free receive space
 * allows (half of it: the other half pays for skb overhead), with RFC
 * 1122's receiver-side silly window avoidance: when less than half the
 * space is free, a window below an MSS or a sixteenth of the buffer is
 * offered as zero; without window scaling it moves by whole MSSes.
 */
static u32 __xtcp_select_window(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int allowed = READ_ONCE(sk->sk_rcvbuf) / 2;
	int free_space = (READ_ONCE(sk->sk_rcvbuf) -
			  atomic_read(&sk->sk_rmem_alloc)) / 2;
	int full_space = min_t(int, xsk->window_clamp, allowed);
	int mss = xsk->rcv_mss;
	int window;

	if (free_space < 0)
		free_space = 0;
	/* short of memory: four segments, as tcp_adjust_rcv_ssthresh() */
	if (unlikely(xtcp_under_memory_pressure(sk)))
		full_space = min_t(int, full_space, 4 * xsk->advmss);
	if (mss > full_space) {
		mss = full_space;
		if (mss <= 0)
			return 0;
	}
	if (free_space < full_space / 2) {
		/* never grow the window through the rounding of the scale */
		free_space = round_down(free_space, 1 << xsk->rcv_wscale);
		if (free_space < (allowed >> 4) || free_space < mss)
			return 0;
	}
	free_space = min_t(int, free_space, full_space);

	window = xsk->rcv_wnd;
	if (xsk->rcv_wscale)
		window = ALIGN(free_space, 1 << xsk->rcv_wscale);
	else if (window <= free_space - mss || window > free_space)
		window = rounddown(free_space, mss);
	else if (mss == full_space && free_space > window + full_space / 2)
		window = free_space;
	return window;
}

/* The twin of tcp_select_window(): advertise half the free receive
 * buffer, never shrinking the right edge already offered.
 */
static u16 xtcp_select_window(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 cur_win = xtcp_receive_window(xsk);
	u32 new_win;

	new_win = __xtcp_select_window(sk);
	if (new_win < cur_win)
		new_win = ALIGN(cur_win, 1 << xsk->rcv_wscale);
	new_win = min_t(u32, new_win, U16_MAX << xsk->rcv_wscale);

	xsk->rcv_wnd = new_win;
	xsk->rcv_wup = xsk->rcv_nxt;
	return new_win >> xsk->rcv_wscale;
}

/* The segments @skb is cut into at @mss: the twin of
 * tcp_set_skb_tso_segs().
 */
static u16 xtcp_skb_segs(const struct sk_buff *skb, unsigned int mss)
{
	if (skb->len <= mss || !mss)
		return 1;
	return DIV_ROUND_UP(skb->len, mss);
}

/* A write queue skb longer than its segment size @mss goes as one GSO
 * packet: segmented by the stack or the device (tcp_set_skb_tso_segs()).
 */
static void xtcp_skb_set_gso(const struct sock *sk, struct sk_buff *skb,
			     unsigned int mss)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	if (mss && skb->len > mss) {
		shinfo->gso_size = mss;
		shinfo->gso_segs = xtcp_skb_segs(skb, mss);
		shinfo->gso_type = sk->sk_gso_type;
	} else {
		shinfo->gso_size = 0;
		shinfo->gso_segs = 0;
		shinfo->gso_type = 0;
	}
}

/* The twin of __tcp_transmit_skb(): put the TCP header on (a clone of)
 * @skb and hand it to ip_queue_xmit().  The checksum is left to the
 * device or to the stack (CHECKSUM_PARTIAL).  A write queue skb of
 * several segments goes as a GSO packet of gso_segs segments of
 * gso_size bytes under this one header; the counters count segments.
 */
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb, bool clone_it)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct xtcp_out_options opts = {};
	unsigned int segs = 1, seg_len;
	u32 now = jiffies;
	unsigned int opts_size;
	struct tcphdr *th;
	int err;

	if (clone_it) {
		/* RACK's send time: before the ACK can come back */
		tcb->mstamp = xtcp_clock_us();
		skb = skb_cloned(skb) ? pskb_copy(skb, GFP_ATOMIC) :
					skb_clone(skb, GFP_ATOMIC);
		if (unlikely(!skb))
			return -ENOBUFS;
		/* the shared info is this clone's and the queue's only */
		xtcp_skb_set_gso(sk, skb, tcb->mss);
	}
	seg_len = skb->len;
	if (skb_is_gso(skb)) {
		segs = skb_shinfo(skb)->gso_segs;
		seg_len = skb_shinfo(skb)->gso_size;
	}

	if (tcb->tcp_flags & TCPHDR_SYN) {
		opts.mss = xsk->advmss;
		opts.ws_ok = xsk->wscale_ok;
		opts.ws = xsk->rcv_wscale;
		opts.sack_ok = xsk->sack_ok;
		opts.ts_ok = xsk->tstamp_ok;
	} else {
		opts.ts_ok = xsk->tstamp_ok;
	}
	if (opts.ts_ok) {
		opts.tsval = xtcp_ts_now() + xsk->tsoffset;
		opts.tsecr = xsk->ts_recent;
	}
	if (!(tcb->tcp_flags & TCPHDR_SYN))
		xtcp_sack_options(sk, seg_len, &opts);
	opts_size = xtcp_options_size(&opts);

	skb_push(skb, sizeof(*th) + opts_size);
	skb_reset_transport_header(skb);
	skb_orphan(skb);
	skb->sk = sk;
	skb->destructor = xtcp_wfree;
	refcount_add(skb->truesize, &sk->sk_wmem_alloc);
	skb_set_hash_from_sk(skb, sk);

	th = tcp_hdr(skb);
	memset(th, 0, sizeof(*th));
	th->source = inet->inet_sport;
	th->dest = inet->inet_dport;
	th->seq = htonl(tcb->seq);
	th->ack_seq = htonl(xsk->rcv_nxt);
	*(((__be16 *)th) + 6) = htons(((sizeof(*th) + opts_size) >> 2) << 12 |
				      tcb->tcp_flags);
	if (tcb->tcp_flags & TCPHDR_SYN)
		th->window = htons(min(xsk->rcv_wnd, 65535U));
	else
		th->window = htons(xtcp_select_window(sk));
	xtcp_options_write((__be32 *)(th + 1), &opts);

	if (tcb->tcp_flags & TCPHDR_ACK)
		xtcp_delack_timer_clear(sk);

	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
	th->check = ~tcp_v4_check(skb->len, inet->inet_saddr,
				  inet->inet_daddr, 0);

	/* OutSegs leaves out retransmitted data, as 6.1 (RFC 1213's
	 * tcpOutSegs); segs_out counts everything
	 */
	if (after(tcb->end_seq, xsk->snd_nxt) || tcb->seq == tcb->end_seq)
		XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_OUTSEGS, segs);
	xsk->segs_out += segs;
	if (skb->len > sizeof(*th) + opts_size)
		xsk->data_segs_out += segs;
	if (tcb->tcp_flags & TCPHDR_RST)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTRSTS);

	/* the IP layer's IPCB overlays our control block */
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	err = net_xmit_eval(err);	/* a macro: its argument twice */
	/* When it was sent, for RTT samples and retrans_stamp: only when
	 * it was (a transmission that failed, our link down say, leaves
	 * the last one, as tcp_update_skb_after_send() does), and only in
	 * the queue's skb (a clone went, @tcb is still ours).
	 */
	if (!err && clone_it)
		tcb->when = now;
	return err;
}

/* An skb for the write queue, charged to the socket's send memory: a
 * linear part of @size bytes after room for the headers.
 */
struct sk_buff *xtcp_stream_alloc_skb(struct sock *sk, int size, gfp_t gfp)
{
	struct sk_buff *skb;

	skb = alloc_skb_fclone(size + XTCP_HDR_MAX, gfp);
	if (!skb)
		return NULL;
	skb_reserve(skb, XTCP_HDR_MAX);
	xtcp_wmem_queued_add(sk, skb->truesize);
	return skb;
}

static void xtcp_queue_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!xsk->send_head)
		xsk->send_head = skb;
	WRITE_ONCE(xsk->write_seq, XTCP_SKB_CB(skb)->end_seq);
}

/* The twin of tcp_connect_init() and tcp_connect(): send the SYN. */
int xtcp_connect(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct dst_entry *dst = __sk_dst_get(sk);
	struct net *net = sock_net(sk);
	struct sk_buff *skb;
	u8 wscale;

	/* what the SYN offers; the SYN-ACK says what is agreed */
	xsk->tstamp_ok = XTCP_SYSCTL(net, timestamps);
	xsk->sack_ok = XTCP_SYSCTL(net, sack);
	xsk->wscale_ok = XTCP_SYSCTL(net, window_scaling);
	xsk->advmss = dst_metric_advmss(dst);
	if (xsk->user_mss && xsk->user_mss < xsk->advmss)
		xsk->advmss = xsk->user_mss;
	xtcp_sync_mss(sk, dst_mtu(dst));
	xsk->window_clamp = U16_MAX << XTCP_MAX_WSCALE;
	xsk->rcv_wnd = xtcp_select_initial_window(sk, xsk->advmss, &wscale);
	xsk->rcv_wscale = xsk->wscale_ok ? wscale : 0;
	if (!xsk->wscale_ok)
		xsk->rcv_wnd = min(xsk->rcv_wnd, 65535U);
	xsk->rcv_nxt = 0;
	xsk->rcv_wup = 0;
	xsk->copied_seq = 0;
	xsk->snd_una = xsk->write_seq;
	xsk->snd_nxt = xsk->write_seq;
	xsk->snd_sml = xsk->write_seq;
	xsk->snd_isn = xsk->write_seq;
	xsk->snd_wnd = 0;
	xsk->snd_cwnd = XTCP_INIT_CWND;
	xsk->snd_ssthresh = U32_MAX;
	xsk->rcv_mss = XTCP_MSS_DEFAULT;
	inet_csk(sk)->icsk_rto = XTCP_TIMEOUT_INIT;
	inet_csk(sk)->icsk_retransmits = 0;

	skb = xtcp_stream_alloc_skb(sk, 0, sk->sk_allocation);
	if (unlikely(!skb))
		return -ENOBUFS;
	XTCP_SKB_CB(skb)->seq = xsk->write_seq;
	XTCP_SKB_CB(skb)->end_seq = xsk->write_seq + 1;
	XTCP_SKB_CB(skb)->tcp_flags = TCPHDR_SYN;
	XTCP_SKB_CB(skb)->pcount = 1;
	xtcp_queue_skb(sk, skb);
	xsk->send_head = NULL;
	xsk->packets_out = 1;
	xsk->retrans_stamp = jiffies;

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ACTIVEOPENS);
	xtcp_transmit_skb(sk, skb, true);
	/* after the SYN went, so that OutSegs counts it (as tcp_connect()) */
	xsk->snd_nxt = xsk->write_seq;
	xtcp_retransmit_timer_arm(sk);
	return 0;
}

/* The twin of tcp_adjust_pcount(): a sent skb now counts for @pcount
 * segments (it was cut or trimmed); packets_out and the scoreboard
 * counts its marks are in follow.
 */
void xtcp_skb_set_pcount(struct sock *sk, struct sk_buff *skb, u16 pcount)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int diff = (int)pcount - tcb->pcount;

	tcb->pcount = pcount;
	if (!diff)
		return;
	xsk->packets_out += diff;
	if (tcb->sacked & XTCPCB_SACKED_ACKED)
		xsk->sacked_out += diff;
	if (tcb->sacked & XTCPCB_SACKED_RETRANS)
		xsk->retrans_out += diff;
	if (tcb->sacked & XTCPCB_LOST)
		xsk->lost_out += diff;
}

/* The twin of tso_fragment() and tcp_fragment(): split @skb after @len
 * bytes, so that its head fits the window, cwnd or the MSS.  The data of
 * the write queue's skbs is in page fragments (a SYN or a lone FIN has
 * none): the tail's fragments move to a new skb, with their share of
 * the truesize; linear bytes past @len, if any, are copied.  A clone
 * in flight shares the fragment array, so a cloned @skb is uncloned
 * first.  The tail stays on the same side of send_head; a sent @skb's
 * segments are shared out (xtcp_skb_set_pcount()), both parts keeping
 * its scoreboard marks.
 */
int xtcp_fragment(struct sock *sk, struct sk_buff *skb, int len)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb), *bcb;
	int nsize = max_t(int, skb_headlen(skb) - len, 0);
	unsigned int old_truesize = skb->truesize;
	struct sk_buff *buff;
	int moved;

	if (WARN_ON_ONCE(len <= 0 || len >= skb->len))
		return -EINVAL;
	if (skb_cloned(skb)) {
		if (pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
			return -ENOMEM;
		xtcp_wmem_queued_add(sk, (int)skb->truesize -
					 (int)old_truesize);
	}
	buff = alloc_skb_fclone(nsize + XTCP_HDR_MAX, GFP_ATOMIC);
	if (!buff)
		return -ENOMEM;
	skb_reserve(buff, XTCP_HDR_MAX);
	xtcp_wmem_queued_add(sk, buff->truesize);
	/* the fragment bytes that change hands */
	moved = skb->len - len - nsize;
	skb_split(skb, buff, len);
	buff->truesize += moved;
	skb->truesize -= moved;

	/* the tail inherits everything but its start and its count */
	bcb = XTCP_SKB_CB(buff);
	*bcb = *tcb;
	bcb->seq = tcb->seq + len;
	bcb->pcount = 0;
	tcb->end_seq = tcb->seq + len;
	tcb->tcp_flags &= ~(TCPHDR_FIN | TCPHDR_PSH);
	__skb_queue_after(&sk->sk_write_queue, skb, buff);
	if (tcb->pcount) {
		xtcp_skb_set_pcount(sk, buff, xtcp_skb_segs(buff, bcb->mss));
		xtcp_skb_set_pcount(sk, skb, xtcp_skb_segs(skb, tcb->mss));
	}
	return 0;
}

/* The twin of tcp_trim_head(): the peer acked the first @len bytes of a
 * sent skb of several segments (@len < skb->len); drop them, and return
 * how many segments went.  The data is all in page fragments.
 */
u32 xtcp_trim_head(struct sock *sk, struct sk_buff *skb, u32 len)
{
	unsigned int old_truesize = skb->truesize;
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	u32 prior = tcb->pcount, eat = len;
	struct skb_shared_info *shinfo;
	int i, k = 0;

	if (skb_headlen(skb) || skb_unclone(skb, GFP_ATOMIC))
		return 0;
	/* uncloning took a head of our own */
	xtcp_wmem_queued_add(sk, (int)skb->truesize - (int)old_truesize);
	shinfo = skb_shinfo(skb);
	for (i = 0; i < shinfo->nr_frags; i++) {
		skb_frag_t *frag = &shinfo->frags[i];
		u32 size = skb_frag_size(frag);

		if (size <= eat) {
			skb_frag_unref(skb, i);
			eat -= size;
			continue;
		}
		shinfo->frags[k] = *frag;
		if (eat) {
			skb_frag_off_add(&shinfo->frags[k], eat);
			skb_frag_size_sub(&shinfo->frags[k], eat);
			eat = 0;
		}
		k++;
	}
	shinfo->nr_frags = k;
	skb->len -= len;
	skb->data_len -= len;
	skb->truesize -= len;
	xtcp_wmem_queued_add(sk, -(int)len);
	tcb->seq += len;
	xtcp_skb_set_pcount(sk, skb, xtcp_skb_segs(skb, tcb->mss));
	return prior - tcb->pcount;
}

/* The twin of tcp_cwnd_validate() (RFC 7661): remember, per window of
 * data, the most sent at once and whether cwnd was what stopped the
 * sender, so that cwnd grows only while it is used.
 */
static void xtcp_cwnd_validate(struct sock *sk, bool is_cwnd_limited)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!before(xsk->snd_una, xsk->cwnd_usage_seq) || is_cwnd_limited ||
	    xsk->packets_out > xsk->max_packets_out) {
		xsk->max_packets_out = xsk->packets_out;
		xsk->cwnd_usage_seq = xsk->snd_nxt;
		xsk->is_cwnd_limited = is_cwnd_limited;
	}
}

/* The twins of tcp_minshall_check() and tcp_nagle_check(): a partial
 * segment waits while the socket is corked, or, under Nagle, while a
 * small segment sent earlier is not yet acked (Minshall's variant).
 */
static bool xtcp_minshall_check(const struct xtcp_sock *xsk)
{
	return after(xsk->snd_sml, xsk->snd_una) &&
	       !after(xsk->snd_sml, xsk->snd_nxt);
}

static bool xtcp_nagle_check(bool partial, const struct xtcp_sock *xsk,
			     int nonagle)
{
	return partial &&
	       ((nonagle & XTCP_NAGLE_CORK) ||
		(!nonagle && xsk->packets_out && xtcp_minshall_check(xsk)));
}

/* The twin of tcp_nagle_test(): may @skb go now?  Callers pass
 * XTCP_NAGLE_PUSH for an skb that is not the write queue's tail: it
 * gets no more data.  A FIN is never held.
 */
static bool xtcp_nagle_test(const struct xtcp_sock *xsk,
			    const struct sk_buff *skb, unsigned int mss,
			    int nonagle)
{
	if (nonagle & XTCP_NAGLE_PUSH)
		return true;
	if (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
		return true;
	return !xtcp_nagle_check(skb->len < mss, xsk, nonagle);
}

#define XTCP_MIN_TSO_SEGS	2	/* net.ipv4.tcp_min_tso_segs */

/* The rate tcp_update_pacing_rate() would set, in bytes per second:
 * 200 % of cwnd per RTT in slow start, 120 % after; ~0UL before an RTT
 * is known.
 */
static unsigned long xtcp_pacing_rate(const struct sock *sk,
				      unsigned int mss)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 ratio, cwnd;
	u64 rate;

	if (!xsk->srtt_us)
		return ~0UL;
	ratio = xsk->snd_cwnd < xsk->snd_ssthresh / 2 ? 200 : 120;
	cwnd = min_t(u32, max(xsk->snd_cwnd, xsk->packets_out), U16_MAX);
	/* srtt_us is the RTT << 3 */
	rate = (u64)mss * cwnd * ratio * (USEC_PER_SEC / 100 * 8);
	return div_u64(rate, xsk->srtt_us);
}

/* The twin of tcp_tso_autosize() and tcp_tso_segs(): how many segments
 * one GSO packet may carry.  About 1 ms (2^-sk_pacing_shift s) of the
 * rate tcp_update_pacing_rate() would set, 200 % of cwnd per RTT in
 * slow start and 120 % after, so that a slow path gets small bursts;
 * never more than the route's GSO limits.  1 when the route cannot do
 * GSO.
 */
static u32 xtcp_tso_segs(struct sock *sk, unsigned int mss)
{
	u32 bytes = sk->sk_gso_max_size;
	u32 segs;

	if (!sk_can_gso(sk) || !mss)
		return 1;
	bytes = min_t(unsigned long, bytes, xtcp_pacing_rate(sk, mss) >>
				 READ_ONCE(sk->sk_pacing_shift));
	segs = max_t(u32, bytes / mss, XTCP_MIN_TSO_SEGS);
	return min_t(u32, segs, sk->sk_gso_max_segs);
}

/* The twin of tcp_mss_split_point(): how much of @skb, whose first
 * segment fits the peer's window, one GSO packet of at most @max_segs
 * segments takes: whole segments up to the window's end, and a partial
 * last one only at the queue's tail and when Nagle (@nonagle) lets it
 * go.
 */
static u32 xtcp_mss_split_point(const struct sock *sk,
				const struct sk_buff *skb, unsigned int mss,
				u32 max_segs, int nonagle)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 window = xsk->snd_una + xsk->snd_wnd - XTCP_SKB_CB(skb)->seq;
	u32 max_len = mss * max_segs, needed, partial;

	if (max_len <= window &&
	    !skb_queue_is_last(&sk->sk_write_queue, skb))
		return max_len;
	needed = min(skb->len, window);
	if (max_len <= needed)
		return max_len;
	partial = needed % mss;
	if (partial && needed > partial &&
	    xtcp_nagle_check(true, xsk, nonagle))
		return needed - partial;
	return needed;
}

/* Send send_head @skb (which the caller found sendable) as one packet:
 * a GSO packet of as many of its segments as @quota, the window and
 * Nagle allow, the rest cut off and left for later.  It then counts
 * for its segments in packets_out and the scoreboard.  Returns 1 when
 * it went, or an error.
 */
static int xtcp_xmit_run(struct sock *sk, struct sk_buff *skb,
			 unsigned int mss, u32 quota, int nonagle)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 limit = mss;
	u16 segs;
	int err;

	if (quota > 1 && skb->len > mss)
		limit = xtcp_mss_split_point(sk, skb, mss, quota,
					     skb_queue_is_last(&sk->sk_write_queue,
							       skb) ?
					     nonagle : XTCP_NAGLE_PUSH);
	if (skb->len > limit && xtcp_fragment(sk, skb, limit))
		return -ENOMEM;
	segs = xtcp_skb_segs(skb, mss);

	/* the first data after an idle spell (tcp_event_data_sent) */
	if (!xtcp_packets_in_flight(xsk))
		xtcp_ca_event(sk, CA_EVENT_TX_START);
	tcb->tcp_flags |= TCPHDR_ACK;
	tcb->mss = mss;
	err = xtcp_transmit_skb(sk, skb, true);
	if (err)
		return err;

	xtcp_skb_set_pcount(sk, skb, segs);
	if (xtcp_in_cwnd_reduction(xsk))
		xsk->prr_out += segs;
	xsk->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
			 NULL : skb->next;
	xsk->snd_nxt = tcb->end_seq;
	/* tcp_minshall_update(): a small segment is now in flight */
	if (skb->len < segs * mss)
		xsk->snd_sml = tcb->end_seq;
	return 1;
}

/* TCP small queues: the twins of tcp_small_queue_check(), tcp_wfree()
 * and the TSQ tasklet.  A sock keeps at most about 1 ms of its rate (two
 * packets at least, tcp_limit_output_bytes at most) in the host's
 * queues: the rest waits until an skb of it is freed, and goes from
 * that CPU.  Besides qdisc and bufferbloat, that keeps a flow's packets
 * on one CPU's backlog over veth (netif_rx() queues on the sending CPU),
 * where packets sent from two CPUs at once reach the peer out of order.
 */
struct xtcp_tsq {
	struct tasklet_struct	tasklet;
	struct list_head	head;	/* of xtcp_sock::tsq_node; this
					 * CPU's, under its irqs off
					 */
};

static DEFINE_PER_CPU(struct xtcp_tsq, xtcp_tsq_tasklet);

/* Send what the TSQ limit held back: the twin of tcp_tsq_write(). */
void xtcp_tsq_write(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_CLOSING |
	       TCPF_CLOSE_WAIT | TCPF_LAST_ACK)))
		return;
	if (xsk->lost_out > xsk->retrans_out &&
	    xsk->snd_cwnd > xtcp_packets_in_flight(xsk))
		xtcp_xmit_retransmit_queue(sk);
	xtcp_write_xmit(sk);
}

static void xtcp_tsq_handler(struct sock *sk)
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		xtcp_tsq_write(sk);
	else if (!test_and_set_bit(XTCP_TSQ_DEFERRED,
				   &xtcp_sk(sk)->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
}

static void xtcp_tsq_tasklet_func(struct tasklet_struct *t)
{
	struct xtcp_tsq *tsq = from_tasklet(tsq, t, tasklet);
	struct xtcp_sock *xsk, *next;
	unsigned long flags;
	LIST_HEAD(list);

	local_irq_save(flags);
	list_splice_init(&tsq->head, &list);
	local_irq_restore(flags);

	list_for_each_entry_safe(xsk, next, &list, tsq_node) {
		struct sock *sk = (struct sock *)xsk;

		list_del(&xsk->tsq_node);
		/* the unlink before the bit: xtcp_wfree() may queue it
		 * again as soon as it sees the bit clear
		 */
		smp_mb__before_atomic();
		clear_bit(XTCP_TSQ_QUEUED, &xsk->tsq_flags);
		xtcp_tsq_handler(sk);
		/* the list's sk_wmem_alloc reference */
		sk_free(sk);
	}
}

/* The destructor of the skbs XTCP sends: sock_wfree(), and a throttled
 * sock goes on this CPU's TSQ list, holding one sk_wmem_alloc reference
 * for it.  Any context.
 */
void xtcp_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct xtcp_tsq *tsq;
	unsigned long flags;
	bool empty;

	/* all but one: sk_free() below, or the TSQ list's */
	WARN_ON(refcount_sub_and_test(skb->truesize - 1, &sk->sk_wmem_alloc));
	if (!test_bit(XTCP_TSQ_THROTTLED, &xsk->tsq_flags) ||
	    test_and_set_bit(XTCP_TSQ_QUEUED, &xsk->tsq_flags))
		goto out;
	clear_bit(XTCP_TSQ_THROTTLED, &xsk->tsq_flags);

	local_irq_save(flags);
	tsq = this_cpu_ptr(&xtcp_tsq_tasklet);
	empty = list_empty(&tsq->head);
	list_add(&xsk->tsq_node, &tsq->head);
	if (empty)
		tasklet_schedule(&tsq->tasklet);
	local_irq_restore(flags);
	return;
out:
	sk_free(sk);
}

void xtcp_tsq_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct xtcp_tsq *tsq = &per_cpu(xtcp_tsq_tasklet, cpu);

		INIT_LIST_HEAD(&tsq->head);
		tasklet_setup(&tsq->tasklet, xtcp_tsq_tasklet_func);
	}
}

/* After the last sock: no skb of XTCP's is left to queue one. */
void xtcp_tsq_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tasklet_kill(&per_cpu(xtcp_tsq_tasklet, cpu).tasklet);
}

/* The twin of tcp_small_queue_check(): does @skb wait for the host's
 * queues to drain?  Never when nothing is in flight.
 */
static bool xtcp_small_queue_check(struct sock *sk, const struct sk_buff *skb,
				   unsigned int mss)
{
	unsigned long limit;

	limit = max_t(unsigned long, 2 * skb->truesize,
		      xtcp_pacing_rate(sk, mss) >>
		      READ_ONCE(sk->sk_pacing_shift));
	limit = min_t(unsigned long, limit,
		      READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_limit_output_bytes));
	if (refcount_read(&sk->sk_wmem_alloc) <= limit)
		return false;
	if (!xtcp_rtx_head(sk))
		return false;
	set_bit(XTCP_TSQ_THROTTLED, &xtcp_sk(sk)->tsq_flags);
	/* an skb freed meanwhile must see the bit, or we its count */
	smp_mb__after_atomic();
	return refcount_read(&sk->sk_wmem_alloc) > limit;
}

/* The twin of tcp_write_xmit(): send what the windows and Nagle
 * (@nonagle: XTCP_NAGLE_* bits) allow, in GSO packets where the route
 * takes them; the congestion window counts the pipe (RFC 6675), so
 * SACKed and lost segments make room.
 */
void __xtcp_write_xmit(struct sock *sk, int nonagle)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	unsigned int mss = xtcp_bound_to_half_wnd(xsk, xtcp_current_mss(sk));
	u32 max_segs = xtcp_tso_segs(sk, mss);
	bool is_cwnd_limited = false;
	struct sk_buff *skb;
	bool sent = false;

	if (unlikely(sk->sk_state == TCP_CLOSE))
		return;
	while ((skb = xsk->send_head)) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
		u32 wnd_end = xsk->snd_una + xsk->snd_wnd;
		u32 in_flight = xtcp_packets_in_flight(xsk);

		if (in_flight >= xsk->snd_cwnd) {
			is_cwnd_limited = true;
			break;
		}
		if (after(tcb->end_seq, wnd_end) && skb->len &&
		    (int)(wnd_end - tcb->seq) < (int)min(skb->len, mss)) {
			/* the first segment does not fit: send what
			 * does, unless that is a sliver
			 */
			int room = wnd_end - tcb->seq;

			if (room <= 0 || (room < skb->len / 2 &&
					  room < (int)xsk->mss_cache / 2) ||
			    xtcp_fragment(sk, skb, room))
				break;
		}
		if (!xtcp_nagle_test(xsk, skb, mss,
				     skb_queue_is_last(&sk->sk_write_queue,
						       skb) ?
				     nonagle : XTCP_NAGLE_PUSH))
			break;
		if (xtcp_small_queue_check(sk, skb, mss))
			break;
		if (xtcp_xmit_run(sk, skb, mss,
				  min(max_segs, xsk->snd_cwnd - in_flight),
				  nonagle) <= 0)
			break;
		sent = true;
	}
	if (sent) {
		xsk->lsndtime = jiffies;
		xtcp_event_data_sent(sk);
	}
	is_cwnd_limited |= xtcp_packets_in_flight(xsk) >= xsk->snd_cwnd;
	if (sent || is_cwnd_limited)
		xtcp_cwnd_validate(sk, is_cwnd_limited);
	/* data in flight, or data waiting for the window to open (or, corked,
	 * for more data: the probe timer sends it after an RTO, at least
	 * 200 ms, as 6.1's tcp_check_probe_timer() does): a timer must run
	 */
	if ((xsk->packets_out || xsk->send_head) &&
	    !timer_pending(&inet_csk(sk)->icsk_retransmit_timer))
		xtcp_retransmit_timer_arm(sk);
}

/* The twin of tcp_push_pending_frames(): send under the socket's Nagle
 * and cork state (new ACKs, the window opening).
 */
void xtcp_write_xmit(struct sock *sk)
{
	__xtcp_write_xmit(sk, xtcp_sk(sk)->nonagle);
}

void xtcp_push_pending_frames(struct sock *sk)
{
	if (xtcp_sk(sk)->send_head)
		xtcp_write_xmit(sk);
}

/* The twin of tcp_push(): the end of a write.  The tail is marked PSH
 * unless MSG_MORE says more follows, in which case a partial tail waits
 * as if corked.
 */
void xtcp_push(struct sock *sk, int flags, int nonagle)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !xsk->send_head)
		return;
	if (!(flags & MSG_MORE))
		XTCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
	else
		nonagle = XTCP_NAGLE_CORK;
	__xtcp_write_xmit(sk, nonagle);
}

/* An skb that carries only a header: ACK, RST. */
static struct sk_buff *xtcp_ctl_skb(struct sock *sk, gfp_t gfp, u8 flags,
				    u32 seq)
{
	struct sk_buff *skb = alloc_skb(XTCP_HDR_MAX, gfp);

	if (!skb)
		return NULL;
	skb_reserve(skb, XTCP_HDR_MAX);
	XTCP_SKB_CB(skb)->seq = seq;
	XTCP_SKB_CB(skb)->end_seq = seq;
	XTCP_SKB_CB(skb)->tcp_flags = flags;
	return skb;
}

/* The twin of __tcp_send_ack(). */
void xtcp_send_ack(struct sock *sk)
{
	struct sk_buff *skb;

	if (sk->sk_state == TCP_CLOSE)
		return;
	skb = xtcp_ctl_skb(sk, GFP_ATOMIC | __GFP_NOWARN, TCPHDR_ACK,
			   xtcp_sk(sk)->snd_nxt);
	if (!skb) {
		xtcp_delack_timer_arm(sk);
		return;
	}
	xtcp_transmit_skb(sk, skb, false);
}

/* The twin of tcp_send_fin(): the FIN rides on the last unsent skb, or
 * goes alone.
 */
void xtcp_send_fin(struct sock *sk)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (tail && xsk->send_head) {
		XTCP_SKB_CB(tail)->tcp_flags |= TCPHDR_FIN;
		XTCP_SKB_CB(tail)->end_seq++;
		WRITE_ONCE(xsk->write_seq, xsk->write_seq + 1);
	} else {
		struct sk_buff *skb;

		skb = xtcp_stream_alloc_skb(sk, 0,
					    sk->sk_allocation | __GFP_NOFAIL);
		XTCP_SKB_CB(skb)->seq = xsk->write_seq;
		XTCP_SKB_CB(skb)->end_seq = xsk->write_seq + 1;
		XTCP_SKB_CB(skb)->tcp_flags = TCPHDR_FIN | TCPHDR_ACK;
		xtcp_queue_skb(sk, skb);
	}
	/* the FIN is not held back by Nagle nor by a cork */
	XTCP_SKB_CB(skb_peek_tail(&sk->sk_write_queue))->tcp_flags |= TCPHDR_PSH;
	__xtcp_write_xmit(sk, XTCP_NAGLE_OFF);
}

/* The twin of tcp_send_active_reset(). */
void xtcp_send_active_reset(struct sock *sk, gfp_t priority)
{
	struct sk_buff *skb;

	skb = xtcp_ctl_skb(sk, priority, TCPHDR_ACK | TCPHDR_RST,
			   xtcp_sk(sk)->snd_nxt);
	if (skb)
		xtcp_transmit_skb(sk, skb, false);
}

/* The twin of tcp_xmit_probe_skb(): an ACK carrying snd_una - 1, out of
 * the peer's window, which it must answer with an ACK (keepalive, zero
 * window probe).  @mib counts it unless negative.
 */
static int xtcp_xmit_probe_skb(struct sock *sk, int mib)
{
	struct sk_buff *skb;

	skb = xtcp_ctl_skb(sk, GFP_ATOMIC | __GFP_NOWARN, TCPHDR_ACK,
			   xtcp_sk(sk)->snd_una - 1);
	if (!skb)
		return -1;
	if (mib >= 0)
		XTCP_INC_STATS(sock_net(sk), mib);
	return xtcp_transmit_skb(sk, skb, false);
}

/* The twin of tcp_write_wakeup(): a keepalive or zero window probe.  If
 * the window has room for the head of unsent data, send (a segment of)
 * it, whatever the congestion window and Nagle say; else the probe
 * ACK.  Returns 0 when sent, > 0 when local congestion dropped it, < 0
 * on other failures.
 */
int xtcp_write_wakeup(struct sock *sk, int mib)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *skb = xsk->send_head;
	u32 wnd_end = xsk->snd_una + xsk->snd_wnd;
	int err;

	if (sk->sk_state == TCP_CLOSE)
		return -1;
	if (skb && before(XTCP_SKB_CB(skb)->seq, wnd_end)) {
		struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
		u32 seg = min_t(u32, wnd_end - tcb->seq, xtcp_current_mss(sk));

		if (skb->len > seg && xtcp_fragment(sk, skb, seg))
			return -1;
		tcb->tcp_flags |= TCPHDR_PSH | TCPHDR_ACK;
		tcb->mss = seg;
		err = xtcp_transmit_skb(sk, skb, true);
		if (!err) {
			xsk->send_head = skb_queue_is_last(&sk->sk_write_queue,
							   skb) ?
					 NULL : skb->next;
			xsk->snd_nxt = tcb->end_seq;
			xtcp_skb_set_pcount(sk, skb, 1);
			xsk->lsndtime = jiffies;
		}
		return err;
	}
	return xtcp_xmit_probe_skb(sk, mib);
}

/* The twin of __tcp_retransmit_skb() and tcp_retransmit_skb(): send
 * @skb of the retransmit queue again and account it in the scoreboard
 * (retrans_out).
 */
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	unsigned int mss;
	int err;

	/* No route (our own link is down, say): the timer keeps trying;
	 * the route's error becomes sk_err_soft, what the connection
	 * fails with when it times out.
	 */
	err = -EHOSTUNREACH;
	if (inet_sk_rebuild_header(sk))
		goto out;

	/* one segment at a time: a skb of several (or sent before the
	 * path MTU shrank) is cut, the rest following in later calls
	 */
	mss = xtcp_current_mss(sk);
	err = -ENOMEM;
	if (skb->len > mss && xtcp_fragment(sk, skb, mss))
		goto out;

	tcb->retransmitted = 1;
	XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS,
		       xtcp_skb_pcount(skb));
	if (sk->sk_state != TCP_SYN_SENT)
		tcb->tcp_flags |= TCPHDR_ACK;
	err = xtcp_transmit_skb(sk, skb, true);
	if (err)
		goto out;
	xsk->total_retrans += xtcp_skb_pcount(skb);
	xsk->bytes_retrans += skb->len;
	if (!(tcb->sacked & XTCPCB_SACKED_RETRANS)) {
		tcb->sacked |= XTCPCB_SACKED_RETRANS;
		xsk->retrans_out += xtcp_skb_pcount(skb);
	}
	/* one more that a D-SACK may prove spurious */
	if (xsk->undo_retrans < 0)
		xsk->undo_retrans = 0;
	xsk->undo_retrans += xtcp_skb_pcount(skb);
	/* data SACKed beyond this was sent after the retransmission */
	tcb->rexmit_nxt = xsk->snd_nxt;
out:
	/* the first (attempted) retransmission of the episode: timeouts
	 * count from it (from the last send when it failed), as 6.1's
	 * retrans_stamp does
	 */
	if (!xsk->retrans_stamp)
		xsk->retrans_stamp = tcb->when;
	return err;
}

/* The twin of tcp_simple_retransmit(): the path MTU shrank, so what was
 * sent larger than the new MSS was dropped on the way.  Resend it, in
 * MSS-sized parts, without touching the congestion window: the same
 * data is in flight, in smaller units.
 */
void xtcp_simple_retransmit(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	unsigned int mss = xsk->mss_cache;
	struct sk_buff *skb, *next;

	skb_queue_walk_safe(&sk->sk_write_queue, skb, next) {
		if (skb == xsk->send_head)
			break;
		if (skb->len <= mss ||
		    (XTCP_SKB_CB(skb)->sacked & XTCPCB_SACKED_ACKED))
			continue;
		/* cut it now, so that the walk resends every part */
		while (skb->len > mss) {
			if (xtcp_fragment(sk, skb, mss))
				return;
			if (xtcp_retransmit_skb(sk, skb) < 0)
				return;
			skb = skb->next;
		}
		if (xtcp_retransmit_skb(sk, skb) < 0)
			return;
		next = skb->next;
	}
	if (xsk->packets_out)
		xtcp_retransmit_timer_arm(sk);
}

/* The twin of tcp_xmit_retransmit_queue(): retransmit the skbs marked
 * lost and neither SACKed nor already retransmitted, lowest first, while
 * the pipe is below cwnd.  New data follows in xtcp_write_xmit().
 */
void xtcp_xmit_retransmit_queue(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct sk_buff *head = xtcp_rtx_head(sk);
	bool rearm_timer = false;
	struct sk_buff *skb;

	if (!xsk->packets_out)
		return;
	for (skb = head; skb; skb = xtcp_rtx_next(sk, skb)) {
		u8 sacked = XTCP_SKB_CB(skb)->sacked;

		if (xtcp_packets_in_flight(xsk) >= xsk->snd_cwnd ||
		    xsk->retrans_out >= xsk->lost_out)
			break;
		if (!(sacked & XTCPCB_LOST) ||
		    (sacked & (XTCPCB_SACKED_ACKED | XTCPCB_SACKED_RETRANS)))
			continue;
		if (xtcp_retransmit_skb(sk, skb))
			break;
		XTCP_INC_STATS(sock_net(sk), xsk->ca_state == TCP_CA_Loss ?
			       XTCP_MIB_SLOWSTARTRETRANS :
			       XTCP_MIB_FASTRETRANS);
		if (xtcp_in_cwnd_reduction(xsk))
			xsk->prr_out += xtcp_skb_pcount(skb);
		if (skb == head)
			rearm_timer = true;
	}
	if (rearm_timer)
		xtcp_retransmit_timer_arm(sk);
}

/* The twin of tcp_make_synack(): the SYN-ACK for a request sock, sent by
 * xtcp_v4_send_synack() through ip_build_and_send_pkt().
 */
struct sk_buff *xtcp_make_synack(const struct sock *sk,
				 const struct xtcp_request_sock *req,
				 struct dst_entry *dst)
{
	struct xtcp_out_options opts = {};
	unsigned int opts_size;
	struct sk_buff *skb;
	struct tcphdr *th;

	skb = alloc_skb(XTCP_HDR_MAX, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, XTCP_HDR_MAX);

	opts.mss = dst_metric_advmss(dst);
	if (xtcp_sk(sk)->user_mss && xtcp_sk(sk)->user_mss < opts.mss)
		opts.mss = xtcp_sk(sk)->user_mss;
	opts.ws_ok = req->wscale_ok;
	opts.ws = req->rcv_wscale;
	opts.sack_ok = req->sack_ok;
	opts.ts_ok = req->tstamp_ok;
	if (opts.ts_ok) {
		opts.tsval = xtcp_ts_now() + req->ts_off;
		opts.tsecr = req->ts_recent;
	}
	opts_size = xtcp_options_size(&opts);

	skb_push(skb, sizeof(*th) + opts_size);
	skb_reset_transport_header(skb);
	th = tcp_hdr(skb);
	memset(th, 0, sizeof(*th));
	th->syn = 1;
	th->ack = 1;
	th->source = htons(req->common.skc_num);
	th->dest = req->common.skc_dport;
	th->seq = htonl(req->snt_isn);
	th->ack_seq = htonl(req->rcv_isn + 1);
	th->doff = (sizeof(*th) + opts_size) >> 2;
	th->window = htons(min(req->rcv_wnd, 65535U));
	xtcp_options_write((__be32 *)(th + 1), &opts);
	return skb;
}
