// A queue of whole SPEAD packets between a send stream and a receive stream in
// the same process (spead2's inproc transport). Lossless: a receiver that
// stops reading makes the queue grow, exactly as in spead2.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "common/unique_fd.h"

namespace spead {

class InprocQueue
{
public:
    using Packet = std::vector<std::uint8_t>;

    InprocQueue();

    // Adds a packet; throws std::system_error(ESHUTDOWN) after stop().
    void push(Packet packet);
    // Moves up to max packets into out; returns false once stopped and drained.
    bool pop(std::vector<Packet> &out, std::size_t max);
    // No more packets: the reader ends its stream once it has drained the queue.
    void stop();
    bool stopped() const;

    // Readable (level-triggered) while packets are queued or the queue is stopped;
    // readers watch it with ThreadPool::watch.
    int fd() const { return event_.get(); }

private:
    mutable std::mutex mutex_;
    std::deque<Packet> packets_;
    bool stopped_ = false;
    UniqueFd event_;
};

} // namespace spead
