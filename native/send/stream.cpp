#include "send/stream.h"
#include "common/system_error.h"
#include "protocol/packet_generator.h"

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace spead::send {

namespace {

// Packets handed to the writer at once (sendmmsg's batch).
constexpr std::size_t BATCH_PACKETS = 64;

double now_seconds()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

Stream::Stream(SendConfig config, std::shared_ptr<ThreadPool> pool, std::unique_ptr<Writer> writer)
    : config_((config.validate(), config)), pool_(std::move(pool)), writer_(std::move(writer)),
      num_substreams_(writer_ ? writer_->num_substreams() : 0)
{
    if (!pool_)
        throw std::invalid_argument("a send stream needs a thread pool");
}

Stream::~Stream()
{
    stop();
    // The writer goes first: its callbacks (a TCP connect) report into this stream.
    writer_.reset();
}

void Stream::set_cnt_sequence(std::uint64_t next, std::uint64_t step)
{
    if (step == 0)
        throw std::invalid_argument("cnt step must not be zero");
    std::lock_guard<std::mutex> lock(mutex_);
    next_cnt_ = next;
    cnt_step_ = step;
}

void Stream::set_notify(std::function<void()> notify)
{
    bool pending;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        notify_ = notify;
        pending = !completions_.empty();
    }
    // A completion may have come first (a refused TCP connection on loopback).
    if (pending && notify)
        notify();
}

std::vector<Completion> Stream::take_completions()
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Completion> out;
    out.swap(completions_);
    return out;
}

std::size_t Stream::in_flight() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return queued_heaps_;
}

std::uint64_t Stream::enqueue(std::vector<HeapRequest> heaps, GroupMode mode)
{
    if (heaps.empty())
        throw std::invalid_argument("cannot send an empty group of heaps");
    if (heaps.size() > config_.max_heaps)
        throw std::invalid_argument("a group of " + std::to_string(heaps.size()) + " heaps exceeds maxHeaps ("
                                    + std::to_string(config_.max_heaps) + ")");
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopped_ || !writer_)
        throw std::system_error(ESHUTDOWN, std::generic_category(), "send stream is stopped");
    if (queued_heaps_ + heaps.size() > config_.max_heaps)
        throw std::system_error(EAGAIN, std::generic_category(),
                                "send queue is full (" + std::to_string(queued_heaps_) + " of maxHeaps "
                                    + std::to_string(config_.max_heaps) + " heaps in flight)");
    // Validate everything before changing anything: all or nothing.
    std::uint64_t cnt = next_cnt_;
    for (HeapRequest &h : heaps)
    {
        if (!h.heap)
            throw std::invalid_argument("missing heap");
        if (h.substream >= num_substreams_)
            throw std::invalid_argument("substream index " + std::to_string(h.substream) + " is out of range (the stream has "
                                        + std::to_string(num_substreams_) + ")");
        const int bits = h.heap->address_bits;
        const std::uint64_t mask = bits >= 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << bits) - 1;
        if (h.cnt < 0)
        {
            h.cnt = std::int64_t(cnt & mask); // automatic cnts wrap to the flavour's bits
            cnt += cnt_step_;
        }
        // Throws for a cnt that does not fit, a packet size too small, bad IDs.
        protocol::PacketGenerator check(*h.heap, std::uint64_t(h.cnt), config_.max_packet_size);
    }
    next_cnt_ = cnt;
    Group group;
    group.id = next_id_++;
    group.mode = mode;
    group.heaps = std::move(heaps);
    queued_heaps_ += group.heaps.size();
    const std::uint64_t id = group.id;
    queue_.push_back(std::move(group));
    if (!worker_active_)
    {
        worker_active_ = true;
        lock.unlock();
        pool_->post([this] { run(); });
    }
    return id;
}

void Stream::pace(std::uint64_t bytes, double rate)
{
    if (rate <= 0)
        return;
    // Bursts of burst_size bytes go back to back. The ideal schedule advances
    // at `rate`; when we are behind it, we catch up at rate × burst_rate_ratio
    // but never faster.
    burst_bytes_ += bytes;
    if (burst_bytes_ < config_.burst_size)
        return;
    const double now = now_seconds();
    if (send_time_ < now - 1.0)
        send_time_ = now; // idle for a while: do not try to make up for it
    send_time_ += double(burst_bytes_) / rate;
    const double catch_up = burst_start_ + double(burst_bytes_) / (rate * config_.burst_rate_ratio);
    const double next = std::max(send_time_, catch_up);
    burst_bytes_ = 0;
    burst_start_ = std::max(next, now);
    // A sleep shorter than the timer's granularity would overshoot and cap the
    // rate well below the target: let short waits accumulate until they are
    // worth sleeping for (the schedule above keeps the average exact).
    // A sleep also overshoots by tens of microseconds, which the 5% catch-up
    // cannot recover at high rates: sleep to just short of the deadline, then
    // spin the rest.
    constexpr double MIN_SLEEP = 200e-6, SPIN = 100e-6;
    if (next - now < MIN_SLEEP)
        return;
    std::this_thread::sleep_for(std::chrono::duration<double>(next - now - SPIN));
    while (now_seconds() < next)
        std::this_thread::yield();
}

void Stream::send_group(Group &group)
{
    std::vector<protocol::PacketGenerator> gens;
    gens.reserve(group.heaps.size());
    for (const HeapRequest &h : group.heaps)
        gens.emplace_back(*h.heap, std::uint64_t(h.cnt), config_.max_packet_size);
    std::vector<std::uint8_t> scratch(BATCH_PACKETS * config_.max_packet_size);
    std::vector<iovec> pieces;
    std::vector<OutPacket> packets;
    std::vector<int> errors;
    std::vector<std::size_t> owner; // packet → heap index
    std::size_t active = gens.size();
    std::size_t current = 0; // serial: the heap being sent; round-robin: the next to visit
    while (active > 0)
    {
        pieces.clear();
        packets.clear();
        owner.clear();
        while (packets.size() < BATCH_PACKETS && active > 0)
        {
            // Find the next heap with packets left.
            while (!gens[current].has_next())
                current = (current + 1) % gens.size();
            const std::size_t first = pieces.size();
            std::uint8_t *s = scratch.data() + packets.size() * config_.max_packet_size;
            const std::size_t size = gens[current].next(s, pieces);
            packets.push_back({first, pieces.size() - first, size, group.heaps[current].substream});
            owner.push_back(current);
            if (!gens[current].has_next())
                active--;
            if (group.mode == GroupMode::ROUND_ROBIN || !gens[current].has_next())
                current = (current + 1) % gens.size();
        }
        errors.assign(packets.size(), 0);
        writer_->send(pieces, packets, errors);
        for (std::size_t i = 0; i < packets.size(); i++)
        {
            if (errors[i] != 0)
            {
                if (group.error == 0)
                    group.error = errors[i];
            }
            else
                group.bytes += packets[i].size;
            const HeapRequest &h = group.heaps[owner[i]];
            pace(packets[i].size, h.rate < 0 ? config_.rate : h.rate);
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopped_)
            {
                group.error = group.error ? group.error : ESHUTDOWN;
                return;
            }
        }
    }
}

void Stream::complete(Group &group)
{
    Completion c{group.id, group.bytes, group.error, {}};
    c.heaps.reserve(group.heaps.size());
    for (HeapRequest &h : group.heaps)
        c.heaps.push_back(std::move(h.heap));
    post_completion(std::move(c), group.heaps.size());
}

void Stream::add_completion(Completion completion) { post_completion(std::move(completion), 0); }

void Stream::post_completion(Completion completion, std::size_t heaps_done)
{
    std::function<void()> notify;
    {
        // One lock for both, so JS never sees the heaps gone but the completion missing.
        std::lock_guard<std::mutex> lock(mutex_);
        queued_heaps_ -= heaps_done;
        const bool was_empty = completions_.empty();
        completions_.push_back(std::move(completion));
        if (was_empty)
            notify = notify_;
    }
    if (notify)
        notify();
}

void Stream::run()
{
    for (;;)
    {
        Group group;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (queue_.empty() || stopped_)
            {
                worker_active_ = false;
                idle_.notify_all();
                return;
            }
            group = std::move(queue_.front());
            queue_.pop_front();
        }
        try
        {
            send_group(group);
        }
        catch (const std::exception &)
        {
            group.error = group.error ? group.error : EIO;
        }
        complete(group);
    }
}

void Stream::stop()
{
    std::deque<Group> dropped;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (stopped_)
            return;
        stopped_ = true;
        dropped.swap(queue_);
        if (!pool_->on_pool_thread())
            idle_.wait(lock, [this] { return !worker_active_; });
    }
    for (Group &g : dropped)
    {
        g.error = ESHUTDOWN;
        complete(g);
    }
    if (!pool_->on_pool_thread())
        writer_.reset(); // the worker is idle: nothing uses the writer now
}

} // namespace spead::send
