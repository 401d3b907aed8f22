// Reads UDP datagrams from a pcap file (spead2's add_udp_pcap_file_reader):
// IPv4/UDP without fragments, ANDed with an optional BPF filter. Lossless;
// the end of the file ends the stream.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/thread_pool.h"
#include "net/pcap_file.h"
#include "recv/reader.h"

namespace spead::recv {

class PcapReader : public Reader
{
public:
    PcapReader(ThreadPool &pool, PacketSink &sink, const std::string &path, const std::string &filter);
    ~PcapReader() override { stop(); }

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
    net::PcapFile file_;
    std::unique_ptr<net::PcapFilter> filter_;
    std::shared_ptr<Control> control_ = std::make_shared<Control>();
};

} // namespace spead::recv
