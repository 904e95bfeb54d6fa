/*
 * hostile_peer: a slowloris and an idle-connection flood against an HTTP
 * server on this machine, for tests/hostile_spec.lua (loopback only).
 *
 *   hostile_peer PORT SOURCES SLOW IDLE SECONDS [RATE]
 *
 * Keeps SLOW connections that send a request line and then one header line
 * a second, never finishing their headers, and IDLE connections that send
 * nothing, to 127.0.0.1:PORT, for SECONDS seconds. Their source addresses
 * go round 127.0.0.2, 127.0.0.3, ... (SOURCES of them), so that the test's
 * own requests, from 127.0.0.1, are another client. A connection the
 * server closes is opened again, at most RATE (default 1000) new
 * connections a second in all, as an attacker would.
 *
 * Prints "ready" on stdout once every connection has been tried, then, at
 * the end, one line of counts: opened, closed (by the server), refused
 * (connect failed), max_open (most connections open at once), lines (header
 * lines sent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { KIND_SLOW, KIND_IDLE };
enum { ST_FREE, ST_CONNECTING, ST_OPEN };

typedef struct {
  int fd, kind, state;
  unsigned source;
  double next_line;
  unsigned lines;
} peer_t;

typedef struct {
  unsigned long opened, closed, refused, max_open, open, lines;
} counts_t;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void raise_fd_limit(rlim_t want) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
  rl.rlim_cur =
      rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

/* Closes at once, with a reset: no TIME_WAIT left behind. */
static void drop(int ep, peer_t *p, counts_t *c) {
  struct linger lg = {1, 0};
  setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
  close(p->fd);
  if (p->state == ST_OPEN) c->open--;
  p->fd = -1;
  p->state = ST_FREE;
}

static int start(int ep, peer_t *p, int port, counts_t *c) {
  struct sockaddr_in src, dst;
  struct epoll_event ev;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  memset(&src, 0, sizeof src);
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl(0x7f000002u + p->source);
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  dst.sin_port = htons((unsigned short)port);
  dst.sin_addr.s_addr = htonl(0x7f000001u);
  if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
      (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0 &&
       errno != EINPROGRESS)) {
    close(fd);
    c->refused++;
    return -1;
  }
  p->fd = fd;
  p->state = ST_CONNECTING;
  p->lines = 0;
  ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = p;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

static void send_line(int ep, peer_t *p, counts_t *c, double t) {
  char line[64];
  int n;
  if (p->lines == 0)
    n = snprintf(line, sizeof line, "POST /callback HTTP/1.1\r\n");
  else
    n = snprintf(line, sizeof line, "X-Slow-%u: keep waiting\r\n", p->lines);
  if (send(p->fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
    c->closed++;
    drop(ep, p, c);
    return;
  }
  p->lines++;
  c->lines++;
  p->next_line = t + 1.0;
}

static void on_event(int ep, peer_t *p, unsigned events, counts_t *c,
                     double t) {
  if (p->state == ST_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    struct epoll_event ev;
    getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      c->refused++;
      drop(ep, p, c);
      return;
    }
    p->state = ST_OPEN;
    c->opened++;
    if (++c->open > c->max_open) c->max_open = c->open;
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = p;
    epoll_ctl(ep, EPOLL_CTL_MOD, p->fd, &ev);
    if (p->kind == KIND_SLOW) send_line(ep, p, c, t);
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    char buf[512];
    ssize_t n = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0 && !(n < 0 && errno == EAGAIN)) {
      c->closed++;
      drop(ep, p, c);
    }
  }
}

int main(int argc, char **argv) {
  int port, ep;
  unsigned sources, slow, idle, total, rate = 1000, tried = 0, ready = 0;
  double seconds, t0, last;
  double budget = 0;
  peer_t *peers;
  counts_t c = {0, 0, 0, 0, 0, 0};
  struct epoll_event events[256];
  if (argc < 6) {
    fprintf(stderr, "usage: %s PORT SOURCES SLOW IDLE SECONDS [RATE]\n",
            argv[0]);
    return 2;
  }
  port = atoi(argv[1]);
  sources = (unsigned)atoi(argv[2]);
  slow = (unsigned)atoi(argv[3]);
  idle = (unsigned)atoi(argv[4]);
  seconds = atof(argv[5]);
  if (argc > 6) rate = (unsigned)atoi(argv[6]);
  if (port <= 0 || sources < 1 || sources > 200 || seconds <= 0) return 2;
  total = slow + idle;
  raise_fd_limit((rlim_t)total + 64);
  peers = calloc(total ? total : 1, sizeof *peers);
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (peers == NULL || ep < 0) return 1;
  for (unsigned i = 0; i < total; i++) {
    peers[i].fd = -1;
    peers[i].kind = i < slow ? KIND_SLOW : KIND_IDLE;
    peers[i].source = i % sources;
  }
  t0 = last = now();
  while (now() - t0 < seconds) {
    double t = now();
    int n;
    /* Open what is missing, within the rate. */
    budget += (t - last) * rate;
    if (budget > rate) budget = rate;
    last = t;
    for (unsigned i = 0; i < total && budget >= 1; i++) {
      if (peers[i].state != ST_FREE) continue;
      budget -= 1;
      start(ep, &peers[i], port, &c);
      if (tried < total) tried++;
    }
    if (!ready && tried >= total) {
      ready = 1;
      printf("ready\n");
      fflush(stdout);
    }
    n = epoll_wait(ep, events, 256, 10);
    t = now();
    for (int i = 0; i < n; i++)
      on_event(ep, events[i].data.ptr, events[i].events, &c, t);
    for (unsigned i = 0; i < slow; i++)
      if (peers[i].state == ST_OPEN && peers[i].next_line <= t)
        send_line(ep, &peers[i], &c, t);
  }
  if (!ready) printf("ready\n");
  printf("opened=%lu closed=%lu refused=%lu max_open=%lu lines=%lu\n", c.opened,
         c.closed, c.refused, c.max_open, c.lines);
  fflush(stdout);
  for (unsigned i = 0; i < total; i++)
    if (peers[i].state != ST_FREE) drop(ep, &peers[i], &c);
  free(peers);
  close(ep);
  return 0;
}
