#include "xdp/xdp_lib.h"

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "common/dynlib.h"

namespace spead::xdp {

#ifdef SPEAD_HAVE_XDP

namespace {

struct Loaded
{
    DynamicLibrary libbpf, libxdp;
    XdpLib lib;
    std::string error; // empty when everything resolved
};

std::unique_ptr<Loaded> load()
{
    auto l = std::make_unique<Loaded>();
    // libxdp resolves its libbpf calls from the libbpf it was linked with;
    // opening libbpf first and globally keeps both on one copy.
    if (!l->libbpf.open({"libbpf.so.1", "libbpf.so"}, true))
    {
        l->error = "libbpf could not be loaded (" + l->libbpf.error() + ")";
        return l;
    }
    if (!l->libxdp.open({"libxdp.so.1", "libxdp.so"}))
    {
        l->error = "libxdp could not be loaded (" + l->libxdp.error() + ")";
        return l;
    }
    XdpLib &x = l->lib;
    bool ok = l->libxdp.sym(x.umem_create, "xsk_umem__create") && l->libxdp.sym(x.umem_delete, "xsk_umem__delete")
              && l->libxdp.sym(x.socket_create, "xsk_socket__create")
              && l->libxdp.sym(x.socket_delete, "xsk_socket__delete") && l->libxdp.sym(x.socket_fd, "xsk_socket__fd");
    if (!ok)
    {
        l->error = l->libxdp.error();
        return l;
    }
    ok = l->libbpf.sym(x.map_create, "bpf_map_create") && l->libbpf.sym(x.map_update, "bpf_map_update_elem")
         && l->libbpf.sym(x.map_delete, "bpf_map_delete_elem") && l->libbpf.sym(x.prog_load, "bpf_prog_load")
         && l->libbpf.sym(x.prog_test_run, "bpf_prog_test_run_opts")
         && l->libbpf.sym(x.link_create, "bpf_link_create") && l->libbpf.sym(x.xdp_attach, "bpf_xdp_attach") && l->libbpf.sym(x.xdp_detach, "bpf_xdp_detach")
         && l->libbpf.sym(x.strerror, "libbpf_strerror");
    if (!ok)
        l->error = l->libbpf.error();
    return l;
}

const Loaded &loaded()
{
    // Deliberately never freed: a static unique_ptr would dlclose the libraries
    // at exit while pool threads or the addon's teardown may still call them.
    static const Loaded *const instance = load().release();
    return *instance;
}

} // namespace

const XdpLib &XdpLib::get()
{
    const Loaded &l = loaded();
    if (!l.error.empty())
        throw std::system_error(ENOSYS, std::generic_category(), "AF_XDP is unavailable: " + l.error);
    return l.lib;
}

std::string XdpLib::error_text(int err) const
{
    char buf[256] = {};
    if (strerror(err, buf, sizeof(buf)) != 0)
        return "error " + std::to_string(err);
    return buf;
}

bool xdp_available(std::string &reason)
{
    const Loaded &l = loaded();
    reason = l.error;
    return l.error.empty();
}

#else

bool xdp_available(std::string &reason)
{
    reason = "spead was built without AF_XDP support (the libxdp and libbpf headers were missing at build time)";
    return false;
}

#endif

} // namespace spead::xdp
