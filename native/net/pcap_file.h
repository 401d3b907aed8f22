// Classic pcap files (both byte orders, micro- and nanosecond variants),
// read through a read-only mapping; an optional BPF filter compiled by
// libpcap, which is loaded at run time only when a filter is asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net/frame.h"

namespace spead::net {

struct PcapRecord
{
    const std::uint8_t *data;
    std::uint32_t captured;
    std::uint32_t original;
    std::uint32_t ts_sec, ts_frac;
};

class PcapFile
{
public:
    // Throws std::system_error (ENOENT…) or std::invalid_argument (bad magic,
    // unsupported link type) naming the file.
    explicit PcapFile(const std::string &path);

    LinkType link_type() const { return link_type_; }
    // The next record; false at the end. A record running past the end of the
    // file ends reading and sets truncated().
    bool next(PcapRecord &out);
    bool truncated() const { return truncated_; }

private:
    std::uint32_t u32(std::size_t at) const;

    // A read-only mapping of the whole file, unmapped on destruction.
    struct Mapping
    {
        const std::uint8_t *data = nullptr;
        std::size_t size = 0;
        Mapping() = default;
        Mapping(const Mapping &) = delete;
        Mapping &operator=(const Mapping &) = delete;
        ~Mapping();
    };

    Mapping map_;
    const std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t pos_ = 24;
    bool swapped_ = false;
    bool truncated_ = false;
    LinkType link_type_ = LinkType::ETHERNET;
};

// A BPF filter expression compiled by libpcap (loaded with dlopen).
class PcapFilter
{
public:
    // Throws std::runtime_error when libpcap cannot be loaded, and
    // std::invalid_argument (with libpcap's message) for a bad expression.
    PcapFilter(const std::string &expression, LinkType type);
    ~PcapFilter();
    PcapFilter(const PcapFilter &) = delete;
    PcapFilter &operator=(const PcapFilter &) = delete;

    bool matches(const PcapRecord &record) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace spead::net
