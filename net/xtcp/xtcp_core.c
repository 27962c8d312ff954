// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP socket-level operations: the twin of net/ipv4/tcp.c and of the
 * listener half of inet_connection_sock.c.
 */

#include <linux/net.h>
#include <linux/poll.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <net/xtcp.h>

/* The twin of tcp_set_state(): closing unhashes, and gives the port back
 * unless the user bound it explicitly.
 */
void xtcp_set_state(struct sock *sk, int state)
{
	if (state == TCP_CLOSE &&
	    (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ESTABRESETS);
	if (state == TCP_CLOSE) {
		sk->sk_prot->unhash(sk);
		if (xtcp_sk(sk)->bind_hash &&
		    !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			xtcp_inet_put_port(sk);
	}
	inet_sk_set_state(sk, state);
}

static void xtcp_accept_queue_init(struct xtcp_accept_queue *queue)
{
	spin_lock_init(&queue->lock);
	queue->head = NULL;
	queue->tail = NULL;
	atomic_set(&queue->qlen, 0);
}

static bool xtcp_accept_queue_empty(const struct xtcp_accept_queue *queue)
{
	return !READ_ONCE(queue->head);
}

/* The twin of reqsk_queue_remove(): the children wait in a singly
 * linked list through xtcp_sock::accept_next.
 */
static struct sock *xtcp_accept_queue_remove(struct sock *sk)
{
	struct xtcp_accept_queue *queue = &xtcp_sk(sk)->accept_queue;
	struct sock *child;

	spin_lock_bh(&queue->lock);
	child = queue->head;
	if (child) {
		WRITE_ONCE(queue->head, xtcp_sk(child)->accept_next);
		if (!queue->head)
			queue->tail = NULL;
		xtcp_sk(child)->accept_next = NULL;
		atomic_dec(&queue->qlen);
		sk_acceptq_removed(sk);
	}
	spin_unlock_bh(&queue->lock);
	return child;
}

/* The twin of inet_csk_listen_start(). */
int xtcp_inet_csk_listen_start(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	int err;

	xtcp_accept_queue_init(&xtcp_sk(sk)->accept_queue);
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	inet_sk_set_state(sk, TCP_LISTEN);

	err = sk->sk_prot->get_port(sk, inet->inet_num);
	if (!err) {
		inet->inet_sport = htons(inet->inet_num);
		sk_dst_reset(sk);
		err = sk->sk_prot->hash(sk);
		if (likely(!err))
			return 0;
	}
	inet_sk_set_state(sk, TCP_CLOSE);
	return err;
}

/* The twin of inet_csk_listen_stop(): abort what the queue holds. */
static void xtcp_inet_csk_listen_stop(struct sock *sk)
{
	struct sock *child;

	/* unaccepted children are aborted, as inet_child_forget() does */
	while ((child = xtcp_accept_queue_remove(sk)) != NULL) {
		local_bh_disable();
		bh_lock_sock(child);
		sock_hold(child);
		child->sk_prot->disconnect(child, O_NONBLOCK);
		sock_orphan(child);
		xtcp_orphan_count_inc();
		xtcp_inet_csk_destroy_sock(child);
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);
	}
}

static int xtcp_wait_for_connect(struct sock *sk, long timeo)
{
	struct xtcp_accept_queue *queue = &xtcp_sk(sk)->accept_queue;
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (xtcp_accept_queue_empty(queue))
			timeo = schedule_timeout(timeo);
		sched_annotate_sleep();
		lock_sock(sk);
		err = 0;
		if (!xtcp_accept_queue_empty(queue))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return err;
}

/* The twin of inet_csk_accept(). */
struct sock *xtcp_inet_csk_accept(struct sock *sk, int flags, int *err,
				  bool kern)
{
	struct sock *newsk = NULL;
	int error;

	lock_sock(sk);
	error = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out_err;

	if (xtcp_accept_queue_empty(&xtcp_sk(sk)->accept_queue)) {
		long timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);

		error = -EAGAIN;
		if (!timeo)
			goto out_err;
		error = xtcp_wait_for_connect(sk, timeo);
		if (error)
			goto out_err;
	}
	newsk = xtcp_accept_queue_remove(sk);
	release_sock(sk);
	return newsk;

out_err:
	release_sock(sk);
	*err = error;
	return NULL;
}

/* The twin of inet_csk_destroy_sock(): the last step of every close. */
void xtcp_inet_csk_destroy_sock(struct sock *sk)
{
	WARN_ON(sk->sk_state != TCP_CLOSE);
	WARN_ON(!sock_flag(sk, SOCK_DEAD));

	sk->sk_prot->destroy(sk);
	sk_stream_kill_queues(sk);
	xtcp_orphan_count_dec();
	sock_put(sk);
}

/* The twin of tcp_close(). */
/* The twin of tcp_close_state(): the state a close() or shutdown(SHUT_WR)
 * moves to; returns whether a FIN must be sent.
 */
static bool xtcp_close_state(struct sock *sk)
{
	int next;

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		next = TCP_FIN_WAIT1;
		break;
	case TCP_CLOSE_WAIT:
		next = TCP_LAST_ACK;
		break;
	case TCP_SYN_SENT:
		xtcp_set_state(sk, TCP_CLOSE);
		return false;
	default:
		return false;
	}
	xtcp_set_state(sk, next);
	return true;
}

/* The twin of tcp_close(). */
void xtcp_close(struct sock *sk, long timeout)
{
	bool data_was_unread = false;
	struct sk_buff *skb;
	int state;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_inet_csk_listen_stop(sk);
		goto adjudge_to_death;
	}

	while ((skb = __skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		u32 end = XTCP_SKB_CB(skb)->end_seq;

		if (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
			end--;
		if (after(end, xtcp_sk(sk)->copied_seq))
			data_was_unread = true;
		__kfree_skb(skb);
	}

	if (sk->sk_state == TCP_CLOSE)
		goto adjudge_to_death;

	if (data_was_unread) {
		/* RFC 2525, 2.17: unread data means a reset */
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_send_active_reset(sk, sk->sk_allocation);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* SO_LINGER with a zero timeout: abort */
		sk->sk_prot->disconnect(sk, 0);
	} else if (xtcp_close_state(sk)) {
		xtcp_send_fin(sk);
	}
	sk_stream_wait_close(sk, timeout);

adjudge_to_death:
	state = sk->sk_state;
	sock_hold(sk);
	sock_orphan(sk);
	xtcp_orphan_count_inc();
	release_sock(sk);

	/* the user is gone: from here on the sock is softirq's too */
	local_bh_disable();
	bh_lock_sock(sk);
	if (state != TCP_CLOSE && sk->sk_state == TCP_CLOSE)
		goto out;	/* softirq finished it meanwhile */

	if (sk->sk_state == TCP_FIN_WAIT2) {
		if (xtcp_sk(sk)->linger2 < 0) {
			/* TCP_LINGER2 < 0: no FIN_WAIT2 for orphans */
			xtcp_set_state(sk, TCP_CLOSE);
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONLINGER);
			xtcp_inet_csk_destroy_sock(sk);
			goto out;
		}
		/* the peer has our FIN: wait for its own as a time-wait sock */
		xtcp_time_wait(sk, TCP_FIN_WAIT2, xtcp_fin_time(sk));
		goto out;
	}
	/* too many orphans, or no memory left: this one is reset now */
	if (sk->sk_state != TCP_CLOSE && xtcp_check_oom(sk, 0)) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_send_active_reset(sk, GFP_ATOMIC);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONMEMORY);
	}
	if (sk->sk_state == TCP_CLOSE)
		xtcp_inet_csk_destroy_sock(sk);
	/* otherwise an orphan finishes the FIN handshake on its timers */
out:
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

/* The twin of tcp_disconnect(): abort, back to a fresh socket. */
int xtcp_disconnect(struct sock *sk, int flags)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int old_state = sk->sk_state;
	u32 seq;

	if (old_state != TCP_CLOSE)
		xtcp_set_state(sk, TCP_CLOSE);

	if (old_state == TCP_LISTEN) {
		xtcp_inet_csk_listen_stop(sk);
	} else if ((1 << old_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
					TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
					TCPF_SYN_RECV) ||
		   (xsk->snd_nxt != xsk->write_seq &&
		    (1 << old_state) & (TCPF_CLOSING | TCPF_LAST_ACK))) {
		xtcp_send_active_reset(sk, gfp_any());
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	} else if (old_state == TCP_SYN_SENT) {
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	}

	xtcp_clear_xmit_timers(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	xtcp_ofo_purge(sk);
	xtcp_write_queue_purge(sk);
	WRITE_ONCE(xsk->copied_seq, xsk->rcv_nxt);
	/* as tcp_disconnect(): a listener made of this socket must not
	 * hand the page to its children (sk_clone_lock() copies it)
	 */
	if (sk->sk_frag.page) {
		put_page(sk->sk_frag.page);
		sk->sk_frag.page = NULL;
		sk->sk_frag.offset = 0;
	}

	inet_sk(sk)->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet_sk(sk)->inet_saddr = 0;
		inet_sk(sk)->inet_rcv_saddr = 0;
	}
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	xsk->srtt_us = 0;
	xsk->mdev_us = 0;
	seq = xsk->write_seq + xsk->max_window + 2;
	WRITE_ONCE(xsk->write_seq, seq ? : 1);
	inet_csk(sk)->icsk_rto = XTCP_TIMEOUT_INIT;
	inet_csk(sk)->icsk_retransmits = 0;
	inet_csk(sk)->icsk_probes_out = 0;
	xsk->snd_cwnd = XTCP_INIT_CWND;
	xsk->snd_ssthresh = U32_MAX;
	xsk->packets_out = 0;
	xtcp_clear_sender_state(sk);
	xsk->max_window = 0;
	__sk_dst_reset(sk);
	sk_error_report(sk);
	return 0;
}

/* The twin of tcp_v4_destroy_sock(). */
/* Free the write queue: the twin of tcp_write_queue_purge(). */
void xtcp_write_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)) != NULL) {
		xtcp_wmem_queued_add(sk, -skb->truesize);
		__kfree_skb(skb);
	}
	xtcp_sk(sk)->send_head = NULL;
	xtcp_sk(sk)->packets_out = 0;
}

/* The twin of tcp_v4_destroy_sock(). */
void xtcp_destroy_sock(struct sock *sk)
{
	xtcp_clear_xmit_timers(sk);
	xtcp_write_queue_purge(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	xtcp_ofo_purge(sk);
	if (xtcp_sk(sk)->bind_hash)
		xtcp_inet_put_port(sk);
	sk_sockets_allocated_dec(sk);
}

/* The twin of sk_forced_mem_schedule(): make sk_forward_alloc cover
 * @size bytes (of @kind, SK_MEM_SEND or SK_MEM_RECV) even past the
 * protocol's limits, for what must be queued
 * (the first skb of a write queue, split and control skbs, the first
 * skb of an empty receive queue).  The pages are taken through
 * __sk_mem_schedule() when the limits allow, which also charges a
 * memory cgroup; past them, only a sock without one is forced (6.1
 * forces the cgroup too, with a function it does not export): one with
 * a cgroup runs a deficit in sk_forward_alloc, made up as its skbs go.
 */
void xtcp_forced_mem_schedule(struct sock *sk, int size, int kind)
{
	int delta = size - sk->sk_forward_alloc;
	int amt;

	if (delta <= 0 || !sk_has_account(sk))
		return;
	if (__sk_mem_schedule(sk, delta, kind))
		return;
	if (mem_cgroup_sockets_enabled && sk->sk_memcg)
		return;
	amt = sk_mem_pages(delta);
	sk->sk_forward_alloc += amt << PAGE_SHIFT;
	/* straight to the total (sk_memory_allocated_add() reads a
	 * sysctl 6.1 does not export)
	 */
	atomic_long_add(amt, sk->sk_prot->memory_allocated);
}

/* The twin of tcp_check_oom(): too many orphans, or the protocol is
 * out of memory (net.xtcp.mem's hard limit).
 */
bool xtcp_check_oom(struct sock *sk, int shift)
{
	bool too_many_orphans = xtcp_too_many_orphans(shift);
	bool out_of_memory = xtcp_out_of_memory(sk);

	if (too_many_orphans)
		net_info_ratelimited("xtcp: too many orphaned sockets\n");
	if (out_of_memory)
		net_info_ratelimited("xtcp: out of memory -- consider tuning net.xtcp.mem\n");
	return too_many_orphans || out_of_memory;
}

/* The twin of tcp_poll(), for the states the socket can be in. */
__poll_t xtcp_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);

	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return xtcp_accept_queue_empty(&xtcp_sk(sk)->accept_queue) ?
		       0 : EPOLLIN | EPOLLRDNORM;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (__sk_stream_is_writeable(sk, 1)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				/* ask xtcp_write_space() for the wakeup */
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* pairs with the ACK path freeing space */
				smp_mb__after_atomic();
				if (__sk_stream_is_writeable(sk, 1))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}

	/* Pairs with the smp_wmb() of whoever sets sk_err. */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

/* The twin of tcp_remove_empty_skb(): a write that failed may leave an
 * empty skb at the tail; it must not go out as a segment.
 */
static void xtcp_remove_empty_skb(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (skb && !skb->len && xsk->send_head &&
	    !(XTCP_SKB_CB(skb)->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN))) {
		if (xsk->send_head == skb)
			xsk->send_head = NULL;
		__skb_unlink(skb, &sk->sk_write_queue);
		xtcp_wmem_queued_add(sk, -skb->truesize);
		__kfree_skb(skb);
	}
}

/* The twin of tcp_stream_alloc_skb()'s memory check: may the new @skb
 * be charged to the protocol's memory?  The first skb of an empty write
 * queue always may (forced), as nothing queued would free memory for
 * it.  No @skb at all (the allocation failed): the protocol enters
 * memory pressure and the send buffer shrinks.
 */
static bool xtcp_wmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	if (!skb) {
		sk->sk_prot->enter_memory_pressure(sk);
		sk_stream_moderate_sndbuf(sk);
		return false;
	}
	if (skb_queue_empty(&sk->sk_write_queue)) {
		xtcp_forced_mem_schedule(sk, skb->truesize, SK_MEM_SEND);
		return true;
	}
	return sk_wmem_schedule(sk, skb->truesize);
}

/* Copy up to @copy bytes of @msg into the page fragment @pfrag and
 * append them to @skb's fragments (extending the last one when they
 * follow it in the same page), charged to the send memory.  Returns the
 * bytes copied, -ENOMEM when the protocol's memory does not allow them
 * (wait for space), or -EFAULT.
 */
static int xtcp_copy_to_frag(struct sock *sk, struct sk_buff *skb,
			     struct page_frag *pfrag, struct msghdr *msg,
			     int copy)
{
	int i = skb_shinfo(skb)->nr_frags;
	bool merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);

	copy = min_t(int, copy, pfrag->size - pfrag->offset);
	if (!sk_wmem_schedule(sk, copy))
		return -ENOMEM;
	if (copy_page_from_iter(pfrag->page, pfrag->offset, copy,
				&msg->msg_iter) != copy)
		return -EFAULT;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
		get_page(pfrag->page);
	}
	pfrag->offset += copy;
	skb->len += copy;
	skb->data_len += copy;
	skb->truesize += copy;
	xtcp_wmem_queued_add(sk, copy);
	return copy;
}

/* The twin of tcp_xmit_size_goal(): how much one write queue skb
 * takes, whole segments for one GSO packet (half the peer's largest
 * window at most), or one segment when the route cannot do GSO.
 */
static int xtcp_xmit_size_goal(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int mss = xtcp_bound_to_half_wnd(xsk, xtcp_current_mss(sk));
	int goal, segs;

	if (!sk_can_gso(sk))
		return mss;
	goal = xtcp_bound_to_half_wnd(xsk, sk->sk_gso_max_size);
	segs = min_t(int, goal / mss, sk->sk_gso_max_segs);
	return max(segs * mss, mss);
}

/* The twin of tcp_sendmsg_locked(): copy into the write queue's tail,
 * skbs of up to a GSO packet's worth of segments whose data sits in
 * page fragments (the socket's or the task's page_frag), and send what
 * the windows allow.  While the write goes on, skbs are sent once a GSO
 * packet's worth waits; the end of the write pushes the rest, under
 * Nagle, TCP_CORK and MSG_MORE.
 */
static int xtcp_sendmsg_locked(struct sock *sk, struct msghdr *msg,
			       size_t size)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int flags = msg->msg_flags;
	int copied = 0, err;
	int process_backlog = 0;
	int size_goal = 0;
	u32 push_goal = 0;
	long timeo;

	if (flags & MSG_FASTOPEN)
		return -EOPNOTSUPP;	/* no TCP Fast Open yet */

	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;	/* no urgent data yet */

	sk_clear_bit(SOCKWQ_ASYNC_NOSPACE, sk);
restart:
	size_goal = xtcp_xmit_size_goal(sk);
	/* enough unsent data for a GSO packet of the route's size */
	push_goal = sk_can_gso(sk) ? sk->sk_gso_max_size : size_goal;
	while (msg_data_left(msg)) {
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		struct page_frag *pfrag = sk_page_frag(sk);
		int copy;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto do_error;

		if (!sk_page_frag_refill(sk, pfrag))
			goto wait_for_space;

		if (!skb || !xsk->send_head || skb->len >= size_goal ||
		    (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN) ||
		    skb_headlen(skb) ||
		    (skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS &&
		     !skb_can_coalesce(skb, MAX_SKB_FRAGS, pfrag->page,
				       pfrag->offset))) {
			if (!sk_stream_memory_free(sk) ||
			    sk->sk_wmem_queued >= READ_ONCE(sk->sk_sndbuf))
				goto wait_for_space;
			/* a long write lets the ACKs that wait in the
			 * backlog in now and then, as 6.1 does: they free
			 * memory and open cwnd
			 */
			if (unlikely(++process_backlog >= 16)) {
				process_backlog = 0;
				if (sk_flush_backlog(sk))
					goto restart;
			}
			skb = alloc_skb_fclone(MAX_HEADER + 128, sk->sk_allocation);
			if (!xtcp_wmem_schedule(sk, skb)) {
				kfree_skb(skb);
				goto wait_for_space;
			}
			skb_reserve(skb, MAX_HEADER + 128);
			xtcp_wmem_queued_add(sk, skb->truesize);
			XTCP_SKB_CB(skb)->seq = xsk->write_seq;
			XTCP_SKB_CB(skb)->end_seq = xsk->write_seq;
			XTCP_SKB_CB(skb)->tcp_flags = TCPHDR_ACK;
			XTCP_SKB_CB(skb)->retransmitted = 0;
			__skb_queue_tail(&sk->sk_write_queue, skb);
			if (!xsk->send_head)
				xsk->send_head = skb;
			/* a new skb: what was pushed is out of the way */
			xsk->nonagle &= ~XTCP_NAGLE_PUSH;
		}

		copy = min_t(size_t, size_goal - skb->len, msg_data_left(msg));
		copy = xtcp_copy_to_frag(sk, skb, pfrag, msg, copy);
		if (copy == -ENOMEM)
			goto wait_for_space;
		if (copy < 0) {
			err = copy;
			goto do_error;
		}
		XTCP_SKB_CB(skb)->end_seq += copy;
		WRITE_ONCE(xsk->write_seq, xsk->write_seq + copy);
		copied += copy;

		if (skb->len >= size_goal &&
		    xsk->write_seq - xsk->snd_nxt >= push_goal)
			xtcp_write_xmit(sk);
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		xtcp_push(sk, flags & ~MSG_MORE, XTCP_NAGLE_PUSH);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		goto restart;
	}

	if (copied)
		xtcp_push(sk, flags, xsk->nonagle);
	return copied;

do_error:
	xtcp_remove_empty_skb(sk);
	if (copied) {
		xtcp_push(sk, flags, xsk->nonagle);
		return copied;
	}
	return sk_stream_error(sk, flags, err);
}

int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	int ret;

	lock_sock(sk);
	ret = xtcp_sendmsg_locked(sk, msg, size);
	release_sock(sk);
	return ret;
}

/* The twin of tcp_cleanup_rbuf(): after the reader made room, tell the
 * peer when the window it sees grew by enough to matter.
 */
static void xtcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 rcv_win_now, new_win;
	int free_space;

	if (!copied || (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN |
					       TCPF_SYN_SENT))
		return;
	rcv_win_now = xtcp_receive_window(xsk);
	free_space = (READ_ONCE(sk->sk_rcvbuf) -
		      atomic_read(&sk->sk_rmem_alloc)) / 2;
	new_win = max(free_space, 0);
	if (new_win >= 2 * rcv_win_now || new_win - rcv_win_now >=
	    max_t(u32, 2 * xsk->rcv_mss, READ_ONCE(sk->sk_rcvbuf) / 4))
		xtcp_send_ack(sk);
}

/* The twin of tcp_recvmsg_locked(). */
static int xtcp_recvmsg_locked(struct sock *sk, struct msghdr *msg,
			       size_t len, int flags)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 peek_seq, *seq;
	int copied = 0;
	long timeo;
	int target;
	int err;

	err = -ENOTCONN;
	if (sk->sk_state == TCP_LISTEN)
		return err;
	if (flags & MSG_OOB)
		return -EINVAL;	/* no urgent data is ever kept */

	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	seq = &xsk->copied_seq;
	if (flags & MSG_PEEK) {
		peek_seq = xsk->copied_seq;
		seq = &peek_seq;
	}
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	do {
		struct sk_buff *skb, *last = NULL;
		u32 offset;
		size_t used;

		skb_queue_walk(&sk->sk_receive_queue, skb) {
			last = skb;
			offset = *seq - XTCP_SKB_CB(skb)->seq;
			if (offset < skb->len)
				goto found_ok_skb;
		}

		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		if (copied) {
			if (!timeo || sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		xtcp_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, last);
		continue;

found_ok_skb:
		used = min_t(size_t, skb->len - offset, len);
		if (!(flags & MSG_TRUNC)) {
			err = skb_copy_datagram_msg(skb, offset, msg, used);
			if (err) {
				if (!copied)
					copied = -EFAULT;
				break;
			}
		}
		WRITE_ONCE(*seq, *seq + used);
		copied += used;
		len -= used;
		xtcp_rcv_space_adjust(sk);
		if (!(flags & MSG_PEEK) && used + offset >= skb->len) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			__kfree_skb(skb);
		}
	} while (len > 0);

	xtcp_cleanup_rbuf(sk, copied);
	return copied;
}

int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		 int flags, int *addr_len)
{
	int ret;

	if (unlikely(flags & MSG_ERRQUEUE))
		return xtcp_v4_recv_error(sk, msg, len, addr_len);

	lock_sock(sk);
	ret = xtcp_recvmsg_locked(sk, msg, len, flags);
	release_sock(sk);
	return ret;
}

/* The twin of tcp_recv_skb(): the skb of the receive queue that holds
 * sequence @seq, at *@off in it; the skbs before it, all read, are
 * freed on the way.  NULL when the queue holds nothing from @seq on.
 */
static struct sk_buff *xtcp_recv_skb(struct sock *sk, u32 seq, u32 *off)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_receive_queue)) != NULL) {
		u32 offset = seq - XTCP_SKB_CB(skb)->seq;

		if (offset < skb->len) {
			*off = offset;
			return skb;
		}
		__skb_unlink(skb, &sk->sk_receive_queue);
		__kfree_skb(skb);
	}
	return NULL;
}

/* The twin of tcp_read_sock(): hand in-order data to @recv_actor, skb
 * by skb, from copied_seq on, until it takes less than offered or
 * @desc->count runs out; what it took is read.  Under the socket lock
 * (the actor may not drop it); never waits.  Returns the bytes taken,
 * or the actor's error when it took none.
 */
int xtcp_read_sock(struct sock *sk, read_descriptor_t *desc,
		   sk_read_actor_t recv_actor)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 seq = xsk->copied_seq;
	struct sk_buff *skb;
	int copied = 0;
	u32 offset;

	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;
	while ((skb = xtcp_recv_skb(sk, seq, &offset)) != NULL) {
		size_t len = skb->len - offset;
		int used;

		used = recv_actor(desc, skb, offset, len);
		if (used <= 0) {
			if (!copied)
				copied = used;
			break;
		}
		if (WARN_ON_ONCE(used > len))
			used = len;
		seq += used;
		copied += used;
		WRITE_ONCE(xsk->copied_seq, seq);
		if (!desc->count)
			break;
	}
	/* free what was read up to the end */
	xtcp_recv_skb(sk, seq, &offset);
	xtcp_rcv_space_adjust(sk);
	if (copied > 0)
		xtcp_cleanup_rbuf(sk, copied);
	return copied;
}

/* The read actor of xtcp_splice_read(): @skb's bytes to the pipe. */
struct xtcp_splice_state {
	struct pipe_inode_info	*pipe;
	size_t			len;
	unsigned int		flags;
};

static int xtcp_splice_data_recv(read_descriptor_t *desc, struct sk_buff *skb,
				 unsigned int offset, size_t len)
{
	struct xtcp_splice_state *tss = desc->arg.data;
	int ret;

	ret = skb_splice_bits(skb, skb->sk, offset, tss->pipe,
			      min(desc->count, len), tss->flags);
	if (ret > 0)
		desc->count -= ret;
	return ret;
}

/* The twin of tcp_splice_read(): splice(2) from the socket to a pipe, up
 * to @len bytes, waiting (unless non-blocking) until some data came;
 * 0 at the end of the stream.  Linear data is copied into the sock's
 * page fragment (skb_splice_bits()), paged data is passed by reference.
 */
ssize_t xtcp_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags)
{
	struct xtcp_splice_state tss = {
		.pipe	= pipe,
		.len	= len,
		.flags	= flags,
	};
	struct sock *sk = sock->sk;
	ssize_t spliced = 0;
	long timeo;
	int ret = 0;

	sock_rps_record_flow(sk);
	if (unlikely(*ppos))
		return -ESPIPE;	/* a socket has no offset */

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, sock->file->f_flags & O_NONBLOCK);
	while (tss.len) {
		read_descriptor_t desc = {
			.arg.data	= &tss,
			.count		= tss.len,
		};

		ret = xtcp_read_sock(sk, &desc, xtcp_splice_data_recv);
		if (ret < 0)
			break;
		if (!ret) {
			if (spliced || sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				ret = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				ret = -ENOTCONN;	/* never connected */
				break;
			}
			if (!timeo) {
				ret = -EAGAIN;
				break;
			}
			/* data there but nothing taken: do not spin */
			if (!skb_queue_empty(&sk->sk_receive_queue))
				break;
			sk_wait_data(sk, &timeo, NULL);
			if (signal_pending(current)) {
				ret = sock_intr_errno(timeo);
				break;
			}
			continue;
		}
		tss.len -= ret;
		spliced += ret;
		if (!tss.len || !timeo)
			break;
		/* let the backlog in */
		release_sock(sk);
		lock_sock(sk);
		if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
		    (sk->sk_shutdown & RCV_SHUTDOWN) ||
		    signal_pending(current))
			break;
	}
	release_sock(sk);
	return spliced ? : ret;
}

/* The twin of tcp_shutdown(): SHUT_WR sends our FIN. */
void xtcp_shutdown(struct sock *sk, int how)
{
	if (!(how & SEND_SHUTDOWN))
		return;
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_SYN_SENT |
				   TCPF_SYN_RECV | TCPF_CLOSE_WAIT)) {
		if (xtcp_close_state(sk))
			xtcp_send_fin(sk);
	}
}

/* The twin of tcp_ioctl(). */
int xtcp_ioctl(struct sock *sk, int cmd, unsigned long arg)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCATMARK:
		/* no urgent data before the data path lands */
		answ = 0;
		break;
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			answ = 0;
		else
			answ = xsk->rcv_nxt - xsk->copied_seq;
		/* the FIN is not data */
		if (answ && sock_flag(sk, SOCK_DONE))
			answ--;
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) ?
		       0 : READ_ONCE(xsk->write_seq) - xsk->snd_una;
		break;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) ?
		       0 : READ_ONCE(xsk->write_seq) - xsk->snd_nxt;
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

/* The twin of tcp_set_rcvlowat(): SO_RCVLOWAT is capped at half the
 * largest receive buffer, and grows an unlocked one to twice itself.
 */
int xtcp_set_rcvlowat(struct sock *sk, int val)
{
	int cap;

	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		cap = sk->sk_rcvbuf >> 1;
	else
		cap = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]) >> 1;
	val = min(val, cap);
	WRITE_ONCE(sk->sk_rcvlowat, val ? : 1);

	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		return 0;
	val <<= 1;
	if (val > sk->sk_rcvbuf) {
		WRITE_ONCE(sk->sk_rcvbuf, val);
		xtcp_sk(sk)->window_clamp = xtcp_win_from_space(val);
	}
	return 0;
}

/* The twins of secs_to_retrans() and retrans_to_secs(): TCP_DEFER_ACCEPT
 * counts SYN-ACK retransmissions of exponential backoff.
 */
static u8 xtcp_secs_to_retrans(int seconds, int timeout, int rto_max)
{
	u8 res = 0;

	if (seconds > 0) {
		int period = timeout;

		res = 1;
		while (seconds > period && res < 255) {
			res++;
			timeout <<= 1;
			if (timeout > rto_max)
				timeout = rto_max;
			period += timeout;
		}
	}
	return res;
}

static int xtcp_retrans_to_secs(u8 retrans, int timeout, int rto_max)
{
	int period = 0;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > rto_max)
				timeout = rto_max;
			period += timeout;
		}
	}
	return period;
}

/* The twin of __tcp_sock_set_quickack(): 0 delays ACKs (pingpong); any
 * other value sends a pending ACK now, and 1 keeps ACKing at once.
 */
static void xtcp_set_quickack(struct sock *sk, int val)
{
	if (!val) {
		inet_csk_enter_pingpong_mode(sk);
		return;
	}
	inet_csk_exit_pingpong_mode(sk);
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT) &&
	    timer_pending(&inet_csk(sk)->icsk_delack_timer)) {
		xtcp_delack_timer_clear(sk);
		xtcp_send_ack(sk);
		if (!(val & 1))
			inet_csk_enter_pingpong_mode(sk);
	}
}

/* TCP-level options that 6.1's do_tcp_setsockopt() and
 * do_tcp_getsockopt() take: XTCP takes them as the data path lands and
 * answers EOPNOTSUPP until then.  Any other name is ENOPROTOOPT.
 */
static bool xtcp_tcp_option_settable(int optname)
{
	switch (optname) {
	case TCP_NODELAY: case TCP_MAXSEG: case TCP_CORK: case TCP_KEEPIDLE:
	case TCP_KEEPINTVL: case TCP_KEEPCNT: case TCP_SYNCNT:
	case TCP_LINGER2: case TCP_DEFER_ACCEPT: case TCP_WINDOW_CLAMP:
	case TCP_QUICKACK: case TCP_CONGESTION: case TCP_MD5SIG:
	case TCP_THIN_LINEAR_TIMEOUTS: case TCP_THIN_DUPACK:
	case TCP_USER_TIMEOUT: case TCP_REPAIR: case TCP_REPAIR_QUEUE:
	case TCP_QUEUE_SEQ: case TCP_REPAIR_OPTIONS: case TCP_FASTOPEN:
	case TCP_TIMESTAMP: case TCP_NOTSENT_LOWAT: case TCP_SAVE_SYN:
	case TCP_REPAIR_WINDOW: case TCP_FASTOPEN_CONNECT: case TCP_ULP:
	case TCP_MD5SIG_EXT: case TCP_FASTOPEN_KEY:
	case TCP_FASTOPEN_NO_COOKIE: case TCP_INQ: case TCP_TX_DELAY:
		return true;
	}
	return false;
}

static bool xtcp_tcp_option_gettable(int optname)
{
	switch (optname) {
	case TCP_MD5SIG: case TCP_REPAIR_OPTIONS: case TCP_MD5SIG_EXT:
		return false;
	case TCP_INFO: case TCP_CC_INFO: case TCP_SAVED_SYN:
	case TCP_ZEROCOPY_RECEIVE:
		return true;
	}
	return xtcp_tcp_option_settable(optname);
}

int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen)
{
	int val, err;

	if (level != SOL_TCP)
		return xtcp_sk(sk)->af_ops->setsockopt(sk, level, optname,
							optval, optlen);

	if (optname != TCP_CONGESTION && optname != TCP_ULP &&
	    optname != TCP_FASTOPEN_KEY) {
		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
	}

	switch (optname) {
	case TCP_CONGESTION: {
		/* as do_tcp_setsockopt(): the name, cut at 15 bytes */
		char name[XTCP_CA_NAME_MAX];
		long len;
		int err;

		if (optlen < 1)
			return -EINVAL;
		len = strncpy_from_sockptr(name, optval,
					   min_t(long, XTCP_CA_NAME_MAX - 1,
						 optlen));
		if (len < 0)
			return -EFAULT;
		name[len] = 0;
		lock_sock(sk);
		err = xtcp_set_congestion_control(sk, name);
		release_sock(sk);
		return err;
	}
	case TCP_NODELAY:
		/* as __tcp_sock_set_nodelay(): setting it pushes what waits,
		 * corked or not
		 */
		lock_sock(sk);
		if (val) {
			xtcp_sk(sk)->nonagle |= XTCP_NAGLE_OFF |
						XTCP_NAGLE_PUSH;
			xtcp_push_pending_frames(sk);
		} else {
			xtcp_sk(sk)->nonagle &= ~XTCP_NAGLE_OFF;
		}
		release_sock(sk);
		return 0;
	case TCP_CORK:
		/* as __tcp_sock_set_cork(): partial segments wait until
		 * the cork is pulled, which pushes them (past Nagle too
		 * under TCP_NODELAY), or until the probe timer sends one
		 * after an RTO (200 ms at least)
		 */
		lock_sock(sk);
		if (val) {
			xtcp_sk(sk)->nonagle |= XTCP_NAGLE_CORK;
		} else {
			xtcp_sk(sk)->nonagle &= ~XTCP_NAGLE_CORK;
			if (xtcp_sk(sk)->nonagle & XTCP_NAGLE_OFF)
				xtcp_sk(sk)->nonagle |= XTCP_NAGLE_PUSH;
			xtcp_push_pending_frames(sk);
		}
		release_sock(sk);
		return 0;
	case TCP_KEEPIDLE:
		lock_sock(sk);
		err = xtcp_set_keepidle_locked(sk, val);
		release_sock(sk);
		return err;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		WRITE_ONCE(xtcp_sk(sk)->keepalive_intvl, val * HZ);
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		WRITE_ONCE(xtcp_sk(sk)->keepalive_probes, val);
		return 0;
	case TCP_USER_TIMEOUT:
		/* in ms: how long data may stay unacked (and probes go
		 * unanswered) before the connection fails with ETIMEDOUT
		 */
		if (val < 0)
			return -EINVAL;
		WRITE_ONCE(inet_csk(sk)->icsk_user_timeout, val);
		return 0;
	case TCP_MAXSEG:
		/* the MSS we offer and send at most, from the next SYN */
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW))
			return -EINVAL;
		lock_sock(sk);
		xtcp_sk(sk)->user_mss = val;
		release_sock(sk);
		return 0;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			return -EINVAL;
		WRITE_ONCE(inet_csk(sk)->icsk_syn_retries, val);
		return 0;
	case TCP_LINGER2:
		lock_sock(sk);
		if (val < 0)
			xtcp_sk(sk)->linger2 = -1;
		else if (val > TCP_FIN_TIMEOUT_MAX / HZ)
			xtcp_sk(sk)->linger2 = TCP_FIN_TIMEOUT_MAX;
		else
			xtcp_sk(sk)->linger2 = val * HZ;
		release_sock(sk);
		return 0;
	case TCP_DEFER_ACCEPT:
		/* seconds, as SYN-ACK retransmissions (rounded up) */
		WRITE_ONCE(inet_csk(sk)->icsk_accept_queue.rskq_defer_accept,
			   xtcp_secs_to_retrans(val, XTCP_TIMEOUT_INIT / HZ,
						XTCP_RTO_MAX / HZ));
		return 0;
	case TCP_QUICKACK:
		lock_sock(sk);
		xtcp_set_quickack(sk, val);
		release_sock(sk);
		return 0;
	case TCP_NOTSENT_LOWAT:
		WRITE_ONCE(xtcp_sk(sk)->notsent_lowat, val);
		sk->sk_write_space(sk);
		return 0;
	}
	return xtcp_tcp_option_settable(optname) ? -EOPNOTSUPP : -ENOPROTOOPT;
}

int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	int len, val;

	if (level != SOL_TCP)
		return xtcp_sk(sk)->af_ops->getsockopt(sk, level, optname,
							optval, optlen);

	/* 6.1.192's order: a negative length is refused first */
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	len = min_t(unsigned int, len, sizeof(int));

	switch (optname) {
	case TCP_INFO: {
		struct tcp_info info;

		if (get_user(len, optlen))
			return -EFAULT;
		xtcp_get_info(sk, &info);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	}
	case TCP_CONGESTION: {
		/* as do_tcp_getsockopt(): up to 16 bytes, zero padded */
		char name[XTCP_CA_NAME_MAX] = {};

		if (get_user(len, optlen))
			return -EFAULT;
		len = min_t(unsigned int, len, XTCP_CA_NAME_MAX);
		if (put_user(len, optlen))
			return -EFAULT;
		strscpy(name, READ_ONCE(xtcp_sk(sk)->ca_ops)->name,
			sizeof(name));
		if (copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	}
	case TCP_NODELAY:
		val = !!(xtcp_sk(sk)->nonagle & XTCP_NAGLE_OFF);
		break;
	case TCP_CORK:
		val = !!(xtcp_sk(sk)->nonagle & XTCP_NAGLE_CORK);
		break;
	case TCP_KEEPIDLE:
		val = xtcp_keepalive_time_when(sk) / HZ;
		break;
	case TCP_KEEPINTVL:
		val = xtcp_keepalive_intvl_when(sk) / HZ;
		break;
	case TCP_KEEPCNT:
		val = xtcp_keepalive_probes(sk);
		break;
	case TCP_USER_TIMEOUT:
		val = READ_ONCE(inet_csk(sk)->icsk_user_timeout);
		break;
	case TCP_MAXSEG:
		/* the send MSS; before a connection, what the user set */
		val = xtcp_sk(sk)->mss_cache;
		if (xtcp_sk(sk)->user_mss &&
		    (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
			val = xtcp_sk(sk)->user_mss;
		break;
	case TCP_SYNCNT:
		val = READ_ONCE(inet_csk(sk)->icsk_syn_retries) ? :
		      XTCP_SYSCTL(sock_net(sk), syn_retries);
		break;
	case TCP_LINGER2:
		val = xtcp_sk(sk)->linger2;
		if (val >= 0)
			val = (val ? : XTCP_SYSCTL(sock_net(sk), fin_timeout)) / HZ;
		break;
	case TCP_DEFER_ACCEPT:
		val = READ_ONCE(inet_csk(sk)->icsk_accept_queue.rskq_defer_accept);
		val = xtcp_retrans_to_secs(val, XTCP_TIMEOUT_INIT / HZ,
					   XTCP_RTO_MAX / HZ);
		break;
	case TCP_QUICKACK:
		val = !inet_csk_in_pingpong_mode(sk);
		break;
	case TCP_NOTSENT_LOWAT:
		val = READ_ONCE(xtcp_sk(sk)->notsent_lowat);
		break;
	default:
		return xtcp_tcp_option_gettable(optname) ? -EOPNOTSUPP :
							   -ENOPROTOOPT;
	}
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

/* The twin of tcp_get_info(): struct tcp_info, the uapi layout, for
 * TCP_INFO (ss and iperf3 read it).  What XTCP does not keep (pacing,
 * delivery rate, receiver RTT, ECN) reads 0.
 */
void xtcp_get_info(struct sock *sk, struct tcp_info *info)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	u8 state = inet_sk_state_load(sk);
	u32 now = jiffies;
	bool slow;

	memset(info, 0, sizeof(*info));
	info->tcpi_state = state;
	/* for every state, listeners too, as 6.1 */
	info->tcpi_pacing_rate = READ_ONCE(sk->sk_pacing_rate) != ~0UL ?
				 READ_ONCE(sk->sk_pacing_rate) : ~0ULL;
	info->tcpi_max_pacing_rate = READ_ONCE(sk->sk_max_pacing_rate) != ~0UL ?
				     READ_ONCE(sk->sk_max_pacing_rate) : ~0ULL;
	info->tcpi_reordering = xsk->reordering;
	info->tcpi_snd_cwnd = xsk->snd_cwnd;
	if (state == TCP_LISTEN) {
		/* the accept queue's length and limit, as 6.1 reports */
		info->tcpi_unacked = READ_ONCE(sk->sk_ack_backlog);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
		return;
	}

	slow = lock_sock_fast(sk);
	info->tcpi_ca_state = xsk->ca_state;
	info->tcpi_retransmits = icsk->icsk_retransmits;
	info->tcpi_probes = icsk->icsk_probes_out;
	info->tcpi_backoff = icsk->icsk_backoff;
	if (xsk->tstamp_ok)
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (xsk->sack_ok)
		info->tcpi_options |= TCPI_OPT_SACK;
	if (xsk->wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = xsk->snd_wscale;
		info->tcpi_rcv_wscale = xsk->rcv_wscale;
	}
	info->tcpi_rto = jiffies_to_usecs(icsk->icsk_rto);
	info->tcpi_ato = jiffies_to_usecs(icsk->icsk_ack.ato);
	info->tcpi_snd_mss = xsk->mss_cache;
	info->tcpi_rcv_mss = xsk->rcv_mss;
	info->tcpi_unacked = xsk->packets_out;
	info->tcpi_sacked = xsk->sacked_out;
	info->tcpi_lost = xsk->lost_out;
	info->tcpi_retrans = xsk->retrans_out;
	info->tcpi_last_data_sent = jiffies_to_msecs(now - xsk->lsndtime);
	info->tcpi_last_data_recv = jiffies_to_msecs(now -
						     icsk->icsk_ack.lrcvtime);
	info->tcpi_last_ack_recv = jiffies_to_msecs(now - xsk->rcv_tstamp);
	info->tcpi_pmtu = icsk->icsk_pmtu_cookie;
	info->tcpi_rcv_ssthresh = xsk->rcv_wnd;
	info->tcpi_rtt = xsk->srtt_us >> 3;
	info->tcpi_rttvar = xsk->mdev_us >> 2;
	info->tcpi_snd_ssthresh = xsk->snd_ssthresh;
	info->tcpi_advmss = xsk->advmss;
	info->tcpi_rcv_space = xsk->rcvq_space.space;
	info->tcpi_rcv_rtt = xsk->rcv_rtt_est.rtt_us >> 3;
	info->tcpi_total_retrans = xsk->total_retrans;
	info->tcpi_segs_out = xsk->segs_out;
	info->tcpi_segs_in = xsk->segs_in;
	info->tcpi_data_segs_out = xsk->data_segs_out;
	info->tcpi_data_segs_in = xsk->data_segs_in;
	info->tcpi_notsent_bytes = max_t(int, 0,
					 xsk->write_seq - xsk->snd_nxt);
	info->tcpi_delivered = xsk->delivered;
	info->tcpi_bytes_retrans = xsk->bytes_retrans;
	info->tcpi_snd_wnd = xsk->snd_wnd;
	if ((1 << state) & ~(TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE)) {
		/* as tcp_sock counts them: the SYN of an active open is
		 * an acked byte, a child starts past its SYN-ACK
		 */
		info->tcpi_bytes_acked = xsk->snd_una - xsk->snd_isn -
					 xsk->passive_open;
		info->tcpi_bytes_received = xsk->rcv_nxt - xsk->rcv_isn - 1;
		info->tcpi_bytes_sent = xsk->snd_nxt - xsk->snd_isn - 1 +
					xsk->bytes_retrans;
	}
	unlock_sock_fast(sk, slow);
}

/* The twin of tcp_stream_memory_free(): with TCP_NOTSENT_LOWAT, writable
 * while less than that much is queued and not yet sent.
 */
bool xtcp_stream_memory_free(const struct sock *sk, int wake)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);
	u32 lowat = READ_ONCE(xsk->notsent_lowat) ? : UINT_MAX;
	u32 notsent = READ_ONCE(xsk->write_seq) - READ_ONCE(xsk->snd_nxt);

	return ((u64)notsent << wake) < lowat;
}

/* The twin of sk_stream_write_space(): wake writers once the write
 * queue has room again (sock_def_write_space() looks at sk_wmem_alloc,
 * which says nothing of a stream's queue).
 */
static void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !__sk_stream_is_writeable(sk, 1))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
						      EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/* The twin of tcp_init_sock() plus tcp_v4_init_sock(). */
int xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	xsk->af_ops = &xtcp_ipv4_specific;
	xtcp_accept_queue_init(&xsk->accept_queue);
	atomic_set(&xsk->syn_qlen, 0);
	xtcp_init_xmit_timers(sk);
	xtcp_ofo_init(sk);
	inet_csk(sk)->icsk_rto = XTCP_TIMEOUT_INIT;
	xsk->snd_cwnd = XTCP_INIT_CWND;
	xsk->snd_ssthresh = U32_MAX;
	xsk->mss_cache = XTCP_MSS_DEFAULT;
	inet_csk(sk)->icsk_sync_mss = xtcp_sync_mss;
	xtcp_assign_congestion_control(sk);

	sk->sk_state = TCP_CLOSE;
	sk->sk_write_space = xtcp_write_space;
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);

	/* net.ipv4.tcp_wmem and tcp_rmem are shared with stock TCP. */
	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(net->ipv4.sysctl_tcp_wmem[1]));
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(net->ipv4.sysctl_tcp_rmem[1]));
	/* children are counted by sk_clone_lock() */
	sk_sockets_allocated_inc(sk);
	return 0;
}
