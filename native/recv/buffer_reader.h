// Reads consecutive packets from memory (spead2's add_buffer_reader): stops at
// the first packet that does not decode, then ends the stream. Lossless.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "common/thread_pool.h"
#include "recv/reader.h"

namespace spead::recv {

class BufferReader : public Reader
{
public:
    // The bytes must stay valid until stop() returns.
    BufferReader(ThreadPool &pool, PacketSink &sink, const std::uint8_t *data, std::size_t size);
    ~BufferReader() override { stop(); }

    void start() override;
    void stop() override;
    bool lossy() const override { return false; }

private:
    void run();

    struct Control
    {
        std::mutex mutex;
        std::condition_variable done;
        bool running = false;
        bool stopping = false;
        std::thread::id runner;
    };

    ThreadPool &pool_;
    PacketSink &sink_;
    const std::uint8_t *data_;
    std::size_t size_;
    std::shared_ptr<Control> control_ = std::make_shared<Control>();
};

} // namespace spead::recv
