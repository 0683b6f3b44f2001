#ifndef REGIMEN_GUARD_CSYSTEMD_SHIM_H
#define REGIMEN_GUARD_CSYSTEMD_SHIM_H
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/// 1 when the socket `fd` (one passed by systemd) is bound to a loopback address (127.0.0.0/8, ::1) or is a unix
/// socket; 0 otherwise or on error. In C because the sockaddr layouts are awkward from Swift.
static inline int rg_socket_is_loopback(int fd) {
    struct sockaddr_storage address;
    socklen_t length = sizeof(address);
    if (getsockname(fd, (struct sockaddr *)&address, &length) != 0) return 0;
    switch (address.ss_family) {
    case AF_UNIX: return 1;
    case AF_INET: return (ntohl(((struct sockaddr_in *)&address)->sin_addr.s_addr) >> 24) == 127;
    case AF_INET6: {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&address)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    default: return 0;
    }
}
#endif
