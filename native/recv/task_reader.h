// A reader whose input is finite and read in one go (a buffer, a file): it
// runs as one task on the thread pool, and stop() waits for that task.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "common/thread_pool.h"
#include "recv/reader.h"

namespace spead::recv {

class TaskReader : public Reader
{
public:
    explicit TaskReader(ThreadPool &pool) : pool_(pool) {}

    void start() override;
    // Waits for the task (unless called from it); the task sees stopping() and ends.
    void stop() override;
    bool lossy() const override { return false; }

protected:
    // The reading itself, on a pool thread. Check stopping() between batches.
    virtual void run() = 0;
    bool stopping() const;
    // Derived destructors must call stop() first: the task uses derived members.

private:
    struct Control
    {
        std::mutex mutex;
        std::condition_variable done;
        bool running = false;
        bool stopping = false;
        std::thread::id runner;
    };

    ThreadPool &pool_;
    std::shared_ptr<Control> control_ = std::make_shared<Control>();
};

} // namespace spead::recv
