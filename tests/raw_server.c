/*
 * A server for the tests that sends what no well-behaved server would: an
 * answer whose header block is huge, or whose body is. It listens on a free
 * loopback port, prints the port on stdout, answers each connection the same
 * way, and exits after 30 seconds whatever happens.
 *
 *   raw_server headers BYTES    200 with a header line of BYTES bytes
 *   raw_server body BYTES       200 with a body of BYTES bytes, streamed
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes n bytes of filler. */
static int write_filler(int fd, char c, size_t n) {
  char chunk[65536];
  memset(chunk, c, sizeof chunk);
  while (n > 0) {
    size_t k = n < sizeof chunk ? n : sizeof chunk;
    if (write_all(fd, chunk, k) != 0) return -1;
    n -= k;
  }
  return 0;
}

static void answer(int fd, int huge_headers, size_t bytes) {
  char req[8192];
  if (read(fd, req, sizeof req) <= 0)
    return; /* the request; its end is not
               awaited: nobody checks */
  char head[256];
  if (huge_headers) {
    write_all(fd, "HTTP/1.1 200 OK\r\nX-Huge: ", 26);
    write_filler(fd, 'h', bytes);
    snprintf(
        head, sizeof head,
        "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    write_all(fd, head, strlen(head));
  } else {
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n",
             bytes);
    if (write_all(fd, head, strlen(head)) == 0) write_filler(fd, ' ', bytes);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: raw_server headers|body BYTES\n");
    return 2;
  }
  int huge_headers = strcmp(argv[1], "headers") == 0;
  size_t bytes = (size_t)strtoull(argv[2], NULL, 10);
  signal(SIGPIPE, SIG_IGN);
  alarm(30);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(s, 16) != 0 || getsockname(s, (struct sockaddr *)&a, &len) != 0)
    return 1;
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  for (;;) {
    int fd = accept(s, NULL, NULL);
    if (fd < 0) continue;
    answer(fd, huge_headers, bytes);
    close(fd);
  }
}
