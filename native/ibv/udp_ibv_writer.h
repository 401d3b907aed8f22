// Sends SPEAD over UDP with ibverbs (spead2's UdpIbvStream): frames are built
// into a ring of registered slots and posted on a raw packet queue pair.
// Payload inside a registered user memory region goes out as its own
// scatter-gather entry, without a copy.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/unique_fd.h"
#include "ibv/ibv_lib.h"
#include "net/frame.h"
#include "send/writer.h"

namespace spead::send {

struct UdpIbvWriterConfig
{
    static constexpr std::size_t default_buffer_size = 512 * 1024;

    std::vector<std::pair<std::string, int>> endpoints; // IPv4 multicast host, port
    std::string interface_address;
    std::size_t buffer_size = default_buffer_size; // bytes of frame slots; 0 → default
    int ttl = 1;
    int comp_vector = 0; // < 0: busy-poll for send completions
    int max_poll = 10;   // polls before sleeping on the completion channel
    std::vector<std::pair<const std::uint8_t *, std::size_t>> memory_regions;
};

class UdpIbvWriter : public Writer
{
public:
    // Checks without touching a device; throws std::invalid_argument.
    static void validate(const UdpIbvWriterConfig &config);

    // max_packet_size: the stream's, to size the frame slots.
    UdpIbvWriter(const UdpIbvWriterConfig &config, std::size_t max_packet_size);
    ~UdpIbvWriter() override;

    std::size_t num_substreams() const override { return num_substreams_; }
    void send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets,
              std::vector<int> &errors) override;

private:
    std::size_t num_substreams_ = 0;
#ifdef SPEAD_HAVE_IBV
    struct Region
    {
        const std::uint8_t *begin;
        const std::uint8_t *end;
        ibv::Ptr<ibv_mr> mr;
    };
    // The registered region holding [p, p + n), or nullptr.
    const Region *find_region(const std::uint8_t *p, std::size_t n) const;
    // Waits until at least `want` slots are free (want ≤ n_slots), recording errors.
    void reap(std::size_t want, std::vector<int> &errors);
    // Polls the CQ once: frees slots, records failures. Returns completions seen.
    int poll_once(std::vector<int> &errors);

    std::vector<net::UdpFrameSpec> specs_; // per substream
    std::size_t slot_size_ = 0;
    std::size_t n_slots_ = 0;
    std::size_t max_sge_ = 1;
    int max_poll_;
    bool busy_poll_;
    std::uint16_t ip_id_ = 0;

    UniqueFd port_socket_; // reserves the source port
    ibv::Device device_;
    ibv::Ptr<ibv_pd> pd_;
    ibv::Completion completion_;
    ibv::Ptr<ibv_qp> qp_;
    ibv::MappedBuffer buffer_;
    ibv::Ptr<ibv_mr> mr_;
    std::vector<Region> regions_; // sorted by begin, disjoint

    std::vector<std::size_t> free_slots_;
    std::vector<std::size_t> slot_packet_; // packet index in the current send() per busy slot
    std::size_t busy_ = 0;
    std::vector<ibv_wc> wcs_;
    std::vector<ibv_send_wr> wrs_; // per slot
    std::vector<ibv_send_wr *> pending_; // built, not yet posted
    std::vector<ibv_sge> sges_;
#endif
};

} // namespace spead::send
