// Classic libpcap capture files: a reader yielding UDP datagrams (with an
// optional BPF filter compiled by a run-time-loaded libpcap) and a writer of
// Ethernet/IPv4/UDP frames.
#pragma once

#include "common/unique_fd.h"
#include "net/frame.h"

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace spead::net {

// One datagram out of a capture file.
struct PcapRecord
{
    const std::uint8_t *payload = nullptr; // UDP payload, inside the reader's mapping
    std::size_t payload_size = 0;
    Ipv4Endpoint src, dst;
    int vlan = -1;
    std::uint64_t timestamp_ns = 0; // since the Unix epoch
};

struct PcapReaderStats
{
    FrameStats frames;                // accepted/rejected by the frame layer
    std::uint64_t filtered = 0;       // records the BPF filter dropped
    std::uint64_t truncated = 0;      // final record cut short, or captured shorter than on the wire
};

class BpfFilter; // libpcap-compiled filter (pcap_file.cpp)

// Reads a whole capture file through a read-only mapping. Records handed out
// by next_batch point into the mapping and stay valid while the reader lives
// (the documented contract is only "until the next call", so the reader may
// later switch to buffered reads).
class PcapFileReader
{
public:
    // Throws std::system_error if the file cannot be opened or mapped,
    // std::invalid_argument for a bad header, an unsupported link type, a
    // filter that does not compile, or a filter when libpcap is absent.
    explicit PcapFileReader(const std::string &path, const std::string &filter = {});
    ~PcapFileReader();
    PcapFileReader(const PcapFileReader &) = delete;
    PcapFileReader &operator=(const PcapFileReader &) = delete;

    // Up to max datagrams; empty only at the end of the file.
    const std::vector<PcapRecord> &next_batch(std::size_t max);
    bool at_end() const { return done_; }
    std::uint32_t link_type() const { return link_type_; }
    const PcapReaderStats &stats() const { return stats_; }

private:
    class Mapping
    {
    public:
        Mapping() = default;
        Mapping(void *data, std::size_t size) : data_(data), size_(size) {}
        ~Mapping();
        Mapping(Mapping &&o) noexcept;
        Mapping &operator=(Mapping &&o) noexcept;
        const std::uint8_t *data() const { return static_cast<const std::uint8_t *>(data_); }
        std::size_t size() const { return size_; }

    private:
        void *data_ = nullptr;
        std::size_t size_ = 0;
    };

    std::uint32_t load32(const std::uint8_t *p) const;

    Mapping map_;
    bool swapped_ = false;
    bool nanoseconds_ = false;
    std::uint32_t link_type_ = 0;
    std::uint32_t snaplen_ = 0;
    std::size_t pos_ = 0;
    bool done_ = false;
    std::unique_ptr<BpfFilter> filter_;
    std::vector<PcapRecord> batch_;
    PcapReaderStats stats_;
};

// Writes one Ethernet/IPv4/UDP frame per datagram, timestamped with the real
// clock. Buffered; flush() pushes to the kernel, close() flushes and closes.
class PcapFileWriter
{
public:
    explicit PcapFileWriter(const std::string &path);
    ~PcapFileWriter(); // flushes, swallowing errors (call close() to see them)
    PcapFileWriter(const PcapFileWriter &) = delete;
    PcapFileWriter &operator=(const PcapFileWriter &) = delete;

    void write(const iovec *payload, std::size_t payload_count, const Ipv4Endpoint &src, const Ipv4Endpoint &dst);
    void flush();
    void close();
    bool closed() const { return !fd_; }
    std::uint64_t records() const { return records_; }

private:
    void append(const std::uint8_t *data, std::size_t size);

    UniqueFd fd_;
    std::vector<std::uint8_t> buffer_;
    std::vector<std::uint8_t> frame_;
    std::uint16_t ip_id_ = 0;
    std::uint64_t records_ = 0;
};

// True if libpcap can be loaded (so filters are available).
bool libpcap_available();

} // namespace spead::net
