// SPDX-License-Identifier: GPL-2.0
/*
 * libxtcp_preload.so: unmodified programs over XTCP, loaded with
 * LD_PRELOAD by scripts/xtcp_run (as smc-tools' smc_run does for AF_SMC,
 * and mptcpize for MPTCP).
 *
 * socket(AF_INET, SOCK_STREAM[|SOCK_NONBLOCK|SOCK_CLOEXEC], 0 or
 * IPPROTO_TCP) gives an AF_XTCP socket.  Every other socket (UDP, raw,
 * AF_UNIX, AF_INET6, ...) and every other call is left to the C library.
 * XTCP takes and returns struct sockaddr_in everywhere, so the program
 * sees no difference.
 *
 * Environment:
 *   XTCP_PRELOAD=0         off: the library changes nothing
 *   XTCP_PORTS=LIST        only connections to or from these ports
 *                          ("5201,8000-8080"): a socket starts as stock
 *                          TCP and becomes XTCP at bind() to, or at
 *                          connect() to, a listed port (the options set
 *                          so far, its flags and its bound address go
 *                          with it); the rest stay stock TCP
 *   XTCP_STRICT=1          when AF_XTCP is not registered (the module is
 *                          not loaded), socket() fails with EAFNOSUPPORT
 *                          instead of falling back to stock TCP
 *   XTCP_FAMILY=N          the family number (default: the module's
 *                          /sys/module/xtcp/parameters/family, else 27)
 *   XTCP_PRELOAD_DEBUG=1   a line on stderr for each socket made XTCP
 *
 * The fallback prints one message on stderr, once per process.  The
 * library never makes a program fail where it would have worked without
 * it, strict mode aside.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define XTCP_DEFAULT_FAMILY	27
#define MAX_PORT_RANGES		32
#define MAX_TRACKED_FD		4096	/* XTCP_PORTS mode: fds above stay stock */
#define MAX_OPTS		16	/* options replayed on conversion */
#define MAX_OPTLEN		64

static int (*real_socket)(int, int, int);
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static int (*real_close)(int);

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool enabled, strict, debug, port_mode;
static int xtcp_fam = XTCP_DEFAULT_FAMILY;
static struct { unsigned short lo, hi; } ranges[MAX_PORT_RANGES];
static int nranges;
static int warned;	/* the fallback message, once */

/* XTCP_PORTS mode: a stock TCP socket that may still become XTCP. */
struct tracked {
	bool live;
	bool bound;
	int type, protocol;
	struct sockaddr_in addr;	/* what it was bound to */
	int nopts;
	struct {
		int level, name;
		socklen_t len;
		unsigned char val[MAX_OPTLEN];
	} opts[MAX_OPTS];
};

static struct tracked *tracked;	/* indexed by fd; NULL: not tracking */
static pthread_mutex_t tracked_lock = PTHREAD_MUTEX_INITIALIZER;

static void parse_ports(const char *s)
{
	while (*s && nranges < MAX_PORT_RANGES) {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo;

		if (end == s)
			break;
		if (*end == '-') {
			s = end + 1;
			hi = strtol(s, &end, 10);
			if (end == s)
				break;
		}
		if (lo >= 0 && hi <= 65535 && lo <= hi) {
			ranges[nranges].lo = lo;
			ranges[nranges].hi = hi;
			nranges++;
		}
		s = end;
		while (*s == ',' || *s == ' ')
			s++;
	}
}

static bool port_listed(const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	unsigned short port;

	if (!sa || len < sizeof(*sin) || sin->sin_family != AF_INET)
		return false;
	port = ntohs(sin->sin_port);
	for (int i = 0; i < nranges; i++)
		if (port >= ranges[i].lo && port <= ranges[i].hi)
			return true;
	return false;
}

static void init(void)
{
	const char *v;
	FILE *f;

	real_socket = dlsym(RTLD_NEXT, "socket");
	real_bind = dlsym(RTLD_NEXT, "bind");
	real_connect = dlsym(RTLD_NEXT, "connect");
	real_setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	real_close = dlsym(RTLD_NEXT, "close");
	if (!real_socket || !real_bind || !real_connect || !real_setsockopt ||
	    !real_close)
		return;		/* enabled stays false: pass everything on */

	v = getenv("XTCP_PRELOAD");
	enabled = !v || strcmp(v, "0");
	v = getenv("XTCP_STRICT");
	strict = v && strcmp(v, "0");
	v = getenv("XTCP_PRELOAD_DEBUG");
	debug = v && strcmp(v, "0");

	v = getenv("XTCP_FAMILY");
	if (v && *v) {
		xtcp_fam = atoi(v);
	} else {
		f = fopen("/sys/module/xtcp/parameters/family", "re");
		if (f) {
			if (fscanf(f, "%d", &xtcp_fam) != 1)
				xtcp_fam = XTCP_DEFAULT_FAMILY;
			fclose(f);
		}
	}

	v = getenv("XTCP_PORTS");
	if (enabled && v && *v) {
		parse_ports(v);
		port_mode = true;
		tracked = calloc(MAX_TRACKED_FD, sizeof(*tracked));
		if (!tracked)
			enabled = false;	/* stock TCP for all */
	}
}

static bool is_tcp4(int domain, int type, int protocol)
{
	return domain == AF_INET &&
	       (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP);
}

/* An XTCP socket, or -1 with errno; falls back unless strict. */
static int xtcp_socket(int type, int protocol, bool *fell_back)
{
	int saved = errno, fd;

	*fell_back = false;
	fd = real_socket(xtcp_fam, type, protocol);
	if (fd >= 0) {
		if (debug)
			fprintf(stderr, "xtcp_preload: fd %d is XTCP (family %d)\n",
				fd, xtcp_fam);
		errno = saved;
		return fd;
	}
	if (errno != EAFNOSUPPORT && errno != EINVAL)
		return -1;	/* EMFILE, ENOBUFS, ...: as stock would */
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "xtcp_preload: AF_XTCP (family %d) is not registered (is xtcp.ko loaded?): %s\n",
			xtcp_fam, strict ? "failing (XTCP_STRICT)" :
				   "using stock TCP");
	if (strict) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	*fell_back = true;
	errno = saved;
	return -1;
}

static struct tracked *track_get(int fd)
{
	if (!tracked || fd < 0 || fd >= MAX_TRACKED_FD || !tracked[fd].live)
		return NULL;
	return &tracked[fd];
}

int socket(int domain, int type, int protocol)
{
	bool fell_back;
	int fd;

	pthread_once(&init_once, init);
	if (!real_socket) {
		errno = ENOSYS;
		return -1;
	}
	if (!enabled || !is_tcp4(domain, type, protocol))
		return real_socket(domain, type, protocol);

	if (!port_mode) {
		fd = xtcp_socket(type, protocol, &fell_back);
		if (fd >= 0 || !fell_back)
			return fd;
		return real_socket(domain, type, protocol);
	}

	fd = real_socket(domain, type, protocol);
	if (fd >= 0 && fd < MAX_TRACKED_FD) {
		pthread_mutex_lock(&tracked_lock);
		memset(&tracked[fd], 0, sizeof(tracked[fd]));
		tracked[fd].live = true;
		tracked[fd].type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
		tracked[fd].protocol = protocol;
		pthread_mutex_unlock(&tracked_lock);
	}
	return fd;
}

/*
 * Make tracked stock socket @fd an XTCP socket with the same number: its
 * flags, the options recorded and its bound address go to a new XTCP
 * socket, which then takes @fd's place (dup3).  On any failure @fd is
 * left as it was (stock TCP), unless strict.
 */
static int convert(int fd, struct tracked *t)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD), saved = errno;
	int type = t->type;
	bool fell_back;
	int nfd;

	t->live = false;	/* whatever happens, decided now */
	if (fl < 0 || fdfl < 0)
		return 0;
	if (fl & O_NONBLOCK)
		type |= SOCK_NONBLOCK;
	nfd = xtcp_socket(type, t->protocol, &fell_back);
	if (nfd < 0)
		return fell_back ? 0 : -1;
	for (int i = 0; i < t->nopts; i++)
		real_setsockopt(nfd, t->opts[i].level, t->opts[i].name,
				t->opts[i].val, t->opts[i].len);
	if (t->bound && real_bind(nfd, (struct sockaddr *)&t->addr,
				  sizeof(t->addr)) < 0)
		goto keep_stock;
	if (dup3(nfd, fd, fdfl & FD_CLOEXEC ? O_CLOEXEC : 0) < 0)
		goto keep_stock;
	real_close(nfd);
	errno = saved;
	return 0;

keep_stock:
	real_close(nfd);
	errno = saved;
	return 0;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct tracked *t;
	int ret;

	pthread_once(&init_once, init);
	if (!real_bind) {
		errno = ENOSYS;
		return -1;
	}
	t = track_get(fd);
	if (!t)
		return real_bind(fd, addr, len);
	if (port_listed(addr, len)) {
		if (convert(fd, t) < 0)
			return -1;
		return real_bind(fd, addr, len);
	}
	ret = real_bind(fd, addr, len);
	if (!ret && len >= sizeof(t->addr) && addr->sa_family == AF_INET) {
		memcpy(&t->addr, addr, sizeof(t->addr));
		t->bound = true;
	}
	return ret;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct tracked *t;

	pthread_once(&init_once, init);
	if (!real_connect) {
		errno = ENOSYS;
		return -1;
	}
	t = track_get(fd);
	if (t) {
		if (port_listed(addr, len) ||
		    (t->bound && port_listed((struct sockaddr *)&t->addr,
					     sizeof(t->addr)))) {
			if (convert(fd, t) < 0)
				return -1;
		} else {
			t->live = false;	/* stock TCP for good */
		}
	}
	return real_connect(fd, addr, len);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct tracked *t;
	int ret;

	pthread_once(&init_once, init);
	if (!real_setsockopt) {
		errno = ENOSYS;
		return -1;
	}
	ret = real_setsockopt(fd, level, name, val, len);
	t = track_get(fd);
	if (!ret && t && val && len <= MAX_OPTLEN) {
		pthread_mutex_lock(&tracked_lock);
		if (t->nopts < MAX_OPTS) {
			t->opts[t->nopts].level = level;
			t->opts[t->nopts].name = name;
			t->opts[t->nopts].len = len;
			memcpy(t->opts[t->nopts].val, val, len);
			t->nopts++;
		}
		pthread_mutex_unlock(&tracked_lock);
	}
	return ret;
}

int close(int fd)
{
	pthread_once(&init_once, init);
	if (!real_close) {
		errno = ENOSYS;
		return -1;
	}
	if (tracked && fd >= 0 && fd < MAX_TRACKED_FD)
		tracked[fd].live = false;
	return real_close(fd);
}
