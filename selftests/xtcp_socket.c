// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: socket() and the identity of the resulting socket,
 * getsockname() and getpeername().
 */
#include "xtcp_common.h"

/* ------------------------------------------------------------------ */
/* Per-family checks of known values                                   */
/* ------------------------------------------------------------------ */

FIXTURE(fam) {
	int family;
};

FIXTURE_VARIANT(fam) {
	bool xtcp;
};

FIXTURE_VARIANT_ADD(fam, inet) {
	.xtcp = false,
};

FIXTURE_VARIANT_ADD(fam, xtcp) {
	.xtcp = true,
};

FIXTURE_SETUP(fam)
{
	ASSERT_EQ(0, new_netns());
	self->family = variant->xtcp ? xtcp_family() : AF_INET;
}

FIXTURE_TEARDOWN(fam)
{
}

static void check_identity(struct __test_metadata *_metadata, int fd)
{
	struct stat st;

	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(SOCK_STREAM, getint(fd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(IPPROTO_TCP, getint(fd, SOL_SOCKET, SO_PROTOCOL));
	/* XTCP's sock has sk_family AF_INET: SO_DOMAIN says 2 on both */
	EXPECT_EQ(AF_INET, getint(fd, SOL_SOCKET, SO_DOMAIN));
	EXPECT_EQ(0, getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(0, getint(fd, SOL_SOCKET, SO_ERROR));
}

TEST_F(fam, stream_proto0)
{
	int fd = socket(self->family, SOCK_STREAM, 0);

	ASSERT_LE(0, fd) TH_LOG("socket(%d, SOCK_STREAM, 0): %s",
				self->family, errname(errno));
	check_identity(_metadata, fd);
	EXPECT_EQ(0, close(fd));
}

TEST_F(fam, stream_proto_tcp)
{
	int fd = socket(self->family, SOCK_STREAM, IPPROTO_TCP);

	ASSERT_LE(0, fd) TH_LOG("socket(%d, SOCK_STREAM, IPPROTO_TCP): %s",
				self->family, errname(errno));
	check_identity(_metadata, fd);
	EXPECT_EQ(0, close(fd));
}

TEST_F(fam, type_flags)
{
	int fd, fl;

	fd = socket(self->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	fl = fcntl(fd, F_GETFL);
	EXPECT_EQ(0, fl & O_NONBLOCK);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = socket(self->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = socket(self->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	check_identity(_metadata, fd);
	close(fd);
}

TEST_F(fam, acceptconn_after_listen)
{
	int fd = socket(self->family, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
	ASSERT_EQ(0, listen(fd, 5));
	EXPECT_EQ(1, getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
	/* still a TCP stream of domain AF_INET when listening */
	EXPECT_EQ(SOCK_STREAM, getint(fd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(IPPROTO_TCP, getint(fd, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(AF_INET, getint(fd, SOL_SOCKET, SO_DOMAIN));
	close(fd);
}

/* Many sockets at once, then all closed: nothing may be lost. */
TEST_F(fam, many_sockets)
{
	int fds[256];
	int i;

	for (i = 0; i < (int)ARRAY_LEN(fds); i++) {
		fds[i] = socket(self->family, SOCK_STREAM, 0);
		ASSERT_LE(0, fds[i]) TH_LOG("socket #%d: %s", i,
					    errname(errno));
	}
	for (i = 0; i < (int)ARRAY_LEN(fds); i++) {
		if (i % 2 == 0)
			EXPECT_EQ(0, bind4(fds[i], "127.0.0.1", 0));
		if (i % 4 == 0)
			EXPECT_EQ(0, listen(fds[i], 1));
	}
	for (i = 0; i < (int)ARRAY_LEN(fds); i++)
		EXPECT_EQ(0, close(fds[i]));
}

/*
 * XTCP is only a stream protocol.  AF_INET has datagram and raw
 * protocols, so these can't be compared: XTCP must say that it has no
 * such socket type, like AF_INET does for a type it has no protocol for
 * (SOCK_SEQPACKET, compared below).
 */
TEST(xtcp_no_other_types)
{
	static const int types[] = { SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET,
				     SOCK_RDM, SOCK_PACKET };
	int fam = xtcp_family();

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: AF_INET has datagram sockets");
	for (unsigned int i = 0; i < ARRAY_LEN(types); i++) {
		int fd = socket(fam, types[i], 0);

		EXPECT_EQ(-1, fd) TH_LOG("socket(XTCP, type %d, 0) succeeded",
					 types[i]);
		if (fd >= 0) {
			close(fd);
		} else {
			EXPECT_EQ(ESOCKTNOSUPPORT, errno)
				TH_LOG("socket(XTCP, type %d, 0): %s", types[i],
				       errname(errno));
		}
	}
}

/* ------------------------------------------------------------------ */
/* socket() errors: compared with AF_INET                              */
/* ------------------------------------------------------------------ */

struct type_proto {
	const char *name;
	int type;
	int proto;
	int err61;	/* AF_INET's errno on Linux 6.1 (0: works) */
};

static const struct type_proto socket_cases[] = {
	{ "STREAM/0",			SOCK_STREAM, 0, 0 },
	{ "STREAM/TCP",			SOCK_STREAM, IPPROTO_TCP, 0 },
	{ "STREAM|NONBLOCK|CLOEXEC/0",
	  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, 0 },
	{ "STREAM/UDP",			SOCK_STREAM, IPPROTO_UDP, EPROTONOSUPPORT },
	{ "STREAM/ICMP",		SOCK_STREAM, IPPROTO_ICMP, EPROTONOSUPPORT },
	{ "STREAM/253",			SOCK_STREAM, 253, EPROTONOSUPPORT },
	{ "STREAM/RAW(255)",		SOCK_STREAM, IPPROTO_RAW, EPROTONOSUPPORT },
	{ "STREAM/-1",			SOCK_STREAM, -1, EINVAL },
	{ "STREAM/IPPROTO_MAX(263)",	SOCK_STREAM, 263, EINVAL },
	{ "STREAM/1000",		SOCK_STREAM, 1000, EINVAL },
	{ "SEQPACKET/0",		SOCK_SEQPACKET, 0, ESOCKTNOSUPPORT },
	{ "SEQPACKET/TCP",		SOCK_SEQPACKET, IPPROTO_TCP, ESOCKTNOSUPPORT },
	{ "RDM/0",			SOCK_RDM, 0, ESOCKTNOSUPPORT },
	/* (AF_INET, SOCK_PACKET) is turned into AF_PACKET: not compared */
	{ "type 0/0",			0, 0, ESOCKTNOSUPPORT },
	{ "type 11 (SOCK_MAX)/0",	11, 0, EINVAL },
	{ "type 15/0",			15, 0, EINVAL },
	{ "STREAM|0x1000 (bad flag)",	SOCK_STREAM | 0x1000, 0, EINVAL },
	{ "type -1/0",			-1, 0, EINVAL },
};

static void scen_socket_errors(struct trace *t, int fam, long arg)
{
	(void)arg;
	for (unsigned int i = 0; i < ARRAY_LEN(socket_cases); i++) {
		const struct type_proto *c = &socket_cases[i];
		int fd = T_FD(t, socket(fam, c->type, c->proto), "socket %s",
			      c->name);

		if (fd >= 0)
			close(fd);
	}
}

TEST(socket_errors)
{
	char what[STEP_WHAT];

	RUN_BOTH(scen_socket_errors, 0);
	for (unsigned int i = 0; i < ARRAY_LEN(socket_cases); i++) {
		snprintf(what, sizeof(what), "socket %s", socket_cases[i].name);
		if (socket_cases[i].err61) {
			EXPECT_STEP_ERR(ti, what, socket_cases[i].err61);
		} else {
			EXPECT_STEP_OK(ti, what);
		}
	}
	COMPARE_EACH(ti, tx);
}

/* Identity options compared, including on a listener. */
static void scen_identity(struct trace *t, int fam, long arg)
{
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	t_getint(t, fd, SOL_SOCKET, SO_TYPE, "SO_TYPE");
	t_getint(t, fd, SOL_SOCKET, SO_PROTOCOL, "SO_PROTOCOL");
	t_getint(t, fd, SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
	t_getint(t, fd, SOL_SOCKET, SO_ERROR, "SO_ERROR");
	T_RET(t, listen(fd, 1), "listen");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN listening");
	t_getint(t, fd, SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN listening");
	T_RET(t, shutdown(fd, SHUT_RDWR), "shutdown listener");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN after shutdown");
	close(fd);
}

TEST(identity_options)
{
	RUN_BOTH(scen_identity, 0);
	EXPECT_STEP_VAL(ti, "getsockopt SO_TYPE (val*1000+len)",
			SOCK_STREAM * 1000 + 4);
	EXPECT_STEP_VAL(ti, "getsockopt SO_PROTOCOL (val*1000+len)",
			IPPROTO_TCP * 1000 + 4);
	EXPECT_STEP_VAL(ti, "getsockopt SO_DOMAIN (val*1000+len)",
			AF_INET * 1000 + 4);
	EXPECT_STEP_VAL(ti, "getsockopt SO_ACCEPTCONN listening (val*1000+len)",
			1 * 1000 + 4);
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* getsockname / getpeername                                           */
/* ------------------------------------------------------------------ */

static void scen_names(struct trace *t, int fam, long arg)
{
	int fd, fd2, fd3, port;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	t_sockname(t, fd, "fresh");
	t_peername(t, fd, "fresh");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind 127.0.0.1:A");
	t_sockname(t, fd, "bound");
	t_peername(t, fd, "bound");
	T_RET(t, listen(fd, 3), "listen");
	t_sockname(t, fd, "listening");
	t_peername(t, fd, "listening");
	T_RET(t, shutdown(fd, SHUT_RDWR), "shutdown listener");
	t_sockname(t, fd, "after shutdown");
	close(fd);

	/* wildcard bind, then listen */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, bind4(fd, "0.0.0.0", PORT_B), "bind 0.0.0.0:B");
	t_sockname(t, fd, "bound any");
	T_RET(t, listen(fd, 3), "listen 2");
	t_sockname(t, fd, "listening any");
	close(fd);

	/* address given, port 0 */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	T_RET(t, bind4(fd, "127.0.0.2", 0), "bind 127.0.0.2:0");
	T_VAL(t, sock_addr(fd), "address after bind 127.0.0.2:0");
	T_VAL(t, port_in_range(sock_port(fd)), "port in range");
	/* autobound by listen: shutdown of the listener releases the port */
	fd2 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 4");
	T_RET(t, listen(fd2, 3), "listen unbound");
	port = sock_port(fd2);
	T_VAL(t, port_in_range(port), "autobound port in range");
	T_RET(t, shutdown(fd2, SHUT_RD), "shutdown autobound listener");
	T_VAL(t, sock_port(fd2) == port,
	      "same port after shutdown of autobound listener");
	T_VAL(t, sock_addr(fd2), "address after shutdown of autobound listener");
	/* the port went back: someone else can have it */
	fd3 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 5");
	T_RET(t, bind4(fd3, "0.0.0.0", port), "bind the released port");
	close(fd3);
	T_RET(t, listen(fd2, 3), "listen again");
	T_VAL(t, port_in_range(sock_port(fd2)), "port in range after relisten");
	close(fd2);
	close(fd);
}

TEST(names)
{
	RUN_BOTH(scen_names, 0);
	EXPECT_STEP_VAL(ti, "getsockname fresh", 0);
	EXPECT_STEP_VAL(ti, "getsockname fresh family<<8|len",
			AF_INET << 8 | 16);
	EXPECT_STEP_ERR(ti, "getpeername fresh", ENOTCONN);
	EXPECT_STEP_VAL(ti, "getsockname bound", 0x7f000001L << 16 | PORT_A);
	EXPECT_STEP_ERR(ti, "getpeername bound", ENOTCONN);
	EXPECT_STEP_ERR(ti, "getpeername listening", ENOTCONN);
	EXPECT_STEP_VAL(ti, "getsockname listening any", PORT_B);
	EXPECT_STEP_VAL(ti, "port in range", 1);
	EXPECT_STEP_VAL(ti, "autobound port in range", 1);
	COMPARE(ti, tx);
}

/* Address-length handling of getsockname, like move_addr_to_user(). */
static void t_name_len(struct trace *t, int fd, int len, bool null_addr,
		       bool null_len, bool peer)
{
	unsigned char buf[160];
	socklen_t l = len;
	unsigned long sum = 0;
	int r;

	memset(buf, 0xa5, sizeof(buf));
	errno = 0;
	if (peer)
		r = getpeername(fd, null_addr ? NULL : (struct sockaddr *)buf,
				null_len ? NULL : &l);
	else
		r = getsockname(fd, null_addr ? NULL : (struct sockaddr *)buf,
				null_len ? NULL : &l);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		sum = sum * 31 + buf[i];
	t_add(t, 0, r, r < 0 ? errno : 0, r < 0 ? 0 : (long)l,
	      "%s len=%d%s%s: returned len", peer ? "getpeername" : "getsockname",
	      len, null_addr ? " addr=NULL" : "", null_len ? " len=NULL" : "");
	T_VAL(t, sum & 0x7fffffff, "  bytes written (hash)");
}

static void scen_name_len(struct trace *t, int fam, long arg)
{
	static const int lens[] = { 0, 1, 2, 4, 8, 15, 16, 17, 28, 128, 140,
				    -1, -100 };
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	for (unsigned int i = 0; i < ARRAY_LEN(lens); i++)
		t_name_len(t, fd, lens[i], false, false, false);
	t_name_len(t, fd, 16, true, false, false);
	t_name_len(t, fd, 0, true, false, false);
	t_name_len(t, fd, 16, false, true, false);
	t_name_len(t, fd, 4, false, false, true);
	t_name_len(t, fd, -1, false, false, true);
	t_name_len(t, fd, 16, true, false, true);
	close(fd);
}

TEST(name_addrlen)
{
	RUN_BOTH(scen_name_len, 0);
	/* truncated copy, full length back */
	EXPECT_TRUE(t_check(_metadata, ti, "getsockname len=4: returned len",
			    0, 0, true, 16));
	EXPECT_TRUE(t_check(_metadata, ti, "getsockname len=0: returned len",
			    0, 0, true, 16));
	EXPECT_TRUE(t_check(_metadata, ti, "getsockname len=128: returned len",
			    0, 0, true, 16));
	EXPECT_STEP_ERR(ti, "getsockname len=-1: returned len", EINVAL);
	EXPECT_STEP_ERR(ti, "getsockname len=16 addr=NULL: returned len",
			EFAULT);
	EXPECT_TRUE(t_check(_metadata, ti,
			    "getsockname len=0 addr=NULL: returned len",
			    0, 0, true, 16));
	EXPECT_STEP_ERR(ti, "getsockname len=16 len=NULL: returned len",
			EFAULT);
	EXPECT_STEP_ERR(ti, "getpeername len=4: returned len", ENOTCONN);
	COMPARE(ti, tx);
}

/* Names of sockets that are bound in other ways. */
static void scen_names_special(struct trace *t, int fam, long arg)
{
	int fd;

	(void)arg;
	/* IP_BIND_ADDRESS_NO_PORT: address set, no port until later */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	t_setint(t, fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1,
		 "IP_BIND_ADDRESS_NO_PORT");
	T_RET(t, bind4(fd, "127.0.0.1", 0), "bind 127.0.0.1:0 no-port");
	t_sockname(t, fd, "no-port bound");
	T_RET(t, listen(fd, 1), "listen");
	T_VAL(t, sock_addr(fd), "address after listen");
	T_VAL(t, port_in_range(sock_port(fd)), "port in range after listen");
	close(fd);

	/* multicast and broadcast addresses: saddr is not rcv_saddr */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket mc");
	T_RET(t, bind4(fd, "224.0.0.1", PORT_A), "bind 224.0.0.1:A");
	t_sockname(t, fd, "multicast bound");
	close(fd);
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket bc");
	T_RET(t, bind4(fd, "255.255.255.255", PORT_A), "bind 255.255.255.255:A");
	t_sockname(t, fd, "broadcast bound");
	close(fd);
}

COMPARE_TEST(names_special, scen_names_special, 0, CMP_FIRST)

TEST_HARNESS_MAIN
