#include "recv/pcap_reader.h"

#include <vector>

namespace spead::recv {

namespace {

constexpr std::size_t BATCH = 64;

} // namespace

PcapReader::PcapReader(ThreadPool &pool, PacketSink &sink, const std::string &path, const std::string &filter)
    : TaskReader(pool), sink_(sink), file_(path)
{
    if (!filter.empty())
        filter_ = std::make_unique<net::PcapFilter>(filter, file_.link_type());
}

void PcapReader::run()
{
    std::vector<ReceivedPacket> batch;
    batch.reserve(BATCH);
    net::PcapRecord record;
    net::UdpFrame frame;
    bool more = true;
    while (more)
    {
        batch.clear();
        std::uint64_t rejected = 0;
        while (batch.size() < BATCH && (more = file_.next(record)))
        {
            if (filter_ && !filter_->matches(record))
                continue; // not selected: neither counted nor delivered
            if (net::parse_udp_frame(record.data, record.captured, file_.link_type(), frame) != net::FrameReject::NONE)
            {
                rejected++;
                continue;
            }
            batch.push_back({frame.payload, frame.payload_length});
        }
        if (rejected)
            sink_.count(ReaderCounter::FRAME_REJECTED, rejected);
        if (stopping())
            return;
        if (!batch.empty() && !sink_.add_packets(batch.data(), batch.size(), true))
            return;
    }
    if (file_.truncated())
        sink_.count(ReaderCounter::TRUNCATED_INPUT, 1);
    sink_.end_of_input();
}

} // namespace spead::recv
