// A send stream: groups of heaps queue up (at most max_heaps in flight), a
// worker on the thread pool packetises them (serially or round-robin), paces
// them with the rate limiter and hands batches to the Writer. Completions are
// queued for JS, which is woken once per batch of completions.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/thread_pool.h"
#include "send/send_config.h"
#include "send/send_heap.h"
#include "send/writer.h"

namespace spead::send {

enum class GroupMode
{
    ROUND_ROBIN = 0,
    SERIAL = 1,
};

struct HeapRequest
{
    std::shared_ptr<const SendHeap> heap;
    std::int64_t cnt = -1;       // < 0: next in the stream's sequence
    std::size_t substream = 0;
    double rate = -1.0;          // < 0: the stream's rate; 0: unlimited
};

struct Completion
{
    std::uint64_t id;   // the group's id, as returned by enqueue
    std::uint64_t bytes;
    int error;          // 0 or an errno
    // The heaps, released on the JS thread (they may hold JS references).
    std::vector<std::shared_ptr<const SendHeap>> heaps;
};

class Stream
{
public:
    Stream(SendConfig config, std::shared_ptr<ThreadPool> pool, std::unique_ptr<Writer> writer);
    // The writer may be set after construction (it may need the stream to report to).
    void set_writer(std::unique_ptr<Writer> writer)
    {
        num_substreams_ = writer ? writer->num_substreams() : 0;
        writer_ = std::move(writer);
    }
    ~Stream();

    // Queues a group all-or-nothing and returns its id. Throws
    // std::invalid_argument for a bad group (empty, bad substream, a cnt that
    // does not fit, a packet size too small) — nothing is queued and the cnt
    // sequence is unchanged — and std::system_error(EAGAIN) when the group does
    // not fit in the free in-flight space.
    std::uint64_t enqueue(std::vector<HeapRequest> heaps, GroupMode mode);

    void set_cnt_sequence(std::uint64_t next, std::uint64_t step);
    std::size_t num_substreams() const { return num_substreams_; }
    const SendConfig &config() const { return config_; }

    // Reports an event that is not a group (a TCP connection's result) as a completion.
    void add_completion(Completion completion);
    // Completions since the last call (JS thread).
    std::vector<Completion> take_completions();
    // Called (from a pool thread) when completions become available.
    void set_notify(std::function<void()> notify);
    // Heaps queued or being sent.
    std::size_t in_flight() const;
    // Stops sending: queued groups complete with ESHUTDOWN. Waits for the worker,
    // then releases the writer (closing its socket).
    void stop();

private:
    struct Group
    {
        std::uint64_t id;
        GroupMode mode;
        std::vector<HeapRequest> heaps; // cnts resolved
        std::uint64_t bytes = 0;
        int error = 0;
    };

    void run();
    void send_group(Group &group);
    void pace(std::uint64_t bytes, double rate);
    void complete(Group &group);
    void post_completion(Completion completion, std::size_t heaps_done);

    const SendConfig config_;
    std::shared_ptr<ThreadPool> pool_;
    std::unique_ptr<Writer> writer_;
    std::size_t num_substreams_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::deque<Group> queue_;
    std::size_t queued_heaps_ = 0;
    bool worker_active_ = false;
    bool stopped_ = false;
    std::uint64_t next_id_ = 1;
    std::uint64_t next_cnt_ = 1;
    std::uint64_t cnt_step_ = 1;
    std::vector<Completion> completions_;
    std::function<void()> notify_;

    // Rate limiter state (worker only).
    double send_time_ = 0;   // when the ideal schedule allows the next burst (s, steady clock)
    double burst_start_ = 0; // when the current burst started
    std::uint64_t burst_bytes_ = 0;
};

} // namespace spead::send
