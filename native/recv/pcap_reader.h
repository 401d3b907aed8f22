// Reads UDP datagrams from a pcap file (spead2's add_udp_pcap_file_reader):
// IPv4/UDP without fragments, ANDed with an optional BPF filter. Lossless;
// the end of the file ends the stream. Frames the frame layer rejects are
// counted as FRAME_REJECTED, a cut-off final record as TRUNCATED_INPUT.
#pragma once

#include <string>

#include "net/pcap_file.h"
#include "recv/task_reader.h"

namespace spead::recv {

class PcapReader : public TaskReader
{
public:
    PcapReader(ThreadPool &pool, PacketSink &sink, const std::string &path, const std::string &filter)
        : TaskReader(pool), sink_(sink), file_(path, filter)
    {
    }
    ~PcapReader() override { stop(); }

private:
    void run() override;

    PacketSink &sink_;
    net::PcapFileReader file_;
};

} // namespace spead::recv
