// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's small socks: request socks (a SYN answered, waiting for the
 * ACK), the child they turn into, and time-wait socks.  The twin of
 * net/ipv4/tcp_minisocks.c and of the request half of
 * inet_connection_sock.c.
 *
 * References:
 *  - a request sock holds one reference for the ehash and one for its
 *    timer; lookups take temporary ones.  It holds its listener.
 *  - a time-wait sock likewise: one for the ehash, one for its timer.
 *    It holds neither its netns nor the module: xtcp_purge_net() kills
 *    what is left when a netns (or the module) goes.
 */

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp_states.h>
#include <net/xtcp.h>

static struct kmem_cache *xtcp_reqsk_cachep;
static struct kmem_cache *xtcp_tw_cachep;

static void xtcp_reqsk_timer_handler(struct timer_list *t);

/* The twin of inet_reqsk_alloc(); the caller fills it in and hashes it,
 * and sets the reference count last.
 */
struct xtcp_request_sock *xtcp_reqsk_alloc(struct sock *listener)
{
	struct xtcp_request_sock *req;

	req = kmem_cache_alloc(xtcp_reqsk_cachep, GFP_ATOMIC | __GFP_NOWARN);
	if (!req)
		return NULL;
	/* with SLAB_TYPESAFE_BY_RCU a reader may still look at the old
	 * object: keep the refcount at zero until it is ours
	 */
	refcount_set(&req->common.skc_refcnt, 0);
	memset((char *)req + offsetof(struct xtcp_request_sock, listener), 0,
	       sizeof(*req) - offsetof(struct xtcp_request_sock, listener));
	sock_hold(listener);
	req->listener = listener;
	timer_setup(&req->timer, xtcp_reqsk_timer_handler, TIMER_PINNED);
	xtcp_obj_inc(XTCP_OBJ_REQSK);
	return req;
}

void xtcp_reqsk_put(struct xtcp_request_sock *req)
{
	if (!refcount_dec_and_test(&req->common.skc_refcnt))
		return;
	sock_put(req->listener);
	kmem_cache_free(xtcp_reqsk_cachep, req);
	xtcp_obj_dec(XTCP_OBJ_REQSK);
}

/* Out of the ehash (dropping its reference) and out of the SYN queue. */
static void xtcp_reqsk_unhash(struct xtcp_request_sock *req)
{
	if (!xtcp_ehash_remove((struct sock *)req))
		return;
	atomic_dec(&xtcp_sk(req->listener)->syn_qlen);
	xtcp_reqsk_put(req);
}

/* The twin of inet_csk_reqsk_queue_drop(). */
void xtcp_reqsk_drop(struct xtcp_request_sock *req)
{
	xtcp_reqsk_unhash(req);
	if (del_timer(&req->timer))
		xtcp_reqsk_put(req);
}

/* The twin of reqsk_timer_handler(): retransmit the SYN-ACK with
 * backoff, and give up after net.xtcp.synack_retries.
 */
static void xtcp_reqsk_timer_handler(struct timer_list *t)
{
	struct xtcp_request_sock *req = from_timer(req, t, timer);
	struct sock *listener = req->listener;
	u8 defer = READ_ONCE(inet_csk(listener)->icsk_accept_queue.rskq_defer_accept);
	int max_retries = READ_ONCE(inet_csk(listener)->icsk_syn_retries) ? :
			  XTCP_SYSCTL(sock_net(listener), synack_retries);
	bool expire, resend;

	/* syn_ack_recalc(): under TCP_DEFER_ACCEPT, an ACKed request waits
	 * for data without SYN-ACKs until the deferring period ends
	 */
	expire = req->num_retrans >= max_retries &&
		 (!defer || !req->acked || req->num_retrans >= defer);
	resend = !defer || !req->acked || req->num_retrans >= defer - 1;
	if (hlist_nulls_unhashed(&req->common.skc_nulls_node) ||
	    READ_ONCE(listener->sk_state) != TCP_LISTEN || expire) {
		xtcp_reqsk_unhash(req);
		xtcp_reqsk_put(req);	/* the timer's */
		return;
	}
	if (resend) {
		XTCP_INC_STATS(sock_net(listener), XTCP_MIB_RETRANSSEGS);
		xtcp_v4_send_synack(listener, req);
	}
	req->num_retrans++;
	mod_timer(&req->timer, jiffies + min_t(unsigned long,
					       XTCP_TIMEOUT_INIT << req->num_retrans,
					       XTCP_RTO_MAX));
}

/* An ACK on behalf of a request sock. */
static void xtcp_reqsk_send_ack(struct sock *sk, struct sk_buff *skb,
				const struct xtcp_request_sock *req)
{
	xtcp_v4_send_ack(sock_net(sk), skb, req->snt_isn + 1, req->rcv_isn + 1,
			 req->rcv_wnd >> req->rcv_wscale,
			 xtcp_ts_now() + req->ts_off, req->ts_recent,
			 req->tstamp_ok);
}

/* Abort a child that never reached the accept queue: the twin of
 * inet_csk_prepare_forced_close() and tcp_done().
 */
void xtcp_forced_close(struct sock *child)
{
	bh_lock_sock(child);
	sock_orphan(child);
	xtcp_orphan_count_inc();
	xtcp_done(child);
	bh_unlock_sock(child);
	sock_put(child);
}

/* The twin of inet_csk_reqsk_queue_add(): the child waits for accept().
 * Fails when the listener stopped listening meanwhile.
 */
bool xtcp_inet_csk_reqsk_queue_add(struct sock *sk, struct sock *child)
{
	struct xtcp_accept_queue *queue = &xtcp_sk(sk)->accept_queue;
	bool ok = false;

	spin_lock(&queue->lock);
	if (likely(sk->sk_state == TCP_LISTEN)) {
		xtcp_sk(child)->accept_next = NULL;
		if (queue->tail)
			xtcp_sk(queue->tail)->accept_next = child;
		else
			WRITE_ONCE(queue->head, child);
		queue->tail = child;
		atomic_inc(&queue->qlen);
		sk_acceptq_added(sk);
		ok = true;
	}
	spin_unlock(&queue->lock);
	return ok;
}

/* The twin of tcp_create_openreq_child() and inet_csk_clone_lock(): the
 * child sock of @req, cloned from its listener, in SYN_RECV, with two
 * references (the caller's, and the one xtcp_child_process() drops).
 */
struct sock *xtcp_create_openreq_child(const struct sock *sk,
				       const struct xtcp_request_sock *req,
				       const struct sk_buff *skb)
{
	struct sock *newsk = sk_clone_lock(sk, GFP_ATOMIC);
	struct inet_sock *newinet;
	struct xtcp_sock *newxsk;

	if (!newsk)
		return NULL;
	/* sk_clone_lock() returns it bh-locked; nobody can see it before
	 * xtcp_v4_syn_recv_sock() hashes it, and from then on segments and
	 * accept() take the lock as for any sock
	 */
	__acquire(&newsk->sk_lock.slock);
	bh_unlock_sock(newsk);
	xtcp_obj_inc(XTCP_OBJ_SOCK);

	newinet = inet_sk(newsk);
	newxsk = xtcp_sk(newsk);
	newsk->sk_state = TCP_SYN_RECV;
	newsk->sk_daddr = req->common.skc_daddr;
	newsk->sk_rcv_saddr = req->common.skc_rcv_saddr;
	newsk->sk_dport = req->common.skc_dport;
	newinet->inet_saddr = req->common.skc_rcv_saddr;
	newinet->inet_sport = htons(req->common.skc_num);
	newinet->inet_num = 0;		/* set by xtcp_inherit_port() */
	RCU_INIT_POINTER(newinet->inet_opt, NULL);
	newinet->mc_list = NULL;
	newinet->mc_index = inet_iif(skb);
	newinet->mc_ttl = ip_hdr(skb)->ttl;
	atomic_set(&newinet->inet_id, get_random_u16());
	newsk->sk_bind_node.pprev = NULL;

	newxsk->bind_hash = NULL;
	newxsk->accept_queue.head = NULL;
	newxsk->accept_queue.tail = NULL;
	spin_lock_init(&newxsk->accept_queue.lock);
	atomic_set(&newxsk->accept_queue.qlen, 0);
	atomic_set(&newxsk->syn_qlen, 0);
	newxsk->accept_next = NULL;
	newsk->sk_ack_backlog = 0;
	xtcp_init_xmit_timers(newsk);
	xtcp_ofo_init(newsk);

	newxsk->rcv_isn = req->rcv_isn;
	newxsk->rcv_nxt = req->rcv_isn + 1;
	newxsk->rcv_wup = newxsk->rcv_nxt;
	newxsk->copied_seq = newxsk->rcv_nxt;
	newxsk->rcv_wnd = req->rcv_wnd;
	newxsk->snd_isn = req->snt_isn;
	newxsk->snd_una = req->snt_isn + 1;
	newxsk->snd_nxt = newxsk->snd_una;
	newxsk->snd_sml = newxsk->snd_una;
	newxsk->write_seq = newxsk->snd_una;
	newxsk->snd_wl1 = req->rcv_isn;
	newxsk->send_head = NULL;
	newxsk->packets_out = 0;
	newxsk->tsq_flags = 0;
	newxsk->snd_cwnd = XTCP_INIT_CWND;
	newxsk->snd_ssthresh = U32_MAX;
	newxsk->srtt_us = 0;
	newxsk->mdev_us = 0;
	xtcp_ca_openreq_child(newsk);
	newxsk->retrans_stamp = 0;
	inet_csk(newsk)->icsk_rto = XTCP_TIMEOUT_INIT;
	inet_csk(newsk)->icsk_retransmits = 0;
	inet_csk(newsk)->icsk_probes_out = 0;

	newxsk->tstamp_ok = req->tstamp_ok;
	newxsk->ts_recent = req->ts_recent;
	newxsk->ts_recent_stamp = ktime_get_seconds();
	newxsk->last_oow_ack_time = 0;
	newxsk->passive_open = 1;
	newxsk->segs_in = 0;
	newxsk->data_segs_in = 0;
	newxsk->segs_out = 0;
	newxsk->data_segs_out = 0;
	newxsk->total_retrans = 0;
	newxsk->bytes_retrans = 0;
	newxsk->tsoffset = req->ts_off;
	newxsk->sack_ok = req->sack_ok;
	newxsk->wscale_ok = req->wscale_ok;
	newxsk->snd_wscale = req->wscale_ok ? req->snd_wscale : 0;
	newxsk->rcv_wscale = req->wscale_ok ? req->rcv_wscale : 0;
	newxsk->window_clamp = req->wscale_ok ? U16_MAX << XTCP_MAX_WSCALE :
						U16_MAX;
	newxsk->snd_wnd = ntohs(tcp_hdr(skb)->window) << newxsk->snd_wscale;
	newxsk->max_window = newxsk->snd_wnd;
	newxsk->rx_mss = req->mss;
	newxsk->rcv_mss = min_t(u32, req->mss, XTCP_MSS_DEFAULT);

	/* idle since now; SO_KEEPALIVE and TCP_KEEP* come from the
	 * listener, as tcp_create_openreq_child() takes them
	 */
	newxsk->rcv_tstamp = jiffies;
	newxsk->lsndtime = jiffies;
	inet_csk(newsk)->icsk_ack.lrcvtime = jiffies;
	inet_csk(newsk)->icsk_backoff = 0;
	inet_csk(newsk)->icsk_probes_tstamp = 0;
	newxsk->mtu_info = 0;
	if (sock_flag(newsk, SOCK_KEEPOPEN))
		inet_csk_reset_keepalive_timer(newsk,
					       xtcp_keepalive_time_when(newsk));
	return newsk;
}

/* The twin of tcp_check_req(): the segment matched request sock @req of
 * listener @sk.  Returns the new child when it completes the
 * handshake, else NULL (the segment is dropped; resets are sent here).
 */
struct sock *xtcp_check_req(struct sock *sk, struct sk_buff *skb,
			    struct xtcp_request_sock *req)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct sock *child;

	bool syn = th->syn;
	u32 s_win = req->rcv_isn + 1;
	u32 e_win = s_win + req->rcv_wnd;

	/* a retransmitted SYN: the SYN-ACK again */
	if (tcb->seq == req->rcv_isn && th->syn && !th->rst && !th->ack) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS);
		xtcp_v4_send_synack(sk, req);
		return NULL;
	}
	/* a bad ACK: the listener answers it with a reset, as
	 * tcp_check_req()'s "return sk" makes 6.1 do; the request stays
	 */
	if (th->ack && !th->rst && tcb->ack_seq != req->snt_isn + 1) {
		xtcp_v4_send_reset(sk, skb);
		return NULL;
	}

	/* RFC 793: the sequence number must be in the window (tcp_in_window) */
	if (!(tcb->seq == s_win ||
	      (after(tcb->end_seq, s_win) && before(tcb->seq, e_win)) ||
	      (tcb->seq == e_win && tcb->seq == tcb->end_seq))) {
		if (!th->rst &&
		    !xtcp_oow_rate_limited(sock_net(sk), skb,
					   XTCP_MIB_ACKSKIPPEDSYNRECV,
					   &req->last_oow_ack_time))
			xtcp_reqsk_send_ack(sk, skb, req);
		return NULL;
	}
	/* the SYN at the ISN is out of the window: not a SYN any more */
	if (tcb->seq == req->rcv_isn)
		syn = false;

	/* RFC 5961 3.2, RFC 9293 3.10.7.4: a non-exact in-window RST gets a
	 * challenge ACK (as Debian's 6.1 does)
	 */
	if (th->rst && tcb->seq != s_win) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CHALLENGEACKS);
		xtcp_reqsk_send_ack(sk, skb, req);
		return NULL;
	}
	if (th->rst || syn) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
		goto embryonic_reset;
	}
	if (!th->ack)
		return NULL;

	/* TCP_DEFER_ACCEPT: a bare final ACK waits for data */
	if (req->num_retrans <
	    READ_ONCE(inet_csk(sk)->icsk_accept_queue.rskq_defer_accept) &&
	    tcb->end_seq == req->rcv_isn + 1) {
		req->acked = 1;
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DEFERACCEPTDROP);
		return NULL;
	}

	child = xtcp_v4_syn_recv_sock(sk, skb, req);
	if (!child)
		goto listen_overflow;

	/* the hashdance is done: the child replaced @req in the ehash */
	atomic_dec(&xtcp_sk(sk)->syn_qlen);
	xtcp_reqsk_put(req);
	if (del_timer(&req->timer))
		xtcp_reqsk_put(req);

	if (!xtcp_inet_csk_reqsk_queue_add(sk, child)) {
		xtcp_send_active_reset(child, GFP_ATOMIC);
		xtcp_forced_close(child);
		return NULL;
	}
	return child;

listen_overflow:
	/* the accept queue is full: drop the ACK, the request stays and the
	 * peer's retransmission may find room; or give up at once
	 */
	if (!XTCP_SYSCTL(sock_net(sk), abort_on_overflow)) {
		req->acked = 1;
		return NULL;
	}
embryonic_reset:
	if (!th->rst)
		xtcp_v4_send_reset(sk, skb);
	xtcp_reqsk_drop(req);
	return NULL;
}

/* The twin of tcp_child_process(): run the ACK through the new child,
 * wake the listener, drop the creation reference.  Returns non-zero when
 * the caller must answer with a reset (the skb is then not consumed).
 */
int xtcp_child_process(struct sock *parent, struct sock *child,
		       struct sk_buff *skb)
{
	int state;
	int ret = 0;

	bh_lock_sock(child);
	state = child->sk_state;
	if (!sock_owned_by_user(child)) {
		ret = xtcp_rcv_state_process(child, skb);
		if (state == TCP_SYN_RECV && child->sk_state != state)
			parent->sk_data_ready(parent);
	} else if (sk_add_backlog(child, skb, READ_ONCE(child->sk_rcvbuf))) {
		kfree_skb(skb);
	}
	bh_unlock_sock(child);
	sock_put(child);
	return ret;
}

void xtcp_twsk_put(struct sock *tw)
{
	if (!refcount_dec_and_test(&tw->sk_refcnt))
		return;
	kmem_cache_free(xtcp_tw_cachep, tw);
	xtcp_obj_dec(XTCP_OBJ_TWSK);
}

/* The twin of inet_twsk_kill(): out of the ehash and the port. */
static void xtcp_twsk_kill(struct sock *tw)
{
	if (xtcp_ehash_remove(tw))
		xtcp_twsk_put(tw);	/* the ehash's */
	xtcp_twsk_bind_unhash(tw);
}

static void xtcp_tw_timer_handler(struct timer_list *t)
{
	struct xtcp_timewait_sock *tws = from_timer(tws, t, timer);
	struct sock *tw = (struct sock *)tws;

	xtcp_twsk_kill(tw);
	xtcp_twsk_put(tw);	/* the timer's */
}

/* Kill it now, unless its timer is doing so; the caller holds a
 * reference, which stays its own.
 */
static void xtcp_twsk_deschedule(struct sock *tw)
{
	if (del_timer_sync(&xtcp_twsk(tw)->timer)) {
		xtcp_twsk_kill(tw);
		xtcp_twsk_put(tw);	/* the timer's */
	}
}

/* The twin of tcp_time_wait(): the connection lives on as a small
 * time-wait sock in @state (TCP_TIME_WAIT, or TCP_FIN_WAIT2 for an
 * orphan waiting for the peer's FIN for @timeo); the full sock goes.
 */
void xtcp_time_wait(struct sock *sk, int state, int timeo)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct xtcp_timewait_sock *tws;
	struct sock *tw;

	tws = kmem_cache_alloc(xtcp_tw_cachep, GFP_ATOMIC | __GFP_NOWARN);
	if (!tws)
		goto done;
	tw = (struct sock *)tws;
	refcount_set(&tw->sk_refcnt, 0);

	tw->sk_daddr = sk->sk_daddr;
	tw->sk_rcv_saddr = sk->sk_rcv_saddr;
	tw->sk_dport = sk->sk_dport;
	tw->sk_num = sk->sk_num;
	tw->sk_family = AF_INET;
	tw->sk_bound_dev_if = sk->sk_bound_dev_if;
	tw->sk_reuse = sk->sk_reuse;
	tw->sk_reuseport = sk->sk_reuseport;
	tw->sk_ipv6only = 0;
	tw->sk_state = TCP_TIME_WAIT;
	write_pnet(&tw->sk_net, sock_net(sk));
	tw->sk_bind_node.pprev = NULL;

	tws->tb = NULL;
	tws->substate = state;
	tws->rcv_nxt = xsk->rcv_nxt;
	tws->snd_nxt = xsk->snd_nxt;
	tws->rcv_wnd = xsk->rcv_wnd >> xsk->rcv_wscale;
	tws->rcv_wscale = xsk->rcv_wscale;
	tws->ts_recent = xsk->ts_recent;
	tws->ts_recent_stamp = xsk->ts_recent_stamp;
	tws->last_oow_ack_time = 0;
	tws->ts_off = xsk->tsoffset;
	tws->tstamp_ok = xsk->tstamp_ok;
	timer_setup(&tws->timer, xtcp_tw_timer_handler, TIMER_PINNED);
	xtcp_obj_inc(XTCP_OBJ_TWSK);

	/* the ehash's and the timer's references, before lookups see it */
	refcount_set(&tw->sk_refcnt, 2);
	if (xtcp_sk(sk)->bind_hash)
		xtcp_twsk_bind_hash(tw, sk);
	mod_timer(&tws->timer, jiffies + (state == TCP_TIME_WAIT ?
					  XTCP_TIMEWAIT_LEN : timeo));
	if (!xtcp_ehash_insert(tw, sk)) {
		/* @sk was not hashed (any more): nothing to stand for */
		xtcp_twsk_put(tw);
		xtcp_twsk_deschedule(tw);
	}
done:
	xtcp_done(sk);
}

/* The twin of tcp_timewait_state_process(), with RFC 1337 off as 6.1's
 * default: a reset kills the time-wait sock.  Returns non-zero (an
 * XTCP_TW_* code) when the caller must act; @tw's lookup reference is
 * the caller's to drop.
 */
int xtcp_timewait_state_process(struct sock *tw, struct sk_buff *skb)
{
	struct xtcp_timewait_sock *tws = xtcp_twsk(tw);
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);

	if (tws->substate == TCP_FIN_WAIT2) {
		if (th->rst) {
			xtcp_twsk_deschedule(tw);
			return XTCP_TW_SUCCESS;
		}
		/* data after our close gets a reset, and ends it all */
		if (after(tcb->end_seq - th->fin, tws->rcv_nxt)) {
			xtcp_twsk_deschedule(tw);
			return XTCP_TW_RST;
		}
		if (!th->ack || tcb->end_seq == tws->rcv_nxt ||
		    !th->fin || tcb->end_seq != tws->rcv_nxt + 1)
			return XTCP_TW_SUCCESS;
		/* the peer's FIN: TIME_WAIT proper */
		tws->substate = TCP_TIME_WAIT;
		tws->rcv_nxt = tcb->end_seq;
		mod_timer(&tws->timer, jiffies + XTCP_TIMEWAIT_LEN);
		return XTCP_TW_ACK;
	}

	if (th->rst) {
		xtcp_twsk_deschedule(tw);
		return XTCP_TW_SUCCESS;
	}
	if (th->syn && !th->ack && after(tcb->seq, tws->rcv_nxt)) {
		/* a new incarnation of the connection */
		xtcp_twsk_deschedule(tw);
		return XTCP_TW_SYN;
	}
	if (tcb->seq != tcb->end_seq || th->syn) {
		/* a retransmitted FIN, or junk: ACK again, rate limited */
		mod_timer(&tws->timer, jiffies + XTCP_TIMEWAIT_LEN);
		if (xtcp_oow_rate_limited(sock_net(tw), skb,
					  XTCP_MIB_ACKSKIPPEDTIMEWAIT,
					  &tws->last_oow_ack_time))
			return XTCP_TW_SUCCESS;
		return XTCP_TW_ACK;
	}
	return XTCP_TW_SUCCESS;
}

/* Drop a lookup reference, whatever kind of sock it holds. */
void xtcp_sock_gen_put(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_NEW_SYN_RECV:
		xtcp_reqsk_put(xtcp_rsk(sk));
		break;
	case TCP_TIME_WAIT:
		xtcp_twsk_put(sk);
		break;
	default:
		sock_put(sk);
	}
}

/* Kill every time-wait sock of the netns.  Request socks need nothing:
 * each holds its listener, which holds the netns and the module.
 */
void xtcp_purge_net(struct xtcp_net *xn)
{
	int i;

	for (i = 0; i < XTCP_EHASH_SIZE; i++) {
		struct xtcp_ehash_bucket *head = &xn->ehash[i];
		struct hlist_nulls_node *node;
		struct sock *sk;

restart:
		rcu_read_lock();
		sk_nulls_for_each_rcu(sk, node, &head->chain) {
			if (sk->sk_state != TCP_TIME_WAIT ||
			    !refcount_inc_not_zero(&sk->sk_refcnt))
				continue;
			rcu_read_unlock();
			xtcp_twsk_deschedule(sk);
			xtcp_twsk_put(sk);
			goto restart;
		}
		rcu_read_unlock();
	}
}

int xtcp_minisocks_init(void)
{
	xtcp_reqsk_cachep = kmem_cache_create("xtcp_request_sock",
					      sizeof(struct xtcp_request_sock),
					      0, SLAB_TYPESAFE_BY_RCU, NULL);
	if (!xtcp_reqsk_cachep)
		goto err;
	xtcp_tw_cachep = kmem_cache_create("xtcp_tw_sock",
					   sizeof(struct xtcp_timewait_sock),
					   0, SLAB_TYPESAFE_BY_RCU, NULL);
	if (!xtcp_tw_cachep)
		goto err_free_reqsk;
	return 0;

err_free_reqsk:
	kmem_cache_destroy(xtcp_reqsk_cachep);
err:
	return -ENOMEM;
}

void xtcp_minisocks_exit(void)
{
	kmem_cache_destroy(xtcp_tw_cachep);
	kmem_cache_destroy(xtcp_reqsk_cachep);
}
