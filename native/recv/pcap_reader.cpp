#include "recv/pcap_reader.h"

#include <numeric>
#include <vector>

namespace spead::recv {

namespace {

constexpr std::size_t BATCH = 64;

std::uint64_t rejected(const net::PcapReaderStats &s)
{
    return std::accumulate(s.frames.counts.begin(), s.frames.counts.end(), std::uint64_t(0));
}

} // namespace

void PcapReader::run()
{
    std::vector<ReceivedPacket> batch;
    batch.reserve(BATCH);
    std::uint64_t counted_rejects = 0;
    while (!file_.at_end())
    {
        const std::vector<net::PcapRecord> &records = file_.next_batch(BATCH);
        batch.clear();
        for (const net::PcapRecord &r : records)
            batch.push_back({r.payload, r.payload_size});
        const std::uint64_t rejects = rejected(file_.stats());
        if (rejects > counted_rejects)
        {
            sink_.count(ReaderCounter::FRAME_REJECTED, rejects - counted_rejects);
            counted_rejects = rejects;
        }
        if (stopping())
            return;
        if (!batch.empty() && !sink_.add_packets(batch.data(), batch.size(), true))
            return;
    }
    if (file_.stats().truncated > 0)
        sink_.count(ReaderCounter::TRUNCATED_INPUT, file_.stats().truncated);
    sink_.end_of_input();
}

} // namespace spead::recv
