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

	while ((child = xtcp_accept_queue_remove(sk)) != NULL) {
		/* Children exist once the connection path lands; an
		 * unaccepted child is closed as a listener's orphan.
		 */
		child->sk_prot->disconnect(child, O_NONBLOCK);
		sock_orphan(child);
		xtcp_close(child, 0);
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
static void xtcp_inet_csk_destroy_sock(struct sock *sk)
{
	WARN_ON(sk->sk_state != TCP_CLOSE);
	WARN_ON(!sock_flag(sk, SOCK_DEAD));

	sk->sk_prot->destroy(sk);
	sk_stream_kill_queues(sk);
	sock_put(sk);
}

/* The twin of tcp_close(). */
void xtcp_close(struct sock *sk, long timeout)
{
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_inet_csk_listen_stop(sk);
	}

	sock_hold(sk);
	sock_orphan(sk);
	if (sk->sk_state == TCP_CLOSE)
		xtcp_inet_csk_destroy_sock(sk);
	release_sock(sk);
	sock_put(sk);
}

/* The twin of tcp_disconnect(): back to a fresh, unconnected socket. */
int xtcp_disconnect(struct sock *sk, int flags)
{
	int old_state = sk->sk_state;

	if (old_state != TCP_CLOSE)
		xtcp_set_state(sk, TCP_CLOSE);
	if (old_state == TCP_LISTEN)
		xtcp_inet_csk_listen_stop(sk);

	inet_sk(sk)->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet_sk(sk)->inet_saddr = 0;
		inet_sk(sk)->inet_rcv_saddr = 0;
	}
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	sk_error_report(sk);
	return 0;
}

/* The twin of tcp_v4_destroy_sock(). */
void xtcp_destroy_sock(struct sock *sk)
{
	if (xtcp_sk(sk)->bind_hash)
		xtcp_inet_put_port(sk);
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
			if (__sk_stream_is_writeable(sk, 1))
				mask |= EPOLLOUT | EPOLLWRNORM;
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

/* The twin of tcp_sendmsg(): no state can send data yet. */
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto out_err;
	}
	/* The data path lands with the connection path. */
	err = -EOPNOTSUPP;
out_err:
	err = sk_stream_error(sk, msg->msg_flags, err);
	release_sock(sk);
	return err;
}

/* The twin of tcp_recvmsg(): nothing is ever queued yet. */
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		 int flags, int *addr_len)
{
	int err;

	if (unlikely(flags & MSG_ERRQUEUE))
		return sock_recv_errqueue(sk, msg, len, SOL_IP, IP_RECVERR);

	lock_sock(sk);
	err = -ENOTCONN;
	if (sk->sk_state == TCP_LISTEN)
		goto out;
	err = -EINVAL;
	if (flags & MSG_OOB)
		goto out;

	if (sock_flag(sk, SOCK_DONE))
		err = 0;
	else if (sk->sk_err)
		err = sock_error(sk);
	else if (sk->sk_shutdown & RCV_SHUTDOWN)
		err = 0;
	else if (sk->sk_state == TCP_CLOSE)
		err = -ENOTCONN;
	else
		err = -EOPNOTSUPP;
out:
	release_sock(sk);
	return err;
}

/* The twin of tcp_ioctl(). */
int xtcp_ioctl(struct sock *sk, int cmd, unsigned long arg)
{
	int answ;

	switch (cmd) {
	case SIOCATMARK:
		/* no urgent data before the data path lands */
		answ = 0;
		break;
	case SIOCINQ:
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		/* No byte is ever queued before the data path lands. */
		answ = 0;
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
	if (val > sk->sk_rcvbuf)
		WRITE_ONCE(sk->sk_rcvbuf, val);
	return 0;
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
	int val;

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
	return xtcp_tcp_option_settable(optname) ? -EOPNOTSUPP : -ENOPROTOOPT;
}

int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	int len;

	if (level != SOL_TCP)
		return xtcp_sk(sk)->af_ops->getsockopt(sk, level, optname,
							optval, optlen);

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	return xtcp_tcp_option_gettable(optname) ? -EOPNOTSUPP : -ENOPROTOOPT;
}

/* The twin of tcp_init_sock() plus tcp_v4_init_sock(). */
int xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	xsk->af_ops = &xtcp_ipv4_specific;
	xtcp_accept_queue_init(&xsk->accept_queue);
	inet_csk(sk)->icsk_sync_mss = xtcp_sync_mss;

	sk->sk_state = TCP_CLOSE;
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);

	/* net.ipv4.tcp_wmem and tcp_rmem are shared with stock TCP. */
	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(net->ipv4.sysctl_tcp_wmem[1]));
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(net->ipv4.sysctl_tcp_rmem[1]));
	return 0;
}
