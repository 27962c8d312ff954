// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP: the AF_XTCP socket family, its proto_ops and its struct proto.
 * The twin of the stream half of net/ipv4/af_inet.c.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/in.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <net/xtcp.h>
#include <uapi/linux/xtcp.h>

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "socket family number of AF_XTCP (default 27)");

atomic_long_t xtcp_objects[XTCP_OBJ_MAX];

static int xtcp_objects_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "sock=%ld reqsk=%ld twsk=%ld bind_bucket=%ld\n",
			  atomic_long_read(&xtcp_objects[XTCP_OBJ_SOCK]),
			  atomic_long_read(&xtcp_objects[XTCP_OBJ_REQSK]),
			  atomic_long_read(&xtcp_objects[XTCP_OBJ_TWSK]),
			  atomic_long_read(&xtcp_objects[XTCP_OBJ_BIND_BUCKET]));
}

static const struct kernel_param_ops xtcp_objects_ops = {
	.get = xtcp_objects_get,
};

module_param_cb(objects, &xtcp_objects_ops, NULL, 0444);
MODULE_PARM_DESC(objects, "live XTCP objects, by kind (read-only)");

/* The twin of inet_bind() and __inet_bind(). */
static int xtcp_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *addr = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	unsigned short snum;
	int chk_addr_ret;
	u32 tb_id;
	int err;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;

	if (addr->sin_family != AF_INET) {
		/* AF_UNSPEC is taken as AF_INET for INADDR_ANY only. */
		if (addr->sin_family != AF_UNSPEC ||
		    addr->sin_addr.s_addr != htonl(INADDR_ANY))
			return -EAFNOSUPPORT;
	}

	tb_id = l3mdev_fib_table_by_index(net, sk->sk_bound_dev_if) ? :
		RT_TABLE_LOCAL;
	chk_addr_ret = inet_addr_type_table(net, addr->sin_addr.s_addr, tb_id);
	if (!inet_addr_valid_or_nonlocal(net, inet, addr->sin_addr.s_addr,
					 chk_addr_ret))
		return -EADDRNOTAVAIL;

	snum = ntohs(addr->sin_port);
	if (snum && inet_port_requires_bind_service(net, snum) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet->inet_num)
		goto out_release_sock;

	inet->inet_rcv_saddr = addr->sin_addr.s_addr;
	inet->inet_saddr = addr->sin_addr.s_addr;
	if (chk_addr_ret == RTN_MULTICAST || chk_addr_ret == RTN_BROADCAST)
		inet->inet_saddr = 0;	/* use the device's */

	if (snum || !inet->bind_address_no_port) {
		err = sk->sk_prot->get_port(sk, snum);
		if (err) {
			inet->inet_saddr = 0;
			inet->inet_rcv_saddr = 0;
			goto out_release_sock;
		}
	}

	if (inet->inet_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	inet->inet_sport = htons(inet->inet_num);
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	sk_dst_reset(sk);
	err = 0;
out_release_sock:
	release_sock(sk);
	return err;
}

/* The twin of inet_listen(); the backlog is already clamped to somaxconn
 * by the listen() syscall.
 */
static int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;

	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	err = 0;
	if (sk->sk_state != TCP_LISTEN)
		err = xtcp_inet_csk_listen_start(sk);
out:
	release_sock(sk);
	return err;
}

/* The twin of inet_accept(). */
static int xtcp_accept(struct socket *sock, struct socket *newsock, int flags,
		       bool kern)
{
	struct sock *sk2;
	int err = -EINVAL;

	sk2 = xtcp_inet_csk_accept(sock->sk, flags, &err, kern);
	if (!sk2)
		return err;

	lock_sock(sk2);
	sock_rps_record_flow(sk2);
	sock_graft(sk2, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(sk2);
	return 0;
}

/* The twin of inet_getname(). */
static int xtcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, uaddr);
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);

	sin->sin_family = AF_INET;
	lock_sock(sk);
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		sin->sin_port = inet->inet_dport;
		sin->sin_addr.s_addr = inet->inet_daddr;
	} else {
		sin->sin_port = inet->inet_sport;
		sin->sin_addr.s_addr = inet->inet_rcv_saddr ? :
				       inet->inet_saddr;
	}
	release_sock(sk);
	memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
	return sizeof(*sin);
}

/* The twin of inet_wait_for_connect(). */
static long xtcp_wait_for_connect(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	sk->sk_write_pending++;
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
		if (signal_pending(current) || !timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	sk->sk_write_pending--;
	return timeo;
}

/* The twin of inet_stream_connect() and __inet_stream_connect(). */
static int xtcp_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			       int addr_len, int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (addr_len < sizeof(uaddr->sa_family))
		return -EINVAL;

	lock_sock(sk);
	if (uaddr->sa_family == AF_UNSPEC) {
		err = sk->sk_prot->disconnect(sk, flags);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		goto out;
	}

	switch (sock->state) {
	default:
		err = -EINVAL;
		goto out;
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE)
			goto out;
		err = sk->sk_prot->connect(sk, uaddr, addr_len);
		if (err < 0)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* error code is set above */
		if (!timeo || !xtcp_wait_for_connect(sk, timeo))
			goto out;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			goto out;
	}

	/* connection gone: reset, refused or timed out */
	if (sk->sk_state == TCP_CLOSE)
		goto sock_error;

	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;

sock_error:
	err = sock_error(sk) ? : -ECONNABORTED;
	sock->state = SS_UNCONNECTED;
	if (sk->sk_prot->disconnect(sk, flags))
		sock->state = SS_DISCONNECTING;
	goto out;
}

/* The twin of inet_shutdown(). */
static int xtcp_shutdown_sock(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/* 0, 1, 2 map to RCV_SHUTDOWN, SEND_SHUTDOWN, both */
	how++;
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		/* still record it, and wake pollers: as inet does */
		fallthrough;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if (sk->sk_prot->shutdown)
			sk->sk_prot->shutdown(sk, how);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		err = sk->sk_prot->disconnect(sk, O_NONBLOCK);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		break;
	}

	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

static int xtcp_sock_setsockopt(struct socket *sock, int level, int optname,
				sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;

	return sk->sk_prot->setsockopt(sk, level, optname, optval, optlen);
}

static int xtcp_sock_getsockopt(struct socket *sock, int level, int optname,
				char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;

	return sk->sk_prot->getsockopt(sk, level, optname, optval, optlen);
}

static int xtcp_sock_ioctl(struct socket *sock, unsigned int cmd,
			   unsigned long arg)
{
	/* inet_ioctl() serves the routing/device ioctls, then sk_prot's */
	return inet_ioctl(sock, cmd, arg);
}

static int xtcp_sock_sendmsg(struct socket *sock, struct msghdr *msg,
			     size_t size)
{
	return sock->sk->sk_prot->sendmsg(sock->sk, msg, size);
}

static int xtcp_sock_recvmsg(struct socket *sock, struct msghdr *msg,
			     size_t size, int flags)
{
	int addr_len = 0;
	int err;

	err = sock->sk->sk_prot->recvmsg(sock->sk, msg, size, flags,
					 &addr_len);
	if (err >= 0)
		msg->msg_namelen = addr_len;
	return err;
}

/* The twin of inet_release(). */
static int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	long timeout = 0;

	if (!sk)
		return 0;
	if (sock_flag(sk, SOCK_LINGER) && !(current->flags & PF_EXITING))
		timeout = sk->sk_lingertime;
	sk->sk_prot->close(sk, timeout);
	sock->sk = NULL;
	return 0;
}

/* Protocol memory: see include/net/xtcp.h.  memory_allocated and the
 * per-CPU reserves are updated by core code (sk_memory_allocated_add()),
 * the pressure flag with cmpxchg()/xchg().
 */
static atomic_long_t xtcp_memory_allocated;
static DEFINE_PER_CPU(int, xtcp_memory_per_cpu_fw_alloc);
static unsigned long xtcp_memory_pressure;
struct percpu_counter xtcp_sockets_allocated;
long xtcp_sysctl_mem[3];

/* The pages accounted, per-CPU reserves included (memory_allocated
 * alone lags them by up to sysctl_mem_pcpu_rsv per CPU).
 */
long xtcp_memory_allocated_sum(void)
{
	long sum = atomic_long_read(&xtcp_memory_allocated);
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(xtcp_memory_per_cpu_fw_alloc, cpu);
	return sum;
}

/* The twin of tcp_enter_memory_pressure(): the flag holds when it was
 * raised, for TCPMemoryPressuresChrono.
 */
static void xtcp_enter_memory_pressure(struct sock *sk)
{
	unsigned long val;

	if (READ_ONCE(xtcp_memory_pressure))
		return;
	val = jiffies ? : 1;
	if (!cmpxchg(&xtcp_memory_pressure, 0, val))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_MEMORYPRESSURES);
}

/* The twin of tcp_leave_memory_pressure(). */
static void xtcp_leave_memory_pressure(struct sock *sk)
{
	unsigned long val;

	if (!READ_ONCE(xtcp_memory_pressure))
		return;
	val = xchg(&xtcp_memory_pressure, 0);
	if (val)
		XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_MEMORYPRESSURESCHRONO,
			       jiffies_to_msecs(jiffies - val));
}

/* .family is informational (6.1 core never reads a proto_ops' family);
 * the number XTCP registers is the "family" module parameter.
 */
static const struct proto_ops xtcp_stream_ops = {
	.family		= PF_XTCP,
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= xtcp_bind,
	.connect	= xtcp_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= xtcp_accept,
	.getname	= xtcp_getname,
	.poll		= xtcp_poll,
	.ioctl		= xtcp_sock_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= xtcp_listen,
	.shutdown	= xtcp_shutdown_sock,
	.setsockopt	= xtcp_sock_setsockopt,
	.getsockopt	= xtcp_sock_getsockopt,
	.sendmsg	= xtcp_sock_sendmsg,
	.recvmsg	= xtcp_sock_recvmsg,
	.mmap		= sock_no_mmap,
	/* sendfile() and splice() to the socket copy the pages */
	.sendpage	= sock_no_sendpage,
	.splice_read	= xtcp_splice_read,
	.read_sock	= xtcp_read_sock,
	.set_rcvlowat	= xtcp_set_rcvlowat,
};

/* Core code takes an XTCP sock for a tcp_sock in one place it can reach:
 * SO_TIMESTAMPING with OPT_ID reads tcp_sk(sk)->snd_una (6.1 has no
 * SOCK_CUSTOM_SOCKOPT to intercept it).  Make that read stay inside the
 * object: the timestamp key it gives is then meaningless, never unsafe.
 */
#define XTCP_OBJ_SIZE							\
	(sizeof(struct xtcp_sock) > offsetofend(struct tcp_sock, snd_una) ? \
	 sizeof(struct xtcp_sock) : offsetofend(struct tcp_sock, snd_una))

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.close		= xtcp_close,
	.connect	= xtcp_v4_connect,
	.disconnect	= xtcp_disconnect,
	.ioctl		= xtcp_ioctl,
	.init		= xtcp_init_sock,
	.destroy	= xtcp_destroy_sock,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	.hash		= xtcp_inet_hash,
	.unhash		= xtcp_inet_unhash,
	.get_port	= xtcp_inet_csk_get_port,
	.put_port	= xtcp_inet_put_port,
	.backlog_rcv	= xtcp_v4_do_rcv,
	.release_cb	= xtcp_release_cb,
	.keepalive	= xtcp_set_keepalive,
	.stream_memory_free	= xtcp_stream_memory_free,
	.enter_memory_pressure	= xtcp_enter_memory_pressure,
	.leave_memory_pressure	= xtcp_leave_memory_pressure,
	.memory_allocated	= &xtcp_memory_allocated,
	.per_cpu_fw_alloc	= &xtcp_memory_per_cpu_fw_alloc,
	.memory_pressure	= &xtcp_memory_pressure,
	.sockets_allocated	= &xtcp_sockets_allocated,
	.sysctl_mem		= xtcp_sysctl_mem,
	/* net.ipv4.tcp_wmem and tcp_rmem are shared with stock TCP */
	.sysctl_wmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_wmem),
	.sysctl_rmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_rmem),
	.shutdown	= xtcp_shutdown,
	.no_autobind	= true,
	.obj_size	= XTCP_OBJ_SIZE,
	.slab_flags	= SLAB_TYPESAFE_BY_RCU,
};

static void xtcp_sock_destruct(struct sock *sk)
{
	inet_sock_destruct(sk);
	xtcp_obj_dec(XTCP_OBJ_SOCK);
}

/* The twin of inet_create() for SOCK_STREAM/IPPROTO_TCP. */
static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct inet_sock *inet;
	struct sock *sk;
	int err;

	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != IPPROTO_IP && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;

	sock->state = SS_UNCONNECTED;
	sock->ops = &xtcp_stream_ops;

	sk = sk_alloc(net, AF_INET, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOMEM;
	xtcp_obj_inc(XTCP_OBJ_SOCK);

	inet = inet_sk(sk);
	inet->is_icsk = 1;
	inet->nodefrag = 0;
	inet->pmtudisc = READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) ?
			 IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;
	atomic_set(&inet->inet_id, 0);

	sock_init_data(sock, sk);
	sk->sk_destruct = xtcp_sock_destruct;
	sk->sk_protocol = IPPROTO_TCP;
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	sk->sk_txrehash = READ_ONCE(net->core.sysctl_txrehash);

	inet->uc_ttl = -1;
	inet->mc_loop = 1;
	inet->mc_ttl = 1;
	inet->mc_all = 1;
	inet->mc_index = 0;
	inet->mc_list = NULL;
	inet->rcv_tos = 0;

	err = sk->sk_prot->init(sk);
	if (err)
		goto err_release;
	return 0;

err_release:
	sk_common_release(sk);
	sock->sk = NULL;
	return err;
}

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

static int __init xtcp_init(void)
{
	int err;

	if (xtcp_family <= 0 || xtcp_family >= NPROTO) {
		pr_err("xtcp: family %d out of range\n", xtcp_family);
		return -EINVAL;
	}

	err = xtcp_hashtables_init();
	if (err)
		goto err_out;
	err = xtcp_minisocks_init();
	if (err)
		goto err_hashtables;
	err = xtcp_cong_init();
	if (err)
		goto err_minisocks;
	err = percpu_counter_init(&xtcp_sockets_allocated, 0, GFP_KERNEL);
	if (err)
		goto err_cong;
	/* net.xtcp.mem starts as net.ipv4.tcp_mem is now */
	xtcp_sysctl_mem[0] = READ_ONCE(sysctl_tcp_mem[0]);
	xtcp_sysctl_mem[1] = READ_ONCE(sysctl_tcp_mem[1]);
	xtcp_sysctl_mem[2] = READ_ONCE(sysctl_tcp_mem[2]);
	xtcp_tsq_init();
	err = proto_register(&xtcp_prot, 1);
	if (err)
		goto err_sockets_allocated;
	err = xtcp_pernet_register();
	if (err)
		goto err_proto;

	xtcp_family_ops.family = xtcp_family;
	err = sock_register(&xtcp_family_ops);
	if (err)
		goto err_pernet;
	return 0;

err_pernet:
	xtcp_pernet_unregister();
err_proto:
	proto_unregister(&xtcp_prot);
err_sockets_allocated:
	percpu_counter_destroy(&xtcp_sockets_allocated);
err_cong:
	xtcp_cong_exit();
err_minisocks:
	xtcp_minisocks_exit();
err_hashtables:
	xtcp_hashtables_exit();
err_out:
	return err;
}

static void __exit xtcp_exit(void)
{
	sock_unregister(xtcp_family);
	/* runs the bind bucket GC of every netns to completion */
	xtcp_pernet_unregister();
	/* listeners are SOCK_RCU_FREE */
	rcu_barrier();
	proto_unregister(&xtcp_prot);
	/* every sock is gone: so must their memory and their count be */
	WARN(xtcp_memory_allocated_sum(), "xtcp: %ld pages still accounted\n",
	     xtcp_memory_allocated_sum());
	WARN(percpu_counter_sum(&xtcp_sockets_allocated),
	     "xtcp: %lld socks still counted\n",
	     percpu_counter_sum(&xtcp_sockets_allocated));
	percpu_counter_destroy(&xtcp_sockets_allocated);
	xtcp_tsq_exit();
	xtcp_cong_exit();
	xtcp_minisocks_exit();
	xtcp_hashtables_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XTCP: an alternative TCP in its own socket family");
MODULE_ALIAS_NETPROTO(AF_XTCP);
