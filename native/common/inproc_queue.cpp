#include "common/inproc_queue.h"
#include "common/system_error.h"

#include <sys/eventfd.h>

namespace spead {

InprocQueue::InprocQueue() : event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (!event_)
        throw_errno("eventfd");
}

void InprocQueue::push(Packet packet)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_)
        throw std::system_error(ESHUTDOWN, std::generic_category(), "inproc queue is stopped");
    packets_.push_back(std::move(packet));
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(event_.get(), &one, sizeof(one));
}

bool InprocQueue::pop(std::vector<Packet> &out, std::size_t max)
{
    std::lock_guard<std::mutex> lock(mutex_);
    while (!packets_.empty() && out.size() < max)
    {
        out.push_back(std::move(packets_.front()));
        packets_.pop_front();
    }
    if (packets_.empty() && !stopped_)
    {
        std::uint64_t count;
        [[maybe_unused]] ssize_t r = ::read(event_.get(), &count, sizeof(count));
    }
    return !(stopped_ && packets_.empty() && out.empty());
}

void InprocQueue::stop()
{
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(event_.get(), &one, sizeof(one));
}

bool InprocQueue::stopped() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return stopped_;
}

} // namespace spead
