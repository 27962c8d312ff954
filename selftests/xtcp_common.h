/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the XTCP selftests.
 *
 * Most tests are "comparison" tests: a scenario function runs a fixed
 * sequence of socket calls on one family and records every result (return
 * value, errno, and any value worth comparing such as a port) in a trace.
 * The test runs the scenario once with AF_INET and once with AF_XTCP, each
 * time in a forked child inside a fresh network namespace, so that both
 * runs start from identical conditions (same free ports, same sysctls),
 * and then compares the two traces step by step.
 *
 * A scenario never asserts anything itself: it only records.  The test
 * body checks the AF_INET trace against the known Linux 6.1 values where
 * that is useful, then compares the traces.
 *
 * The only tolerated difference is "not implemented yet": a step marked
 * with T_UNIMPL() (connect, send/recv on a connection, ...) where AF_INET
 * succeeds or goes on to start a connection and AF_XTCP returns
 * EOPNOTSUPP.  That makes the test SKIP, never pass.
 *
 * Environment:
 *   XTCP_FAMILY=N   use family N as "XTCP" (XTCP_FAMILY=2 compares AF_INET
 *                   with itself: a self-check of the tests on a kernel
 *                   without the module).
 */
#ifndef XTCP_SELFTEST_COMMON_H
#define XTCP_SELFTEST_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/xtcp.h>

#include "kselftest_harness.h"
#include "xtcp_family.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef SO_INCOMING_CPU
#define SO_INCOMING_CPU 49
#endif
#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Ports used by the scenarios: each scenario runs in a fresh netns. */
#define PORT_A		5001
#define PORT_B		5002
#define PORT_C		5003
#define PORT_PRIV	80

/* ------------------------------------------------------------------ */
/* Families                                                            */
/* ------------------------------------------------------------------ */

static inline bool xtcp_is_inet_selfcheck(void)
{
	return xtcp_family() == AF_INET;
}

static inline const char *fam_name(int fam)
{
	if (fam == AF_INET)
		return "INET";
	if (fam == xtcp_family())
		return "XTCP";
	return "?";
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static inline const char *errname(int e)
{
	static __thread char buf[16];
	const char *n;

	if (e == 0)
		return "0";
	n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static inline struct sockaddr_in sa4(const char *ip, int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "# bad address %s\n", ip);
		abort();
	}
	return a;
}

/* bind(fd, ip:port), like bind(): 0, or -1 with errno set */
static inline int bind4(int fd, const char *ip, int port)
{
	struct sockaddr_in a = sa4(ip, port);

	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static inline int connect4(int fd, const char *ip, int port)
{
	struct sockaddr_in a = sa4(ip, port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* Local port of fd (host order), or -errno. */
static inline int sock_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	memset(&a, 0, sizeof(a));
	if (getsockname(fd, (struct sockaddr *)&a, &l))
		return -errno;
	return ntohs(a.sin_port);
}

/* Local address of fd (host order), or 0xffffffff on error. */
static inline long sock_addr(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	memset(&a, 0, sizeof(a));
	if (getsockname(fd, (struct sockaddr *)&a, &l))
		return -1;
	return (long)ntohl(a.sin_addr.s_addr);
}

static inline int setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) ? -errno : 0;
}

static inline long getint(int fd, int level, int opt)
{
	int v = -12345;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, level, opt, &v, &l))
		return -errno - 1000000;
	return v;
}

static inline void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ------------------------------------------------------------------ */
/* Network namespaces and sysctls                                      */
/* ------------------------------------------------------------------ */

static inline int lo_up(void)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(fd, SIOCSIFFLAGS, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

/* Move the calling process into a new network namespace with lo up. */
static inline int new_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return lo_up();
}

/* name: path under /proc/sys, e.g. "net/ipv4/ip_nonlocal_bind" */
static inline int sysctl_write(const char *name, const char *val)
{
	char path[256];
	int fd, ret = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline int sysctl_read(const char *name, char *buf, size_t len)
{
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static inline int port_range(int *lo, int *hi)
{
	char buf[64];
	int r = sysctl_read("net/ipv4/ip_local_port_range", buf, sizeof(buf));

	if (r)
		return r;
	return sscanf(buf, "%d %d", lo, hi) == 2 ? 0 : -EINVAL;
}

static inline int set_port_range(int lo, int hi)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d %d", lo, hi);
	return sysctl_write("net/ipv4/ip_local_port_range", buf);
}

static inline bool port_in_range(int port)
{
	int lo, hi;

	if (port_range(&lo, &hi))
		return false;
	return port >= lo && port <= hi;
}

/* Drop every capability by becoming nobody (after the netns is set up). */
static inline int become_nobody(void)
{
	if (setgroups(0, NULL) && errno != EPERM)
		return -errno;
	if (setresgid(65534, 65534, 65534))
		return -errno;
	if (setresuid(65534, 65534, 65534))
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Traces                                                              */
/* ------------------------------------------------------------------ */

#define STEP_WHAT	80
#define MAX_STEPS	2048

/* step flags */
#define STEP_UNIMPL	0x1	/* EOPNOTSUPP from XTCP here = not implemented */
#define STEP_NOCMP_VAL	0x2	/* compare ret/errno only */
#define STEP_NOFAMILY	0x4	/* the family has no sockets at all */

struct step {
	char what[STEP_WHAT];
	long ret;
	int err;
	int flags;
	long val;
};

struct trace {
	int fam;
	int n;
	int overflow;
	int status;		/* wait status of the scenario child */
	struct step s[MAX_STEPS];
};

static inline struct step *t_add(struct trace *t, int flags, long ret,
				 int err, long val, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static inline struct step *t_add(struct trace *t, int flags, long ret,
				 int err, long val, const char *fmt, ...)
{
	static struct step dummy;
	struct step *s;
	va_list ap;

	if (t->n >= MAX_STEPS) {
		t->overflow = 1;
		return &dummy;
	}
	s = &t->s[t->n++];
	va_start(ap, fmt);
	vsnprintf(s->what, sizeof(s->what), fmt, ap);
	va_end(ap);
	s->ret = ret;
	s->err = err;
	s->flags = flags;
	s->val = val;
	return s;
}

/* Record a call returning 0 / -1 (or a byte count). Evaluates to its result. */
#define T_RET(t, expr, ...) ({						\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	t_add(t, 0, __r, __r < 0 ? __e : 0, 0, __VA_ARGS__);		\
	errno = __e;							\
	__r; })

/* Same, but the call returns an fd: recorded as 0 on success. */
#define T_FD(t, expr, ...) ({						\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	t_add(t, 0, __r >= 0 ? 0 : __r, __r < 0 ? __e : 0, 0,		\
	      __VA_ARGS__);						\
	errno = __e;							\
	(int)__r; })

/* A call that XTCP may not implement yet (see the top of this file). */
#define T_UNIMPL(t, expr, ...) ({					\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	t_add(t, STEP_UNIMPL, __r, __r < 0 ? __e : 0, 0, __VA_ARGS__);	\
	errno = __e;							\
	__r; })

/* Record a plain value. */
#define T_VAL(t, v, ...) \
	((void)t_add(t, 0, 0, 0, (long)(v), __VA_ARGS__))

/* Record a call result together with a value obtained after it. */
#define T_RETVAL(t, expr, v, ...) ({					\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	t_add(t, 0, __r, __r < 0 ? __e : 0, (long)(v), __VA_ARGS__);	\
	errno = __e;							\
	__r; })

/* getsockopt(int) recorded as ret/errno plus value and returned length */
static inline void t_getint(struct trace *t, int fd, int level, int opt,
			    const char *name)
{
	int v = -12345;
	socklen_t l = sizeof(v);
	int r;

	errno = 0;
	r = getsockopt(fd, level, opt, &v, &l);
	t_add(t, 0, r, r < 0 ? errno : 0, r < 0 ? 0 : (long)v * 1000 + l,
	      "getsockopt %s (val*1000+len)", name);
}

static inline void t_setint(struct trace *t, int fd, int level, int opt,
			    int val, const char *name)
{
	int r;

	errno = 0;
	r = setsockopt(fd, level, opt, &val, sizeof(val));
	t_add(t, 0, r, r < 0 ? errno : 0, 0, "setsockopt %s=%d", name, val);
}

/*
 * getsockname recorded as address:port (value = addr << 16 | port).
 * A port inside ip_local_port_range is an ephemeral one, chosen at
 * random: it is recorded as 1.
 */
static inline void t_sockname(struct trace *t, int fd, const char *tag)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int r, port;

	memset(&a, 0xa5, sizeof(a));
	errno = 0;
	r = getsockname(fd, (struct sockaddr *)&a, &l);
	port = ntohs(a.sin_port);
	if (!r && port_in_range(port))
		port = 1;
	t_add(t, 0, r, r < 0 ? errno : 0,
	      r < 0 ? 0 : ((long)ntohl(a.sin_addr.s_addr) << 16 | port),
	      "getsockname %s", tag);
	if (!r)
		t_add(t, 0, 0, 0, (long)a.sin_family << 8 | l,
		      "getsockname %s family<<8|len", tag);
}

static inline void t_peername(struct trace *t, int fd, const char *tag)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int r;

	memset(&a, 0xa5, sizeof(a));
	errno = 0;
	r = getpeername(fd, (struct sockaddr *)&a, &l);
	t_add(t, 0, r, r < 0 ? errno : 0,
	      r < 0 ? 0 : ((long)ntohl(a.sin_addr.s_addr) << 16 |
			   ntohs(a.sin_port)),
	      "getpeername %s", tag);
}

/* Signal pending? (SIGPIPE is blocked by the scenarios that check it) */
static inline int sig_pending_and_clear(int sig)
{
	sigset_t set;
	int pending;

	sigpending(&set);
	pending = sigismember(&set, sig);
	if (pending) {
		sigset_t one;
		siginfo_t si;
		struct timespec ts = { 0, 0 };

		sigemptyset(&one);
		sigaddset(&one, sig);
		sigtimedwait(&one, &si, &ts);
	}
	return pending;
}

/* ------------------------------------------------------------------ */
/* Running and comparing scenarios                                     */
/* ------------------------------------------------------------------ */

typedef void (*scenario_fn)(struct trace *t, int fam, long arg);

/* run_scenario() flags */
#define SCEN_NO_NETNS	0x1	/* stay in the caller's netns */

static inline struct trace *run_scenario(scenario_fn fn, int fam, long arg,
					 int flags)
{
	struct trace *t;
	pid_t pid;
	int status = 0;

	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED) {
		perror("mmap");
		abort();
	}
	t->fam = fam;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0) {
		if (!(flags & SCEN_NO_NETNS)) {
			int r = new_netns();

			if (r) {
				t_add(t, 0, -1, -r, 0, "new netns");
				_exit(3);
			}
		}
		/*
		 * Without the family, every socket() would fail (each after a
		 * modprobe attempt): record that once and stop.
		 */
		{
			int fd = socket(fam, SOCK_STREAM, 0);

			t_add(t, STEP_NOFAMILY, fd < 0 ? -1 : 0,
			      fd < 0 ? errno : 0, fam,
			      "socket(%d, SOCK_STREAM, 0)", fam);
			if (fd < 0)
				_exit(0);
			close(fd);
			t->n--;	/* keep traces of INET and XTCP alike */
		}
		fn(t, fam, arg);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	t->status = status;
	return t;
}

static inline const char *fmt_step(const struct step *s, char *buf,
				   size_t len)
{
	if (s->ret < 0)
		snprintf(buf, len, "ret=%ld %s", s->ret, errname(s->err));
	else
		snprintf(buf, len, "ret=%ld val=%ld", s->ret, s->val);
	return buf;
}

static inline void dump_trace(struct __test_metadata *_metadata,
			      const struct trace *t, int from, int to)
{
	char b[96];

	for (int i = from; i < to && i < t->n; i++)
		TH_LOG("  %s #%d %-50s %s", fam_name(t->fam), i,
		       t->s[i].what, fmt_step(&t->s[i], b, sizeof(b)));
}

static inline bool step_started(const struct step *s)
{
	return s->ret >= 0 || s->err == EINPROGRESS ||
	       s->err == ECONNREFUSED || s->err == EALREADY ||
	       s->err == ETIMEDOUT;
}

enum { CMP_SAME = 0, CMP_DIFF = 1, CMP_UNIMPL = 2 };

/* compare modes */
#define CMP_FIRST	0	/* stop at the first difference */
#define CMP_EACH	1	/* steps are independent: report every one */

static inline bool status_ok(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * Compare the AF_INET trace a with the AF_XTCP trace b.  Logs the
 * differences.  Returns CMP_SAME, CMP_DIFF or CMP_UNIMPL (the only
 * differences are "not implemented yet" ones; *why says which).
 */
static inline int trace_cmp(struct __test_metadata *_metadata,
			    const struct trace *a, const struct trace *b,
			    int mode, char *why, size_t whylen)
{
	int n = a->n < b->n ? a->n : b->n;
	int diffs = 0, unimpl = 0;
	char ba[96], bb[96];

	why[0] = 0;
	if (!status_ok(a->status) || !status_ok(b->status)) {
		TH_LOG("scenario child ended abnormally: INET status 0x%x, XTCP status 0x%x",
		       a->status, b->status);
		dump_trace(_metadata, a, a->n > 5 ? a->n - 5 : 0, a->n);
		dump_trace(_metadata, b, b->n > 5 ? b->n - 5 : 0, b->n);
		return CMP_DIFF;
	}
	for (int k = 0; k < 2; k++) {
		const struct trace *x = k ? b : a;

		if (x->n == 1 && (x->s[0].flags & STEP_NOFAMILY)) {
			TH_LOG("%s: %s failed with %s%s", fam_name(x->fam),
			       x->s[0].what, errname(x->s[0].err),
			       k ? " (is xtcp.ko loaded?)" : "");
			return CMP_DIFF;
		}
	}
	if (a->overflow || b->overflow) {
		TH_LOG("trace overflow");
		return CMP_DIFF;
	}
	for (int i = 0; i < n; i++) {
		const struct step *sa = &a->s[i], *sb = &b->s[i];
		bool same;

		if (strcmp(sa->what, sb->what)) {
			TH_LOG("step #%d differs in kind: INET '%s' vs XTCP '%s'",
			       i, sa->what, sb->what);
			return CMP_DIFF;
		}
		same = sa->ret == sb->ret && sa->err == sb->err &&
		       ((sa->flags & STEP_NOCMP_VAL) || sa->val == sb->val);
		if (same)
			continue;
		if ((sa->flags & STEP_UNIMPL) && sb->ret == -1 &&
		    sb->err == EOPNOTSUPP && step_started(sa)) {
			if (!unimpl)
				snprintf(why, whylen,
					 "%s: '%s' not implemented yet (INET %s, XTCP EOPNOTSUPP)",
					 _metadata->name, sa->what,
					 fmt_step(sa, ba, sizeof(ba)));
			TH_LOG("not implemented yet: step #%d '%s': INET %s, XTCP %s",
			       i, sa->what, fmt_step(sa, ba, sizeof(ba)),
			       fmt_step(sb, bb, sizeof(bb)));
			unimpl++;
			if (mode == CMP_FIRST)
				return diffs ? CMP_DIFF : CMP_UNIMPL;
			continue;
		}
		diffs++;
		if (diffs <= 40)
			TH_LOG("MISMATCH step #%d '%s': INET %s, XTCP %s", i,
			       sa->what, fmt_step(sa, ba, sizeof(ba)),
			       fmt_step(sb, bb, sizeof(bb)));
		if (mode == CMP_FIRST) {
			TH_LOG("steps before it:");
			dump_trace(_metadata, a, i > 6 ? i - 6 : 0, i);
			return CMP_DIFF;
		}
	}
	if (diffs) {
		TH_LOG("%d mismatching steps of %d", diffs, n);
		return CMP_DIFF;
	}
	if (a->n != b->n) {
		TH_LOG("traces differ in length: INET %d steps, XTCP %d steps",
		       a->n, b->n);
		dump_trace(_metadata, a, n, n + 5);
		dump_trace(_metadata, b, n, n + 5);
		return CMP_DIFF;
	}
	return unimpl ? CMP_UNIMPL : CMP_SAME;
}

static inline const struct step *t_find(const struct trace *t,
					const char *what)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->s[i].what, what))
			return &t->s[i];
	return NULL;
}

/* Check a step of trace t against a known value; logs when it is not. */
static inline bool t_check(struct __test_metadata *_metadata,
			   const struct trace *t, const char *what,
			   long ret, int err, bool check_val, long val)
{
	const struct step *s = t_find(t, what);
	char b[96];

	if (!s) {
		TH_LOG("%s: no step '%s'", fam_name(t->fam), what);
		return false;
	}
	if (s->ret == ret && s->err == err && (!check_val || s->val == val))
		return true;
	if (check_val)
		TH_LOG("%s: '%s' gave %s, expected ret=%ld %s val=%ld",
		       fam_name(t->fam), what, fmt_step(s, b, sizeof(b)), ret,
		       errname(err), val);
	else
		TH_LOG("%s: '%s' gave %s, expected ret=%ld %s",
		       fam_name(t->fam), what, fmt_step(s, b, sizeof(b)), ret,
		       errname(err));
	return false;
}

/* Known-value checks: EXPECT_STEP_ERR(trace, "what", EINVAL) ... */
#define EXPECT_STEP_ERR(t, what, e) \
	EXPECT_TRUE(t_check(_metadata, t, what, -1, e, false, 0))
#define EXPECT_STEP_OK(t, what) \
	EXPECT_TRUE(t_check(_metadata, t, what, 0, 0, false, 0))
#define EXPECT_STEP_RET(t, what, r) \
	EXPECT_TRUE(t_check(_metadata, t, what, r, 0, false, 0))
#define EXPECT_STEP_VAL(t, what, v) \
	EXPECT_TRUE(t_check(_metadata, t, what, 0, 0, true, v))

/*
 * Run scenario fn on AF_INET and AF_XTCP, leaving the traces in ti / tx.
 */
#define RUN_BOTH(fn, arg)						\
	struct trace *ti = run_scenario(fn, AF_INET, arg, 0);		\
	struct trace *tx = run_scenario(fn, xtcp_family(), arg, 0)

/* Compare ti and tx; SKIP on "not implemented yet", fail on any other. */
#define COMPARE_MODE(ti, tx, mode) do {					\
	char __why[256];						\
	int __c = trace_cmp(_metadata, ti, tx, mode, __why,		\
			    sizeof(__why));				\
	if (__c == CMP_UNIMPL)						\
		SKIP(return, "%s", __why);				\
	ASSERT_EQ(CMP_SAME, __c) TH_LOG("AF_INET and AF_XTCP differ");	\
} while (0)

#define COMPARE(ti, tx)		COMPARE_MODE(ti, tx, CMP_FIRST)
#define COMPARE_EACH(ti, tx)	COMPARE_MODE(ti, tx, CMP_EACH)

/* The whole comparison test in one line, for scenarios without known values. */
#define COMPARE_TEST(name, fn, arg, mode)				\
	TEST(name)							\
	{								\
		RUN_BOTH(fn, arg);					\
		COMPARE_MODE(ti, tx, mode);				\
	}

#endif /* XTCP_SELFTEST_COMMON_H */
