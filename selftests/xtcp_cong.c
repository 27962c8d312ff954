// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: congestion control selection, compared with AF_INET
 * (Debian's 6.1 has cubic and reno built in, cubic the default).
 *
 *   - TCP_CONGESTION get: every buffer length (0, 1, 4, 16, 64, -1),
 *     NULL length; the bytes returned and the length written back;
 *   - TCP_CONGESTION set: reno, cubic, an unknown name (ENOENT), a name
 *     longer than 15 bytes, names cut by the length or by a NUL, optlen
 *     0 (EINVAL), a NULL value (EFAULT); on a fresh, a listening and a
 *     connected socket, and what an accepted child inherits;
 *   - the per-netns default, net.ipv4.tcp_congestion_control against
 *     net.xtcp.congestion_control: cubic at first, an unknown name
 *     refused (ENOENT) and the old value kept, a new socket taking the
 *     new default, a listener's child taking it too unless the listener
 *     chose its own.
 * Each scenario runs in its own network namespace.
 */
#include "xtcp_common.h"
#include <netinet/tcp.h>

#ifndef TCP_CONGESTION
#define TCP_CONGESTION 13
#endif

/* A value standing for a short string (the name, as getsockopt gave it). */
static long name_val(const unsigned char *buf, int len)
{
	unsigned long h = 5381;

	for (int i = 0; i < len; i++)
		h = h * 33 + buf[i];
	return (long)(h & 0x7fffffff);
}

/* getsockopt(TCP_CONGESTION) with a buffer of @len: ret/errno, the
 * length written back, and the bytes (those past the length must stay
 * as they were).
 */
static void t_getcong(struct trace *t, int fd, int len, const char *tag)
{
	unsigned char buf[80];
	socklen_t l = len;
	int r;

	memset(buf, 0xa5, sizeof(buf));
	errno = 0;
	r = getsockopt(fd, SOL_TCP, TCP_CONGESTION, buf, &l);
	t_add(t, 0, r, r < 0 ? errno : 0, r < 0 ? 0 : (long)l,
	      "%s: get TCP_CONGESTION len=%d: len", tag, len);
	t_add(t, 0, 0, 0, name_val(buf, sizeof(buf)),
	      "%s: get TCP_CONGESTION len=%d: bytes", tag, len);
}

/* The name, as a value (and printed for the logs by the caller). */
static void t_getname(struct trace *t, int fd, const char *tag)
{
	char buf[32] = "";
	socklen_t l = sizeof(buf);
	int r;

	errno = 0;
	r = getsockopt(fd, SOL_TCP, TCP_CONGESTION, buf, &l);
	buf[sizeof(buf) - 1] = 0;
	t_add(t, 0, r, r < 0 ? errno : 0,
	      r < 0 ? 0 : name_val((unsigned char *)buf, strlen(buf)),
	      "%s: TCP_CONGESTION is '%s'", tag, r < 0 ? "?" : buf);
}

static void t_setcong(struct trace *t, int fd, const void *val, int len,
		      const char *tag)
{
	int r;

	errno = 0;
	r = setsockopt(fd, SOL_TCP, TCP_CONGESTION, val, len);
	t_add(t, 0, r, r < 0 ? errno : 0, 0,
	      "%s: set TCP_CONGESTION '%.*s' len=%d", tag,
	      val ? (len > 0 && len < 24 ? len : 0) : 0,
	      val ? (const char *)val : "", len);
}

static const char *ca_sysctl(int fam)
{
	return fam == AF_INET ? "net/ipv4/tcp_congestion_control" :
				"net/xtcp/congestion_control";
}

/* The netns default as a value, and in the step's name. */
static void t_default(struct trace *t, int fam, const char *tag)
{
	char buf[64] = "";
	int r = sysctl_read(ca_sysctl(fam), buf, sizeof(buf));

	t_add(t, 0, r < 0 ? -1 : 0, r < 0 ? -r : 0,
	      name_val((unsigned char *)buf, strlen(buf)),
	      "%s: default is '%.*s'", tag, (int)strcspn(buf, "\n"), buf);
}

static void t_set_default(struct trace *t, int fam, const char *val)
{
	int r = sysctl_write(ca_sysctl(fam), val);

	t_add(t, 0, r < 0 ? -1 : 0, r < 0 ? -r : 0, 0, "set default '%.*s'",
	      (int)strcspn(val, "\n"), val);
}

/* A connected pair over loopback: *cfd the client, *afd the accepted. */
static int t_pair(struct trace *t, int fam, int lfd, int port, int *cfd,
		  int *afd, const char *tag)
{
	*afd = -1;
	*cfd = T_FD(t, socket(fam, SOCK_STREAM, 0), "%s: socket", tag);
	if (*cfd < 0)
		return -1;
	if (T_RET(t, connect4(*cfd, "127.0.0.1", port), "%s: connect",
		  tag) < 0)
		return -1;
	*afd = T_FD(t, accept(lfd, NULL, NULL), "%s: accept", tag);
	return *afd < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */

static void scen_get_lengths(struct trace *t, int fam, long arg)
{
	static const int lens[] = { 16, 64, 4, 1, 0, -1 };
	socklen_t l = 16;
	int fd, r;

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	for (unsigned int i = 0; i < ARRAY_LEN(lens); i++)
		t_getcong(t, fd, lens[i], "fresh");
	errno = 0;
	r = getsockopt(fd, SOL_TCP, TCP_CONGESTION, NULL, &l);
	t_add(t, 0, r, r < 0 ? errno : 0, 0, "get TCP_CONGESTION val=NULL");
	errno = 0;
	r = getsockopt(fd, SOL_TCP, TCP_CONGESTION, &l, NULL);
	t_add(t, 0, r, r < 0 ? errno : 0, 0, "get TCP_CONGESTION len=NULL");
	t_setcong(t, fd, "reno", 5, "fresh");
	for (unsigned int i = 0; i < ARRAY_LEN(lens); i++)
		t_getcong(t, fd, lens[i], "reno");
	close(fd);
}

static void scen_set_names(struct trace *t, int fam, long arg)
{
	static const char nul_cut[] = "reno\0cubic";
	int fd;

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	t_getname(t, fd, "fresh");
	t_setcong(t, fd, "reno", 4, "fresh");
	t_getname(t, fd, "after reno");
	t_setcong(t, fd, "cubic", 6, "again");
	t_getname(t, fd, "after cubic");
	t_setcong(t, fd, "cubic", 5, "same");
	t_getname(t, fd, "after cubic again");
	/* unknown: ENOENT, the algorithm stays */
	t_setcong(t, fd, "xtcp-no-such-cc", 16, "unknown");
	t_getname(t, fd, "after unknown");
	t_setcong(t, fd, "", 1, "empty");
	t_setcong(t, fd, "renocubic", 4, "cut by length");
	t_getname(t, fd, "after cut by length");
	t_setcong(t, fd, "cubicc", 5, "cut by length 2");
	t_getname(t, fd, "after cut by length 2");
	t_setcong(t, fd, nul_cut, sizeof(nul_cut), "cut by NUL");
	t_getname(t, fd, "after cut by NUL");
	/* at most 15 bytes are read: a 16th makes no difference */
	t_setcong(t, fd, "cubicccccccccccX", 16, "long name");
	t_setcong(t, fd, "renoooooooooooooooooo", 21, "longer name");
	t_getname(t, fd, "after long names");
	t_setcong(t, fd, "reno", 0, "optlen 0");
	t_setcong(t, fd, "reno", -1, "optlen -1");
	t_setcong(t, fd, NULL, 5, "NULL value");
	t_getname(t, fd, "at the end");
	close(fd);
}

/* Listener, its children and a connected socket. */
static void scen_connected(struct trace *t, int fam, long arg)
{
	int lfd, cfd, afd, cfd2, afd2;

	lfd = T_FD(t, socket(fam, SOCK_STREAM, 0), "listener socket");
	T_RET(t, setint(lfd, SOL_SOCKET, SO_REUSEADDR, 1), "SO_REUSEADDR");
	T_RET(t, bind4(lfd, "127.0.0.1", PORT_A), "bind");
	T_RET(t, listen(lfd, 8), "listen");
	t_getname(t, lfd, "listener");

	/* no choice made on the listener: the default */
	if (t_pair(t, fam, lfd, PORT_A, &cfd, &afd, "pair 1"))
		return;
	t_getname(t, cfd, "client 1");
	t_getname(t, afd, "child 1");
	/* change on an established connection, both ways */
	t_setcong(t, cfd, "reno", 4, "client 1");
	t_getname(t, cfd, "client 1 now");
	t_setcong(t, afd, "reno", 4, "child 1");
	t_setcong(t, afd, "cubic", 5, "child 1");
	t_setcong(t, afd, "nope", 4, "child 1");
	t_getname(t, afd, "child 1 now");
	T_RET(t, send(cfd, "x", 1, 0), "send on reno");
	T_RET(t, recv(afd, &(char){ 0 }, 1, 0), "recv");

	/* the listener's choice goes to its children */
	t_setcong(t, lfd, "reno", 4, "listener");
	t_getname(t, lfd, "listener now");
	if (t_pair(t, fam, lfd, PORT_A, &cfd2, &afd2, "pair 2"))
		return;
	t_getname(t, cfd2, "client 2");
	t_getname(t, afd2, "child 2");
	close(afd2);
	close(cfd2);
	close(afd);
	close(cfd);
	close(lfd);
}

/* The netns default: read, set, refuse, and what new sockets take. */
static void scen_default(struct trace *t, int fam, long arg)
{
	int fd, lfd, cfd, afd, lfd2, cfd2, afd2;

	t_default(t, fam, "initial");
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket before");
	t_getname(t, fd, "socket before");

	t_set_default(t, fam, "reno");
	t_default(t, fam, "after reno");
	t_getname(t, fd, "old socket");
	close(fd);
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket after");
	t_getname(t, fd, "socket after");
	close(fd);

	/* unknown names are refused; the default stays */
	t_set_default(t, fam, "xtcp-no-such-cc");
	t_set_default(t, fam, "");
	t_set_default(t, fam, "\n");
	t_default(t, fam, "after unknown");
	t_set_default(t, fam, "cubic\n");
	t_default(t, fam, "after cubic");

	/* a listener without a choice: its children take the default of
	 * when they are born; one with a choice keeps it
	 */
	lfd = T_FD(t, socket(fam, SOCK_STREAM, 0), "listener");
	T_RET(t, bind4(lfd, "127.0.0.1", PORT_A), "bind");
	T_RET(t, listen(lfd, 8), "listen");
	lfd2 = T_FD(t, socket(fam, SOCK_STREAM, 0), "listener 2");
	T_RET(t, bind4(lfd2, "127.0.0.1", PORT_B), "bind 2");
	t_setcong(t, lfd2, "cubic", 5, "listener 2");
	T_RET(t, listen(lfd2, 8), "listen 2");
	t_set_default(t, fam, "reno");
	if (t_pair(t, fam, lfd, PORT_A, &cfd, &afd, "pair 1") ||
	    t_pair(t, fam, lfd2, PORT_B, &cfd2, &afd2, "pair 2"))
		return;
	t_getname(t, lfd, "listener");
	t_getname(t, afd, "child of listener");
	t_getname(t, cfd, "client of listener");
	t_getname(t, afd2, "child of listener 2");
	close(afd2);
	close(cfd2);
	close(afd);
	close(cfd);
	close(lfd2);
	close(lfd);
	t_set_default(t, fam, "cubic");
}

/* The list of algorithms: XTCP has reno and cubic (the stock list
 * depends on what is loaded, so it is not compared).
 */
static void scen_available(struct trace *t, int fam, long arg)
{
	const char *name = fam == AF_INET ?
		"net/ipv4/tcp_available_congestion_control" :
		"net/xtcp/available_congestion_control";
	char buf[256] = "";
	int r = sysctl_read(name, buf, sizeof(buf));
	bool reno, cubic;

	reno = strstr(buf, "reno");
	cubic = strstr(buf, "cubic");
	t_add(t, 0, r < 0 ? -1 : 0, r < 0 ? -r : 0, reno && cubic,
	      "available list has reno and cubic");
	r = sysctl_write(name, "reno");
	t_add(t, 0, r < 0 ? -1 : 0, r < 0 ? -r : 0, 0,
	      "available list is read-only");
}

TEST(get_lengths)
{
	RUN_BOTH(scen_get_lengths, 0);
	EXPECT_STEP_VAL(ti, "fresh: get TCP_CONGESTION len=16: len", 16);
	EXPECT_STEP_ERR(ti, "fresh: get TCP_CONGESTION len=-1: len", EINVAL);
	EXPECT_STEP_ERR(ti, "get TCP_CONGESTION len=NULL", EFAULT);
	COMPARE(ti, tx);
}

TEST(set_names)
{
	RUN_BOTH(scen_set_names, 0);
	EXPECT_STEP_ERR(ti, "unknown: set TCP_CONGESTION 'xtcp-no-such-cc' len=16",
			ENOENT);
	EXPECT_STEP_ERR(ti, "optlen 0: set TCP_CONGESTION '' len=0", EINVAL);
	COMPARE(ti, tx);
}

TEST(connected)
{
	RUN_BOTH(scen_connected, 0);
	COMPARE(ti, tx);
}

TEST(netns_default)
{
	RUN_BOTH(scen_default, 0);
	EXPECT_STEP_OK(ti, "initial: default is 'cubic'");
	EXPECT_STEP_ERR(ti, "set default 'xtcp-no-such-cc'", ENOENT);
	EXPECT_STEP_OK(ti, "after unknown: default is 'reno'");
	COMPARE(ti, tx);
}

TEST(available)
{
	RUN_BOTH(scen_available, 0);
	EXPECT_STEP_VAL(tx, "available list has reno and cubic", 1);
	COMPARE(ti, tx);
}

TEST_HARNESS_MAIN
