// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: listen(), accept() on an empty accept queue, poll() on
 * listeners, each scenario compared with AF_INET.
 */
#include "xtcp_common.h"
#include <limits.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

#define POLL_ALL (POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | \
		  POLLRDBAND | POLLWRNORM | POLLWRBAND)

static void t_poll(struct trace *t, int fd, const char *tag)
{
	struct pollfd p = { .fd = fd, .events = POLL_ALL };
	int r;

	errno = 0;
	r = poll(&p, 1, 0);
	t_add(t, 0, r, r < 0 ? errno : 0, p.revents, "poll %s (revents)", tag);
}

static void t_epoll(struct trace *t, int fd, const char *tag)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLPRI |
					    EPOLLRDHUP | EPOLLERR | EPOLLHUP };
	int ep = epoll_create1(EPOLL_CLOEXEC), r;

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	memset(&ev, 0, sizeof(ev));
	errno = 0;
	r = epoll_wait(ep, &ev, 1, 0);
	t_add(t, 0, r, r < 0 ? errno : 0, r > 0 ? ev.events : 0,
	      "epoll %s (events)", tag);
	close(ep);
}

static void t_select(struct trace *t, int fd, const char *tag)
{
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };
	int n;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &e);
	n = select(fd + 1, &r, &w, &e, &tv);
	t_add(t, 0, n, n < 0 ? errno : 0,
	      FD_ISSET(fd, &r) | FD_ISSET(fd, &w) << 1 | FD_ISSET(fd, &e) << 2,
	      "select %s (r|w<<1|e<<2)", tag);
}

/* ------------------------------------------------------------------ */
/* listen()                                                            */
/* ------------------------------------------------------------------ */

static void scen_backlogs(struct trace *t, int fam, long arg)
{
	static const int backlogs[] = { -1, 0, 1, 5, 4096, 65535, 65536,
					INT_MAX, INT_MIN };
	int fd;

	(void)arg;
	for (unsigned int i = 0; i < ARRAY_LEN(backlogs); i++) {
		fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
		T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
		T_RET(t, listen(fd, backlogs[i]), "listen(%d)", backlogs[i]);
		t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
		close(fd);
	}
	/* listen again with other backlogs: only the backlog changes */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	for (unsigned int i = 0; i < ARRAY_LEN(backlogs); i++) {
		T_RET(t, listen(fd, backlogs[i]), "listen again(%d)",
		      backlogs[i]);
		t_sockname(t, fd, "listening again");
	}
	close(fd);
}

TEST(backlogs)
{
	RUN_BOTH(scen_backlogs, 0);
	EXPECT_STEP_OK(ti, "listen(-1)");
	EXPECT_STEP_OK(ti, "listen(2147483647)");
	EXPECT_STEP_OK(ti, "listen again(5)");
	COMPARE(ti, tx);
}

static void scen_autobind(struct trace *t, int fam, long arg)
{
	int fd, fd2, p;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, listen(fd, 1), "listen unbound");
	t_sockname(t, fd, "autobound");
	p = sock_port(fd);
	T_VAL(t, p & 1, "port is odd");
	T_RET(t, listen(fd, 10), "listen again");
	T_VAL(t, sock_port(fd) == p, "same port after listen again");
	fd2 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, bind4(fd2, "127.0.0.1", p), "bind its port");
	close(fd2);
	close(fd);

	/* listen on a socket whose address is set with IP_BIND_ADDRESS_NO_PORT */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	setint(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	T_RET(t, bind4(fd, "127.0.0.3", 0), "bind 127.0.0.3:0 (no port)");
	T_RET(t, listen(fd, 1), "listen no-port socket");
	t_sockname(t, fd, "no-port listener");
	close(fd);

	/* narrow range, all ports taken: listen() can't autobind */
	T_RET(t, set_port_range(40000, 40001), "narrow range");
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket a");
	fd2 = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket b");
	T_RET(t, bind4(fd, "0.0.0.0", 40000), "bind 40000");
	T_RET(t, bind4(fd2, "0.0.0.0", 40001), "bind 40001");
	p = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket c");
	T_RET(t, listen(p, 1), "listen with no free port");
	t_getint(t, p, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN after failure");
	t_sockname(t, p, "after failed listen");
	close(fd2);
	T_RET(t, listen(p, 1), "listen after a port is free");
	T_VAL(t, sock_port(p), "port taken by listen");
	close(p);
	close(fd);
}

TEST(autobind)
{
	RUN_BOTH(scen_autobind, 0);
	EXPECT_STEP_OK(ti, "listen unbound");
	EXPECT_STEP_VAL(ti, "getsockname autobound", 1);
	EXPECT_STEP_VAL(ti, "port is odd", 1);
	EXPECT_STEP_VAL(ti, "same port after listen again", 1);
	EXPECT_STEP_ERR(ti, "bind its port", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "listen with no free port", EADDRINUSE);
	EXPECT_STEP_VAL(ti, "port taken by listen", 40001);
	COMPARE(ti, tx);
}

/* listen() on sockets in other states */
static void scen_states(struct trace *t, int fam, long arg)
{
	int fd;

	(void)arg;
	/* listen, shutdown(SHUT_WR): still listening */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	T_RET(t, listen(fd, 1), "listen");
	T_RET(t, shutdown(fd, SHUT_WR), "shutdown(SHUT_WR) listener");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN after SHUT_WR");
	t_poll(t, fd, "after SHUT_WR");
	/* shutdown(SHUT_RD): not any more */
	T_RET(t, shutdown(fd, SHUT_RD), "shutdown(SHUT_RD) listener");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN after SHUT_RD");
	t_sockname(t, fd, "after SHUT_RD");
	t_poll(t, fd, "after SHUT_RD");
	T_RET(t, shutdown(fd, SHUT_RD), "shutdown(SHUT_RD) again");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	T_RET(t, accept(fd, NULL, NULL), "accept after SHUT_RD");
	fcntl(fd, F_SETFL, 0);
	/* listen again on the same socket */
	T_RET(t, listen(fd, 1), "listen again after SHUT_RD");
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN relisten");
	t_poll(t, fd, "relisten");
	T_RET(t, shutdown(fd, SHUT_RDWR), "shutdown(SHUT_RDWR) listener");
	t_poll(t, fd, "after SHUT_RDWR");
	T_RET(t, listen(fd, 1), "listen after SHUT_RDWR");
	close(fd);

	/* connect(AF_UNSPEC) on a listener */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, listen(fd, 1), "listen 2 (autobind)");
	{
		struct sockaddr sa = { .sa_family = AF_UNSPEC };

		T_RET(t, connect(fd, &sa, sizeof(sa)), "connect(AF_UNSPEC) listener");
	}
	t_getint(t, fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN after AF_UNSPEC");
	t_sockname(t, fd, "listener after AF_UNSPEC");
	t_poll(t, fd, "listener after AF_UNSPEC");
	T_RET(t, listen(fd, 1), "listen after AF_UNSPEC");
	close(fd);

	/* shutdown() on a fresh socket (ENOTCONN, but sk_shutdown is set) */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	T_RET(t, shutdown(fd, SHUT_RDWR), "shutdown fresh socket");
	t_poll(t, fd, "fresh after shutdown");
	T_RET(t, listen(fd, 1), "listen after shutdown of fresh socket");
	t_poll(t, fd, "listener made after shutdown");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	T_RET(t, accept(fd, NULL, NULL), "accept on it (non-blocking)");
	close(fd);
}

TEST(listen_states)
{
	RUN_BOTH(scen_states, 0);
	EXPECT_STEP_OK(ti, "shutdown(SHUT_WR) listener");
	EXPECT_STEP_VAL(ti, "getsockopt SO_ACCEPTCONN after SHUT_WR (val*1000+len)",
			1004);
	EXPECT_STEP_OK(ti, "shutdown(SHUT_RD) listener");
	EXPECT_STEP_VAL(ti, "getsockopt SO_ACCEPTCONN after SHUT_RD (val*1000+len)",
			4);
	EXPECT_STEP_ERR(ti, "accept after SHUT_RD", EINVAL);
	EXPECT_STEP_OK(ti, "listen again after SHUT_RD");
	EXPECT_STEP_OK(ti, "connect(AF_UNSPEC) listener");
	EXPECT_STEP_ERR(ti, "shutdown fresh socket", ENOTCONN);
	COMPARE(ti, tx);
}

/* listen() re-checks the port against the other sockets on it */
static void scen_conflicts(struct trace *t, int fam, long arg)
{
	int a, b, c;

	(void)arg;
	a = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket A");
	b = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket B");
	c = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket C");
	setint(a, SOL_SOCKET, SO_REUSEADDR, 1);
	setint(b, SOL_SOCKET, SO_REUSEADDR, 1);
	setint(c, SOL_SOCKET, SO_REUSEADDR, 1);
	T_RET(t, bind4(a, "0.0.0.0", PORT_A), "bind A RA 0.0.0.0");
	T_RET(t, bind4(b, "0.0.0.0", PORT_A), "bind B RA 0.0.0.0");
	T_RET(t, bind4(c, "127.0.0.1", PORT_A), "bind C RA 127.0.0.1");
	T_RET(t, listen(b, 1), "listen B");
	T_RET(t, listen(a, 1), "listen A");
	t_getint(t, a, SOL_SOCKET, SO_ACCEPTCONN, "A SO_ACCEPTCONN");
	t_sockname(t, a, "A after failed listen");
	T_RET(t, listen(c, 1), "listen C");
	T_RET(t, bind4(a, "0.0.0.0", PORT_B), "bind A again");
	T_RET(t, close(b), "close B");
	T_RET(t, listen(a, 1), "listen A after B closed");
	T_RET(t, listen(c, 1), "listen C after B closed");
	close(a);
	close(c);
}

TEST(listen_conflicts)
{
	RUN_BOTH(scen_conflicts, 0);
	EXPECT_STEP_OK(ti, "bind B RA 0.0.0.0");
	EXPECT_STEP_OK(ti, "listen B");
	EXPECT_STEP_ERR(ti, "listen A", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "listen C", EADDRINUSE);
	EXPECT_STEP_ERR(ti, "bind A again", EINVAL);
	EXPECT_STEP_OK(ti, "listen A after B closed");
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* accept() with nothing queued                                        */
/* ------------------------------------------------------------------ */

static void scen_accept_errors(struct trace *t, int fam, long arg)
{
	struct sockaddr_in a;
	socklen_t l;
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, accept(fd, NULL, NULL), "accept fresh");
	T_RET(t, accept4(fd, NULL, NULL, SOCK_NONBLOCK), "accept4 fresh");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	T_RET(t, accept(fd, NULL, NULL), "accept bound");
	T_RET(t, listen(fd, 1), "listen");
	T_RET(t, accept4(fd, NULL, NULL, 0x1), "accept4 bad flags 0x1");
	T_RET(t, accept4(fd, NULL, NULL, O_APPEND), "accept4 bad flags O_APPEND");
	T_RET(t, accept4(fd, NULL, NULL, -1), "accept4 bad flags -1");
	T_RET(t, fcntl(fd, F_SETFL, O_NONBLOCK), "O_NONBLOCK");
	T_RET(t, accept(fd, NULL, NULL), "accept non-blocking");
	l = sizeof(a);
	T_RET(t, accept(fd, (struct sockaddr *)&a, &l), "accept with address");
	l = 1;
	T_RET(t, accept(fd, (struct sockaddr *)&a, &l), "accept addrlen 1");
	l = -1;
	T_RET(t, accept(fd, (struct sockaddr *)&a, &l), "accept addrlen -1");
	T_RET(t, accept(fd, (struct sockaddr *)&a, NULL), "accept addrlen NULL");
	T_RET(t, accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC),
	      "accept4 NONBLOCK|CLOEXEC");
	T_RET(t, accept4(fd, NULL, NULL, SOCK_NONBLOCK | 0x1),
	      "accept4 NONBLOCK|0x1");
	T_RET(t, recv(fd, &a, 1, MSG_DONTWAIT), "recv on listener");
	close(fd);
}

TEST(accept_errors)
{
	RUN_BOTH(scen_accept_errors, 0);
	EXPECT_STEP_ERR(ti, "accept fresh", EINVAL);
	EXPECT_STEP_ERR(ti, "accept bound", EINVAL);
	EXPECT_STEP_ERR(ti, "accept4 bad flags 0x1", EINVAL);
	EXPECT_STEP_ERR(ti, "accept non-blocking", EAGAIN);
	EXPECT_STEP_ERR(ti, "accept4 NONBLOCK|CLOEXEC", EAGAIN);
	COMPARE(ti, tx);
}

/* Blocking accept() ending by SO_RCVTIMEO, by signals, by shutdown. */
static void on_alarm(int sig)
{
	(void)sig;
}

static void arm_timer_ms(int ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

struct later {
	int fd;
	int ms;
	int how;
};

static void *shutdown_later(void *p)
{
	struct later *l = p;

	sleep_ms(l->ms);
	shutdown(l->fd, l->how);
	return NULL;
}

/*
 * Watchdog: a call expected to return must not hang the test forever.
 * After WATCHDOG_MS, SIGUSR1 (installed without SA_RESTART) interrupts
 * the blocked thread; the call then fails with EINTR outside its window.
 */
#define WATCHDOG_MS 5000

static pthread_t wd_thread, wd_target;
static volatile int wd_done;

static void *watchdog(void *p)
{
	(void)p;
	for (int i = 0; i < WATCHDOG_MS / 50 && !wd_done; i++)
		sleep_ms(50);
	if (!wd_done)
		pthread_kill(wd_target, SIGUSR1);
	return NULL;
}

static void watchdog_start(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGUSR1, &sa, NULL);
	wd_done = 0;
	wd_target = pthread_self();
	pthread_create(&wd_thread, NULL, watchdog, NULL);
}

static void watchdog_stop(void)
{
	wd_done = 1;
	pthread_join(wd_thread, NULL);
}

/* Record "elapsed within [lo, hi] ms" rather than the time itself. */
#define T_TIMED(t, lo, hi, expr, ...) ({				\
	long __t0 = now_ms(), __r, __dt;				\
	int __e;							\
	watchdog_start();						\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	__dt = now_ms() - __t0;						\
	watchdog_stop();						\
	t_add(t, 0, __r, __r < 0 ? __e : 0, __dt >= (lo) && __dt <= (hi),\
	      __VA_ARGS__);						\
	__r; })

static void scen_accept_block(struct trace *t, int fam, long arg)
{
	struct timeval tv = { 0, 200000 };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct later later;
	pthread_t th;
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, listen(fd, 1), "listen");
	T_RET(t, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
	      "SO_RCVTIMEO 200ms");
	T_TIMED(t, 150, 3000, accept(fd, NULL, NULL),
		"accept with SO_RCVTIMEO (time in [150,3000] ms)");

	/* a signal without SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	arm_timer_ms(100);
	T_TIMED(t, 50, 3000, accept(fd, NULL, NULL),
		"accept, signal, no SA_RESTART (time in [50,3000] ms)");
	/* SA_RESTART, but a timeout is set: still EINTR */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	arm_timer_ms(100);
	T_TIMED(t, 50, 3000, accept(fd, NULL, NULL),
		"accept, signal, SA_RESTART, timeout (time in [50,3000] ms)");
	/* SA_RESTART and no timeout: restarted; then shutdown wakes it */
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	later = (struct later){ fd, 400, SHUT_RD };
	pthread_create(&th, NULL, shutdown_later, &later);
	arm_timer_ms(100);
	T_TIMED(t, 300, 3000, accept(fd, NULL, NULL),
		"accept, signal, SA_RESTART, then shutdown (time in [300,3000] ms)");
	pthread_join(th, NULL);
	close(fd);

	/* shutdown(SHUT_WR) doesn't end a blocking accept */
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, listen(fd, 1), "listen 2");
	tv.tv_usec = 500000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	later = (struct later){ fd, 100, SHUT_WR };
	pthread_create(&th, NULL, shutdown_later, &later);
	T_TIMED(t, 400, 3000, accept(fd, NULL, NULL),
		"accept, SHUT_WR by another thread (time in [400,3000] ms)");
	pthread_join(th, NULL);
	/* but SHUT_RDWR does */
	later = (struct later){ fd, 100, SHUT_RDWR };
	pthread_create(&th, NULL, shutdown_later, &later);
	T_TIMED(t, 50, 3000, accept(fd, NULL, NULL),
		"accept, SHUT_RDWR by another thread (time in [50,3000] ms)");
	pthread_join(th, NULL);
	close(fd);
}

TEST(accept_blocking)
{
	RUN_BOTH(scen_accept_block, 0);
	EXPECT_TRUE(t_check(_metadata, ti,
			    "accept with SO_RCVTIMEO (time in [150,3000] ms)",
			    -1, EAGAIN, true, 1));
	EXPECT_TRUE(t_check(_metadata, ti,
			    "accept, signal, no SA_RESTART (time in [50,3000] ms)",
			    -1, EINTR, true, 1));
	EXPECT_TRUE(t_check(_metadata, ti,
			    "accept, signal, SA_RESTART, timeout (time in [50,3000] ms)",
			    -1, EINTR, true, 1));
	EXPECT_TRUE(t_check(_metadata, ti,
			    "accept, signal, SA_RESTART, then shutdown (time in [300,3000] ms)",
			    -1, EINVAL, true, 1));
	EXPECT_TRUE(t_check(_metadata, ti,
			    "accept, SHUT_WR by another thread (time in [400,3000] ms)",
			    -1, EAGAIN, true, 1));
	EXPECT_TRUE(t_check(_metadata, ti,
			    "accept, SHUT_RDWR by another thread (time in [50,3000] ms)",
			    -1, EINVAL, true, 1));
	COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* poll() / epoll / select on listeners and unconnected sockets         */
/* ------------------------------------------------------------------ */

static void scen_poll(struct trace *t, int fam, long arg)
{
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	t_poll(t, fd, "fresh");
	t_epoll(t, fd, "fresh");
	t_select(t, fd, "fresh");
	T_RET(t, bind4(fd, "127.0.0.1", PORT_A), "bind");
	t_poll(t, fd, "bound");
	T_RET(t, listen(fd, 4), "listen");
	t_poll(t, fd, "listener");
	t_epoll(t, fd, "listener");
	t_select(t, fd, "listener");
	T_RET(t, shutdown(fd, SHUT_WR), "shutdown(SHUT_WR)");
	t_poll(t, fd, "listener after SHUT_WR");
	T_RET(t, shutdown(fd, SHUT_RD), "shutdown(SHUT_RD)");
	t_poll(t, fd, "listener after SHUT_RD");
	t_epoll(t, fd, "listener after SHUT_RD");
	t_select(t, fd, "listener after SHUT_RD");
	close(fd);

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 2");
	T_RET(t, shutdown(fd, SHUT_RD), "shutdown(SHUT_RD) fresh");
	t_poll(t, fd, "fresh after SHUT_RD");
	T_RET(t, shutdown(fd, SHUT_WR), "shutdown(SHUT_WR) fresh");
	t_poll(t, fd, "fresh after SHUT_RD+SHUT_WR");
	t_epoll(t, fd, "fresh after SHUT_RD+SHUT_WR");
	close(fd);

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket 3");
	T_RET(t, shutdown(fd, SHUT_WR), "shutdown(SHUT_WR) fresh 3");
	t_poll(t, fd, "fresh after SHUT_WR");
	close(fd);
}

TEST(poll_masks)
{
	RUN_BOTH(scen_poll, 0);
	EXPECT_TRUE(t_check(_metadata, ti, "poll listener (revents)", 0, 0,
			    true, 0));
	EXPECT_TRUE(t_check(_metadata, ti, "poll fresh (revents)", 1, 0, true,
			    POLLOUT | POLLWRNORM | POLLHUP));
	COMPARE(ti, tx);
}

/* A poll() blocked on a listener is woken by shutdown(SHUT_RD). */
static void scen_poll_wakeup(struct trace *t, int fam, long arg)
{
	struct pollfd p;
	struct later later;
	pthread_t th;
	int fd;

	(void)arg;
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	T_RET(t, listen(fd, 4), "listen");
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLRDHUP };
	T_TIMED(t, 250, 3000, poll(&p, 1, 300),
		"poll(POLLIN) on an empty listener (time in [250,3000] ms)");
	later = (struct later){ fd, 100, SHUT_RD };
	pthread_create(&th, NULL, shutdown_later, &later);
	p.revents = 0;
	T_TIMED(t, 50, 3000, poll(&p, 1, 3000),
		"poll(POLLIN), SHUT_RD by another thread (time in [50,3000] ms)");
	T_VAL(t, p.revents, "revents");
	pthread_join(th, NULL);
	close(fd);
}

TEST(poll_wakeup)
{
	RUN_BOTH(scen_poll_wakeup, 0);
	EXPECT_TRUE(t_check(_metadata, ti,
			    "poll(POLLIN) on an empty listener (time in [250,3000] ms)",
			    0, 0, true, 1));
	EXPECT_TRUE(t_check(_metadata, ti,
			    "poll(POLLIN), SHUT_RD by another thread (time in [50,3000] ms)",
			    1, 0, true, 1));
	COMPARE(ti, tx);
}

TEST_HARNESS_MAIN
