// Reads consecutive packets from memory (spead2's add_buffer_reader): stops at
// the first packet that does not decode, then ends the stream. Lossless.
#pragma once

#include <cstddef>
#include <cstdint>

#include "recv/task_reader.h"

namespace spead::recv {

class BufferReader : public TaskReader
{
public:
    // The bytes must stay valid until stop() returns.
    BufferReader(ThreadPool &pool, PacketSink &sink, const std::uint8_t *data, std::size_t size)
        : TaskReader(pool), sink_(sink), data_(data), size_(size)
    {
    }
    ~BufferReader() override { stop(); }

private:
    void run() override;

    PacketSink &sink_;
    const std::uint8_t *data_;
    std::size_t size_;
};

} // namespace spead::recv
