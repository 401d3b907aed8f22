#include "net/interface.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "common/system_error.h"
#include "common/unique_fd.h"

namespace spead::net {

namespace {

struct IfaddrsFree
{
    void operator()(ifaddrs *p) const { freeifaddrs(p); }
};

std::unique_ptr<ifaddrs, IfaddrsFree> get_ifaddrs()
{
    ifaddrs *list = nullptr;
    if (getifaddrs(&list) != 0)
        throw_errno("getifaddrs");
    return std::unique_ptr<ifaddrs, IfaddrsFree>(list);
}

} // namespace

int interface_index(const std::string &name)
{
    const unsigned index = if_nametoindex(name.c_str());
    if (index == 0)
        throw std::system_error(ENODEV, std::generic_category(), "no network interface named '" + name + "'");
    return int(index);
}

std::optional<std::uint32_t> interface_ipv4(const std::string &name)
{
    auto list = get_ifaddrs();
    for (ifaddrs *a = list.get(); a; a = a->ifa_next)
        if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && name == a->ifa_name)
            return ntohl(reinterpret_cast<const sockaddr_in *>(a->ifa_addr)->sin_addr.s_addr);
    return std::nullopt;
}

std::optional<std::string> interface_with_ipv4(std::uint32_t address)
{
    auto list = get_ifaddrs();
    for (ifaddrs *a = list.get(); a; a = a->ifa_next)
        if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET
            && ntohl(reinterpret_cast<const sockaddr_in *>(a->ifa_addr)->sin_addr.s_addr) == address)
            return std::string(a->ifa_name);
    return std::nullopt;
}

std::vector<std::uint32_t> interface_rx_queues(const std::string &name)
{
    interface_index(name); // ENODEV, naming it
    std::uint32_t n = 0;
    for (;; n++)
    {
        const std::string dir = "/sys/class/net/" + name + "/queues/rx-" + std::to_string(n);
        if (::access(dir.c_str(), F_OK) != 0)
            break;
    }
    std::vector<std::uint32_t> queues;
    for (std::uint32_t q = 0; q < std::max<std::uint32_t>(n, 1); q++)
        queues.push_back(q);
    return queues;
}

MacAddress interface_mac(const std::string &name)
{
    if (name.size() >= IFNAMSIZ)
        throw std::invalid_argument("interface name '" + name + "' is too long");
    UniqueFd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s)
        throw_errno("socket");
    ifreq req{};
    std::memcpy(req.ifr_name, name.c_str(), name.size());
    if (ioctl(s.get(), SIOCGIFHWADDR, &req) != 0)
        throw_errno("reading the MAC address of " + name);
    MacAddress mac{};
    std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, mac.size());
    return mac;
}

std::optional<MacAddress> neighbour_mac(const std::string &interface, std::uint32_t address)
{
    // /proc/net/arp: "IP address  HW type  Flags  HW address  Mask  Device"
    std::ifstream arp("/proc/net/arp");
    std::string line;
    std::getline(arp, line); // heading
    while (std::getline(arp, line))
    {
        std::istringstream fields(line);
        std::string ip, hwtype, flags, hw, mask, dev;
        if (!(fields >> ip >> hwtype >> flags >> hw >> mask >> dev) || dev != interface)
            continue;
        in_addr a{};
        if (inet_pton(AF_INET, ip.c_str(), &a) != 1 || ntohl(a.s_addr) != address)
            continue;
        if ((std::stoul(flags, nullptr, 16) & 0x2) == 0) // ATF_COM: resolution complete
            continue;
        return parse_mac(hw);
    }
    return std::nullopt;
}

MacAddress parse_mac(const std::string &text)
{
    MacAddress mac{};
    unsigned b[6];
    char tail = 0;
    if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        throw std::invalid_argument("'" + text + "' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
    for (int i = 0; i < 6; i++)
        mac[i] = std::uint8_t(b[i]);
    return mac;
}

std::string format_mac(const MacAddress &mac)
{
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

} // namespace spead::net
