#include "recv/inproc_reader.h"

#include <sys/epoll.h>

namespace spead::recv {

namespace {

constexpr std::size_t BATCH = 64;

} // namespace

InprocReader::InprocReader(ThreadPool &pool, PacketSink &sink, std::shared_ptr<InprocQueue> queue)
    : pool_(pool), sink_(sink), queue_(std::move(queue))
{
}

void InprocReader::start()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (!watch_ && !finished_)
        watch_ = pool_.watch(queue_->fd(), EPOLLIN, [this] { on_ready(); });
}

void InprocReader::on_ready()
{
    packets_.clear();
    const bool more = queue_->pop(packets_, BATCH);
    std::vector<ReceivedPacket> batch;
    batch.reserve(packets_.size());
    for (const auto &p : packets_)
        batch.push_back({p.data(), p.size()});
    bool keep_going = more;
    if (!batch.empty())
        keep_going = sink_.add_packets(batch.data(), batch.size(), true) && keep_going;
    if (!more)
        sink_.end_of_input();
    if (!keep_going)
    {
        // Unregister from inside the handler (allowed), so a stopped queue,
        // which stays readable, does not keep waking the pool.
        std::lock_guard<std::mutex> lock(mutex_);
        finished_ = true;
        watch_.reset();
    }
}

void InprocReader::stop()
{
    std::unique_ptr<ThreadPool::Watch> watch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_ = true;
        watch.swap(watch_);
    }
    // Destroyed outside the lock: it waits for a running handler, which may need the lock.
}

} // namespace spead::recv
