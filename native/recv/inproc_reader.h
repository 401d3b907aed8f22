// Reads packets from an InprocQueue filled by a send stream in the same
// process. Lossless; the queue's stop ends the stream.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "common/inproc_queue.h"
#include "common/thread_pool.h"
#include "recv/reader.h"

namespace spead::recv {

class InprocReader : public Reader
{
public:
    InprocReader(ThreadPool &pool, PacketSink &sink, std::shared_ptr<InprocQueue> queue);
    ~InprocReader() override { stop(); }

    void start() override;
    void stop() override;
    bool lossy() const override { return false; }

private:
    void on_ready();

    ThreadPool &pool_;
    PacketSink &sink_;
    std::shared_ptr<InprocQueue> queue_;
    std::vector<InprocQueue::Packet> packets_;
    std::mutex mutex_;
    std::unique_ptr<ThreadPool::Watch> watch_;
    bool finished_ = false;
};

} // namespace spead::recv
