// A pool of worker threads, each running an epoll loop. Readers and writers
// register their file descriptors with watch(); one-off work goes through
// post(). Nothing here runs on the JS thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/unique_fd.h"

namespace spead {

class ThreadPool
{
public:
    class Watch;

    // affinity: CPU numbers, used cyclically for the threads (empty: no pinning).
    explicit ThreadPool(std::size_t threads = 1, std::vector<int> affinity = {});
    ~ThreadPool();
    ThreadPool(const ThreadPool &) = delete;
    ThreadPool &operator=(const ThreadPool &) = delete;

    std::size_t size() const { return threads_.size(); }

    // Runs task once on a pool thread. Tasks posted after stop() are dropped.
    void post(std::function<void()> task);

    // Calls on_ready on a pool thread whenever fd has any of the epoll events
    // (EPOLLIN/EPOLLOUT/...) set. A handler is never run on two threads at
    // once for the same watch. Destroying the Watch unregisters it and waits
    // for a running handler to return (unless it is destroyed from inside that
    // handler). The fd must outlive the Watch.
    std::unique_ptr<Watch> watch(int fd, std::uint32_t events, std::function<void()> on_ready);

    // Stops and joins the threads; idempotent. Watches must be gone or unused afterwards.
    void stop();

    bool on_pool_thread() const;

private:
    struct WatchState;
    void run(std::size_t index);
    void dispatch(std::uint64_t key);

    UniqueFd epoll_;
    UniqueFd wake_; // eventfd: readable while tasks are queued or the pool stops
    std::mutex mutex_;
    std::deque<std::function<void()>> tasks_;
    std::unordered_map<std::uint64_t, std::shared_ptr<WatchState>> watches_;
    std::uint64_t next_key_ = 1;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;
};

class ThreadPool::Watch
{
    struct Token
    {
    };

public:
    // Made only by ThreadPool::watch (the token is private).
    Watch(Token, ThreadPool &pool, std::shared_ptr<WatchState> state, std::uint64_t key)
        : pool_(pool), state_(std::move(state)), key_(key)
    {
    }
    ~Watch();
    Watch(const Watch &) = delete;
    Watch &operator=(const Watch &) = delete;

private:
    friend class ThreadPool;
    ThreadPool &pool_;
    std::shared_ptr<WatchState> state_;
    std::uint64_t key_;
};

} // namespace spead
