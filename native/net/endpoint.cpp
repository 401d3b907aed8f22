#include "net/endpoint.h"

#include <arpa/inet.h>
#include <cstring>
#include <netdb.h>
#include <stdexcept>

namespace spead::net {

bool Endpoint::is_multicast() const
{
    if (family() == AF_INET)
        return IN_MULTICAST(ntohl(reinterpret_cast<const sockaddr_in &>(addr).sin_addr.s_addr));
    if (family() == AF_INET6)
        return IN6_IS_ADDR_MULTICAST(&reinterpret_cast<const sockaddr_in6 &>(addr).sin6_addr);
    return false;
}

std::string Endpoint::to_string() const
{
    char buf[INET6_ADDRSTRLEN] = "";
    if (family() == AF_INET)
    {
        const auto &a = reinterpret_cast<const sockaddr_in &>(addr);
        inet_ntop(AF_INET, &a.sin_addr, buf, sizeof(buf));
        return std::string(buf) + ":" + std::to_string(ntohs(a.sin_port));
    }
    const auto &a = reinterpret_cast<const sockaddr_in6 &>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof(buf));
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(a.sin6_port));
}

Endpoint resolve_endpoint(const std::string &host, int port, int family)
{
    if (port < 0 || port > 65535)
        throw std::invalid_argument("port " + std::to_string(port) + " is out of range (0 to 65535)");
    Endpoint ep;
    if (host.empty())
    {
        if (family == AF_INET6)
        {
            auto &a = reinterpret_cast<sockaddr_in6 &>(ep.addr);
            a.sin6_family = AF_INET6;
            a.sin6_addr = in6addr_any;
            a.sin6_port = htons(std::uint16_t(port));
            ep.length = sizeof(sockaddr_in6);
        }
        else
        {
            auto &a = reinterpret_cast<sockaddr_in &>(ep.addr);
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_ANY);
            a.sin_port = htons(std::uint16_t(port));
            ep.length = sizeof(sockaddr_in);
        }
        return ep;
    }
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo *result = nullptr;
    const std::string service = std::to_string(port);
    int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
    if (rc != 0 || result == nullptr)
        throw std::invalid_argument("cannot resolve host '" + host + "': " + gai_strerror(rc));
    std::memcpy(&ep.addr, result->ai_addr, result->ai_addrlen);
    ep.length = result->ai_addrlen;
    ::freeaddrinfo(result);
    return ep;
}

} // namespace spead::net
