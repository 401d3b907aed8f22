#include "net/pcap_file.h"
#include "common/system_error.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pcap/pcap.h> // types only: libpcap itself is loaded at run time
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace spead::net {

namespace {

constexpr std::uint32_t MAGIC_US = 0xa1b2c3d4;
constexpr std::uint32_t MAGIC_NS = 0xa1b23c4d;
constexpr std::size_t FILE_HEADER = 24;
constexpr std::size_t RECORD_HEADER = 16;
// Larger than any frame worth reading (jumbo frames, 256 KiB snaplen of
// tcpdump): a record claiming more is corrupt, whatever the file size.
constexpr std::uint32_t MAX_RECORD = 1u << 20;
constexpr std::uint32_t WRITER_SNAPLEN = 262144;
constexpr std::size_t WRITER_BUFFER = 1 << 20;
constexpr std::size_t READ_BUFFER = 4 << 20;
static_assert(READ_BUFFER >= MAX_RECORD + RECORD_HEADER, "a whole record must fit in the read buffer");

// libpcap, opened with dlopen so the addon loads without it.
class Libpcap
{
public:
    using open_dead_t = pcap_t *(*)(int, int);
    using compile_t = int (*)(pcap_t *, bpf_program *, const char *, int, bpf_u_int32);
    using offline_filter_t = int (*)(const bpf_program *, const pcap_pkthdr *, const u_char *);
    using freecode_t = void (*)(bpf_program *);
    using close_t = void (*)(pcap_t *);
    using geterr_t = char *(*)(pcap_t *);

    open_dead_t open_dead = nullptr;
    compile_t compile = nullptr;
    offline_filter_t offline_filter = nullptr;
    freecode_t freecode = nullptr;
    close_t close = nullptr;
    geterr_t geterr = nullptr;

    // The process-wide instance, or nullptr if libpcap cannot be loaded.
    // Never unloaded: filters may outlive any one reader.
    static const Libpcap *get()
    {
        // Deliberately never freed (no dlclose at exit while threads may still filter).
        static const Libpcap *const instance = load().release();
        return instance;
    }

private:
    struct HandleCloser
    {
        void operator()(void *h) const { dlclose(h); }
    };
    std::unique_ptr<void, HandleCloser> handle_;

    static std::unique_ptr<Libpcap> load()
    {
        void *h = nullptr;
        for (const char *name : {"libpcap.so.0.8", "libpcap.so.1"})
            if ((h = dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr)
                break;
        if (!h)
            return nullptr;
        auto lib = std::make_unique<Libpcap>();
        lib->handle_.reset(h);
        bool ok = lib->sym(lib->open_dead, "pcap_open_dead") && lib->sym(lib->compile, "pcap_compile")
                  && lib->sym(lib->offline_filter, "pcap_offline_filter") && lib->sym(lib->freecode, "pcap_freecode")
                  && lib->sym(lib->close, "pcap_close") && lib->sym(lib->geterr, "pcap_geterr");
        return ok ? std::move(lib) : nullptr;
    }

    template <typename F> bool sym(F &f, const char *name)
    {
        f = reinterpret_cast<F>(dlsym(handle_.get(), name));
        return f != nullptr;
    }
};

} // namespace

bool libpcap_available() { return Libpcap::get() != nullptr; }

// A BPF program compiled for one link type and snaplen.
class BpfFilter
{
public:
    BpfFilter(const std::string &expression, std::uint32_t link_type, std::uint32_t snaplen)
        : lib_(Libpcap::get())
    {
        if (!lib_)
            throw std::invalid_argument("a pcap filter needs libpcap (libpcap.so.0.8 or libpcap.so.1), "
                                        "which could not be loaded");
        pcap_t *p = lib_->open_dead(int(link_type), int(snaplen ? snaplen : 65535));
        if (!p)
            throw std::invalid_argument("libpcap could not open a dead capture handle for the filter");
        std::unique_ptr<pcap_t, Closer> dead(p, Closer{lib_});
        if (lib_->compile(p, &program_, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
            throw std::invalid_argument("invalid pcap filter '" + expression + "': " + lib_->geterr(p));
    }
    ~BpfFilter() { lib_->freecode(&program_); }
    BpfFilter(const BpfFilter &) = delete;
    BpfFilter &operator=(const BpfFilter &) = delete;

    bool matches(const std::uint8_t *data, std::uint32_t caplen, std::uint32_t len) const
    {
        pcap_pkthdr hdr{};
        hdr.caplen = caplen;
        hdr.len = len;
        return lib_->offline_filter(&program_, &hdr, data) != 0;
    }

private:
    struct Closer
    {
        const Libpcap *lib;
        void operator()(pcap_t *p) const { lib->close(p); }
    };
    const Libpcap *lib_;
    bpf_program program_{};
};

std::uint32_t PcapFileReader::load32(const std::uint8_t *p) const
{
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return swapped_ ? __builtin_bswap32(v) : v;
}

void PcapFileReader::refill()
{
    if (pos_ > 0)
    {
        std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
        end_ -= pos_;
        pos_ = 0;
    }
    // A buffer sized for a small file is full yet short of a record: the file grew.
    if (end_ == buffer_.size() && buffer_.size() < READ_BUFFER)
        buffer_.resize(READ_BUFFER);
    while (!eof_ && end_ < buffer_.size())
    {
        ssize_t n = ::read(fd_.get(), buffer_.data() + end_, buffer_.size() - end_);
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read pcap file " + path_);
        }
        if (n == 0)
            eof_ = true;
        end_ += std::size_t(n);
    }
}

PcapFileReader::PcapFileReader(const std::string &path, const std::string &filter)
    : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), path_(path)
{
    if (!fd_)
        throw_errno("cannot open pcap file " + path);
    struct stat st;
    if (fstat(fd_.get(), &st) < 0)
        throw_errno("cannot stat pcap file " + path);
    if (S_ISDIR(st.st_mode))
        throw std::invalid_argument(path + " is a directory, not a pcap file");
    posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    // Small files get a buffer of their own size (+1 to see EOF in one read).
    std::size_t file_size = S_ISREG(st.st_mode) ? std::size_t(st.st_size) : READ_BUFFER;
    buffer_.resize(std::min(READ_BUFFER, std::max(file_size + 1, FILE_HEADER)));
    refill();
    if (end_ < FILE_HEADER)
        throw std::invalid_argument(path + " is not a pcap file (shorter than the 24-byte file header)");

    const std::uint8_t *h = buffer_.data();
    std::uint32_t magic;
    std::memcpy(&magic, h, 4);
    if (magic == MAGIC_US || magic == MAGIC_NS)
        swapped_ = false;
    else if (__builtin_bswap32(magic) == MAGIC_US || __builtin_bswap32(magic) == MAGIC_NS)
        swapped_ = true;
    else
    {
        char hex[16];
        std::snprintf(hex, sizeof(hex), "%08x", magic);
        throw std::invalid_argument(path + " is not a classic pcap file (magic " + hex
                                    + "; pcapng is not supported)");
    }
    nanoseconds_ = load32(h) == MAGIC_NS;
    snaplen_ = load32(h + 16);
    link_type_ = load32(h + 20) & 0x0fffffff; // upper bits carry FCS flags
    if (!link_type_supported(link_type_))
        throw std::invalid_argument(path + " has unsupported pcap link type " + std::to_string(link_type_)
                                    + " (supported: 1 Ethernet, 101/228 raw IPv4, 113 Linux SLL, 276 Linux SLL2)");
    pos_ = FILE_HEADER;
    if (!filter.empty())
        filter_ = std::make_unique<BpfFilter>(filter, link_type_, snaplen_);
}

PcapFileReader::~PcapFileReader() = default;

bool PcapFileReader::more_data()
{
    // Refilling moves the buffer, so only while no record of this batch points into it.
    if (!batch_.empty())
        return false;
    refill();
    return true;
}

const std::vector<PcapRecord> &PcapFileReader::next_batch(std::size_t max)
{
    // Records of the previous batch pointed into the buffer; from here it may move.
    batch_.clear();
    while (!done_ && batch_.size() < max)
    {
        std::size_t avail = end_ - pos_;
        if (avail == 0 && eof_)
        {
            done_ = true;
            break;
        }
        if (avail < RECORD_HEADER)
        {
            if (!eof_)
            {
                if (!more_data())
                    break;
                continue;
            }
            stats_.truncated++;
            done_ = true;
            break;
        }
        const std::uint8_t *rh = buffer_.data() + pos_;
        std::uint32_t sec = load32(rh), frac = load32(rh + 4);
        std::uint32_t caplen = load32(rh + 8), len = load32(rh + 12);
        // A record that is absurdly long or longer than the rest of the file
        // ends the file: nothing after it can be trusted to be aligned.
        if (caplen > MAX_RECORD || (eof_ && caplen > avail - RECORD_HEADER))
        {
            stats_.truncated++;
            done_ = true;
            break;
        }
        if (caplen > avail - RECORD_HEADER)
        {
            // Not all buffered yet; READ_BUFFER > MAX_RECORD + header, so one refill brings it.
            if (!more_data())
                break;
            continue;
        }
        const std::uint8_t *frame = rh + RECORD_HEADER;
        pos_ += RECORD_HEADER + caplen;
        if (caplen < len)
            stats_.truncated++; // snapped short: the frame parser decides if the UDP part survived
        if (filter_ && !filter_->matches(frame, caplen, len))
        {
            stats_.filtered++;
            continue;
        }
        FrameParseResult r = parse_frame(LinkType(link_type_), frame, caplen);
        stats_.frames.count(r);
        if (!r.ok)
            continue;
        PcapRecord rec;
        rec.payload = r.datagram.payload;
        rec.payload_size = r.datagram.payload_size;
        rec.src = r.datagram.src;
        rec.dst = r.datagram.dst;
        rec.vlan = r.datagram.vlan;
        rec.timestamp_ns = std::uint64_t(sec) * 1000000000u + std::uint64_t(frac) * (nanoseconds_ ? 1u : 1000u);
        batch_.push_back(rec);
    }
    return batch_;
}

PcapFileWriter::PcapFileWriter(const std::string &path)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666))
{
    if (!fd_)
        throw_errno("cannot create pcap file " + path);
    buffer_.reserve(WRITER_BUFFER);
    frame_.resize(udp_frame_header_size + max_udp_payload);
    std::uint8_t header[FILE_HEADER];
    auto put32 = [](std::uint8_t *p, std::uint32_t v) { std::memcpy(p, &v, 4); };
    auto put16 = [](std::uint8_t *p, std::uint16_t v) { std::memcpy(p, &v, 2); };
    // Native byte order, as libpcap writes it; readers detect it from the magic.
    put32(header, MAGIC_US);
    put16(header + 4, 2);
    put16(header + 6, 4);
    put32(header + 8, 0);  // thiszone
    put32(header + 12, 0); // sigfigs
    put32(header + 16, WRITER_SNAPLEN);
    put32(header + 20, std::uint32_t(LinkType::ethernet));
    append(header, sizeof(header));
}

PcapFileWriter::~PcapFileWriter()
{
    try
    {
        close();
    }
    catch (const std::exception &)
    {
        // Nowhere to report it from a destructor; close() explicitly to see it.
    }
}

void PcapFileWriter::write(const iovec *payload, std::size_t payload_count, const Ipv4Endpoint &src,
                           const Ipv4Endpoint &dst)
{
    if (!fd_)
        throw std::invalid_argument("pcap writer is closed");
    UdpFrameSpec spec;
    spec.src = src;
    spec.dst = dst;
    spec.ip_id = ip_id_;
    spec.src_mac = {0x02, 0, 0, 0, 0, 0x01}; // locally administered
    if (is_ipv4_multicast(dst.address))
        spec.dst_mac = multicast_mac(dst.address);
    else
        spec.dst_mac = {0x02, 0, 0, 0, 0, 0x02};
    std::size_t n = build_udp_frame(spec, payload, payload_count, frame_.data(), frame_.size());
    ip_id_++;

    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    std::uint32_t rh[4] = {std::uint32_t(us / 1000000), std::uint32_t(us % 1000000), std::uint32_t(n),
                           std::uint32_t(n)};
    append(reinterpret_cast<const std::uint8_t *>(rh), sizeof(rh));
    append(frame_.data(), n);
    records_++;
}

void PcapFileWriter::append(const std::uint8_t *data, std::size_t size)
{
    if (buffer_.size() + size > WRITER_BUFFER)
        flush();
    buffer_.insert(buffer_.end(), data, data + size);
}

void PcapFileWriter::flush()
{
    if (!fd_)
        return;
    std::size_t done = 0;
    while (done < buffer_.size())
    {
        ssize_t n = ::write(fd_.get(), buffer_.data() + done, buffer_.size() - done);
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            // Keep what was not written, so a later flush can retry.
            buffer_.erase(buffer_.begin(), buffer_.begin() + std::ptrdiff_t(done));
            throw_errno("cannot write pcap file");
        }
        done += std::size_t(n);
    }
    buffer_.clear();
}

void PcapFileWriter::close()
{
    if (!fd_)
        return;
    flush();
    int fd = fd_.release();
    if (::close(fd) < 0)
        throw_errno("cannot close pcap file");
}

} // namespace spead::net
