// Reads UDP datagrams from a pcap file (spead2's add_udp_pcap_file_reader):
// IPv4/UDP without fragments, ANDed with an optional BPF filter. Lossless;
// the end of the file ends the stream.
#pragma once

#include <memory>
#include <string>

#include "net/pcap_file.h"
#include "recv/task_reader.h"

namespace spead::recv {

class PcapReader : public TaskReader
{
public:
    PcapReader(ThreadPool &pool, PacketSink &sink, const std::string &path, const std::string &filter);
    ~PcapReader() override { stop(); }

private:
    void run() override;

    PacketSink &sink_;
    net::PcapFile file_;
    std::unique_ptr<net::PcapFilter> filter_;
};

} // namespace spead::recv
