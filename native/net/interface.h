// What the kernel knows about a network interface: index, IPv4 address, MAC
// address, and the neighbour (ARP) table, for transports that build their own
// frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/frame.h"

namespace spead::net {

// The interface's index; throws std::system_error(ENODEV) naming it if absent.
int interface_index(const std::string &name);
// Its first IPv4 address (host byte order), if it has one.
std::optional<std::uint32_t> interface_ipv4(const std::string &name);
// The interface that holds IPv4 `address` (host byte order), if any.
std::optional<std::string> interface_with_ipv4(std::uint32_t address);
// The receive queues the interface has (0…n-1, from /sys/class/net); at least {0}.
std::vector<std::uint32_t> interface_rx_queues(const std::string &name);
// Its hardware address; throws if it has none.
MacAddress interface_mac(const std::string &name);
// The MAC the neighbour table holds for `address` on `interface`, if complete.
std::optional<MacAddress> neighbour_mac(const std::string &interface, std::uint32_t address);
// "aa:bb:cc:dd:ee:ff" ↔ MacAddress; parse throws std::invalid_argument.
MacAddress parse_mac(const std::string &text);
std::string format_mac(const MacAddress &mac);

} // namespace spead::net
