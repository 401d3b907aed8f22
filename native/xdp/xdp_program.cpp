#include "xdp/xdp_program.h"

#ifdef SPEAD_HAVE_XDP

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "xdp/xdp_lib.h"

namespace spead::xdp {

namespace {

constexpr std::uint32_t MAX_FLOWS = 1024;
constexpr std::uint32_t MAX_QUEUES = 256;

// The map key as the program builds it on its stack: the destination address
// and port copied from the packet, so both in network byte order.
struct MapKey
{
    std::uint32_t address_be;
    std::uint32_t port_be; // the 16-bit port in the low-addressed half, rest zero
};

MapKey map_key(const FlowKey &k)
{
    MapKey m{};
    m.address_be = htonl(k.address);
    const std::uint16_t port_be = htons(k.port);
    m.port_be = std::uint32_t(port_be); // a 16-bit load widened, as the program stores it
    return m;
}

// A small assembler: instructions plus forward jumps to named labels.
class Assembler
{
public:
    enum Label
    {
        PASS,
        VLAN,
        LOOKUP,
        REDIRECT,
        LABEL_COUNT
    };

    void mov_reg(int dst, int src) { emit(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
    void mov_imm(int dst, std::int32_t imm) { emit(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
    void add_imm(int dst, std::int32_t imm) { emit(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm); }
    void and_imm(int dst, std::int32_t imm) { emit(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm); }
    void load(int size, int dst, int src, std::int16_t off) { emit(BPF_LDX | size | BPF_MEM, dst, src, off, 0); }
    void store(int size, int dst, std::int16_t off, int src) { emit(BPF_STX | size | BPF_MEM, dst, src, off, 0); }
    void store_imm(int size, int dst, std::int16_t off, std::int32_t imm)
    {
        emit(BPF_ST | size | BPF_MEM, dst, 0, off, imm);
    }
    void jump_imm(int op, int dst, std::int32_t imm, Label to) { jump(BPF_JMP | op | BPF_K, dst, 0, imm, to); }
    void jump_reg(int op, int dst, int src, Label to) { jump(BPF_JMP | op | BPF_X, dst, src, 0, to); }
    void jump(Label to) { jump(BPF_JMP | BPF_JA, 0, 0, 0, to); }
    void load_map(int dst, int map_fd)
    {
        emit(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, map_fd);
        emit(0, 0, 0, 0, 0);
    }
    void call(std::int32_t helper) { emit(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
    void exit() { emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
    void label(Label l) { labels_[l] = int(code_.size()); }

    std::vector<bpf_insn> finish()
    {
        for (const auto &[at, to] : fixups_)
        {
            if (labels_[to] < 0)
                throw std::logic_error("XDP program: undefined label");
            code_[at].off = std::int16_t(labels_[to] - at - 1);
        }
        return code_;
    }

private:
    void emit(int code, int dst, int src, std::int16_t off, std::int32_t imm)
    {
        bpf_insn i{};
        i.code = std::uint8_t(code);
        i.dst_reg = std::uint8_t(dst);
        i.src_reg = std::uint8_t(src);
        i.off = off;
        i.imm = imm;
        code_.push_back(i);
    }
    void jump(int code, int dst, int src, std::int32_t imm, Label to)
    {
        fixups_.emplace_back(code_.size(), to);
        emit(code, dst, src, 0, imm);
    }

    std::vector<bpf_insn> code_;
    std::vector<std::pair<std::size_t, Label>> fixups_;
    int labels_[LABEL_COUNT] = {-1, -1, -1, -1};
};

// Registers: r1 context on entry, r6 saved context, r2 data, r3 data_end,
// r4 bounds scratch, r5 field scratch, r10 frame pointer (key at r10 - 8).
void emit_ip_udp(Assembler &a, std::int16_t l3)
{
    using A = Assembler;
    a.mov_reg(4, 2);
    a.add_imm(4, l3 + 20 + 8); // an option-less IPv4 header and the UDP header
    a.jump_reg(BPF_JGT, 4, 3, A::PASS);
    a.load(BPF_B, 5, 2, l3);
    a.jump_imm(BPF_JNE, 5, 0x45, A::PASS); // IPv4 without options (others go to the kernel)
    a.load(BPF_B, 5, 2, l3 + 9);
    a.jump_imm(BPF_JNE, 5, IPPROTO_UDP, A::PASS);
    a.load(BPF_H, 5, 2, l3 + 6);
    a.and_imm(5, htons(0x3fff)); // MF or a fragment offset: the kernel reassembles
    a.jump_imm(BPF_JNE, 5, 0, A::PASS);
    a.load(BPF_W, 5, 2, l3 + 16); // destination address
    a.store(BPF_W, 10, -8, 5);
    a.load(BPF_H, 5, 2, l3 + 20 + 2); // destination port
    a.store(BPF_W, 10, -4, 5);
    a.jump(A::LOOKUP);
}

std::vector<bpf_insn> redirect_program(int flows_fd, int xsks_fd)
{
    using A = Assembler;
    A a;
    a.mov_reg(6, 1);
    a.load(BPF_W, 2, 6, offsetof(xdp_md, data));
    a.load(BPF_W, 3, 6, offsetof(xdp_md, data_end));
    a.mov_reg(4, 2);
    a.add_imm(4, 14);
    a.jump_reg(BPF_JGT, 4, 3, A::PASS);
    a.load(BPF_H, 5, 2, 12); // ethertype
    a.jump_imm(BPF_JEQ, 5, htons(0x8100), A::VLAN);
    a.jump_imm(BPF_JNE, 5, htons(0x0800), A::PASS);
    emit_ip_udp(a, 14);

    a.label(A::VLAN);
    a.mov_reg(4, 2);
    a.add_imm(4, 18);
    a.jump_reg(BPF_JGT, 4, 3, A::PASS);
    a.load(BPF_H, 5, 2, 16);
    a.jump_imm(BPF_JNE, 5, htons(0x0800), A::PASS);
    emit_ip_udp(a, 18);

    a.label(A::LOOKUP); // exact (address, port), then (any address, port)
    a.load_map(1, flows_fd);
    a.mov_reg(2, 10);
    a.add_imm(2, -8);
    a.call(BPF_FUNC_map_lookup_elem);
    a.jump_imm(BPF_JNE, 0, 0, A::REDIRECT);
    a.store_imm(BPF_W, 10, -8, 0);
    a.load_map(1, flows_fd);
    a.mov_reg(2, 10);
    a.add_imm(2, -8);
    a.call(BPF_FUNC_map_lookup_elem);
    a.jump_imm(BPF_JEQ, 0, 0, A::PASS);

    a.label(A::REDIRECT); // to the socket of this queue; no socket there: to the kernel
    a.load(BPF_W, 2, 6, offsetof(xdp_md, rx_queue_index));
    a.load_map(1, xsks_fd);
    a.mov_imm(3, XDP_PASS);
    a.call(BPF_FUNC_redirect_map);
    a.exit();

    a.label(A::PASS);
    a.mov_imm(0, XDP_PASS);
    a.exit();
    return a.finish();
}

[[noreturn]] void fail(const XdpLib &lib, int ret, const std::string &what)
{
    const int err = ret < 0 ? -ret : EINVAL;
    throw std::system_error(err, std::generic_category(), what + ": " + lib.error_text(ret));
}

// The attachments of this process by ifindex. Never destroyed: a pool thread
// may still be tearing a reader down while the process exits.
struct Registry
{
    std::mutex mutex;
    std::map<int, std::weak_ptr<InterfaceProgram>> programs;
};

Registry &registry()
{
    static Registry &r = *std::make_unique<Registry>().release();
    return r;
}

} // namespace

const char *mode_name(XdpMode mode)
{
    switch (mode)
    {
    case XdpMode::native: return "native";
    case XdpMode::generic: return "generic";
    default: return "auto";
    }
}

std::shared_ptr<InterfaceProgram> InterfaceProgram::acquire(int ifindex, const std::string &ifname, XdpMode mode)
{
    Registry &reg = registry();
    std::lock_guard<std::mutex> lock(reg.mutex);
    if (auto existing = reg.programs[ifindex].lock())
    {
        if (mode != XdpMode::auto_mode && mode != existing->mode())
            throw std::invalid_argument("XDP on " + ifname + " is already attached in " + mode_name(existing->mode())
                                        + " mode by another reader of this process; it cannot also be "
                                        + mode_name(mode));
        return existing;
    }
    auto p = std::make_shared<InterfaceProgram>(Token{}, ifindex, ifname, mode);
    reg.programs[ifindex] = p;
    return p;
}

RedirectProgram::RedirectProgram() : lib_(XdpLib::get())
{
    int fd = lib_.map_create(BPF_MAP_TYPE_HASH, "spead_flows", sizeof(MapKey), sizeof(std::uint32_t), MAX_FLOWS, nullptr);
    if (fd < 0)
        fail(lib_, fd, "creating the XDP flow map failed (loading BPF needs CAP_BPF or root)");
    flows_map_.reset(fd);
    fd = lib_.map_create(BPF_MAP_TYPE_XSKMAP, "spead_xsks", sizeof(std::uint32_t), sizeof(std::uint32_t), MAX_QUEUES,
                         nullptr);
    if (fd < 0)
        fail(lib_, fd, "creating the XDP socket map failed");
    xsks_map_.reset(fd);

    const std::vector<bpf_insn> code = redirect_program(flows_map_.get(), xsks_map_.get());
    std::vector<char> log(64 * 1024);
    bpf_prog_load_opts opts{};
    opts.sz = sizeof(opts);
    opts.log_buf = log.data();
    opts.log_size = std::uint32_t(log.size());
    opts.log_level = 0; // a log only when the verifier refuses (libbpf retries with level 1)
    // Frames larger than a page (jumbo MTUs) arrive in several buffers; the
    // program only reads the headers, in the first, so it can say it copes
    // (kernel 5.18+). Older kernels refuse the flag: load it without.
    opts.prog_flags = BPF_F_XDP_HAS_FRAGS;
    fd = lib_.prog_load(BPF_PROG_TYPE_XDP, "spead_redirect", "GPL", code.data(), code.size(), &opts);
    if (fd == -EINVAL)
    {
        opts.prog_flags = 0;
        fd = lib_.prog_load(BPF_PROG_TYPE_XDP, "spead_redirect", "GPL", code.data(), code.size(), &opts);
    }
    if (fd < 0)
        fail(lib_, fd, "loading the XDP program failed" + (log[0] ? " (verifier: " + std::string(log.data()) + ")" : ""));
    prog_.reset(fd);
}

void RedirectProgram::add_flow(const FlowKey &flow)
{
    const MapKey key = map_key(flow);
    const std::uint32_t one = 1;
    const int ret = lib_.map_update(flows_map_.get(), &key, &one, BPF_ANY);
    if (ret < 0)
        fail(lib_, ret, "adding a flow to the XDP map failed (at most " + std::to_string(MAX_FLOWS) + " endpoints)");
}

void RedirectProgram::remove_flow(const FlowKey &flow)
{
    const MapKey key = map_key(flow);
    lib_.map_delete(flows_map_.get(), &key);
}

void RedirectProgram::set_socket(std::uint32_t queue, int xsk_fd)
{
    if (queue >= MAX_QUEUES)
        throw std::invalid_argument("queue " + std::to_string(queue) + " is beyond the " + std::to_string(MAX_QUEUES)
                                    + " queues spead's XDP program serves");
    if (xsk_fd < 0)
    {
        lib_.map_delete(xsks_map_.get(), &queue);
        return;
    }
    const std::uint32_t fd = std::uint32_t(xsk_fd);
    const int ret = lib_.map_update(xsks_map_.get(), &queue, &fd, BPF_ANY);
    if (ret < 0)
        fail(lib_, ret, "adding the AF_XDP socket to the XDP socket map failed");
}

std::uint32_t RedirectProgram::test_run(const std::uint8_t *frame, std::size_t size, int ifindex,
                                        std::uint32_t queue) const
{
    xdp_md ctx{};
    ctx.data_end = std::uint32_t(size);
    ctx.ingress_ifindex = std::uint32_t(ifindex);
    ctx.rx_queue_index = queue;
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = frame;
    opts.data_size_in = std::uint32_t(size);
    opts.ctx_in = &ctx;
    opts.ctx_size_in = sizeof(ctx);
    opts.repeat = 1;
    const int ret = lib_.prog_test_run(prog_.get(), &opts);
    if (ret < 0)
        fail(lib_, ret, "running the XDP program on a test frame failed");
    return opts.retval;
}

InterfaceProgram::InterfaceProgram(Token, int ifindex, const std::string &ifname, XdpMode mode)
    : ifindex_(ifindex), ifname_(ifname), queues_(MAX_QUEUES, false)
{
    const XdpLib &lib = XdpLib::get();
    int ret = 0;
    const std::vector<XdpMode> tries = mode == XdpMode::auto_mode ? std::vector<XdpMode>{XdpMode::native, XdpMode::generic}
                                                                  : std::vector<XdpMode>{mode};
    for (XdpMode m : tries)
    {
        const std::uint32_t mode_flag = m == XdpMode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
        // A BPF link (kernel 5.9+) belongs to this process: if it dies, the
        // kernel detaches the program. Older kernels: a netlink attachment,
        // which outlives the process and is detached by hand in the destructor.
        bpf_link_create_opts lo{};
        lo.sz = sizeof(lo);
        lo.flags = mode_flag;
        ret = lib.link_create(program_.prog_fd(), ifindex_, BPF_XDP, &lo);
        if (ret >= 0)
        {
            link_.reset(ret);
            mode_ = m;
            return;
        }
        if (ret == -EINVAL || ret == -EOPNOTSUPP)
        {
            ret = lib.xdp_attach(ifindex_, program_.prog_fd(), XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag, nullptr);
            if (ret == 0)
            {
                mode_ = m;
                attach_flags_ = mode_flag;
                return;
            }
        }
        if (ret == -EBUSY || ret == -EEXIST)
            throw std::system_error(EBUSY, std::generic_category(),
                                    "interface " + ifname_ + " already has an XDP program attached (by another program "
                                    "or process); spead will not replace it (one left behind can be removed with "
                                    "'ip link set dev " + ifname_ + " xdp off')");
    }
    fail(lib, ret, std::string("attaching the XDP program to ") + ifname_ + " in " + mode_name(mode) + " mode failed");
}

InterfaceProgram::~InterfaceProgram()
{
    {
        Registry &reg = registry();
        std::lock_guard<std::mutex> lock(reg.mutex);
        auto it = reg.programs.find(ifindex_);
        if (it != reg.programs.end() && it->second.expired())
            reg.programs.erase(it);
    }
    if (link_)
        return; // closing the link detaches
    const XdpLib &lib = XdpLib::get();
    bpf_xdp_attach_opts opts{};
    opts.sz = sizeof(opts);
    opts.old_prog_fd = program_.prog_fd(); // only ours: never detach a program someone else put there since
    lib.xdp_detach(ifindex_, attach_flags_, &opts);
}

void InterfaceProgram::add_flows(const std::vector<FlowKey> &flows)
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<FlowKey> added;
    try
    {
        for (const FlowKey &k : flows)
        {
            if (flows_[k] == 0)
                program_.add_flow(k);
            flows_[k]++;
            added.push_back(k);
        }
    }
    catch (...)
    {
        for (const FlowKey &undo : added) // leave the map as it was
            if (--flows_[undo] == 0)
            {
                flows_.erase(undo);
                program_.remove_flow(undo);
            }
        throw;
    }
}

void InterfaceProgram::remove_flows(const std::vector<FlowKey> &flows)
{
    std::lock_guard<std::mutex> lock(mutex_);
    for (const FlowKey &k : flows)
    {
        auto it = flows_.find(k);
        if (it == flows_.end() || --it->second > 0)
            continue;
        flows_.erase(it);
        program_.remove_flow(k);
    }
}

void InterfaceProgram::check_queue_free(std::uint32_t queue)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue < MAX_QUEUES && queues_[queue])
        throw std::system_error(EBUSY, std::generic_category(),
                                "queue " + std::to_string(queue) + " of " + ifname_ + " already has an AF_XDP reader");
}

void InterfaceProgram::bind_queue(std::uint32_t queue, int xsk_fd)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue < MAX_QUEUES && queues_[queue])
        throw std::system_error(EBUSY, std::generic_category(),
                                "queue " + std::to_string(queue) + " of " + ifname_ + " already has an AF_XDP reader");
    program_.set_socket(queue, xsk_fd);
    queues_[queue] = true;
}

void InterfaceProgram::unbind_queue(std::uint32_t queue)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue < MAX_QUEUES && queues_[queue])
    {
        program_.set_socket(queue, -1);
        queues_[queue] = false;
    }
}

} // namespace spead::xdp

#endif
