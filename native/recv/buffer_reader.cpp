#include "recv/buffer_reader.h"
#include "protocol/packet_decoder.h"

#include <vector>

namespace spead::recv {

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
    if (stopping())
        return;
    if (!batch.empty() && !sink_.add_packets(batch.data(), batch.size(), false))
        return;
    sink_.end_of_input();
}

} // namespace spead::recv
