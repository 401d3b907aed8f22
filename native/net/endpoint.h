// Socket addresses from text: numeric IPv4/IPv6 or a host name.
#pragma once

#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>

namespace spead::net {

struct Endpoint
{
    sockaddr_storage addr{};
    socklen_t length = 0;

    int family() const { return addr.ss_family; }
    bool is_multicast() const;
    std::string to_string() const;
};

// Resolves host ('' = the wildcard of `family`, AF_UNSPEC meaning IPv4) and
// port. Throws std::invalid_argument naming the host when it cannot.
Endpoint resolve_endpoint(const std::string &host, int port, int family = AF_UNSPEC);

} // namespace spead::net
