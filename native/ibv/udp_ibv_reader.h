// Receives SPEAD over UDP with ibverbs (spead2's add_udp_ibv_reader): a raw
// packet queue pair fed by flow-steering rules, one per endpoint, bypassing
// the kernel's network stack. Frames are parsed down to the UDP payload here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/thread_pool.h"
#include "common/unique_fd.h"
#include "ibv/ibv_lib.h"
#include "recv/reader.h"

namespace spead::recv {

struct UdpIbvReaderConfig
{
    static constexpr std::size_t default_buffer_size = 16 * 1024 * 1024;
    static constexpr std::size_t default_max_size = 9200;

    std::vector<std::pair<std::string, int>> endpoints; // IPv4 host, port
    std::string interface_address;
    std::size_t buffer_size = default_buffer_size; // 0 → default
    std::size_t max_size = default_max_size;       // largest frame, Ethernet header included
    int comp_vector = 0;                            // < 0: busy-poll
    int max_poll = 10;                              // polls before sleeping on the completion channel
};

class UdpIbvReader : public Reader
{
public:
    // Checks the configuration without touching any device; throws
    // std::invalid_argument. Called first by the constructor.
    static void validate(const UdpIbvReaderConfig &config);

    UdpIbvReader(ThreadPool &pool, PacketSink &sink, const UdpIbvReaderConfig &config);
    ~UdpIbvReader() override;

    void start() override;
    void stop() override;
    bool lossy() const override { return true; }

#ifdef SPEAD_HAVE_IBV
private:
    // Shared with the posted busy-poll task, so that a task which only runs
    // after stop() (or never, if the pool stopped) does not touch the reader.
    struct BusyState
    {
        std::mutex mutex;
        std::condition_variable cv;
        bool cancelled = false;
        bool running = false;
        std::atomic<bool> stop{false};
    };
    void on_ready();
    void busy_loop(const std::shared_ptr<BusyState> &state);
    // Polls the CQ once and hands what it found to the sink; returns the
    // number of completions, or -1 when the sink has stopped.
    int poll_once();
    void post_receives(const std::uint64_t *slots, std::size_t n);

    ThreadPool &pool_;
    PacketSink &sink_;
    std::size_t max_size_;
    int max_poll_;
    bool busy_poll_;
    std::size_t n_slots_ = 0;

    // Declaration order is destruction order in reverse: flows and QP go
    // before the CQ, the MR before its buffer and the PD, all before the device.
    std::vector<UniqueFd> join_sockets_; // hold the multicast memberships
    ibv::Device device_;
    ibv::Ptr<ibv_pd> pd_;
    ibv::Completion completion_;
    ibv::Ptr<ibv_qp> qp_;
    ibv::MappedBuffer buffer_;
    ibv::Ptr<ibv_mr> mr_;
    std::vector<ibv::Ptr<ibv_flow>> flows_;

    std::vector<ibv_wc> wcs_;
    std::vector<ReceivedPacket> packets_;
    std::vector<std::uint64_t> done_;
    std::vector<ibv_recv_wr> wrs_;
    std::vector<ibv_sge> sges_;

    std::shared_ptr<BusyState> busy_ = std::make_shared<BusyState>();

    std::mutex mutex_;
    std::unique_ptr<ThreadPool::Watch> watch_;
    bool stopped_ = false;
    bool started_ = false;
#endif
};

} // namespace spead::recv
