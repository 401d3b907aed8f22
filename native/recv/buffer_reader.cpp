#include "recv/buffer_reader.h"
#include "protocol/packet_decoder.h"

#include <vector>

namespace spead::recv {

BufferReader::BufferReader(ThreadPool &pool, PacketSink &sink, const std::uint8_t *data, std::size_t size)
    : pool_(pool), sink_(sink), data_(data), size_(size)
{
}

void BufferReader::start()
{
    std::shared_ptr<Control> control = control_;
    pool_.post([this, control] {
        {
            std::lock_guard<std::mutex> lock(control->mutex);
            if (control->stopping)
                return;
            control->running = true;
            control->runner = std::this_thread::get_id();
        }
        run();
        std::lock_guard<std::mutex> lock(control->mutex);
        control->running = false;
        control->done.notify_all();
    });
}

void BufferReader::run()
{
    // Like spead2's memory reader: the whole buffer is one batch, framed up to
    // the first packet that does not decode (the rest cannot be framed).
    std::vector<ReceivedPacket> batch;
    std::size_t pos = 0;
    while (pos < size_)
    {
        protocol::PacketHeader hdr;
        if (protocol::decode_packet(data_ + pos, size_ - pos, false, hdr) != protocol::PacketReject::NONE)
            break;
        batch.push_back({data_ + pos, hdr.size});
        pos += hdr.size;
    }
    {
        std::lock_guard<std::mutex> lock(control_->mutex);
        if (control_->stopping)
            return;
    }
    if (!batch.empty() && !sink_.add_packets(batch.data(), batch.size(), false))
        return;
    sink_.end_of_input();
}

void BufferReader::stop()
{
    std::unique_lock<std::mutex> lock(control_->mutex);
    control_->stopping = true;
    if (control_->runner != std::this_thread::get_id())
        control_->done.wait(lock, [this] { return !control_->running; });
}

} // namespace spead::recv
