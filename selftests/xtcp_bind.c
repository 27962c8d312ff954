// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: bind().  Every scenario runs on AF_INET and on AF_XTCP
 * (each in a fresh network namespace) and the results are compared:
 * return values, errno, and the resulting addresses and ports.
 */
#include "xtcp_common.h"
#include "xtcp_conn_proc.h"
#include <linux/capability.h>
#include <linux/filter.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>

/* socket option sets used by the reuse scenarios */
#define O_RA	1	/* SO_REUSEADDR */
#define O_RP	2	/* SO_REUSEPORT */

static const char *const opt_names[] = { "-", "RA", "RP", "RA+RP" };

static int mksock(int fam, int opts)
{
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (opts & O_RA)
		setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (opts & O_RP)
		setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	return fd;
}

static int bind_len(int fd, const void *addr, int len)
{
	return bind(fd, (const struct sockaddr *)addr, len);
}

/* ------------------------------------------------------------------ */
/* Argument checks                                                     */
/* ------------------------------------------------------------------ */

static void scen_addrlen(struct trace *t, int fam, long arg)
{
	static const int lens[] = { 0, 1, 2, 8, 15, -1, 129, 1000 };
	struct sockaddr_storage ss;
	struct sockaddr_in a = sa4("127.0.0.1", PORT_A);
	int fd;

	(void)arg;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &a, sizeof(a));
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	for (unsigned int i = 0; i < ARRAY_LEN(lens); i++)
		T_RET(t, bind_len(fd, &ss, lens[i]), "bind len=%d", lens[i]);
	T_RET(t, bind_len(fd, NULL, 0), "bind NULL len=0");
	T_RET(t, bind_len(fd, NULL, 16), "bind NULL len=16");
	t_sockname(t, fd, "after failed binds");
	T_RET(t, bind_len(fd, &ss, 16), "bind len=16");
	t_sockname(t, fd, "after bind");
	close(fd);

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, bind_len(fd, &ss, 17), "bind len=17");
	close(fd);
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	T_RET(t, bind_len(fd, &ss, 128), "bind len=128");
	close(fd);
}

TEST(addrlen)
{
	RUN_BOTH(scen_addrlen, 0);
	EXPECT_STEP_ERR(ti, "bind len=0", EINVAL);
	EXPECT_STEP_ERR(ti, "bind len=1", EINVAL);
	EXPECT_STEP_ERR(ti, "bind len=15", EINVAL);
	EXPECT_STEP_ERR(ti, "bind len=-1", EINVAL);
	EXPECT_STEP_ERR(ti, "bind len=129", EINVAL);
	EXPECT_STEP_ERR(ti, "bind NULL len=0", EINVAL);
	EXPECT_STEP_ERR(ti, "bind NULL len=16", EFAULT);
	EXPECT_STEP_OK(ti, "bind len=16");
	EXPECT_STEP_OK(ti, "bind len=17");
	EXPECT_STEP_OK(ti, "bind len=128");
	COMPARE(ti, tx);
}

static void scen_family(struct trace *t, int fam, long arg)
{
	struct sockaddr_in6 a6;
	struct sockaddr_un un;
	struct sockaddr_in a;
	static const struct {
		const char *name;
		int family;
		const char *ip;
	} cases[] = {
		{ "AF_INET6 (as sockaddr_in)", AF_INET6, "127.0.0.1" },
		{ "AF_UNIX (as sockaddr_in)", AF_UNIX, "127.0.0.1" },
		{ "AF_UNSPEC 0.0.0.0", AF_UNSPEC, "0.0.0.0" },
		{ "AF_UNSPEC 127.0.0.1", AF_UNSPEC, "127.0.0.1" },
		{ "AF_XTCP 127.0.0.1", AF_XTCP, "127.0.0.1" },
		{ "AF_XTCP 0.0.0.0", AF_XTCP, "0.0.0.0" },
		{ "family 0xffff", 0xffff, "127.0.0.1" },
		{ "AF_INET 127.0.0.1", AF_INET, "127.0.0.1" },
	};
	int fd;

	(void)arg;
	for (unsigned int i = 0; i < ARRAY_LEN(cases); i++) {
		fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket %u", i);
		a = sa4(cases[i].ip, PORT_A);
		a.sin_family = cases[i].family;
		T_RET(t, bind_len(fd, &a, sizeof(a)), "bind %s", cases[i].name);
		t_sockname(t, fd, cases[i].name);
		close(fd);
	}

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket in6");
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_port = htons(PORT_A);
	a6.sin6_addr = in6addr_loopback;
	T_RET(t, bind_len(fd, &a6, sizeof(a6)), "bind sockaddr_in6 ::1");
	close(fd);

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket un");
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	strcpy(un.sun_path, "/tmp/xtcp-nonexistent");
	T_RET(t, bind_len(fd, &un, sizeof(un)), "bind sockaddr_un");
	close(fd);
}

TEST(family)
{
	RUN_BOTH(scen_family, 0);
	EXPECT_STEP_ERR(ti, "bind AF_INET6 (as sockaddr_in)", EAFNOSUPPORT);
	EXPECT_STEP_ERR(ti, "bind AF_UNIX (as sockaddr_in)", EAFNOSUPPORT);
	EXPECT_STEP_OK(ti, "bind AF_UNSPEC 0.0.0.0");
	EXPECT_STEP_VAL(ti, "getsockname AF_UNSPEC 0.0.0.0", PORT_A);
	EXPECT_STEP_ERR(ti, "bind AF_UNSPEC 127.0.0.1", EAFNOSUPPORT);
	EXPECT_STEP_ERR(ti, "bind AF_XTCP 127.0.0.1", EAFNOSUPPORT);
	EXPECT_STEP_ERR(ti, "bind sockaddr_in6 ::1", EAFNOSUPPORT);
	COMPARE(ti, tx);
}

/* Bind on a socket that is already bound or listening. */
static void scen_twice(struct trace *t, int fam, long arg)
{
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind 127.0.0.1:A");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind again same");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_B), "bind again other port");
	T_RET(t, bind4(fd, "0.0.0.0", 0), "bind again 0.0.0.0:0");
	T_RET(t, bind4(fd, "192.0.2.1", PORT_B), "bind again nonlocal");
	t_sockname(t, fd, "after rebinds");
	T_RET(t, listen(fd, 1), "listen");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_B), "bind after listen");
	t_sockname(t, fd, "listening");
	close(fd);

	/* bind(port 0) then bind again */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, bind4(fd, "0.0.0.0", 0), "bind 0.0.0.0:0");
	T_RET(t, bind4(fd, "0.0.0.0", PORT_B), "bind again after port 0");
	close(fd);

	/* autobound listener, shut down (releases the port), bind again */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	T_RET(t, listen(fd, 1), "listen unbound");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_B), "bind autobound listener");
	T_RET(t, shutdown(fd, SHUT_RDWR), "shutdown listener");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_B), "bind after shutdown");
	t_sockname(t, fd, "after bind after shutdown");
	T_RET(t, listen(fd, 1), "listen again");
	t_sockname(t, fd, "listening again");
	close(fd);

	/* explicitly bound listener, shut down: the port stays */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 4");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_C), "bind C");
	T_RET(t, listen(fd, 1), "listen 4");
	T_RET(t, shutdown(fd, SHUT_RD), "shutdown 4");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_C), "bind C after shutdown");
	t_sockname(t, fd, "bound listener after shutdown");
	close(fd);

	/* IP_BIND_ADDRESS_NO_PORT: no port yet, so a second bind works */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 5");
	t_setint(t, fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1,
		 "IP_BIND_ADDRESS_NO_PORT");
	T_RET(t, bind4(fd, "127.0.0.1", 0), "bind no-port 127.0.0.1:0");
	t_sockname(t, fd, "no-port bound");
	T_RET(t, bind4(fd, "127.0.0.2", 0), "bind no-port again 127.0.0.2:0");
	t_sockname(t, fd, "no-port bound again");
	T_RET(t, bind4(fd, "127.0.0.2", PORT_A), "bind no-port socket to A");
	t_sockname(t, fd, "no-port socket bound to A");
	T_RET(t, bind4(fd, "127.0.0.2", PORT_B), "bind it again");
	close(fd);
}

TEST(bind_twice)
{
	RUN_BOTH(scen_twice, 0);
	EXPECT_STEP_ERR(ti, "bind again same", EINVAL);
	EXPECT_STEP_ERR(ti, "bind again other port", EINVAL);
	EXPECT_STEP_ERR(ti, "bind again 0.0.0.0:0", EINVAL);
	EXPECT_STEP_ERR(ti, "bind again nonlocal", EADDRNOTAVAIL);
	EXPECT_STEP_ERR(ti, "bind after listen", EINVAL);
	EXPECT_STEP_ERR(ti, "bind again after port 0", EINVAL);
	EXPECT_STEP_ERR(ti, "bind autobound listener", EINVAL);
	EXPECT_STEP_OK(ti, "bind after shutdown");
	EXPECT_STEP_ERR(ti, "bind C after shutdown", EINVAL);
	EXPECT_STEP_OK(ti, "bind no-port again 127.0.0.2:0");
	EXPECT_STEP_ERR(ti, "bind it again", EINVAL);
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Addresses: local, non-local, multicast, broadcast                   */
/* ------------------------------------------------------------------ */

static const char *const bind_addrs[] = {
	"0.0.0.0", "127.0.0.1", "127.0.0.2", "127.1.2.3", "127.255.255.255",
	"127.0.0.0", "192.0.2.1", "10.1.2.3", "8.8.8.8", "0.0.0.1",
	"224.0.0.1", "239.1.2.3", "255.255.255.255", "240.0.0.1",
	"169.254.1.1",
};

static void scen_addrs(struct trace *t, int fam, long how)
{
	static const char *const hows[] = { "plain", "IP_FREEBIND",
					     "IP_TRANSPARENT",
					     "ip_nonlocal_bind=1" };
	int fd;

	if (how == 3)
		T_RET(t, sysctl_write("net/ipv4/ip_nonlocal_bind", "1"),
		      "sysctl ip_nonlocal_bind=1");
	for (unsigned int i = 0; i < ARRAY_LEN(bind_addrs); i++) {
		fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
		if (how == 1)
			t_setint(t, fd, SOL_IP, IP_FREEBIND, 1, "IP_FREEBIND");
		if (how == 2)
			t_setint(t, fd, SOL_IP, IP_TRANSPARENT, 1,
				 "IP_TRANSPARENT");
		T_RET(t, bind4(fd, bind_addrs[i], PORT_A), "%s: bind %s:A",
		      hows[how], bind_addrs[i]);
		t_sockname(t, fd, bind_addrs[i]);
		T_RET(t, listen(fd, 1), "%s: listen on %s", hows[how],
		      bind_addrs[i]);
		t_sockname(t, fd, bind_addrs[i]);
		close(fd);
	}
}

TEST(local_addresses)
{
	RUN_BOTH(scen_addrs, 0);
	EXPECT_STEP_OK(ti, "plain: bind 127.0.0.1:A");
	EXPECT_STEP_OK(ti, "plain: bind 127.1.2.3:A");
	EXPECT_STEP_ERR(ti, "plain: bind 192.0.2.1:A", EADDRNOTAVAIL);
	EXPECT_STEP_ERR(ti, "plain: bind 10.1.2.3:A", EADDRNOTAVAIL);
	/* inet_addr_valid_or_nonlocal(): multicast and broadcast are fine */
	EXPECT_STEP_OK(ti, "plain: bind 224.0.0.1:A");
	EXPECT_STEP_OK(ti, "plain: bind 255.255.255.255:A");
	COMPARE_EACH(ti, tx);
}

TEST(nonlocal_freebind)
{
	RUN_BOTH(scen_addrs, 1);
	EXPECT_STEP_OK(ti, "IP_FREEBIND: bind 192.0.2.1:A");
	EXPECT_STEP_VAL(ti, "getsockname 192.0.2.1", 0xc0000201L << 16 | PORT_A);
	EXPECT_STEP_OK(ti, "IP_FREEBIND: bind 10.1.2.3:A");
	COMPARE_EACH(ti, tx);
}

TEST(nonlocal_transparent)
{
	RUN_BOTH(scen_addrs, 2);
	EXPECT_STEP_OK(ti, "setsockopt IP_TRANSPARENT=1");
	EXPECT_STEP_OK(ti, "IP_TRANSPARENT: bind 192.0.2.1:A");
	COMPARE_EACH(ti, tx);
}

TEST(nonlocal_sysctl)
{
	RUN_BOTH(scen_addrs, 3);
	EXPECT_STEP_OK(ti, "sysctl ip_nonlocal_bind=1");
	EXPECT_STEP_OK(ti, "ip_nonlocal_bind=1: bind 192.0.2.1:A");
	EXPECT_STEP_OK(ti, "ip_nonlocal_bind=1: bind 8.8.8.8:A");
	COMPARE_EACH(ti, tx);
}

/* ip_nonlocal_bind is per network namespace */
static void scen_nonlocal_netns(struct trace *t, int fam, long arg)
{
	int fd1, fd2;

	(void)arg;
	T_RET(t, sysctl_write("net/ipv4/ip_nonlocal_bind", "1"),
	      "sysctl ip_nonlocal_bind=1 in ns1");
	fd1 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket in ns1");
	T_RET(t, new_netns(), "new netns ns2");
	fd2 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket in ns2");
	T_RET(t, bind4(fd2, "192.0.2.1", PORT_A), "bind 192.0.2.1 in ns2");
	T_RET(t, bind4(fd1, "192.0.2.1", PORT_A), "bind 192.0.2.1 in ns1");
	t_sockname(t, fd1, "ns1 socket");
	close(fd1);
	close(fd2);
}

TEST(nonlocal_sysctl_per_netns)
{
	RUN_BOTH(scen_nonlocal_netns, 0);
	EXPECT_STEP_ERR(ti, "bind 192.0.2.1 in ns2", EADDRNOTAVAIL);
	EXPECT_STEP_OK(ti, "bind 192.0.2.1 in ns1");
	COMPARE(ti, tx);
}

/* Which error wins when several apply. */
static void scen_error_order(struct trace *t, int fam, long arg)
{
	struct sockaddr_in a;
	int fd, fd2;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	fd2 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, bind4(fd, "0.0.0.0", 2000), "bind 0.0.0.0:2000");
	/* fd2: port in use and address not local -> EADDRNOTAVAIL */
	T_RET(t, bind4(fd2, "192.0.2.1", 2000), "bind nonlocal in-use port");
	/* wrong family and short length */
	a = sa4("192.0.2.1", 2000);
	a.sin_family = AF_INET6;
	T_RET(t, bind_len(fd2, &a, sizeof(a)), "bind AF_INET6 nonlocal");
	T_RET(t, bind_len(fd2, &a, 8), "bind AF_INET6 short");
	/* already bound socket: family, address, then EINVAL */
	T_RET(t, bind_len(fd, &a, sizeof(a)), "bound: bind AF_INET6");
	T_RET(t, bind4(fd, "192.0.2.1", 2001), "bound: bind nonlocal");
	T_RET(t, bind4(fd, "0.0.0.0", 2000), "bound: bind in-use port");
	T_RET(t, bind4(fd2, "0.0.0.0", 2000), "bind in-use port");
	T_RET(t, bind4(fd2, "0.0.0.0", PORT_PRIV), "bind 0.0.0.0:80 as root");

	/* unprivileged: EACCES before EINVAL and EADDRINUSE */
	T_RET(t, become_nobody(), "become nobody");
	T_RET(t, bind4(fd, "0.0.0.0", PORT_PRIV), "bound: bind 80 as nobody");
	T_RET(t, bind4(fd, "192.0.2.1", PORT_PRIV),
	      "bound: bind nonlocal:80 as nobody");
	close(fd2);
	fd2 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	T_RET(t, bind4(fd2, "0.0.0.0", PORT_PRIV), "bind in-use 80 as nobody");
	T_RET(t, bind4(fd2, "0.0.0.0", 2000), "bind in-use 2000 as nobody");
	T_RET(t, bind4(fd2, "127.0.0.1", 2001), "bind 2001 as nobody");
	close(fd2);
	close(fd);
}

TEST(error_precedence)
{
	RUN_BOTH(scen_error_order, 0);
	EXPECT_STEP_ERR(ti, "bind nonlocal in-use port", EADDRNOTAVAIL);
	EXPECT_STEP_ERR(ti, "bind AF_INET6 nonlocal", EAFNOSUPPORT);
	EXPECT_STEP_ERR(ti, "bind AF_INET6 short", EINVAL);
	EXPECT_STEP_ERR(ti, "bound: bind AF_INET6", EAFNOSUPPORT);
	EXPECT_STEP_ERR(ti, "bound: bind nonlocal", EADDRNOTAVAIL);
	EXPECT_STEP_ERR(ti, "bound: bind in-use port", EINVAL);
	EXPECT_STEP_ERR(ti, "bind in-use port", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "bound: bind 80 as nobody", EACCES);
	EXPECT_STEP_ERR(ti, "bound: bind nonlocal:80 as nobody", EADDRNOTAVAIL);
	EXPECT_STEP_ERR(ti, "bind in-use 80 as nobody", EACCES);
	EXPECT_STEP_ERR(ti, "bind in-use 2000 as nobody", EADDRINUSE);
	EXPECT_STEP_OK(ti, "bind 2001 as nobody");
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Privileged ports                                                    */
/* ------------------------------------------------------------------ */

static int drop_bind_service_cap(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_NET_BIND_SERVICE / 32].effective &=
		~(1U << (CAP_NET_BIND_SERVICE % 32));
	data[CAP_NET_BIND_SERVICE / 32].permitted &=
		~(1U << (CAP_NET_BIND_SERVICE % 32));
	data[CAP_NET_BIND_SERVICE / 32].inheritable &=
		~(1U << (CAP_NET_BIND_SERVICE % 32));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/*
 * arg: bits 0-1: 0 = as root, 1 = as nobody (setresuid), 2 = root
 * without CAP_NET_BIND_SERVICE (capset); bits 8-: ip_unprivileged_port_start
 * to set (0x10000 + value), or 0 to keep the default.
 */
static void scen_priv(struct trace *t, int fam, long arg)
{
	static const int ports[] = { 1, 22, 80, 443, 1023, 1024, 1500, 1999,
				     2000, 0 };
	int how = arg & 3, start = arg >> 8, fd;
	char buf[32];

	if (start) {
		snprintf(buf, sizeof(buf), "%d", start - 0x10000);
		T_RET(t, sysctl_write("net/ipv4/ip_unprivileged_port_start",
				      buf), "sysctl ip_unprivileged_port_start=%s",
		      buf);
	}
	if (how == 1)
		T_RET(t, become_nobody(), "become nobody");
	if (how == 2)
		T_RET(t, drop_bind_service_cap(), "drop CAP_NET_BIND_SERVICE");
	for (unsigned int i = 0; i < ARRAY_LEN(ports); i++) {
		fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
		T_RET(t, bind4(fd, "0.0.0.0", ports[i]), "bind port %d",
		      ports[i]);
		if (ports[i])
			t_sockname(t, fd, "after bind");
		close(fd);
	}
	/* a privileged port held by nobody else is still refused */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, bind4(fd, "127.0.0.1", 80), "bind 127.0.0.1:80");
	close(fd);
	/* listen autobinds to an ephemeral port: no privilege needed */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, listen(fd, 1), "listen unbound");
	T_VAL(t, port_in_range(sock_port(fd)), "autobound port in range");
	close(fd);
}

TEST(privileged_port_root)
{
	RUN_BOTH(scen_priv, 0);
	EXPECT_STEP_OK(ti, "bind port 80");
	COMPARE(ti, tx);
}

TEST(privileged_port_nobody)
{
	RUN_BOTH(scen_priv, 1);
	EXPECT_STEP_OK(ti, "become nobody");
	EXPECT_STEP_ERR(ti, "bind port 80", EACCES);
	EXPECT_STEP_ERR(ti, "bind port 1023", EACCES);
	EXPECT_STEP_OK(ti, "bind port 1024");
	EXPECT_STEP_OK(ti, "bind port 0");
	COMPARE(ti, tx);
}

TEST(privileged_port_no_cap)
{
	RUN_BOTH(scen_priv, 2);
	EXPECT_STEP_OK(ti, "drop CAP_NET_BIND_SERVICE");
	EXPECT_STEP_ERR(ti, "bind port 1", EACCES);
	EXPECT_STEP_ERR(ti, "bind port 443", EACCES);
	EXPECT_STEP_OK(ti, "bind port 1500");
	COMPARE(ti, tx);
}

TEST(privileged_port_start_2000)
{
	RUN_BOTH(scen_priv, 1 | (0x10000 + 2000) << 8);
	EXPECT_STEP_ERR(ti, "bind port 1500", EACCES);
	EXPECT_STEP_ERR(ti, "bind port 1999", EACCES);
	EXPECT_STEP_OK(ti, "bind port 2000");
	COMPARE(ti, tx);
}

TEST(privileged_port_start_0)
{
	RUN_BOTH(scen_priv, 1 | (0x10000 + 0) << 8);
	EXPECT_STEP_OK(ti, "bind port 1");
	EXPECT_STEP_OK(ti, "bind port 80");
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Ephemeral ports                                                     */
/* ------------------------------------------------------------------ */

static void scen_ephemeral(struct trace *t, int fam, long arg)
{
	int fds[64], lo, hi, distinct = 1;

	(void)arg;
	port_range(&lo, &hi);
	for (int i = 0; i < 64; i++) {
		fds[i] = socket(fam, SOCK_STREAM, 0);
		if (i == 0)
			t_add(t, 0, fds[0] < 0 ? -1 : 0, fds[0] < 0 ? errno : 0,
			      0, "socket");
		T_RET(t, bind4(fds[i], i % 2 ? "127.0.0.1" : "0.0.0.0", 0),
		      "bind port 0 #%d", i);
		T_VAL(t, port_in_range(sock_port(fds[i])), "  port in range");
		T_VAL(t, sock_port(fds[i]) & 1, "  port is odd");
		for (int j = 0; j < i; j++)
			if (sock_port(fds[j]) == sock_port(fds[i]))
				distinct = 0;
	}
	T_VAL(t, distinct, "all ports distinct");
	/* a second socket can't have the ephemeral port of the first */
	lo = sock_port(fds[0]);
	hi = socket(fam, SOCK_STREAM, 0);
	T_RET(t, bind4(hi, "127.0.0.1", lo), "bind the port of #0");
	close(hi);
	close_all(fds, 64);
	hi = socket(fam, SOCK_STREAM, 0);
	T_RET(t, bind4(hi, "127.0.0.1", lo), "bind it after close");
	close(hi);
}

TEST(ephemeral_port)
{
	RUN_BOTH(scen_ephemeral, 0);
	EXPECT_STEP_OK(ti, "bind port 0 #0");
	EXPECT_STEP_VAL(ti, "  port in range", 1);
	EXPECT_STEP_VAL(ti, "all ports distinct", 1);
	EXPECT_STEP_ERR(ti, "bind the port of #0", EADDRINUSE);
	EXPECT_STEP_OK(ti, "bind it after close");
	COMPARE(ti, tx);
}

/*
 * A narrow ip_local_port_range: which ports bind(0) gives is determined
 * (odd offsets first; SO_REUSEADDR sockets the lower half first), and
 * with two ports even the exact order is.
 * arg: 0 = 2 ports, 1 = 8 ports, 2 = 8 ports with SO_REUSEADDR,
 * 3 = 2 ports, SO_REUSEADDR and ip_autobind_reuse=1,
 * 4 = 8 ports with ip_local_reserved_ports.
 */
static void scen_narrow(struct trace *t, int fam, long arg)
{
	int n = (arg == 0 || arg == 3) ? 2 : 8;
	int fds[12], mask = 0;
	int opts = (arg == 2 || arg == 3) ? O_RA : 0;

	T_RET(t, set_port_range(40000, 40000 + n - 1), "set range %d ports",
	      n);
	if (arg == 3)
		T_RET(t, sysctl_write("net/ipv4/ip_autobind_reuse", "1"),
		      "ip_autobind_reuse=1");
	if (arg == 4)
		T_RET(t, sysctl_write("net/ipv4/ip_local_reserved_ports",
				      "40001,40004-40005"),
		      "ip_local_reserved_ports");
	for (int i = 0; i < n + 2 && i < 12; i++) {
		int p;

		fds[i] = mksock(fam, opts);
		T_RET(t, bind4(fds[i], "0.0.0.0", 0), "bind(0) #%d", i);
		p = sock_port(fds[i]);
		if (p >= 40000 && p < 40000 + n)
			mask |= 1 << (p - 40000);
		if (n == 2 || arg == 3) {
			T_VAL(t, p, "  port");
		} else {
			T_VAL(t, p & 1, "  port is odd");
			if (i == 0 && opts)
				T_VAL(t, p < 40004, "  port in the lower half");
		}
	}
	T_VAL(t, mask, "ports used (bit mask)");
	if (arg == 4) {
		int fd = socket(fam, SOCK_STREAM, 0);

		T_RET(t, bind4(fd, "0.0.0.0", 40001),
		      "explicit bind of a reserved port");
		close(fd);
	}
	close_all(fds, n + 2 < 12 ? n + 2 : 12);
}

TEST(narrow_range_2)
{
	RUN_BOTH(scen_narrow, 0);
	EXPECT_STEP_VAL(ti, "  port", 40001);
	EXPECT_STEP_ERR(ti, "bind(0) #2", EADDRINUSE);
	EXPECT_STEP_VAL(ti, "ports used (bit mask)", 3);
	COMPARE(ti, tx);
}

TEST(narrow_range_8)
{
	RUN_BOTH(scen_narrow, 1);
	EXPECT_STEP_VAL(ti, "  port is odd", 1);
	EXPECT_STEP_ERR(ti, "bind(0) #8", EADDRINUSE);
	EXPECT_STEP_VAL(ti, "ports used (bit mask)", 0xff);
	COMPARE(ti, tx);
}

TEST(narrow_range_8_reuseaddr)
{
	RUN_BOTH(scen_narrow, 2);
	EXPECT_STEP_VAL(ti, "  port in the lower half", 1);
	COMPARE(ti, tx);
}

TEST(narrow_range_autobind_reuse)
{
	RUN_BOTH(scen_narrow, 3);
	EXPECT_STEP_OK(ti, "bind(0) #2");
	COMPARE(ti, tx);
}

TEST(narrow_range_reserved_ports)
{
	RUN_BOTH(scen_narrow, 4);
	EXPECT_STEP_VAL(ti, "ports used (bit mask)", 0xff & ~0x32);
	EXPECT_STEP_OK(ti, "explicit bind of a reserved port");
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Conflicts                                                           */
/* ------------------------------------------------------------------ */

static const char *const conf_addrs[] = { "0.0.0.0", "127.0.0.1",
					   "127.0.0.2" };

/*
 * Every combination of two sockets A and B on one port: options of each
 * (none, SO_REUSEADDR, SO_REUSEPORT, both), addresses (wildcard and two
 * loopback ones), A listening or not.  Then the listens that follow.
 */
static void scen_matrix(struct trace *t, int fam, long arg)
{
	const int port = PORT_A;

	(void)arg;
	for (int ao = 0; ao < 4; ao++)
	for (unsigned int aa = 0; aa < ARRAY_LEN(conf_addrs); aa++)
	for (int al = 0; al < 2; al++)
	for (int bo = 0; bo < 4; bo++)
	for (unsigned int ba = 0; ba < ARRAY_LEN(conf_addrs); ba++) {
		char tag[64];
		int a, b, r;

		snprintf(tag, sizeof(tag), "A %s %s%s / B %s %s",
			 opt_names[ao], conf_addrs[aa], al ? " L" : "",
			 opt_names[bo], conf_addrs[ba]);
		a = mksock(fam, ao);
		b = mksock(fam, bo);
		r = bind4(a, conf_addrs[aa], port);
		if (!r && al)
			r = listen(a, 1);
		if (r) {
			t_add(t, 0, -1, errno, 0, "%s: setup of A", tag);
			close(a);
			close(b);
			continue;
		}
		r = T_RET(t, bind4(b, conf_addrs[ba], port), "%s: bind B",
			  tag);
		if (!r) {
			if (!al)
				T_RET(t, listen(a, 1), "%s: listen A", tag);
			T_RET(t, listen(b, 1), "%s: listen B", tag);
		}
		close(a);
		close(b);
	}
}

TEST(reuse_matrix)
{
	RUN_BOTH(scen_matrix, 0);
	/* a few well-known Linux answers */
	EXPECT_STEP_ERR(ti, "A - 0.0.0.0 / B - 0.0.0.0: bind B", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "A - 0.0.0.0 / B - 127.0.0.1: bind B", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "A - 127.0.0.1 / B - 0.0.0.0: bind B", EADDRINUSE);
	EXPECT_STEP_OK(ti, "A - 127.0.0.1 / B - 127.0.0.2: bind B");
	EXPECT_STEP_OK(ti, "A RA 0.0.0.0 / B RA 0.0.0.0: bind B");
	EXPECT_STEP_OK(ti, "A RA 0.0.0.0 / B RA 0.0.0.0: listen A");
	EXPECT_STEP_ERR(ti, "A RA 0.0.0.0 / B RA 0.0.0.0: listen B", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "A RA 0.0.0.0 L / B RA 0.0.0.0: bind B", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "A RA 0.0.0.0 L / B RA 127.0.0.1: bind B",
			EADDRINUSE);
	EXPECT_STEP_OK(ti, "A RP 0.0.0.0 L / B RP 0.0.0.0: bind B");
	EXPECT_STEP_OK(ti, "A RP 0.0.0.0 L / B RP 0.0.0.0: listen B");
	EXPECT_STEP_ERR(ti, "A RP 0.0.0.0 L / B - 0.0.0.0: bind B", EADDRINUSE);
	COMPARE_EACH(ti, tx);
}

/* Longer sequences on one port. */
static void scen_sequences(struct trace *t, int fam, long arg)
{
	int a, b, c;

	(void)arg;
	/* two SO_REUSEADDR sockets bound; one listens; the other can't */
	a = mksock(fam, O_RA);
	b = mksock(fam, O_RA);
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "1: bind A RA");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "1: bind B RA");
	T_RET(t, listen(a, 1), "1: listen A");
	T_RET(t, listen(b, 1), "1: listen B");
	c = mksock(fam, O_RA);
	T_RET(t, bind4(c, "127.0.0.1", PORT_A), "1: bind C RA 127.0.0.1");
	close(c);
	T_RET(t, close(a), "1: close A");
	T_RET(t, listen(b, 1), "1: listen B after A closed");
	c = mksock(fam, O_RA);
	T_RET(t, bind4(c, "0.0.0.0", PORT_A), "1: bind C RA");
	close(c);
	close(b);

	/* SO_REUSEADDR set after bind */
	a = mksock(fam, 0);
	b = mksock(fam, O_RA);
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "2: bind A");
	t_setint(t, a, SOL_SOCKET, SO_REUSEADDR, 1, "2: A SO_REUSEADDR");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "2: bind B RA");
	close(a);
	close(b);

	/* SO_REUSEADDR cleared after bind */
	a = mksock(fam, O_RA);
	b = mksock(fam, O_RA);
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "3: bind A RA");
	t_setint(t, a, SOL_SOCKET, SO_REUSEADDR, 0, "3: A SO_REUSEADDR");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "3: bind B RA");
	close(a);
	close(b);

	/* three SO_REUSEPORT listeners, then a fourth socket without */
	a = mksock(fam, O_RP);
	b = mksock(fam, O_RP);
	c = mksock(fam, O_RP);
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "4: bind A RP");
	T_RET(t, listen(a, 1), "4: listen A");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "4: bind B RP");
	T_RET(t, listen(b, 1), "4: listen B");
	T_RET(t, bind4(c, "0.0.0.0", PORT_A), "4: bind C RP");
	T_RET(t, listen(c, 1), "4: listen C");
	close(c);
	c = mksock(fam, O_RA);
	T_RET(t, bind4(c, "0.0.0.0", PORT_A), "4: bind D RA");
	close(c);
	c = mksock(fam, O_RP);
	T_RET(t, bind4(c, "127.0.0.1", PORT_A), "4: bind E RP 127.0.0.1");
	T_RET(t, listen(c, 1), "4: listen E");
	close(c);
	close(a);
	close(b);

	/* SO_REUSEPORT across users: root holds the port, nobody tries */
	a = mksock(fam, O_RP);
	T_RET(t, bind4(a, "0.0.0.0", 6000), "5: bind A RP (root)");
	T_RET(t, listen(a, 1), "5: listen A");
	b = mksock(fam, O_RP);
	T_RET(t, bind4(b, "0.0.0.0", 6001), "5: bind B RP (root) on 6001");
	T_RET(t, become_nobody(), "5: become nobody");
	c = mksock(fam, O_RP);
	T_RET(t, bind4(c, "0.0.0.0", 6000), "5: nobody bind RP to A's port");
	close(c);
	c = mksock(fam, O_RP);
	T_RET(t, bind4(c, "0.0.0.0", 6001), "5: nobody bind RP to B's port");
	close(c);
	c = mksock(fam, O_RP | O_RA);
	T_RET(t, bind4(c, "0.0.0.0", 6001), "5: nobody bind RA+RP to B's port");
	close(c);
	c = mksock(fam, O_RP);
	T_RET(t, bind4(c, "0.0.0.0", 6002), "5: nobody bind RP 6002");
	T_RET(t, listen(c, 1), "5: nobody listen 6002");
	close(c);
	close(a);
	close(b);
}

TEST(reuse_sequences)
{
	RUN_BOTH(scen_sequences, 0);
	EXPECT_STEP_ERR(ti, "1: listen B", EADDRINUSE);
	EXPECT_STEP_OK(ti, "1: listen B after A closed");
	EXPECT_STEP_ERR(ti, "4: bind D RA", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "5: nobody bind RP to A's port", EADDRINUSE);
	COMPARE(ti, tx);
}

/* Device-bound sockets (only lo exists here: same device conflicts). */
static void scen_device(struct trace *t, int fam, long arg)
{
	int a, b;

	(void)arg;
	a = mksock(fam, 0);
	b = mksock(fam, 0);
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3),
	      "A SO_BINDTODEVICE lo");
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "bind A (lo)");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "bind B (no device)");
	T_RET(t, setsockopt(b, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3),
	      "B SO_BINDTODEVICE lo");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "bind B (lo)");
	T_RET(t, listen(a, 1), "listen A");
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_BINDTODEVICE, "", 0),
	      "A SO_BINDTODEVICE none, listening");
	t_getint(t, a, SOL_SOCKET, SO_BINDTOIFINDEX, "A SO_BINDTOIFINDEX");
	close(a);
	close(b);
}

COMPARE_TEST(device_bound, scen_device, 0, CMP_FIRST)

/* Reuseport groups with a classic BPF selector. */
static void scen_reuseport_bpf(struct trace *t, int fam, long arg)
{
	struct sock_filter code[] = { { 0x06, 0, 0, 0 } };	/* ret 0 */
	struct sock_fprog prog = { 1, code };
	int a, b, c, zero = 0;

	(void)arg;
	a = mksock(fam, 0);
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
			    sizeof(prog)), "attach CBPF without SO_REUSEPORT");
	close(a);
	a = mksock(fam, O_RP);
	b = mksock(fam, O_RP);
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
			    sizeof(prog)), "A: attach CBPF (unbound)");
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "bind A RP");
	T_RET(t, listen(a, 4), "listen A");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "bind B RP");
	T_RET(t, listen(b, 4), "listen B");
	T_RET(t, setsockopt(b, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
			    sizeof(prog)), "B: attach CBPF (listening)");
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero,
			    sizeof(zero)), "A: detach");
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero,
			    sizeof(zero)), "A: detach again");
	c = mksock(fam, O_RP);
	T_RET(t, bind4(c, "0.0.0.0", PORT_A), "bind C RP");
	T_RET(t, listen(c, 4), "listen C");
	T_RET(t, shutdown(a, SHUT_RD), "shutdown A");
	T_RET(t, listen(a, 4), "listen A again");
	close(a);
	close(b);
	close(c);
	/* a group made but never bound */
	a = mksock(fam, O_RP);
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
			    sizeof(prog)), "attach CBPF, then close unbound");
	close(a);
	/* bound but not listening */
	a = mksock(fam, O_RP);
	T_RET(t, bind4(a, "0.0.0.0", PORT_B), "bind D RP");
	T_RET(t, setsockopt(a, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
			    sizeof(prog)), "D: attach CBPF (bound)");
	b = mksock(fam, O_RP);
	T_RET(t, bind4(b, "0.0.0.0", PORT_B), "bind E RP next to D");
	close(b);
	close(a);
}

COMPARE_TEST(reuseport_bpf, scen_reuseport_bpf, 0, CMP_FIRST)

/* ------------------------------------------------------------------ */
/* A port that stock TCP holds only with TIME_WAIT socks               */
/* ------------------------------------------------------------------ */

/* how stock TCP comes to hold 127.0.0.1:port with a TIME_WAIT sock */
#define TW_SERVER_RA	0	/* a SO_REUSEADDR listener's child closes first */
#define TW_CLIENT_RA	1	/* a SO_REUSEADDR client bound to it closes first */
#define TW_SERVER	2	/* a listener without SO_REUSEADDR, its child */
#define TW_LIVE_RA	3	/* a SO_REUSEADDR listener's child, established */

static const char *const tw_names[] = {
	"RA server TIME_WAIT", "RA client TIME_WAIT", "server TIME_WAIT",
	"RA server ESTABLISHED",
};

/*
 * Always over AF_INET, whatever the family under test: a connection on
 * 127.0.0.1:@port whose @port end closes first, so that a TIME_WAIT sock
 * is left there, and the listener is closed.  TW_LIVE_RA keeps the
 * connection open instead; its two ends are returned in @conn.  The
 * other end's port is returned.
 */
static int stock_time_wait(struct trace *t, int how, int port, int conn[2])
{
	int srv_port = how == TW_CLIENT_RA ? PORT_B : port;
	int l, c, s, near, far, far_port;
	char b;

	l = T_FD(t, mksock(AF_INET, how == TW_SERVER ? 0 : O_RA),
		 "stock: listener socket");
	T_RET(t, bind4(l, "127.0.0.1", srv_port), "stock: bind listener");
	T_RET(t, listen(l, 1), "stock: listen");
	c = T_FD(t, mksock(AF_INET, how == TW_CLIENT_RA ? O_RA : 0),
		 "stock: client socket");
	if (how == TW_CLIENT_RA)
		T_RET(t, bind4(c, "127.0.0.1", port), "stock: bind client");
	T_RET(t, connect4(c, "127.0.0.1", srv_port), "stock: connect");
	s = T_FD(t, accept(l, NULL, NULL), "stock: accept");
	T_RET(t, close(l), "stock: close listener");
	if (how == TW_LIVE_RA) {
		conn[0] = s;
		conn[1] = c;
		return sock_port(c);
	}
	/* the end on @port closes first and ends in TIME_WAIT */
	near = how == TW_CLIENT_RA ? c : s;
	far = how == TW_CLIENT_RA ? s : c;
	far_port = how == TW_CLIENT_RA ? srv_port : sock_port(c);
	T_RET(t, shutdown(near, SHUT_WR), "stock: port's end sends FIN");
	T_RET(t, recv(far, &b, 1, 0), "stock: other end reads it");
	T_RET(t, close(far), "stock: other end closes");
	T_RET(t, recv(near, &b, 1, 0), "stock: port's end reads FIN");
	T_RET(t, close(near), "stock: close port's end");
	T_VAL(t, proc_count(PROC_NET_TCP, port, 0, ST_TIME_WAIT),
	      "stock: TIME_WAIT socks on the port");
	return far_port;
}

/* One byte each way between @a and @b; the count of bytes that made it
 * (a byte that went astray: nothing to read within 2 s).
 */
static int ping_pong(int a, int b)
{
	struct timeval tv = { .tv_sec = 2 };
	char x = 'x', y = 0;
	int n = 0;

	setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(a, &x, 1, MSG_NOSIGNAL) == 1 && recv(b, &y, 1, 0) == 1 &&
	    y == 'x')
		n++;
	x = 'y';
	if (send(b, &x, 1, MSG_NOSIGNAL) == 1 && recv(a, &y, 1, 0) == 1 &&
	    y == 'y')
		n++;
	return n;
}

/* A stock socket's retransmissions so far (of its SYN, after connect()). */
static long syn_retrans(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &l))
		return -errno;
	return ti.tcpi_total_retrans;
}

/*
 * Stock TCP holds PORT_A only through socks that do not listen (arg
 * bits 8-: TW_*).  A socket of the family under test (arg bits 0-1:
 * O_RA, O_RP) binds 0.0.0.0:PORT_A and listens, as 6.1's rules allow
 * only when both have SO_REUSEADDR; then a stock SO_REUSEADDR socket
 * must not get the port beside the listener, and the listener serves
 * connections.  For AF_XTCP this is the shadow socket's bind joining
 * stock TCP's bucket, and keeping stock TCP out once it has.
 */
static void scen_stock_tw(struct trace *t, int fam, long arg)
{
	int opts = arg & 3, how = arg >> 8, conn[2] = { -1, -1 };
	int x, y, c, a, peer;
	long n;

	peer = stock_time_wait(t, how, PORT_A, conn);
	x = T_FD(t, mksock(fam, opts), "socket %s", opt_names[opts]);
	if (T_RET(t, bind4(x, "0.0.0.0", PORT_A), "bind 0.0.0.0:A over %s",
		  tw_names[how]) ||
	    T_RET(t, listen(x, 8), "listen on A")) {
		close(x);
		close_all(conn, 2);
		return;
	}
	t_sockname(t, x, "listener");

	/* stock TCP stays off the port: at bind(), or at listen() */
	for (int i = 0; i < 2; i++) {
		const char *ip = i ? "127.0.0.1" : "0.0.0.0";

		y = mksock(AF_INET, O_RA);
		if (!T_RET(t, bind4(y, ip, PORT_A),
			   "stock RA: bind %s:A beside it", ip))
			T_RET(t, listen(y, 1), "stock RA: listen %s:A", ip);
		close(y);
	}
	y = mksock(AF_INET, 0);
	T_RET(t, bind4(y, "127.0.0.1", PORT_A), "stock: bind 127.0.0.1:A");
	close(y);

	/* the listener takes connections on the port */
	c = socket(AF_INET, SOCK_STREAM, 0);
	T_RET(t, connect4(c, "127.0.0.1", PORT_A), "connect to the listener");
	a = T_FD(t, accept(x, NULL, NULL), "accept");
	T_VAL(t, ping_pong(c, a), "bytes through the new connection");
	close(a);
	close(c);

	/* a SYN on the 4-tuple of a server's TIME_WAIT sock: it takes it
	 * for a new connection and hands it to the listener (TCP_TW_SYN)
	 */
	if (how == TW_SERVER_RA) {
		c = mksock(AF_INET, O_RA);
		T_RET(t, bind4(c, "127.0.0.1", peer), "bind the old peer port");
		T_RET(t, connect4(c, "127.0.0.1", PORT_A),
		      "connect on the TIME_WAIT 4-tuple");
		T_VAL(t, syn_retrans(c), "  its SYN retransmitted");
		a = T_FD(t, accept(x, NULL, NULL), "accept it");
		T_VAL(t, ping_pong(c, a), "bytes through it");
		close(a);
		close(c);
	}

	/* a connection stock TCP had on the port carries on */
	if (how == TW_LIVE_RA) {
		n = ping_pong(conn[0], conn[1]);
		T_VAL(t, n, "bytes through the stock connection");
	}
	close_all(conn, 2);
	close(x);
}

TEST(stock_time_wait_reuseaddr)
{
	RUN_BOTH(scen_stock_tw, O_RA | TW_SERVER_RA << 8);
	EXPECT_STEP_VAL(ti, "stock: TIME_WAIT socks on the port", 1);
	EXPECT_STEP_OK(ti, "bind 0.0.0.0:A over RA server TIME_WAIT");
	EXPECT_STEP_OK(ti, "listen on A");
	EXPECT_STEP_ERR(ti, "stock RA: bind 0.0.0.0:A beside it", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "stock RA: bind 127.0.0.1:A beside it",
			EADDRINUSE);
	EXPECT_STEP_VAL(ti, "bytes through the new connection", 2);
	EXPECT_STEP_OK(ti, "connect on the TIME_WAIT 4-tuple");
	EXPECT_STEP_VAL(ti, "  its SYN retransmitted", 0);
	EXPECT_STEP_VAL(ti, "bytes through it", 2);
	COMPARE(ti, tx);
}

TEST(stock_time_wait_no_reuseaddr)
{
	RUN_BOTH(scen_stock_tw, 0 | TW_SERVER_RA << 8);
	EXPECT_STEP_VAL(ti, "stock: TIME_WAIT socks on the port", 1);
	EXPECT_STEP_ERR(ti, "bind 0.0.0.0:A over RA server TIME_WAIT",
			EADDRINUSE);
	COMPARE(ti, tx);
}

/* The TIME_WAIT sock had no SO_REUSEADDR: no one shares with it. */
TEST(stock_time_wait_not_reuseaddr)
{
	RUN_BOTH(scen_stock_tw, O_RA | TW_SERVER << 8);
	EXPECT_STEP_VAL(ti, "stock: TIME_WAIT socks on the port", 1);
	EXPECT_STEP_ERR(ti, "bind 0.0.0.0:A over server TIME_WAIT",
			EADDRINUSE);
	COMPARE(ti, tx);
}

/*
 * A client's TIME_WAIT: stock TCP's bucket was made by a SO_REUSEADDR
 * bind that never listened, so its fastreuse lets a later SO_REUSEADDR
 * bind that does not listen skip the conflict check.  In one stack the
 * listener's own listen() clears it; XTCP's listener leaves stock TCP's
 * bucket alone (it never writes stock TCP's tables), so there a stock
 * SO_REUSEADDR bind beside it succeeds: the one known difference.  Its
 * listen() would still fail (stock_time_wait_reuseaddr).
 */
TEST(stock_client_time_wait_reuseaddr)
{
	RUN_BOTH(scen_stock_tw, O_RA | TW_CLIENT_RA << 8);
	struct trace *both[] = { ti, tx };
	int i;

	for (i = 0; i < 2; i++) {
		EXPECT_STEP_VAL(both[i], "stock: TIME_WAIT socks on the port",
				1);
		EXPECT_STEP_OK(both[i],
			       "bind 0.0.0.0:A over RA client TIME_WAIT");
		EXPECT_STEP_OK(both[i], "listen on A");
		EXPECT_STEP_VAL(both[i], "bytes through the new connection",
				2);
	}
	EXPECT_STEP_ERR(ti, "stock RA: bind 0.0.0.0:A beside it", EADDRINUSE);
	EXPECT_STEP_OK(tx, "stock RA: bind 0.0.0.0:A beside it");
}

/* A listener restarted while a connection of the old one lives on. */
TEST(stock_established_reuseaddr)
{
	RUN_BOTH(scen_stock_tw, O_RA | TW_LIVE_RA << 8);
	EXPECT_STEP_OK(ti, "bind 0.0.0.0:A over RA server ESTABLISHED");
	EXPECT_STEP_OK(ti, "listen on A");
	EXPECT_STEP_ERR(ti, "stock RA: bind 0.0.0.0:A beside it", EADDRINUSE);
	EXPECT_STEP_VAL(ti, "bytes through the new connection", 2);
	EXPECT_STEP_VAL(ti, "bytes through the stock connection", 2);
	COMPARE(ti, tx);
}

/* SO_REUSEPORT does not share with a TIME_WAIT sock that had none. */
TEST(stock_time_wait_reuseport)
{
	RUN_BOTH(scen_stock_tw, O_RP | TW_SERVER_RA << 8);
	EXPECT_STEP_ERR(ti, "bind 0.0.0.0:A over RA server TIME_WAIT",
			EADDRINUSE);
	COMPARE(ti, tx);
}

TEST(stock_time_wait_reuseaddr_reuseport)
{
	RUN_BOTH(scen_stock_tw, O_RA | O_RP | TW_SERVER_RA << 8);
	EXPECT_STEP_OK(ti, "bind 0.0.0.0:A over RA server TIME_WAIT");
	EXPECT_STEP_OK(ti, "listen on A");
	EXPECT_STEP_ERR(ti, "stock RA: bind 0.0.0.0:A beside it", EADDRINUSE);
	COMPARE(ti, tx);
}

/*
 * The ephemeral search over ports that stock TCP holds in TIME_WAIT: its
 * first pass takes no port shared only through SO_REUSEADDR, its
 * relaxed pass (ip_autobind_reuse=1) does.  arg: ip_autobind_reuse.
 */
static void scen_stock_tw_autobind(struct trace *t, int fam, long arg)
{
	int conn[2], x, y;

	/* the clients' ports come from the default range */
	stock_time_wait(t, TW_SERVER_RA, 40000, conn);
	stock_time_wait(t, TW_SERVER_RA, 40001, conn);
	T_RET(t, set_port_range(40000, 40001), "set range 2 ports");
	if (arg)
		T_RET(t, sysctl_write("net/ipv4/ip_autobind_reuse", "1"),
		      "ip_autobind_reuse=1");
	x = mksock(fam, O_RA);
	if (!T_RET(t, bind4(x, "0.0.0.0", 0), "bind(0) RA")) {
		T_VAL(t, sock_port(x), "  port");
		T_RET(t, listen(x, 1), "listen");
		y = mksock(AF_INET, O_RA);
		T_RET(t, bind4(y, "0.0.0.0", sock_port(x)),
		      "stock RA: bind the port beside it");
		close(y);
	}
	close(x);
	x = mksock(fam, O_RA);
	if (!T_RET(t, listen(x, 1), "listen unbound RA"))
		T_VAL(t, sock_port(x), "  port");
	close(x);
}

TEST(stock_time_wait_autobind)
{
	RUN_BOTH(scen_stock_tw_autobind, 0);
	EXPECT_STEP_VAL(ti, "stock: TIME_WAIT socks on the port", 1);
	EXPECT_STEP_ERR(ti, "bind(0) RA", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "listen unbound RA", EADDRINUSE);
	COMPARE(ti, tx);
}

TEST(stock_time_wait_autobind_reuse)
{
	RUN_BOTH(scen_stock_tw_autobind, 1);
	EXPECT_STEP_OK(ti, "bind(0) RA");
	EXPECT_STEP_VAL(ti, "  port", 40001);
	EXPECT_STEP_OK(ti, "listen");
	EXPECT_STEP_ERR(ti, "stock RA: bind the port beside it", EADDRINUSE);
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Ports are given back; network namespaces are separate               */
/* ------------------------------------------------------------------ */

static void scen_close_frees(struct trace *t, int fam, long arg)
{
	int a, b, p;

	(void)arg;
	a = mksock(fam, 0);
	T_RET(t, bind4(a, "127.0.0.1", PORT_A), "bind A");
	T_RET(t, close(a), "close A");
	b = mksock(fam, 0);
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "bind B to A's port");
	T_RET(t, listen(b, 8), "listen B");
	T_RET(t, close(b), "close B");
	a = mksock(fam, 0);
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "bind again after listener closed");
	close(a);

	/* an autobound listener's port */
	a = mksock(fam, 0);
	T_RET(t, listen(a, 8), "listen unbound");
	p = sock_port(a);
	close(a);
	b = mksock(fam, 0);
	T_RET(t, bind4(b, "0.0.0.0", p), "bind the autobound port after close");
	close(b);

	/* port shared by two: still held by the second after one closes */
	a = mksock(fam, O_RA);
	b = mksock(fam, O_RA);
	T_RET(t, bind4(a, "0.0.0.0", PORT_B), "bind A RA");
	T_RET(t, bind4(b, "0.0.0.0", PORT_B), "bind B RA");
	close(a);
	a = mksock(fam, 0);
	T_RET(t, bind4(a, "0.0.0.0", PORT_B), "bind C while B holds it");
	close(a);
	close(b);
	a = mksock(fam, 0);
	T_RET(t, bind4(a, "0.0.0.0", PORT_B), "bind C after both closed");
	close(a);

	/* a failed bind leaves nothing behind */
	a = mksock(fam, 0);
	b = mksock(fam, 0);
	T_RET(t, bind4(a, "0.0.0.0", PORT_C), "bind A to C");
	T_RET(t, bind4(b, "127.0.0.1", PORT_C), "bind B to C (in use)");
	t_sockname(t, b, "B after failed bind");
	close(a);
	T_RET(t, bind4(b, "127.0.0.1", PORT_C), "bind B to C after A closed");
	close(b);

	/* many bind/close cycles on one port */
	for (int i = 0; i < 200; i++) {
		a = mksock(fam, 0);
		if (bind4(a, "0.0.0.0", 7000) || listen(a, 1)) {
			T_VAL(t, i, "bind/listen/close cycles before failure");
			close(a);
			return;
		}
		close(a);
	}
	T_VAL(t, 200, "bind/listen/close cycles done");
}

TEST(close_frees_port)
{
	RUN_BOTH(scen_close_frees, 0);
	EXPECT_STEP_OK(ti, "bind B to A's port");
	EXPECT_STEP_OK(ti, "bind again after listener closed");
	EXPECT_STEP_OK(ti, "bind the autobound port after close");
	EXPECT_STEP_ERR(ti, "bind C while B holds it", EADDRINUSE);
	EXPECT_STEP_OK(ti, "bind C after both closed");
	EXPECT_STEP_VAL(ti, "bind/listen/close cycles done", 200);
	COMPARE(ti, tx);
}

static void scen_netns(struct trace *t, int fam, long arg)
{
	int a, b, c, d;

	(void)arg;
	a = mksock(fam, 0);
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "ns1: bind A");
	T_RET(t, listen(a, 1), "ns1: listen A");
	c = mksock(fam, 0);
	T_RET(t, bind4(c, "127.0.0.1", PORT_B), "ns1: bind C");
	T_RET(t, new_netns(), "new netns ns2");
	b = mksock(fam, 0);
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "ns2: bind B to A's port");
	T_RET(t, listen(b, 1), "ns2: listen B");
	d = mksock(fam, 0);
	T_RET(t, bind4(d, "127.0.0.1", PORT_B), "ns2: bind D to C's port");
	close(d);
	d = mksock(fam, 0);
	T_RET(t, bind4(d, "0.0.0.0", PORT_A), "ns2: bind D to B's port");
	close(d);
	/* sockets keep the netns they were made in */
	T_RET(t, bind4(c, "127.0.0.1", PORT_C), "ns1 socket: bind again");
	close(a);
	close(b);
	close(c);
}

TEST(netns_separate_ports)
{
	RUN_BOTH(scen_netns, 0);
	EXPECT_STEP_OK(ti, "ns2: bind B to A's port");
	EXPECT_STEP_OK(ti, "ns2: listen B");
	EXPECT_STEP_OK(ti, "ns2: bind D to C's port");
	EXPECT_STEP_ERR(ti, "ns2: bind D to B's port", EADDRINUSE);
	COMPARE(ti, tx);
}

/* A netns whose only reference is a socket; many netns come and go. */
static void scen_netns_lifetime(struct trace *t, int fam, long arg)
{
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fds[16], n = 0, ok = 0;

	(void)arg;
	for (int i = 0; i < 32; i++) {
		int fd;

		if (new_netns())
			break;
		fd = socket(fam, SOCK_STREAM, 0);
		if (fd >= 0 && !bind4(fd, "127.0.0.1", PORT_A) && !listen(fd, 4))
			ok++;
		if (setns(orig, CLONE_NEWNET))
			break;
		/* keep every other one open: its netns lives on with it */
		if (i % 2 && n < 16)
			fds[n++] = fd;
		else
			close(fd);
	}
	T_VAL(t, ok, "netns made, socket bound and listening in each");
	/* the kept sockets still work from outside their netns */
	ok = 0;
	for (int i = 0; i < n; i++)
		if (sock_port(fds[i]) == PORT_A &&
		    !shutdown(fds[i], SHUT_RD) && !listen(fds[i], 1))
			ok++;
	T_VAL(t, ok, "kept sockets: name, shutdown, listen again");
	/* and their port in our netns is free */
	{
		int fd = socket(fam, SOCK_STREAM, 0);

		T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind PORT_A here");
		close(fd);
	}
	close_all(fds, n);
	close(orig);
}

TEST(netns_lifetime)
{
	RUN_BOTH(scen_netns_lifetime, 0);
	EXPECT_STEP_VAL(ti, "netns made, socket bound and listening in each", 32);
	EXPECT_STEP_VAL(ti, "kept sockets: name, shutdown, listen again", 16);
	COMPARE(ti, tx);
}

/* Many ports at once. */
static void scen_many_ports(struct trace *t, int fam, long arg)
{
	enum { N = 900 };
	static int a[N], b[N];
	struct rlimit rl;
	int ok = 0, inuse = 0, eph = 0;

	(void)arg;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * N + 64) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (int i = 0; i < N; i++) {
		a[i] = socket(fam, SOCK_STREAM, 0);
		if (!bind4(a[i], i % 2 ? "127.0.0.1" : "0.0.0.0", 20000 + i) &&
		    (i % 3 || !listen(a[i], 1)))
			ok++;
	}
	T_VAL(t, ok, "ports bound (a third listening)");
	for (int i = 0; i < N; i++) {
		b[i] = socket(fam, SOCK_STREAM, 0);
		setint(b[i], SOL_SOCKET, SO_REUSEADDR, 1);
		if (bind4(b[i], "127.0.0.1", 20000 + i) && errno == EADDRINUSE)
			inuse++;
		close(b[i]);
	}
	T_VAL(t, inuse, "second binds refused");
	for (int i = 0; i < N; i++) {
		b[i] = socket(fam, SOCK_STREAM, 0);
		if (!bind4(b[i], "0.0.0.0", 0) && port_in_range(sock_port(b[i])))
			eph++;
	}
	T_VAL(t, eph, "ephemeral binds beside them");
	close_all(a, N);
	close_all(b, N);
	ok = 0;
	for (int i = 0; i < N; i += 7) {
		int fd = socket(fam, SOCK_STREAM, 0);

		if (!bind4(fd, "0.0.0.0", 20000 + i))
			ok++;
		close(fd);
	}
	T_VAL(t, ok, "ports free after close (every 7th)");
}

TEST(many_ports)
{
	RUN_BOTH(scen_many_ports, 0);
	EXPECT_STEP_VAL(ti, "ports bound (a third listening)", 900);
	EXPECT_STEP_VAL(ti, "second binds refused", 900);
	EXPECT_STEP_VAL(ti, "ephemeral binds beside them", 900);
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Races: threads binding and listening at the same moment             */
/* ------------------------------------------------------------------ */

#define RACE_THREADS	4
#define RACE_ROUNDS	150

struct race {
	pthread_barrier_t start, done;
	int mode;
	int fds[RACE_THREADS];
	int res[RACE_THREADS];
	int stop;
};

static void *race_thread(void *p)
{
	struct race *r = (struct race *)((long *)p)[0];
	long i = ((long *)p)[1];

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->stop)
			break;
		switch (r->mode) {
		case 0:
			r->res[i] = bind4(r->fds[i], "0.0.0.0", PORT_A);
			break;
		case 1:
			r->res[i] = bind4(r->fds[i], "127.0.0.1", 0);
			break;
		case 2:
		case 3:
			r->res[i] = listen(r->fds[i], 1);
			break;
		}
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

/* mode 0: bind one port; 1: bind(0); 2: listen on a shared RA port;
 * 3: listen on a shared RP port */
static void scen_race(struct trace *t, int fam, long mode)
{
	static struct race r;
	pthread_t th[RACE_THREADS];
	long args[RACE_THREADS][2];
	int good = 0;

	memset(&r, 0, sizeof(r));
	r.mode = mode;
	pthread_barrier_init(&r.start, NULL, RACE_THREADS + 1);
	pthread_barrier_init(&r.done, NULL, RACE_THREADS + 1);
	for (long i = 0; i < RACE_THREADS; i++) {
		args[i][0] = (long)&r;
		args[i][1] = i;
		pthread_create(&th[i], NULL, race_thread, args[i]);
	}
	for (int round = 0; round < RACE_ROUNDS; round++) {
		int wins = 0, distinct = 1;

		for (int i = 0; i < RACE_THREADS; i++) {
			r.fds[i] = mksock(fam, mode == 2 ? O_RA :
					  mode == 3 ? O_RP : 0);
			if (mode >= 2)
				bind4(r.fds[i], "0.0.0.0", PORT_B);
		}
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.done);
		for (int i = 0; i < RACE_THREADS; i++) {
			wins += r.res[i] == 0;
			for (int j = 0; j < i; j++)
				if (sock_port(r.fds[i]) == sock_port(r.fds[j]))
					distinct = 0;
		}
		if ((mode == 0 && wins == 1) || (mode == 1 && distinct &&
		     wins == RACE_THREADS) || (mode == 2 && wins == 1) ||
		    (mode == 3 && wins == RACE_THREADS))
			good++;
		close_all(r.fds, RACE_THREADS);
	}
	r.stop = 1;
	pthread_barrier_wait(&r.start);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	T_VAL(t, good, "rounds with the right outcome");
}

TEST(race_bind_same_port)
{
	RUN_BOTH(scen_race, 0);
	EXPECT_STEP_VAL(ti, "rounds with the right outcome", RACE_ROUNDS);
	COMPARE(ti, tx);
}

TEST(race_bind_port0)
{
	RUN_BOTH(scen_race, 1);
	EXPECT_STEP_VAL(ti, "rounds with the right outcome", RACE_ROUNDS);
	COMPARE(ti, tx);
}

TEST(race_listen_reuseaddr)
{
	RUN_BOTH(scen_race, 2);
	const struct step *s = t_find(ti, "rounds with the right outcome");

	/* 6.1 itself now and then gets a round wrong on the debug kernel
	 * (149 of 150 seen once, XTCP 150): its reference gets a second try
	 */
	if (s && s->val != RACE_ROUNDS)
		ti = run_scenario(scen_race, AF_INET, 2, 0);
	EXPECT_STEP_VAL(ti, "rounds with the right outcome", RACE_ROUNDS);
	COMPARE(ti, tx);
}

TEST(race_listen_reuseport)
{
	RUN_BOTH(scen_race, 3);
	EXPECT_STEP_VAL(ti, "rounds with the right outcome", RACE_ROUNDS);
	COMPARE(ti, tx);
}

TEST_HARNESS_MAIN
