/* The echo floor of `make bench`: a UDP server that answers every datagram with its own
 * bytes, the QR bit set, and no lookup at all. What it costs per answer is the kernel's
 * loopback path, under every DNS server that uses ordinary sockets. Batches of up to 64
 * datagrams go through recvmmsg/sendmmsg. One thread; it runs until killed.
 *
 *   echo_floor PORT          listens on 127.0.0.1:PORT
 *
 * bench/run.sh builds it with the system's C compiler. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BATCH = 64, MAX_DATAGRAM = 1232, DNS_HEADER = 12 };

static unsigned char buffers[BATCH][MAX_DATAGRAM];
static struct sockaddr_in peers[BATCH];
static struct iovec vectors[BATCH];
static struct mmsghdr messages[BATCH];

static int parse_port(const char* text) {
    char* end = NULL;
    errno = 0;
    long port = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || port < 1 || port > 65535) return -1;
    return (int)port;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: echo_floor PORT\n");
        return 2;
    }
    int port = parse_port(argv[1]);
    if (port < 0) {
        fprintf(stderr, "echo_floor: '%s' is not a port (1-65535)\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("echo_floor: socket");
        return 1;
    }
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr*)&local, sizeof local) != 0) {
        fprintf(stderr, "echo_floor: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 1;
    }
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            vectors[i].iov_base = buffers[i];
            vectors[i].iov_len = MAX_DATAGRAM;
            memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
            messages[i].msg_hdr.msg_name = &peers[i];
            messages[i].msg_hdr.msg_namelen = sizeof peers[i];
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int got = recvmmsg(fd, messages, BATCH, MSG_WAITFORONE, NULL);
        if (got < 0) {
            if (errno == EINTR) continue;
            perror("echo_floor: recvmmsg");
            return 1;
        }
        int out = 0;
        for (int i = 0; i < got; i++) {
            if (messages[i].msg_len < DNS_HEADER) continue; /* not DNS: no answer */
            buffers[i][2] |= 0x80;                          /* QR: this is a response */
            vectors[i].iov_len = messages[i].msg_len;
            if (out != i) {
                messages[out] = messages[i];
            }
            out++;
        }
        if (out > 0 && sendmmsg(fd, messages, (unsigned)out, 0) < 0 && errno != EINTR) {
            perror("echo_floor: sendmmsg");
        }
    }
}
