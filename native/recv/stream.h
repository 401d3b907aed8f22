// A receive stream: heap assembly over any number of readers, feeding a
// bounded ring that JS drains in batches.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/allocator.h"
#include "common/thread_pool.h"
#include "recv/heap_ring.h"
#include "recv/live_heap.h"
#include "recv/reader.h"
#include "recv/stream_config.h"
#include "recv/stream_stats.h"

namespace spead::recv {

class Stream : public PacketSink, public std::enable_shared_from_this<Stream>
{
public:
    Stream(StreamConfig config, std::shared_ptr<ThreadPool> pool, std::shared_ptr<Allocator> allocator);
    ~Stream() override;
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;

    const StreamConfig &config() const { return config_; }
    ThreadPool &thread_pool() { return *pool_; }

    // Takes ownership of a reader and starts it (unless explicit start is
    // pending). Throws if the stream has stopped, or was started with explicit_start.
    void add_reader(std::unique_ptr<Reader> reader);
    void start();
    // Stops everything: live heaps are dropped (as spead2 does for an external
    // stop), heaps already in the ring stay readable, readers are stopped and
    // released. Idempotent; safe from any thread except a reader's own.
    void stop();

    // PacketSink.
    bool add_packets(const ReceivedPacket *packets, std::size_t n, bool exact_size) override;
    void end_of_input() override;
    void count(ReaderCounter which, std::uint64_t n) override;

    HeapRing &ring() { return ring_; }

    // A consistent copy of every statistic, in index order.
    std::vector<std::uint64_t> stats() const;
    static const std::vector<std::string> &stat_names();

    // Warnings (dropped heaps, a blocked lossy reader) waiting for JS.
    std::vector<std::string> take_warnings();

private:
    struct Slot
    {
        std::optional<LiveHeap> heap;
    };

    void add_packet_locked(const ReceivedPacket &packet, bool exact_size, std::uint64_t &accepted);
    void heap_ready_locked(LiveHeap &&heap);
    void flush_locked();
    void stop_received_locked();
    void stop_readers();
    void warn_locked(std::string message);
    void publish_locked();

    const StreamConfig config_;
    std::shared_ptr<ThreadPool> pool_;
    std::shared_ptr<Allocator> allocator_;
    HeapRing ring_;

    // Lock order: mutex_ before stats_mutex_. JS only ever takes stats_mutex_
    // (and the ring's), so it never waits on a worker blocked on a full ring.
    mutable std::mutex mutex_; // assembly state and pending_
    mutable std::mutex stats_mutex_; // stats_ and warnings
    std::vector<Slot> slots_;
    std::vector<std::size_t> heads_;              // per substream: index of the newest slot
    std::unordered_map<std::int64_t, std::size_t> by_cnt_; // live heap cnt → slot
    std::vector<std::uint64_t> stats_;
    std::vector<std::uint64_t> pending_; // this batch's counts, published at its end
    std::deque<std::string> warnings_;
    std::uint64_t warnings_lost_ = 0;
    bool stopped_ = false;
    std::atomic<bool> stopping_{false}; // an external stop is under way: cut batches short
    bool lossy_ = false;

    std::mutex readers_mutex_; // never held while mutex_ is
    std::vector<std::unique_ptr<Reader>> readers_;
    bool started_;
    bool readers_stopped_ = false;
};

} // namespace spead::recv
