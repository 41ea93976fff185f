/* Fault injection for e2e tests: an LD_PRELOAD library that makes a process's
 * writes to TCP sockets fail, as a connection the kernel has given up on does.
 *
 *   SLUICE_FAIL_SEND_AFTER=N  the first N bytes written to TCP sockets (all
 *                             of them together) go out; every write after
 *                             that fails with ECONNRESET (default N: 0).
 *
 * Only send, sendto, sendmsg, write and writev on TCP sockets are touched;
 * reads, and writes to files, pipes and other sockets, pass through. Not
 * covered: sendmmsg, pwritev, sendfile and splice, io_uring, glibc's internal
 * writes, static binaries. The same library works on sluice and on curl, so a
 * test can compare their exit codes for a send failure (curl's 55), which a
 * real peer can provoke only by a race between its reset and the client's
 * next read.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*send_fn)(int, const void*, size_t, int);
typedef ssize_t (*sendto_fn)(int, const void*, size_t, int, const struct sockaddr*, socklen_t);
typedef ssize_t (*write_fn)(int, const void*, size_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr*, int);
typedef ssize_t (*writev_fn)(int, const struct iovec*, int);

static send_fn real_send;
static sendto_fn real_sendto;
static write_fn real_write;
static sendmsg_fn real_sendmsg;
static writev_fn real_writev;
static long long budget; /* bytes still allowed, shared by all threads */

static void* next(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (!f) {
    fprintf(stderr, "fail_send: no %s after this library\n", name);
    abort();
  }
  return f;
}

/* Before main(), so that threads find everything resolved. */
__attribute__((constructor)) static void init(void) {
  real_send = (send_fn)next("send");
  real_sendto = (sendto_fn)next("sendto");
  real_write = (write_fn)next("write");
  real_sendmsg = (sendmsg_fn)next("sendmsg");
  real_writev = (writev_fn)next("writev");
  const char* s = getenv("SLUICE_FAIL_SEND_AFTER");
  __atomic_store_n(&budget, s ? atoll(s) : 0, __ATOMIC_RELAXED);
}

static int is_tcp(int fd) {
  int saved = errno; /* a write that goes through must not see our probes' errno */
  int type = 0;
  socklen_t len = sizeof type;
  int tcp = 0;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM) {
    struct sockaddr_storage addr;
    len = sizeof addr;
    tcp = getsockname(fd, (struct sockaddr*)&addr, &len) == 0 &&
          (addr.ss_family == AF_INET || addr.ss_family == AF_INET6);
  }
  errno = saved;
  return tcp;
}

/* How many of the `want` bytes may go out: 0 means fail the call. */
static size_t allowed(size_t want) {
  long long left = __atomic_load_n(&budget, __ATOMIC_RELAXED);
  if (left <= 0) return 0;
  return want > (unsigned long long)left ? (size_t)left : want;
}

/* What a real call wrote comes off the allowance. */
static ssize_t spent(ssize_t wrote) {
  if (wrote > 0) __atomic_sub_fetch(&budget, wrote, __ATOMIC_RELAXED);
  return wrote;
}

static ssize_t refused(void) {
  errno = ECONNRESET;
  return -1;
}

ssize_t send(int fd, const void* buf, size_t len, int flags) {
  if (len == 0 || !is_tcp(fd)) return real_send(fd, buf, len, flags);
  size_t n = allowed(len);
  return n ? spent(real_send(fd, buf, n, flags)) : refused();
}

ssize_t sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* to,
               socklen_t to_len) {
  if (len == 0 || !is_tcp(fd)) return real_sendto(fd, buf, len, flags, to, to_len);
  size_t n = allowed(len);
  return n ? spent(real_sendto(fd, buf, n, flags, to, to_len)) : refused();
}

ssize_t write(int fd, const void* buf, size_t len) {
  if (len == 0 || !is_tcp(fd)) return real_write(fd, buf, len);
  size_t n = allowed(len);
  return n ? spent(real_write(fd, buf, n)) : refused();
}

static size_t iov_total(const struct iovec* iov, size_t count) {
  size_t total = 0;
  for (size_t i = 0; i < count; i++) total += iov[i].iov_len;
  return total;
}

/* A vectored write cut to the allowance: its iovec list, trimmed. */
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
  size_t total = iov_total(msg->msg_iov, msg->msg_iovlen);
  if (total == 0 || !is_tcp(fd)) return real_sendmsg(fd, msg, flags);
  size_t n = allowed(total);
  if (n == 0) return refused();
  if (n == total) return spent(real_sendmsg(fd, msg, flags));
  struct iovec cut[64];
  struct msghdr m = *msg;
  m.msg_iov = cut;
  m.msg_iovlen = (size_t)trim(msg->msg_iov, msg->msg_iovlen, n, cut);
  return spent(real_sendmsg(fd, &m, flags));
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (count < 0) return real_writev(fd, iov, count); /* EINVAL, from the real one */
  size_t total = iov_total(iov, (size_t)count);
  if (total == 0 || !is_tcp(fd)) return real_writev(fd, iov, count);
  size_t n = allowed(total);
  if (n == 0) return refused();
  if (n == total) return spent(real_writev(fd, iov, count));
  struct iovec cut[64];
  return spent(real_writev(fd, cut, trim(iov, (size_t)count, n, cut)));
}
