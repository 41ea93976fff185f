/* Fault injection for e2e tests: an LD_PRELOAD library that makes a process's
 * writes to TCP sockets fail, as a connection the kernel has given up on does.
 *
 *   SLUICE_FAIL_SEND_AFTER=N  the first N bytes written to TCP sockets (all
 *                             of them together) go out; every write after
 *                             that fails with ECONNRESET (default N: 0).
 *
 * Only send, sendmsg, write and writev on TCP sockets are touched; reads, and
 * writes to files, pipes and other sockets, pass through. The same library
 * works on sluice and on curl, so a test can compare their exit codes for a
 * send failure (curl's 55), which a real peer can provoke only by a race
 * between its reset and the client's next read.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long budget = -1; /* bytes still allowed; -1: not read yet */

static int is_tcp(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return 0;
  struct sockaddr_storage addr;
  len = sizeof addr;
  if (getsockname(fd, (struct sockaddr*)&addr, &len) != 0) return 0;
  return addr.ss_family == AF_INET || addr.ss_family == AF_INET6;
}

/* How many of the `want` bytes may go out: 0 means fail the call. */
static size_t allowed(int fd, size_t want) {
  if (!is_tcp(fd)) return want;
  if (budget < 0) {
    const char* s = getenv("SLUICE_FAIL_SEND_AFTER");
    budget = s ? atoll(s) : 0;
  }
  return want > (unsigned long long)budget ? (size_t)budget : want;
}

/* What a real call wrote comes off the allowance. */
static ssize_t spent(int fd, ssize_t wrote) {
  if (wrote > 0 && budget >= 0 && is_tcp(fd)) budget -= wrote;
  return wrote;
}

typedef ssize_t (*send_fn)(int, const void*, size_t, int);
typedef ssize_t (*write_fn)(int, const void*, size_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr*, int);
typedef ssize_t (*writev_fn)(int, const struct iovec*, int);

/* The libc function (or the sanitizer's interceptor) this one stands before. */
#define NEXT(name) \
  static name##_fn real_##name; \
  if (!real_##name) real_##name = (name##_fn)dlsym(RTLD_NEXT, #name)

ssize_t send(int fd, const void* buf, size_t len, int flags) {
  NEXT(send);
  size_t n = len ? allowed(fd, len) : 0;
  if (len && n == 0) return errno = ECONNRESET, -1;
  return spent(fd, real_send(fd, buf, n, flags));
}

ssize_t write(int fd, const void* buf, size_t len) {
  NEXT(write);
  size_t n = len ? allowed(fd, len) : 0;
  if (len && n == 0) return errno = ECONNRESET, -1;
  return spent(fd, real_write(fd, buf, n));
}

static size_t iov_total(const struct iovec* iov, size_t count) {
  size_t total = 0;
  for (size_t i = 0; i < count; i++) total += iov[i].iov_len;
  return total;
}

/* A vectored write is cut to the allowance by trimming its iovec list. */
static int trim(const struct iovec* in, size_t count, size_t keep, struct iovec* out) {
  int used = 0;
  for (size_t i = 0; i < count && keep > 0 && used < 64; i++) {
    out[used] = in[i];
    if (out[used].iov_len > keep) out[used].iov_len = keep;
    keep -= out[used].iov_len;
    used++;
  }
  return used;
}

ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  NEXT(sendmsg);
  size_t total = iov_total(msg->msg_iov, msg->msg_iovlen);
  size_t n = total ? allowed(fd, total) : 0;
  if (total && n == 0) return errno = ECONNRESET, -1;
  if (n == total) return spent(fd, real_sendmsg(fd, msg, flags));
  struct iovec cut[64];
  struct msghdr m = *msg;
  m.msg_iov = cut;
  m.msg_iovlen = (size_t)trim(msg->msg_iov, msg->msg_iovlen, n, cut);
  return spent(fd, real_sendmsg(fd, &m, flags));
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  NEXT(writev);
  size_t total = iov_total(iov, (size_t)count);
  size_t n = total ? allowed(fd, total) : 0;
  if (total && n == 0) return errno = ECONNRESET, -1;
  if (n == total) return spent(fd, real_writev(fd, iov, count));
  struct iovec cut[64];
  return spent(fd, real_writev(fd, cut, trim(iov, (size_t)count, n, cut)));
}
