// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: setsockopt/getsockopt at SOL_SOCKET and SOL_IP, the
 * unknown SOL_TCP option and unknown levels, and ioctl(); every scenario
 * compared with AF_INET.
 */
#include "xtcp_common.h"
#include <linux/filter.h>
#include <linux/sockios.h>

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif
#ifndef SO_RESERVE_MEM
#define SO_RESERVE_MEM 73
#endif
#ifndef SO_TXREHASH
#define SO_TXREHASH 74
#endif
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif

/* getsockopt into a raw buffer: records ret, errno, length and bytes. */
static void t_getraw(struct trace *t, int fd, int level, int opt, int len,
		     bool null_val, bool null_len, const char *name)
{
	unsigned char buf[256];
	socklen_t l = len;
	unsigned long sum = 0;
	int r;

	memset(buf, 0xa5, sizeof(buf));
	errno = 0;
	r = getsockopt(fd, level, opt, null_val ? NULL : buf,
		       null_len ? NULL : &l);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		sum = sum * 31 + buf[i];
	t_add(t, 0, r, r < 0 ? errno : 0, r < 0 ? 0 : (long)l,
	      "getsockopt %s len=%d%s%s: len", name, len,
	      null_val ? " val=NULL" : "", null_len ? " len=NULL" : "");
	t_add(t, 0, 0, 0, sum & 0x7fffffff, "  %s bytes (hash)", name);
}

static void t_setraw(struct trace *t, int fd, int level, int opt,
		     const void *val, int len, const char *name)
{
	int r;

	errno = 0;
	r = setsockopt(fd, level, opt, val, len);
	t_add(t, 0, r, r < 0 ? errno : 0, 0, "setsockopt %s len=%d%s", name,
	      len, val ? "" : " val=NULL");
}

/* ------------------------------------------------------------------ */
/* Option length and pointer handling                                  */
/* ------------------------------------------------------------------ */

static void scen_optlen(struct trace *t, int fam, long arg)
{
	static const int setlens[] = { 0, 1, 2, 3, 4, 5, 8, 64, -1 };
	static const int getlens[] = { 0, 1, 2, 3, 4, 5, 8, 64, -1 };
	long one[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	for (unsigned int i = 0; i < ARRAY_LEN(setlens); i++)
		t_setraw(t, fd, SOL_SOCKET, SO_REUSEADDR, one, setlens[i],
			 "SO_REUSEADDR");
	t_setraw(t, fd, SOL_SOCKET, SO_REUSEADDR, NULL, 4, "SO_REUSEADDR");
	t_setraw(t, fd, SOL_SOCKET, SO_REUSEADDR, NULL, 0, "SO_REUSEADDR");
	t_setraw(t, fd, SOL_SOCKET, SO_KEEPALIVE, one, 1, "SO_KEEPALIVE");
	t_setraw(t, fd, SOL_SOCKET, SO_RCVBUF, NULL, 4, "SO_RCVBUF");
	for (unsigned int i = 0; i < ARRAY_LEN(getlens); i++)
		t_getraw(t, fd, SOL_SOCKET, SO_REUSEADDR, getlens[i], false,
			 false, "SO_REUSEADDR");
	t_getraw(t, fd, SOL_SOCKET, SO_REUSEADDR, 4, true, false,
		 "SO_REUSEADDR");
	t_getraw(t, fd, SOL_SOCKET, SO_REUSEADDR, 4, false, true,
		 "SO_REUSEADDR");
	t_getraw(t, fd, SOL_SOCKET, SO_REUSEADDR, 0, true, false,
		 "SO_REUSEADDR");
	for (unsigned int i = 0; i < ARRAY_LEN(getlens); i++)
		t_getraw(t, fd, SOL_SOCKET, SO_LINGER, getlens[i], false,
			 false, "SO_LINGER");
	t_getraw(t, fd, SOL_SOCKET, SO_RCVTIMEO, 8, false, false,
		 "SO_RCVTIMEO");
	t_getraw(t, fd, SOL_SOCKET, SO_RCVTIMEO, 16, false, false,
		 "SO_RCVTIMEO");
	/* same at SOL_IP and SOL_TCP */
	t_setraw(t, fd, SOL_IP, IP_TOS, one, 0, "IP_TOS");
	t_setraw(t, fd, SOL_IP, IP_TOS, one, 1, "IP_TOS");
	t_setraw(t, fd, SOL_IP, IP_TOS, NULL, 4, "IP_TOS");
	t_setraw(t, fd, SOL_IP, IP_TTL, one, 2, "IP_TTL");
	t_setraw(t, fd, SOL_IP, IP_FREEBIND, one, 1, "IP_FREEBIND");
	t_setraw(t, fd, SOL_IP, IP_FREEBIND, one, 0, "IP_FREEBIND");
	t_getraw(t, fd, SOL_IP, IP_TOS, 1, false, false, "IP_TOS");
	t_getraw(t, fd, SOL_IP, IP_TOS, 0, false, false, "IP_TOS");
	t_getraw(t, fd, SOL_IP, IP_TOS, -1, false, false, "IP_TOS");
	t_getraw(t, fd, SOL_IP, IP_TTL, 2, false, false, "IP_TTL");
	t_getraw(t, fd, SOL_IP, IP_FREEBIND, 1, false, false, "IP_FREEBIND");
	t_getraw(t, fd, SOL_IP, IP_TOS, 4, true, false, "IP_TOS");
	t_getraw(t, fd, SOL_IP, IP_TOS, 4, false, true, "IP_TOS");
	t_setraw(t, fd, SOL_TCP, 9999, one, 4, "SOL_TCP 9999");
	t_getraw(t, fd, SOL_TCP, 9999, 4, false, false, "SOL_TCP 9999");
	close(fd);
}

TEST(optlen)
{
	RUN_BOTH(scen_optlen, 0);
	EXPECT_STEP_ERR(ti, "setsockopt SO_REUSEADDR len=0", EINVAL);
	EXPECT_STEP_ERR(ti, "setsockopt SO_REUSEADDR len=1", EINVAL);
	EXPECT_STEP_ERR(ti, "setsockopt SO_REUSEADDR len=3", EINVAL);
	EXPECT_STEP_OK(ti, "setsockopt SO_REUSEADDR len=4");
	EXPECT_STEP_OK(ti, "setsockopt SO_REUSEADDR len=8");
	EXPECT_STEP_ERR(ti, "setsockopt SO_REUSEADDR len=-1", EINVAL);
	EXPECT_STEP_ERR(ti, "setsockopt SO_REUSEADDR len=4 val=NULL", EFAULT);
	EXPECT_STEP_ERR(ti, "getsockopt SO_REUSEADDR len=4 val=NULL: len",
			EFAULT);
	EXPECT_STEP_ERR(ti, "getsockopt SO_REUSEADDR len=4 len=NULL: len",
			EFAULT);
	EXPECT_STEP_ERR(ti, "getsockopt SO_REUSEADDR len=-1: len", EINVAL);
	EXPECT_TRUE(t_check(_metadata, ti,
			    "getsockopt SO_REUSEADDR len=8: len", 0, 0, true, 4));
	EXPECT_TRUE(t_check(_metadata, ti,
			    "getsockopt SO_REUSEADDR len=0: len", 0, 0, true, 0));
	EXPECT_STEP_ERR(ti, "setsockopt SOL_TCP 9999 len=4", ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "getsockopt SOL_TCP 9999 len=4: len", ENOPROTOOPT);
	COMPARE_EACH(ti, tx);
}

/* ------------------------------------------------------------------ */
/* SOL_SOCKET options: set, then read back                             */
/* ------------------------------------------------------------------ */

struct intopt {
	const char *name;
	int opt;
	int vals[6];
	int nvals;
};

#define IOPT(o, ...) { #o, o, { __VA_ARGS__ }, \
	sizeof((int[]){ __VA_ARGS__ }) / sizeof(int) }

static const struct intopt sol_socket_opts[] = {
	IOPT(SO_REUSEADDR, 1, 0, 2),
	IOPT(SO_REUSEPORT, 1, 0, 5),
	IOPT(SO_KEEPALIVE, 1, 0),
	IOPT(SO_DONTROUTE, 1, 0),
	IOPT(SO_BROADCAST, 1, 0),
	IOPT(SO_OOBINLINE, 1, 0),
	IOPT(SO_PRIORITY, 3, 7, 100, -1, 0),
	IOPT(SO_MARK, 5, 0),
	IOPT(SO_RCVBUF, 0, 1, 1024, 65536, 1 << 30, -1),
	IOPT(SO_SNDBUF, 0, 1, 1024, 65536, 1 << 30, -1),
	IOPT(SO_RCVBUFFORCE, 1 << 20, 100, 0),
	IOPT(SO_SNDBUFFORCE, 1 << 20, 100, 0),
	IOPT(SO_RCVLOWAT, 1, 100, 1 << 30, 0, -1),
	IOPT(SO_SNDLOWAT, 1),
	IOPT(SO_PEEK_OFF, 0, 10, -1),
	IOPT(SO_ZEROCOPY, 1, 0),
	IOPT(SO_BUSY_POLL, 10, 0, -1),
	IOPT(SO_INCOMING_CPU, 0, -1),
	IOPT(SO_TIMESTAMP, 1, 0),
	IOPT(SO_TIMESTAMPNS, 1, 0),
	/* TX_SOFTWARE, +OPT_ID (EINVAL in CLOSE/LISTEN), +OPT_STATS */
	IOPT(SO_TIMESTAMPING, 0x2, 0x82, 0x1002, 0x10000000, 0),
	IOPT(SO_PASSCRED, 1, 0),
	IOPT(SO_PASSSEC, 1, 0),
	IOPT(SO_RXQ_OVFL, 1, 0),
	IOPT(SO_WIFI_STATUS, 1, 0),
	IOPT(SO_NOFCS, 1, 0),
	IOPT(SO_SELECT_ERR_QUEUE, 1, 0),
	IOPT(SO_LOCK_FILTER, 1, 0),
	IOPT(SO_MAX_PACING_RATE, 1000000, -1),
	IOPT(SO_BINDTOIFINDEX, 1, 0, 999),
	IOPT(SO_BUF_LOCK, 3, 0, 4),
	IOPT(SO_RESERVE_MEM, 4096, 0, -1),
	IOPT(SO_TXREHASH, 0, 1, -1, 5),
	/* read-only and unknown */
	IOPT(SO_ACCEPTCONN, 1),
	IOPT(SO_TYPE, SOCK_DGRAM),
	IOPT(SO_PROTOCOL, IPPROTO_UDP),
	IOPT(SO_DOMAIN, AF_INET6),
	IOPT(SO_ERROR, 1),
	IOPT(SO_PEERCRED, 1),
	{ "SOL_SOCKET 9999", 9999, { 1 }, 1 },
};

static void scen_sol_socket(struct trace *t, int fam, long arg)
{
	int fd;

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	if (arg) {
		T_RET(t, listen(fd, 4), "listen");
	}
	for (unsigned int i = 0; i < ARRAY_LEN(sol_socket_opts); i++) {
		const struct intopt *o = &sol_socket_opts[i];
		char name[64];

		t_getint(t, fd, SOL_SOCKET, o->opt, o->name);
		for (int j = 0; j < o->nvals; j++) {
			t_setint(t, fd, SOL_SOCKET, o->opt, o->vals[j], o->name);
			snprintf(name, sizeof(name), "%s after set %d", o->name,
				 o->vals[j]);
			t_getint(t, fd, SOL_SOCKET, o->opt, name);
			if (o->opt == SO_RCVLOWAT)
				t_getint(t, fd, SOL_SOCKET, SO_RCVBUF,
					 "SO_RCVBUF after SO_RCVLOWAT");
		}
	}
	close(fd);
}

TEST(sol_socket_int_options)
{
	RUN_BOTH(scen_sol_socket, 0);
	EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR (val*1000+len)", 4);
	EXPECT_STEP_VAL(ti, "getsockopt SO_REUSEADDR after set 2 (val*1000+len)",
			1004);
	EXPECT_STEP_ERR(ti, "setsockopt SO_ACCEPTCONN=1", ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "setsockopt SO_TYPE=2", ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "setsockopt SOL_SOCKET 9999=1", ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "getsockopt SOL_SOCKET 9999 (val*1000+len)",
			ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "setsockopt SO_SNDLOWAT=1", ENOPROTOOPT);
	EXPECT_STEP_VAL(ti, "getsockopt SO_RCVBUF after set 65536 (val*1000+len)",
			131072L * 1000 + 4);
	COMPARE_EACH(ti, tx);
}

TEST(sol_socket_int_options_listener)
{
	RUN_BOTH(scen_sol_socket, 1);
	COMPARE_EACH(ti, tx);
}

/* SOL_TCP options that take an int, on a new socket and a listener */
static const struct intopt sol_tcp_opts[] = {
	IOPT(TCP_NODELAY, 1, 0, 2),
	IOPT(TCP_MAXSEG, 1000, 87, 88, 0, 65535, 65536),
	IOPT(TCP_SYNCNT, 3, 0, 127, 128, -1),
	IOPT(TCP_LINGER2, 30, -1, 0, 120, 121, 1000),
	IOPT(TCP_DEFER_ACCEPT, 1, 3, 10, 100, 0, -1),
	IOPT(TCP_QUICKACK, 0, 1, 2),
	IOPT(TCP_NOTSENT_LOWAT, 1000, 0, -1),
	IOPT(TCP_KEEPIDLE, 10, 0, 32767, 32768),
	IOPT(TCP_KEEPINTVL, 10, 0, 32768),
	IOPT(TCP_KEEPCNT, 5, 0, 127, 128),
	IOPT(TCP_USER_TIMEOUT, 1000, 0, -1),
};

static void scen_sol_tcp(struct trace *t, int fam, long arg)
{
	int fd;

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	if (arg) {
		T_RET(t, listen(fd, 4), "listen");
	}
	for (unsigned int i = 0; i < ARRAY_LEN(sol_tcp_opts); i++) {
		const struct intopt *o = &sol_tcp_opts[i];
		char name[64];

		t_getint(t, fd, SOL_TCP, o->opt, o->name);
		for (int j = 0; j < o->nvals; j++) {
			t_setint(t, fd, SOL_TCP, o->opt, o->vals[j], o->name);
			snprintf(name, sizeof(name), "%s after set %d", o->name,
				 o->vals[j]);
			t_getint(t, fd, SOL_TCP, o->opt, name);
		}
	}
	close(fd);
}

TEST(sol_tcp_int_options)
{
	RUN_BOTH(scen_sol_tcp, 0);
	EXPECT_STEP_VAL(ti, "getsockopt TCP_MAXSEG (val*1000+len)", 536004);
	EXPECT_STEP_ERR(ti, "setsockopt TCP_MAXSEG=87", EINVAL);
	EXPECT_STEP_VAL(ti, "getsockopt TCP_DEFER_ACCEPT after set 10 (val*1000+len)",
			15004);
	EXPECT_STEP_ERR(ti, "setsockopt TCP_SYNCNT=128", EINVAL);
	COMPARE_EACH(ti, tx);
}

TEST(sol_tcp_int_options_listener)
{
	RUN_BOTH(scen_sol_tcp, 1);
	COMPARE_EACH(ti, tx);
}

/* Options with a structure: SO_LINGER, timeouts, device binding... */
static void scen_sol_socket_struct(struct trace *t, int fam, long arg)
{
	static const struct linger lingers[] = {
		{ 1, 5 }, { 0, 0 }, { 1, 0 }, { 0, 7 }, { 1, -1 }, { 5, 100000 },
	};
	static const struct timeval tvs[] = {
		{ 1, 500000 }, { 0, 0 }, { 0, 1000000 }, { 0, -1 }, { -1, 0 },
		{ 0, 1 }, { 100000, 0 },
	};
	struct sock_filter code[] = { { 0x06, 0, 0, 0xffffffff } }; /* ret -1 */
	struct sock_fprog prog = { 1, code };
	struct ucred cred;
	socklen_t l;
	char buf[64];
	int fd, r;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	for (unsigned int i = 0; i < ARRAY_LEN(lingers); i++) {
		snprintf(buf, sizeof(buf), "SO_LINGER{%d,%d}",
			 lingers[i].l_onoff, lingers[i].l_linger);
		t_setraw(t, fd, SOL_SOCKET, SO_LINGER, &lingers[i],
			 sizeof(lingers[i]), buf);
		t_getraw(t, fd, SOL_SOCKET, SO_LINGER, sizeof(struct linger),
			 false, false, buf);
	}
	t_setraw(t, fd, SOL_SOCKET, SO_LINGER, &lingers[0], 4, "SO_LINGER");
	t_setraw(t, fd, SOL_SOCKET, SO_LINGER, &lingers[0], 12, "SO_LINGER");

	for (unsigned int i = 0; i < ARRAY_LEN(tvs); i++) {
		snprintf(buf, sizeof(buf), "SO_RCVTIMEO{%ld,%ld}",
			 (long)tvs[i].tv_sec, (long)tvs[i].tv_usec);
		t_setraw(t, fd, SOL_SOCKET, SO_RCVTIMEO, &tvs[i],
			 sizeof(tvs[i]), buf);
		t_getraw(t, fd, SOL_SOCKET, SO_RCVTIMEO, sizeof(struct timeval),
			 false, false, buf);
		buf[3] = 'S';
		buf[4] = 'N';
		buf[5] = 'D';
		t_setraw(t, fd, SOL_SOCKET, SO_SNDTIMEO, &tvs[i],
			 sizeof(tvs[i]), buf);
		t_getraw(t, fd, SOL_SOCKET, SO_SNDTIMEO, sizeof(struct timeval),
			 false, false, buf);
	}
	t_setraw(t, fd, SOL_SOCKET, SO_RCVTIMEO, &tvs[0], 8, "SO_RCVTIMEO");

	t_setraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3,
		 "SO_BINDTODEVICE lo");
	t_getraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE, 16, false, false,
		 "SO_BINDTODEVICE");
	t_getraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE, 2, false, false,
		 "SO_BINDTODEVICE");
	t_getint(t, fd, SOL_SOCKET, SO_BINDTOIFINDEX, "SO_BINDTOIFINDEX");
	t_setraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE, "nosuchdev0", 11,
		 "SO_BINDTODEVICE nosuchdev0");
	t_setraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE, "", 0,
		 "SO_BINDTODEVICE ''");
	t_getraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE, 16, false, false,
		 "SO_BINDTODEVICE");
	t_setraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE,
		 "0123456789abcdefghij", 20, "SO_BINDTODEVICE long");

	/* peer identity of an unconnected socket */
	memset(&cred, 0xa5, sizeof(cred));
	l = sizeof(cred);
	errno = 0;
	r = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l);
	t_add(t, 0, r, r ? errno : 0, r ? 0 : (long)l, "getsockopt SO_PEERCRED");
	T_VAL(t, r ? 0 : (long)cred.pid << 32 | (unsigned int)cred.uid,
	      "  SO_PEERCRED pid<<32|uid");
	t_getraw(t, fd, SOL_SOCKET, SO_PEERNAME, 16, false, false,
		 "SO_PEERNAME");
	t_getraw(t, fd, SOL_SOCKET, SO_PEERSEC, 64, false, false,
		 "SO_PEERSEC");
	t_getraw(t, fd, SOL_SOCKET, SO_PEERGROUPS, 64, false, false,
		 "SO_PEERGROUPS");
	t_getraw(t, fd, SOL_SOCKET, SO_MEMINFO, 64, false, false,
		 "SO_MEMINFO");

	/* cookies are unique numbers: only the call is compared */
	t_getraw(t, fd, SOL_SOCKET, SO_COOKIE, 8, false, false, "SO_COOKIE");
	t->s[t->n - 1].flags |= STEP_NOCMP_VAL;
	t_getraw(t, fd, SOL_SOCKET, SO_NETNS_COOKIE, 8, false, false,
		 "SO_NETNS_COOKIE");
	t->s[t->n - 1].flags |= STEP_NOCMP_VAL;

	/* socket filters */
	t_setraw(t, fd, SOL_SOCKET, SO_DETACH_FILTER, &r, sizeof(r),
		 "SO_DETACH_FILTER without filter");
	t_setraw(t, fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog),
		 "SO_ATTACH_FILTER");
	t_getraw(t, fd, SOL_SOCKET, SO_ATTACH_FILTER, 0, false, false,
		 "SO_GET_FILTER");
	t_setraw(t, fd, SOL_SOCKET, SO_DETACH_FILTER, &r, sizeof(r),
		 "SO_DETACH_FILTER");
	close(fd);
}

TEST(sol_socket_struct_options)
{
	RUN_BOTH(scen_sol_socket_struct, 0);
	EXPECT_STEP_OK(ti, "setsockopt SO_LINGER{1,5} len=8");
	EXPECT_STEP_ERR(ti, "setsockopt SO_LINGER len=4", EINVAL);
	EXPECT_STEP_ERR(ti, "setsockopt SO_RCVTIMEO{0,1000000} len=16", EDOM);
	EXPECT_STEP_ERR(ti, "setsockopt SO_BINDTODEVICE nosuchdev0 len=11",
			ENODEV);
	EXPECT_STEP_ERR(ti, "getsockopt SO_PEERNAME len=16: len", ENOTCONN);
	COMPARE_EACH(ti, tx);
}

/* ------------------------------------------------------------------ */
/* SOL_IP (ip_setsockopt/ip_getsockopt) and unknown levels             */
/* ------------------------------------------------------------------ */

static const struct intopt sol_ip_opts[] = {
	IOPT(IP_TOS, 0x10, 0x13, 0xff, 0, -1, 256),
	IOPT(IP_TTL, 64, 1, 255, 0, 256, -1),
	IOPT(IP_FREEBIND, 1, 0, 2),
	IOPT(IP_TRANSPARENT, 1, 0),
	IOPT(IP_RECVERR, 1, 0),
	IOPT(IP_RECVTTL, 1, 0),
	IOPT(IP_RECVTOS, 1, 0),
	IOPT(IP_PKTINFO, 1, 0),
	IOPT(IP_RECVOPTS, 1, 0),
	IOPT(IP_RETOPTS, 1, 0),
	IOPT(IP_PASSSEC, 1, 0),
	IOPT(IP_RECVORIGDSTADDR, 1, 0),
	IOPT(IP_CHECKSUM, 1, 0),
	IOPT(IP_RECVFRAGSIZE, 1, 0),
	IOPT(IP_RECVERR_RFC4884, 1, 0, 2),
	IOPT(IP_MTU_DISCOVER, 0, 1, 2, 3, 5, 6),
	IOPT(IP_MTU, 1500),
	IOPT(IP_MULTICAST_TTL, 5, -1, 256),
	IOPT(IP_MULTICAST_LOOP, 0, 1),
	IOPT(IP_MULTICAST_ALL, 0, 1),
	IOPT(IP_BIND_ADDRESS_NO_PORT, 1, 0),
	IOPT(IP_UNICAST_IF, 1, 0),
	IOPT(IP_MINTTL, 10, 0, 256),
	IOPT(IP_HDRINCL, 1),
	IOPT(IP_NODEFRAG, 1),
	IOPT(IP_ROUTER_ALERT, 1),
	IOPT(IP_LOCAL_PORT_RANGE, 0),
	{ "SOL_IP 9999", 9999, { 1 }, 1 },
};

static void scen_sol_ip(struct trace *t, int fam, long arg)
{
	struct ip_mreqn mreq;
	unsigned char opts[8] = { 1, 1, 1, 1 };	/* four NOPs */
	int fd;

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	if (arg) {
		T_RET(t, listen(fd, 4), "listen");
	}
	for (unsigned int i = 0; i < ARRAY_LEN(sol_ip_opts); i++) {
		const struct intopt *o = &sol_ip_opts[i];
		char name[64];

		t_getint(t, fd, SOL_IP, o->opt, o->name);
		for (int j = 0; j < o->nvals; j++) {
			t_setint(t, fd, SOL_IP, o->opt, o->vals[j], o->name);
			snprintf(name, sizeof(name), "%s after set %d", o->name,
				 o->vals[j]);
			t_getint(t, fd, SOL_IP, o->opt, name);
		}
	}
	t_setraw(t, fd, SOL_IP, IP_OPTIONS, opts, 4, "IP_OPTIONS NOPs");
	t_getraw(t, fd, SOL_IP, IP_OPTIONS, 40, false, false, "IP_OPTIONS");
	t_setraw(t, fd, SOL_IP, IP_OPTIONS, opts, 0, "IP_OPTIONS empty");
	t_getraw(t, fd, SOL_IP, IP_OPTIONS, 40, false, false, "IP_OPTIONS");
	t_setraw(t, fd, SOL_IP, IP_TOS, opts, 1, "IP_TOS char");
	t_getraw(t, fd, SOL_IP, IP_TOS, 1, false, false, "IP_TOS char");

	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_multiaddr.s_addr = htonl(0xe0000001);
	t_setraw(t, fd, SOL_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq),
		 "IP_ADD_MEMBERSHIP");
	t_setraw(t, fd, SOL_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq),
		 "IP_MULTICAST_IF");
	t_getraw(t, fd, SOL_IP, IP_MULTICAST_IF, 4, false, false,
		 "IP_MULTICAST_IF");
	t_getraw(t, fd, SOL_IP, IP_PKTOPTIONS, 64, false, false,
		 "IP_PKTOPTIONS");

	/* unknown SOL_TCP option, unknown levels */
	t_setint(t, fd, SOL_TCP, 9999, 1, "SOL_TCP 9999");
	t_getint(t, fd, SOL_TCP, 9999, "SOL_TCP 9999");
	t_setint(t, fd, SOL_TCP, -1, 1, "SOL_TCP -1");
	t_getint(t, fd, SOL_TCP, -1, "SOL_TCP -1");
	t_setint(t, fd, 12345, 1, 1, "level 12345 opt 1");
	t_getint(t, fd, 12345, 1, "level 12345 opt 1");
	t_setint(t, fd, SOL_IPV6, 1, 1, "SOL_IPV6 opt 1");
	t_getint(t, fd, SOL_IPV6, 1, "SOL_IPV6 opt 1");
	t_setint(t, fd, IPPROTO_UDP, 1, 1, "SOL_UDP opt 1");
	t_getint(t, fd, IPPROTO_UDP, 1, "SOL_UDP opt 1");
	t_setint(t, fd, SOL_RAW, 1, 1, "SOL_RAW opt 1");
	t_setint(t, fd, -1, 1, 1, "level -1 opt 1");
	t_getint(t, fd, -1, 1, "level -1 opt 1");
	close(fd);
}

TEST(sol_ip_options)
{
	RUN_BOTH(scen_sol_ip, 0);
	EXPECT_STEP_VAL(ti, "getsockopt IP_TOS after set 19 (val*1000+len)",
			0x10 * 1000 + 4);
	EXPECT_STEP_ERR(ti, "setsockopt IP_TTL=0", EINVAL);
	EXPECT_STEP_ERR(ti, "getsockopt IP_MTU (val*1000+len)", ENOTCONN);
	EXPECT_STEP_ERR(ti, "setsockopt SOL_IP 9999=1", ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "setsockopt SOL_TCP 9999=1", ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "getsockopt SOL_TCP 9999 (val*1000+len)",
			ENOPROTOOPT);
	EXPECT_STEP_ERR(ti, "setsockopt level 12345 opt 1=1", ENOPROTOOPT);
	/* ip_getsockopt() says EOPNOTSUPP for a level that isn't SOL_IP */
	EXPECT_STEP_ERR(ti, "getsockopt level 12345 opt 1 (val*1000+len)",
			EOPNOTSUPP);
	EXPECT_STEP_OK(ti, "setsockopt IP_FREEBIND=1");
	EXPECT_STEP_OK(ti, "setsockopt IP_TRANSPARENT=1");
	COMPARE_EACH(ti, tx);
}

TEST(sol_ip_options_listener)
{
	RUN_BOTH(scen_sol_ip, 1);
	COMPARE_EACH(ti, tx);
}

/* IP_TRANSPARENT needs CAP_NET_RAW or CAP_NET_ADMIN; SO_MARK too... */
static void scen_unprivileged_opts(struct trace *t, int fam, long arg)
{
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, become_nobody(), "become nobody");
	t_setint(t, fd, SOL_IP, IP_TRANSPARENT, 1, "IP_TRANSPARENT");
	t_getint(t, fd, SOL_IP, IP_TRANSPARENT, "IP_TRANSPARENT");
	t_setint(t, fd, SOL_IP, IP_FREEBIND, 1, "IP_FREEBIND");
	t_setint(t, fd, SOL_SOCKET, SO_MARK, 1, "SO_MARK");
	t_setint(t, fd, SOL_SOCKET, SO_PRIORITY, 7, "SO_PRIORITY");
	t_setint(t, fd, SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20, "SO_RCVBUFFORCE");
	t_getint(t, fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF");
	t_setint(t, fd, SOL_SOCKET, SO_SNDBUFFORCE, 1 << 20, "SO_SNDBUFFORCE");
	t_setint(t, fd, SOL_SOCKET, SO_BUSY_POLL, 10, "SO_BUSY_POLL");
	t_setraw(t, fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3,
		 "SO_BINDTODEVICE lo");
	t_setint(t, fd, SOL_SOCKET, SO_RCVBUF, 1 << 30, "SO_RCVBUF");
	t_getint(t, fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF");
	close(fd);
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket as nobody");
	t_getint(t, fd, SOL_SOCKET, SO_TYPE, "SO_TYPE");
	close(fd);
}

TEST(unprivileged_options)
{
	RUN_BOTH(scen_unprivileged_opts, 0);
	EXPECT_STEP_ERR(ti, "setsockopt IP_TRANSPARENT=1", EPERM);
	EXPECT_STEP_ERR(ti, "setsockopt SO_MARK=1", EPERM);
	EXPECT_STEP_OK(ti, "setsockopt IP_FREEBIND=1");
	COMPARE_EACH(ti, tx);
}

/* ------------------------------------------------------------------ */
/* ioctl()                                                             */
/* ------------------------------------------------------------------ */

static void t_ioctl_int(struct trace *t, int fd, unsigned long cmd, int in,
			const char *name)
{
	int v = in;
	int r;

	errno = 0;
	r = ioctl(fd, cmd, &v);
	t_add(t, 0, r, r < 0 ? errno : 0, v, "ioctl %s(%d)", name, in);
}

static void t_ioctl_ifreq(struct trace *t, int fd, unsigned long cmd,
			  const char *dev, const char *name)
{
	struct ifreq ifr;
	unsigned long sum = 0;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	errno = 0;
	r = ioctl(fd, cmd, &ifr);
	for (unsigned int i = 0; i < sizeof(ifr); i++)
		sum = sum * 31 + ((unsigned char *)&ifr)[i];
	t_add(t, 0, r, r < 0 ? errno : 0, sum & 0x7fffffff, "ioctl %s %s",
	      name, dev);
}

static void ioctl_set(struct trace *t, int fd, const char *tag)
{
	struct timeval tv;
	int r;

	T_VAL(t, 0, "%s", tag);
	t_ioctl_int(t, fd, FIONREAD, -7, "FIONREAD");
	t_ioctl_int(t, fd, SIOCINQ, -7, "SIOCINQ");
	t_ioctl_int(t, fd, SIOCOUTQ, -7, "SIOCOUTQ");
	t_ioctl_int(t, fd, SIOCOUTQNSD, -7, "SIOCOUTQNSD");
	t_ioctl_int(t, fd, SIOCATMARK, -7, "SIOCATMARK");
	errno = 0;
	r = ioctl(fd, SIOCGSTAMP, &tv);
	t_add(t, 0, r, r < 0 ? errno : 0, 0, "ioctl SIOCGSTAMP");
	t_ioctl_int(t, fd, FIONBIO, 1, "FIONBIO");
	T_VAL(t, fcntl(fd, F_GETFL) & O_NONBLOCK, "O_NONBLOCK after FIONBIO 1");
	t_ioctl_int(t, fd, FIONBIO, 0, "FIONBIO");
	T_VAL(t, fcntl(fd, F_GETFL) & O_NONBLOCK, "O_NONBLOCK after FIONBIO 0");
	t_ioctl_int(t, fd, FIOASYNC, 0, "FIOASYNC");
	t_ioctl_int(t, fd, FIOSETOWN, 0, "FIOSETOWN");
	t_ioctl_int(t, fd, FIOGETOWN, 0, "FIOGETOWN");
	t->s[t->n - 1].flags |= STEP_NOCMP_VAL;	/* pids differ */
	t_ioctl_int(t, fd, SIOCGPGRP, 0, "SIOCGPGRP");
	t->s[t->n - 1].flags |= STEP_NOCMP_VAL;
	t_ioctl_ifreq(t, fd, SIOCGIFADDR, "lo", "SIOCGIFADDR");
	t_ioctl_ifreq(t, fd, SIOCGIFNETMASK, "lo", "SIOCGIFNETMASK");
	t_ioctl_ifreq(t, fd, SIOCGIFBRDADDR, "lo", "SIOCGIFBRDADDR");
	t_ioctl_ifreq(t, fd, SIOCGIFFLAGS, "lo", "SIOCGIFFLAGS");
	t_ioctl_ifreq(t, fd, SIOCGIFINDEX, "lo", "SIOCGIFINDEX");
	t_ioctl_ifreq(t, fd, SIOCGIFMTU, "lo", "SIOCGIFMTU");
	t_ioctl_ifreq(t, fd, SIOCGIFADDR, "nosuchdev0", "SIOCGIFADDR");
	t_ioctl_ifreq(t, fd, SIOCGIFFLAGS, "nosuchdev0", "SIOCGIFFLAGS");
	t_ioctl_ifreq(t, fd, 0x8999, "lo", "0x8999 (unused SIOC)");
	t_ioctl_int(t, fd, _IO('x', 0x99), 0, "_IO('x',0x99) (unknown)");
	t_ioctl_int(t, fd, 0x12345678, 0, "0x12345678 (unknown)");
}

static void scen_ioctl(struct trace *t, int fam, long arg)
{
	struct ifconf ifc;
	char buf[1024];
	int fd, r;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	ioctl_set(t, fd, "-- fresh socket");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	ioctl_set(t, fd, "-- bound socket");
	T_RET(t, listen(fd, 1), "listen");
	ioctl_set(t, fd, "-- listener");
	ifc.ifc_len = sizeof(buf);
	ifc.ifc_buf = buf;
	memset(buf, 0, sizeof(buf));
	errno = 0;
	r = ioctl(fd, SIOCGIFCONF, &ifc);
	t_add(t, 0, r, r < 0 ? errno : 0, r < 0 ? 0 : ifc.ifc_len,
	      "ioctl SIOCGIFCONF");
	close(fd);
}

TEST(ioctls)
{
	RUN_BOTH(scen_ioctl, 0);
	EXPECT_TRUE(t_check(_metadata, ti, "ioctl SIOCINQ(-7)", 0, 0, true, 0));
	EXPECT_TRUE(t_check(_metadata, ti, "O_NONBLOCK after FIONBIO 1",
			    0, 0, true, O_NONBLOCK));
	EXPECT_STEP_ERR(ti, "ioctl _IO('x',0x99) (unknown)(0)", ENOTTY);
	EXPECT_STEP_ERR(ti, "ioctl SIOCGIFADDR nosuchdev0", ENODEV);
	COMPARE_EACH(ti, tx);
}

TEST(ioctl_listener_inq)
{
	int fam[2] = { AF_INET, xtcp_family() };

	ASSERT_EQ(0, new_netns());
	for (int i = 0; i < 2; i++) {
		int fd = socket(fam[i], SOCK_STREAM, 0), v = -7;

		ASSERT_LE(0, fd) TH_LOG("socket(%d): %s", fam[i], errname(errno));
		ASSERT_EQ(0, listen(fd, 1));
		EXPECT_EQ(-1, ioctl(fd, SIOCINQ, &v)) TH_LOG("%s", fam_name(fam[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s: SIOCINQ on a listener: %s",
						fam_name(fam[i]), errname(errno));
		EXPECT_EQ(-1, ioctl(fd, SIOCOUTQ, &v)) TH_LOG("%s", fam_name(fam[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s: SIOCOUTQ on a listener: %s",
						fam_name(fam[i]), errname(errno));
		close(fd);
	}
}

/* ------------------------------------------------------------------ */
/* Defaults that come from per-netns sysctls                           */
/* ------------------------------------------------------------------ */

static void t_defaults(struct trace *t, int fam, const char *tag)
{
	int fd = socket(fam, SOCK_STREAM, 0);
	char name[64];

	snprintf(name, sizeof(name), "SO_RCVBUF %s", tag);
	t_getint(t, fd, SOL_SOCKET, SO_RCVBUF, name);
	snprintf(name, sizeof(name), "SO_SNDBUF %s", tag);
	t_getint(t, fd, SOL_SOCKET, SO_SNDBUF, name);
	snprintf(name, sizeof(name), "IP_TTL %s", tag);
	t_getint(t, fd, SOL_IP, IP_TTL, name);
	snprintf(name, sizeof(name), "IP_MTU_DISCOVER %s", tag);
	t_getint(t, fd, SOL_IP, IP_MTU_DISCOVER, name);
	snprintf(name, sizeof(name), "SO_RCVLOWAT 1<<30 then SO_RCVLOWAT %s", tag);
	setint(fd, SOL_SOCKET, SO_RCVLOWAT, 1 << 30);
	t_getint(t, fd, SOL_SOCKET, SO_RCVLOWAT, name);
	close(fd);
}

static void scen_sysctl_defaults(struct trace *t, int fam, long arg)
{
	(void)arg;
	t_defaults(t, fam, "default");
	T_RET(t, sysctl_write("net/ipv4/tcp_rmem", "4096 100000 2000000"),
	      "tcp_rmem = 4096 100000 2000000");
	T_RET(t, sysctl_write("net/ipv4/tcp_wmem", "4096 50000 1000000"),
	      "tcp_wmem = 4096 50000 1000000");
	T_RET(t, sysctl_write("net/ipv4/ip_default_ttl", "33"),
	      "ip_default_ttl = 33");
	T_RET(t, sysctl_write("net/ipv4/ip_no_pmtu_disc", "1"),
	      "ip_no_pmtu_disc = 1");
	t_defaults(t, fam, "after sysctls");
}

TEST(sysctl_defaults)
{
	RUN_BOTH(scen_sysctl_defaults, 0);
	EXPECT_STEP_VAL(ti, "getsockopt SO_RCVBUF after sysctls (val*1000+len)",
			100000L * 1000 + 4);
	EXPECT_STEP_VAL(ti, "getsockopt SO_SNDBUF after sysctls (val*1000+len)",
			50000L * 1000 + 4);
	EXPECT_STEP_VAL(ti, "getsockopt IP_TTL after sysctls (val*1000+len)",
			33 * 1000 + 4);
	COMPARE_EACH(ti, tx);
}

TEST_HARNESS_MAIN
