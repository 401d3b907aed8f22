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

// Reads a capture file with large buffered reads (not mmap, so a file that
// shrinks under us cannot raise SIGBUS). Records handed out by next_batch
// point into the reader's buffer and stay valid until the next call.
class PcapFileReader
{
public:
    // Throws std::system_error if the file cannot be opened or read,
    // std::invalid_argument for a bad header, an unsupported link type, a
    // filter that does not compile, or a filter when libpcap is absent.
    explicit PcapFileReader(const std::string &path, const std::string &filter = {});
    ~PcapFileReader();
    PcapFileReader(const PcapFileReader &) = delete;
    PcapFileReader &operator=(const PcapFileReader &) = delete;

    // Up to max datagrams (fewer when a record straddles the buffer end);
    // empty only at the end of the file.
    const std::vector<PcapRecord> &next_batch(std::size_t max);
    bool at_end() const { return done_; }
    std::uint32_t link_type() const { return link_type_; }
    const PcapReaderStats &stats() const { return stats_; }

private:
    std::uint32_t load32(const std::uint8_t *p) const;
    // Moves the unread bytes to the front and reads until the buffer is full or EOF.
    void refill();
    // Refills if the current batch is still empty; false means "return the batch first".
    bool more_data();

    UniqueFd fd_;
    std::string path_;
    std::vector<std::uint8_t> buffer_;
    std::size_t pos_ = 0; // next unread byte in buffer_
    std::size_t end_ = 0; // bytes of buffer_ holding file data
    bool eof_ = false;
    bool swapped_ = false;
    bool nanoseconds_ = false;
    std::uint32_t link_type_ = 0;
    std::uint32_t snaplen_ = 0;
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
