#include "net/pcap_file.h"
#include "common/system_error.h"
#include "common/unique_fd.h"

#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>

namespace spead::net {

PcapFile::PcapFile(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("cannot open pcap file '" + path + "'");
    struct stat st;
    if (::fstat(fd.get(), &st) < 0)
        throw_errno("cannot stat '" + path + "'");
    size_ = std::size_t(st.st_size);
    if (size_ < 24)
        throw std::invalid_argument("'" + path + "' is too short to be a pcap file");
    void *p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED)
        throw_errno("cannot map '" + path + "'");
    map_.data = data_ = static_cast<const std::uint8_t *>(p);
    map_.size = size_;
    std::uint32_t magic;
    std::memcpy(&magic, data_, 4);
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
        swapped_ = false;
    else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
        swapped_ = true;
    else
        throw std::invalid_argument("'" + path + "' is not a classic pcap file (bad magic number)");
    const std::uint32_t link = u32(20) & 0x0fffffff;
    link_type_ = LinkType(link);
    if (!is_supported(link_type_))
        throw std::invalid_argument("'" + path + "' has link type " + std::to_string(link)
                                    + ", which is not supported (Ethernet, Linux cooked, raw IPv4 are)");
}

PcapFile::Mapping::~Mapping()
{
    if (data)
        ::munmap(const_cast<std::uint8_t *>(data), size);
}

std::uint32_t PcapFile::u32(std::size_t at) const
{
    std::uint32_t v;
    std::memcpy(&v, data_ + at, 4);
    return swapped_ ? __builtin_bswap32(v) : v;
}

bool PcapFile::next(PcapRecord &out)
{
    if (pos_ == size_)
        return false;
    if (size_ - pos_ < 16)
    {
        truncated_ = true;
        pos_ = size_;
        return false;
    }
    out.ts_sec = u32(pos_);
    out.ts_frac = u32(pos_ + 4);
    out.captured = u32(pos_ + 8);
    out.original = u32(pos_ + 12);
    if (out.captured > size_ - pos_ - 16)
    {
        truncated_ = true; // a record claiming more than the file holds
        pos_ = size_;
        return false;
    }
    out.data = data_ + pos_ + 16;
    pos_ += 16 + out.captured;
    return true;
}

struct PcapFilter::Impl
{
    using open_dead_t = pcap_t *(*)(int, int);
    using compile_t = int (*)(pcap_t *, bpf_program *, const char *, int, bpf_u_int32);
    using offline_filter_t = int (*)(const bpf_program *, const pcap_pkthdr *, const u_char *);
    using freecode_t = void (*)(bpf_program *);
    using close_t = void (*)(pcap_t *);
    using geterr_t = char *(*)(pcap_t *);

    void *lib = nullptr;
    offline_filter_t offline_filter = nullptr;
    freecode_t freecode = nullptr;
    bpf_program program{};
    bool compiled = false;

    ~Impl()
    {
        if (compiled)
            freecode(&program);
        if (lib)
            ::dlclose(lib);
    }
};

PcapFilter::PcapFilter(const std::string &expression, LinkType type) : impl_(std::make_unique<Impl>())
{
    for (const char *name : {"libpcap.so.0.8", "libpcap.so.1", "libpcap.so"})
        if ((impl_->lib = ::dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr)
            break;
    if (!impl_->lib)
        throw std::runtime_error("a pcap filter needs libpcap, which could not be loaded (install libpcap0.8)");
    auto sym = [this](const char *name) {
        void *f = ::dlsym(impl_->lib, name);
        if (!f)
            throw std::runtime_error(std::string("libpcap lacks ") + name);
        return f;
    };
    auto open_dead = reinterpret_cast<Impl::open_dead_t>(sym("pcap_open_dead"));
    auto compile = reinterpret_cast<Impl::compile_t>(sym("pcap_compile"));
    auto close = reinterpret_cast<Impl::close_t>(sym("pcap_close"));
    auto geterr = reinterpret_cast<Impl::geterr_t>(sym("pcap_geterr"));
    impl_->offline_filter = reinterpret_cast<Impl::offline_filter_t>(sym("pcap_offline_filter"));
    impl_->freecode = reinterpret_cast<Impl::freecode_t>(sym("pcap_freecode"));
    pcap_t *p = open_dead(int(type), 262144);
    if (!p)
        throw std::runtime_error("pcap_open_dead failed");
    if (compile(p, &impl_->program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    {
        std::string message = geterr(p);
        close(p);
        throw std::invalid_argument("bad pcap filter '" + expression + "': " + message);
    }
    impl_->compiled = true;
    close(p);
}

PcapFilter::~PcapFilter() = default;

bool PcapFilter::matches(const PcapRecord &record) const
{
    pcap_pkthdr hdr{};
    hdr.caplen = record.captured;
    hdr.len = record.original;
    return impl_->offline_filter(&impl_->program, &hdr, record.data) != 0;
}

} // namespace spead::net
