#include "common/thread_pool.h"
#include "common/system_error.h"

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

namespace spead {

struct ThreadPool::WatchState
{
    int fd;
    std::uint32_t events;
    std::function<void()> on_ready;
    std::mutex mutex;
    std::condition_variable idle;
    bool running = false;
    bool cancelled = false;
    std::thread::id runner;
};

namespace {

constexpr std::uint64_t WAKE_KEY = 0;
thread_local const ThreadPool *current_pool = nullptr;

} // namespace

ThreadPool::ThreadPool(std::size_t threads, std::vector<int> affinity)
{
    if (threads == 0)
        throw std::invalid_argument("ThreadPool needs at least one thread");
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_)
        throw_errno("epoll_create1");
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_)
        throw_errno("eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN; // level-triggered: every idle thread sees queued work
    ev.data.u64 = WAKE_KEY;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) < 0)
        throw_errno("epoll_ctl");
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; i++)
    {
        threads_.emplace_back([this, i] { run(i); });
        if (!affinity.empty())
        {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(affinity[i % affinity.size()], &set);
            // Best effort, like spead2: a CPU that does not exist is not fatal.
            pthread_setaffinity_np(threads_.back().native_handle(), sizeof(set), &set);
        }
    }
}

ThreadPool::~ThreadPool() { stop(); }

bool ThreadPool::on_pool_thread() const { return current_pool == this; }

void ThreadPool::stop()
{
    if (stopping_.exchange(true))
        return;
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_.get(), &one, sizeof(one));
    for (auto &t : threads_)
    {
        if (t.get_id() == std::this_thread::get_id())
            t.detach(); // stop() from a pool thread: it returns to its loop and exits
        else if (t.joinable())
            t.join();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.clear();
}

void ThreadPool::post(std::function<void()> task)
{
    if (stopping_)
        return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_.get(), &one, sizeof(one));
}

std::unique_ptr<ThreadPool::Watch> ThreadPool::watch(int fd, std::uint32_t events, std::function<void()> on_ready)
{
    auto state = std::make_shared<WatchState>();
    state->fd = fd;
    state->events = events;
    state->on_ready = std::move(on_ready);
    std::uint64_t key;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        key = next_key_++;
        watches_.emplace(key, state);
    }
    epoll_event ev{};
    ev.events = events | EPOLLONESHOT;
    ev.data.u64 = key;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
    {
        int err = errno;
        std::lock_guard<std::mutex> lock(mutex_);
        watches_.erase(key);
        throw_errno("epoll_ctl(ADD)", err);
    }
    return std::make_unique<Watch>(Watch::Token{}, *this, std::move(state), key);
}

ThreadPool::Watch::~Watch()
{
    {
        std::lock_guard<std::mutex> lock(pool_.mutex_);
        pool_.watches_.erase(key_);
    }
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->cancelled = true;
    ::epoll_ctl(pool_.epoll_.get(), EPOLL_CTL_DEL, state_->fd, nullptr);
    if (state_->runner != std::this_thread::get_id())
        state_->idle.wait(lock, [this] { return !state_->running; });
}

void ThreadPool::dispatch(std::uint64_t key)
{
    std::shared_ptr<WatchState> state;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = watches_.find(key);
        if (it == watches_.end())
            return; // unregistered after the event was reported
        state = it->second;
    }
    {
        std::lock_guard<std::mutex> lock(state->mutex);
        if (state->cancelled)
            return;
        state->running = true;
        state->runner = std::this_thread::get_id();
    }
    state->on_ready();
    std::lock_guard<std::mutex> lock(state->mutex);
    state->running = false;
    state->runner = std::thread::id();
    if (!state->cancelled)
    {
        epoll_event ev{};
        ev.events = state->events | EPOLLONESHOT;
        ev.data.u64 = key;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, state->fd, &ev);
    }
    state->idle.notify_all();
}

void ThreadPool::run(std::size_t)
{
    current_pool = this;
    epoll_event events[16];
    while (!stopping_)
    {
        int n = ::epoll_wait(epoll_.get(), events, 16, -1);
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n && !stopping_; i++)
        {
            if (events[i].data.u64 != WAKE_KEY)
            {
                dispatch(events[i].data.u64);
                continue;
            }
            std::function<void()> task;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (!tasks_.empty())
                {
                    task = std::move(tasks_.front());
                    tasks_.pop_front();
                }
                if (tasks_.empty())
                {
                    std::uint64_t count;
                    [[maybe_unused]] ssize_t r = ::read(wake_.get(), &count, sizeof(count));
                }
            }
            if (task)
                task();
        }
    }
    // Pass the stop on: this thread may have consumed the eventfd's last count.
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_.get(), &one, sizeof(one));
}

} // namespace spead
