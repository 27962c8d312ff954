// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: connect() argument checks, send/recv on sockets that
 * have no connection, shutdown(); compared with AF_INET.
 *
 * Connections themselves are not implemented yet: where AF_INET connects
 * (or goes on to try) and XTCP says EOPNOTSUPP the test is SKIPPED.
 */
#include "xtcp_common.h"
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

static int connect_len(int fd, const void *addr, int len)
{
	return connect(fd, (const struct sockaddr *)addr, len);
}

/* ------------------------------------------------------------------ */
/* connect(): argument checks                                          */
/* ------------------------------------------------------------------ */

static void scen_connect_args(struct trace *t, int fam, long arg)
{
	static const int lens[] = { 0, 1, 2, 8, 15, -1, 129 };
	struct sockaddr_storage ss;
	struct sockaddr_in a = sa4("127.0.0.1", PORT_B);
	struct sockaddr_in6 a6;
	struct sockaddr_un un;
	int fd, l;

	(void)arg;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &a, sizeof(a));
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	for (unsigned int i = 0; i < ARRAY_LEN(lens); i++)
		T_RET(t, connect_len(fd, &ss, lens[i]), "connect len=%d",
		      lens[i]);
	T_RET(t, connect_len(fd, NULL, 0), "connect NULL len=0");
	T_RET(t, connect_len(fd, NULL, 16), "connect NULL len=16");

	a.sin_family = AF_INET6;
	T_RET(t, connect_len(fd, &a, sizeof(a)), "connect AF_INET6 as sockaddr_in");
	a.sin_family = AF_UNIX;
	T_RET(t, connect_len(fd, &a, sizeof(a)), "connect AF_UNIX as sockaddr_in");
	a.sin_family = AF_XTCP;
	T_RET(t, connect_len(fd, &a, sizeof(a)), "connect AF_XTCP as sockaddr_in");
	a.sin_family = 0xffff;
	T_RET(t, connect_len(fd, &a, sizeof(a)), "connect family 0xffff");
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_addr = in6addr_loopback;
	a6.sin6_port = htons(PORT_B);
	T_RET(t, connect_len(fd, &a6, sizeof(a6)), "connect sockaddr_in6 ::1");
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	T_RET(t, connect_len(fd, &un, sizeof(un)), "connect sockaddr_un");

	/* AF_UNSPEC: disconnect; fine on an unconnected socket */
	a.sin_family = AF_UNSPEC;
	T_RET(t, connect_len(fd, &a, 1), "connect AF_UNSPEC len=1");
	T_RET(t, connect_len(fd, &a, 2), "connect AF_UNSPEC len=2");
	T_RET(t, connect_len(fd, &a, sizeof(a)), "connect AF_UNSPEC len=16");
	t_sockname(t, fd, "after failed connects");
	t_peername(t, fd, "after failed connects");
	t_getint(t, fd, SOL_SOCKET, SO_ERROR, "SO_ERROR");
	close(fd);

	/* a bound socket: AF_UNSPEC keeps an explicit bind */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	T_RET(t, connect_len(fd, &a, sizeof(a)), "bound: connect AF_UNSPEC");
	t_sockname(t, fd, "bound after AF_UNSPEC");
	a.sin_family = AF_INET6;
	T_RET(t, connect_len(fd, &a, sizeof(a)), "bound: connect AF_INET6");
	close(fd);

	/* a listener: EISCONN before the address is even looked at */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind 3");
	T_RET(t, listen(fd, 1), "listen");
	a = sa4("127.0.0.1", PORT_B);
	T_RET(t, connect_len(fd, &a, sizeof(a)), "listener: connect");
	T_RET(t, connect_len(fd, &a, 8), "listener: connect len=8");
	a.sin_family = AF_INET6;
	T_RET(t, connect_len(fd, &a, sizeof(a)), "listener: connect AF_INET6");
	a = sa4("127.0.0.1", PORT_A);
	T_RET(t, connect_len(fd, &a, sizeof(a)), "listener: connect to itself");
	l = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, l | O_NONBLOCK);
	T_RET(t, connect_len(fd, &a, sizeof(a)), "listener: connect non-blocking");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "still listening");
	a.sin_family = AF_UNSPEC;
	T_RET(t, connect_len(fd, &a, sizeof(a)), "listener: connect AF_UNSPEC");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "listening after AF_UNSPEC");
	t_sockname(t, fd, "listener after AF_UNSPEC");
	T_RET(t, listen(fd, 1), "listen again");
	close(fd);
}

TEST(connect_args)
{
	RUN_BOTH(scen_connect_args, 0);
	EXPECT_STEP_ERR(ti, "connect len=0", EINVAL);
	EXPECT_STEP_ERR(ti, "connect len=1", EINVAL);
	EXPECT_STEP_ERR(ti, "connect len=2", EINVAL);
	EXPECT_STEP_ERR(ti, "connect len=15", EINVAL);
	EXPECT_STEP_ERR(ti, "connect len=-1", EINVAL);
	EXPECT_STEP_ERR(ti, "connect len=129", EINVAL);
	EXPECT_STEP_ERR(ti, "connect NULL len=0", EINVAL);
	EXPECT_STEP_ERR(ti, "connect NULL len=16", EFAULT);
	EXPECT_STEP_ERR(ti, "connect AF_INET6 as sockaddr_in", EAFNOSUPPORT);
	EXPECT_STEP_ERR(ti, "connect sockaddr_in6 ::1", EAFNOSUPPORT);
	EXPECT_STEP_ERR(ti, "connect AF_UNSPEC len=1", EINVAL);
	EXPECT_STEP_OK(ti, "connect AF_UNSPEC len=2");
	EXPECT_STEP_OK(ti, "connect AF_UNSPEC len=16");
	EXPECT_STEP_ERR(ti, "listener: connect", EISCONN);
	EXPECT_STEP_ERR(ti, "listener: connect AF_INET6", EISCONN);
	EXPECT_STEP_OK(ti, "listener: connect AF_UNSPEC");
	COMPARE(ti, tx);
}

/* Destinations that have no route: no connection is ever started. */
static void scen_connect_unroutable(struct trace *t, int fam, long arg)
{
	static const char *const dsts[] = { "192.0.2.1", "224.0.0.1",
					    "255.255.255.255", "240.0.0.1" };
	int fd;

	(void)arg;
	for (unsigned int i = 0; i < ARRAY_LEN(dsts); i++) {
		fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
		T_RET(t, connect4(fd, dsts[i], PORT_A), "connect %s", dsts[i]);
		t_sockname(t, fd, "after it");
		t_getint(t, fd, SOL_SOCKET, SO_ERROR, "SO_ERROR");
		close(fd);
	}
}

TEST(connect_unroutable)
{
	RUN_BOTH(scen_connect_unroutable, 0);
	EXPECT_STEP_ERR(ti, "connect 192.0.2.1", ENETUNREACH);
	EXPECT_STEP_ERR(ti, "connect 224.0.0.1", ENETUNREACH);
	COMPARE(ti, tx);
}

/*
 * Real connections.  arg: 0 = to a listener of the same family,
 * 1 = to a stock TCP listener, 2 = to a closed port (non-blocking),
 * 3 = MSG_FASTOPEN sendto.
 */
static void scen_connect(struct trace *t, int fam, long arg)
{
	struct sockaddr_in a = sa4("127.0.0.1", PORT_A);
	struct timeval tmo = { 3, 0 };
	char buf[16];
	int l = -1, c, s;

	if (arg <= 1 || arg == 3) {
		l = T_FD(t, socket(arg == 1 ? AF_INET : fam, SOCK_STREAM, 0),
			 "listener socket");
		T_RET(t, bind4(l, "127.0.0.1", PORT_A), "bind listener");
		T_RET(t, listen(l, 4), "listen");
	}
	c = T_FD(t, socket(fam, SOCK_STREAM, arg == 2 ? 0 : IPPROTO_TCP),
		 "client socket");
	/* a call that should not block must not hang the test */
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (l >= 0)
		setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (arg == 2) {
		struct pollfd p = { .fd = c, .events = POLLOUT };

		fcntl(c, F_SETFL, O_NONBLOCK);
		if (T_UNIMPL(t, connect4(c, "127.0.0.1", PORT_B),
			     "connect to a closed port") < 0 &&
		    errno == EOPNOTSUPP)
			goto out;
		T_RET(t, poll(&p, 1, 2000), "poll");
		T_VAL(t, p.revents, "  revents");
		t_getint(t, c, SOL_SOCKET, SO_ERROR, "SO_ERROR");
		T_RET(t, connect4(c, "127.0.0.1", PORT_B), "connect again");
		goto out;
	}
	if (arg == 3) {
		if (T_UNIMPL(t, sendto(c, "hello", 5, MSG_FASTOPEN | MSG_NOSIGNAL,
				       (struct sockaddr *)&a, sizeof(a)),
			     "sendto MSG_FASTOPEN") < 0 && errno == EOPNOTSUPP)
			goto out;
	} else {
		if (T_UNIMPL(t, connect4(c, "127.0.0.1", PORT_A), "connect") < 0 &&
		    errno == EOPNOTSUPP)
			goto out;
		T_RET(t, connect4(c, "127.0.0.1", PORT_A), "connect again");
		T_RET(t, listen(c, 1), "listen on a connected socket");
		T_RET(t, bind4(c, "127.0.0.1", 0), "bind a connected socket");
		T_UNIMPL(t, send(c, "hello", 5, MSG_NOSIGNAL), "send");
	}
	T_VAL(t, port_in_range(sock_port(c)), "client port in range");
	t_peername(t, c, "client");
	s = T_FD(t, accept(l, NULL, NULL), "accept");
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	T_UNIMPL(t, recv(s, buf, sizeof(buf), 0), "recv");
	T_RET(t, shutdown(c, SHUT_WR), "shutdown(SHUT_WR) client");
	T_UNIMPL(t, recv(s, buf, sizeof(buf), 0), "recv EOF");
	close(s);
out:
	close(c);
	if (l >= 0)
		close(l);
}

TEST(connect_same_family)
{
	RUN_BOTH(scen_connect, 0);
	EXPECT_STEP_OK(ti, "connect");
	EXPECT_STEP_ERR(ti, "connect again", EISCONN);
	EXPECT_STEP_ERR(ti, "listen on a connected socket", EINVAL);
	EXPECT_STEP_RET(ti, "send", 5);
	COMPARE(ti, tx);
}

TEST(connect_to_stock_listener)
{
	RUN_BOTH(scen_connect, 1);
	EXPECT_STEP_OK(ti, "connect");
	COMPARE(ti, tx);
}

TEST(connect_refused)
{
	RUN_BOTH(scen_connect, 2);
	EXPECT_STEP_ERR(ti, "connect to a closed port", EINPROGRESS);
	EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR (val*1000+len)",
			ECONNREFUSED * 1000 + 4);
	COMPARE(ti, tx);
}

TEST(sendto_fastopen)
{
	RUN_BOTH(scen_connect, 3);
	EXPECT_STEP_RET(ti, "sendto MSG_FASTOPEN", 5);
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* send/recv without a connection                                      */
/* ------------------------------------------------------------------ */

static void io_set(struct trace *t, int fd, const char *st)
{
	struct sockaddr_in a = sa4("127.0.0.1", PORT_B), from;
	char buf[16] = "hello";
	struct iovec iov = { buf, 5 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	socklen_t fl;
	int mfd;

	T_VAL(t, 0, "-- %s", st);
	T_RET(t, send(fd, buf, 5, MSG_NOSIGNAL), "send NOSIGNAL");
	T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
	T_RET(t, send(fd, buf, 5, 0), "send");
	T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
	T_RET(t, send(fd, buf, 0, MSG_NOSIGNAL), "send len=0");
	T_RET(t, send(fd, buf, 5, MSG_NOSIGNAL | MSG_DONTWAIT), "send DONTWAIT");
	T_RET(t, send(fd, buf, 5, MSG_NOSIGNAL | MSG_OOB), "send OOB");
	T_RET(t, send(fd, buf, 5, MSG_NOSIGNAL | MSG_MORE), "send MORE");
	T_RET(t, send(fd, buf, 5, MSG_NOSIGNAL | MSG_ZEROCOPY), "send ZEROCOPY");
	T_RET(t, write(fd, buf, 5), "write");
	T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
	T_RET(t, writev(fd, &iov, 1), "writev");
	T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
	T_RET(t, sendto(fd, buf, 5, MSG_NOSIGNAL, (struct sockaddr *)&a,
			sizeof(a)), "sendto 127.0.0.1");
	T_RET(t, sendto(fd, buf, 5, MSG_NOSIGNAL, (struct sockaddr *)&a, 3),
	      "sendto addrlen 3");
	T_RET(t, sendmsg(fd, &mh, MSG_NOSIGNAL), "sendmsg");
	mh.msg_name = &a;
	mh.msg_namelen = sizeof(a);
	T_RET(t, sendmsg(fd, &mh, MSG_NOSIGNAL), "sendmsg with name");
	mh.msg_name = NULL;
	mh.msg_namelen = 0;
	mfd = memfd_create("xtcp", MFD_CLOEXEC);
	if (write(mfd, buf, 5) != 5)
		T_VAL(t, -1, "memfd write failed");
	T_RET(t, sendfile(fd, mfd, NULL, 5), "sendfile");
	T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
	close(mfd);

	T_RET(t, recv(fd, buf, sizeof(buf), 0), "recv");
	T_RET(t, recv(fd, buf, sizeof(buf), MSG_DONTWAIT), "recv DONTWAIT");
	T_RET(t, recv(fd, buf, 0, 0), "recv len=0");
	T_RET(t, recv(fd, buf, sizeof(buf), MSG_PEEK), "recv PEEK");
	T_RET(t, recv(fd, buf, sizeof(buf), MSG_OOB), "recv OOB");
	T_RET(t, recv(fd, buf, sizeof(buf), MSG_ERRQUEUE), "recv ERRQUEUE");
	T_RET(t, recv(fd, buf, sizeof(buf), MSG_WAITALL), "recv WAITALL");
	T_RET(t, recv(fd, buf, sizeof(buf), MSG_TRUNC), "recv TRUNC");
	T_RET(t, read(fd, buf, sizeof(buf)), "read");
	T_RET(t, readv(fd, &iov, 1), "readv");
	fl = sizeof(from);
	T_RET(t, recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			  &fl), "recvfrom");
	T_RET(t, recvmsg(fd, &mh, 0), "recvmsg");
	T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE after reads");
}

static void scen_io(struct trace *t, int fam, long arg)
{
	sigset_t set;
	int fd;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	io_set(t, fd, "fresh");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	io_set(t, fd, "bound");
	T_RET(t, listen(fd, 1), "listen");
	io_set(t, fd, "listening");
	T_RET(t, shutdown(fd, SHUT_RD), "shutdown(SHUT_RD) listener");
	io_set(t, fd, "listener after SHUT_RD");
	close(fd);

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, shutdown(fd, SHUT_RD), "shutdown(SHUT_RD) fresh");
	io_set(t, fd, "fresh after SHUT_RD");
	T_RET(t, shutdown(fd, SHUT_WR), "shutdown(SHUT_WR) fresh");
	io_set(t, fd, "fresh after SHUT_RD+SHUT_WR");
	close(fd);

	fd = T_FD(t, socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0),
		  "socket non-blocking");
	io_set(t, fd, "fresh non-blocking");
	T_RET(t, listen(fd, 1), "listen non-blocking");
	io_set(t, fd, "non-blocking listener");
	close(fd);
}

TEST(io_unconnected)
{
	RUN_BOTH(scen_io, 0);
	EXPECT_STEP_ERR(ti, "send NOSIGNAL", EPIPE);
	EXPECT_TRUE(t_check(_metadata, ti, "  SIGPIPE", 0, 0, true, 0));
	EXPECT_STEP_ERR(ti, "recv", ENOTCONN);
	EXPECT_STEP_ERR(ti, "read", ENOTCONN);
	EXPECT_STEP_ERR(ti, "recv OOB", EINVAL);
	EXPECT_STEP_ERR(ti, "recv ERRQUEUE", EAGAIN);
	EXPECT_STEP_ERR(ti, "write", EPIPE);
	COMPARE(ti, tx);
}

/* Without MSG_NOSIGNAL and with SIGPIPE at its default: killed. */
static void scen_sigpipe(struct trace *t, int fam, long arg)
{
	int status = 0;
	pid_t pid;

	(void)arg;
	pid = fork();
	if (pid == 0) {
		int fd = socket(fam, SOCK_STREAM, 0);

		signal(SIGPIPE, SIG_DFL);
		if (fd < 0)
			_exit(2);
		if (write(fd, "x", 1) < 0)
			_exit(errno == EPIPE ? 3 : 4);
		_exit(5);
	}
	waitpid(pid, &status, 0);
	T_VAL(t, WIFSIGNALED(status) ? 1000 + WTERMSIG(status) :
	      WEXITSTATUS(status), "write on unconnected socket: 1000+signal or exit code");
}

TEST(sigpipe_default)
{
	RUN_BOTH(scen_sigpipe, 0);
	EXPECT_STEP_VAL(ti, "write on unconnected socket: 1000+signal or exit code",
			1000 + SIGPIPE);
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* shutdown()                                                          */
/* ------------------------------------------------------------------ */

static void scen_shutdown(struct trace *t, int fam, long arg)
{
	static const int hows[] = { SHUT_RD, SHUT_WR, SHUT_RDWR, 3, -1, 100,
				    INT_MAX, INT_MIN };
	static const int hows_l[] = { SHUT_WR, 3, -1, 100, INT_MAX, INT_MIN,
				      SHUT_RD, SHUT_RDWR };
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	for (unsigned int i = 0; i < ARRAY_LEN(hows); i++)
		T_RET(t, shutdown(fd, hows[i]), "fresh: shutdown(%d)", hows[i]);
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	for (unsigned int i = 0; i < ARRAY_LEN(hows); i++)
		T_RET(t, shutdown(fd, hows[i]), "bound: shutdown(%d)", hows[i]);
	T_RET(t, listen(fd, 1), "listen");
	for (unsigned int i = 0; i < ARRAY_LEN(hows_l); i++)
		T_RET(t, shutdown(fd, hows_l[i]), "listener: shutdown(%d)",
		      hows_l[i]);
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
	T_RET(t, shutdown(fd, SHUT_RDWR), "stopped listener: shutdown(2)");
	close(fd);
	/* not a socket, bad fd */
	T_RET(t, shutdown(fd, SHUT_RDWR), "closed fd: shutdown");
	T_RET(t, shutdown(0 + 100000, SHUT_RDWR), "bad fd: shutdown");
}

TEST(shutdown_args)
{
	RUN_BOTH(scen_shutdown, 0);
	EXPECT_STEP_ERR(ti, "fresh: shutdown(0)", ENOTCONN);
	EXPECT_STEP_ERR(ti, "fresh: shutdown(2)", ENOTCONN);
	EXPECT_STEP_ERR(ti, "fresh: shutdown(3)", EINVAL);
	EXPECT_STEP_ERR(ti, "fresh: shutdown(-1)", EINVAL);
	EXPECT_STEP_ERR(ti, "bound: shutdown(1)", ENOTCONN);
	EXPECT_STEP_ERR(ti, "listener: shutdown(100)", EINVAL);
	EXPECT_STEP_OK(ti, "listener: shutdown(1)");
	EXPECT_STEP_OK(ti, "listener: shutdown(0)");
	EXPECT_STEP_ERR(ti, "listener: shutdown(2)", ENOTCONN);
	EXPECT_STEP_ERR(ti, "closed fd: shutdown", EBADF);
	COMPARE(ti, tx);
}

TEST_HARNESS_MAIN
