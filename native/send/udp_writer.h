// Sends packets over UDP, one endpoint per substream, with sendmmsg batches.
#pragma once

#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "net/endpoint.h"
#include "send/writer.h"

namespace spead::send {

struct UdpWriterOptions
{
    std::size_t buffer_size = 512 * 1024; // spead2's default for UDP senders
    int ttl = -1;                         // multicast TTL / hops; -1: the OS default
    std::string interface_address;        // IPv4 multicast: outgoing interface
    int interface_index = 0;              // IPv6 multicast: outgoing interface
    bool gso = true;                      // UDP GSO when the kernel has it (falls back by itself)
};

class UdpWriter : public Writer
{
public:
    UdpWriter(std::vector<net::Endpoint> endpoints, const UdpWriterOptions &options);

    std::size_t num_substreams() const override { return endpoints_.size(); }
    void send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets,
              std::vector<int> &errors) override;

    // Whether GSO is in use (it turns itself off if the kernel refuses it).
    bool gso_active() const { return gso_; }

private:
    void send_plain(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets, std::size_t first,
                    std::size_t last, std::vector<int> &errors);

    std::vector<net::Endpoint> endpoints_;
    UniqueFd socket_;
    bool gso_;
};

} // namespace spead::send
