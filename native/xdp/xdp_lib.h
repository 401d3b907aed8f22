// libxdp (AF_XDP sockets and UMEMs) and libbpf (maps, programs, attaching XDP
// to an interface), loaded with dlopen at first use so that the addon loads
// and runs where they are absent. Only the calls the AF_XDP transport makes
// are resolved; the ring accessors are inline functions of <xdp/xsk.h>.
#pragma once

#include <string>

#ifdef SPEAD_HAVE_XDP

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include <string>

namespace spead::xdp {

struct XdpLib
{
    // libxdp
    decltype(&::xsk_umem__create) umem_create = nullptr;
    decltype(&::xsk_umem__delete) umem_delete = nullptr;
    decltype(&::xsk_socket__create) socket_create = nullptr;
    decltype(&::xsk_socket__delete) socket_delete = nullptr;
    decltype(&::xsk_socket__fd) socket_fd = nullptr;
    // libbpf
    decltype(&::bpf_map_create) map_create = nullptr;
    decltype(&::bpf_map_update_elem) map_update = nullptr;
    decltype(&::bpf_map_delete_elem) map_delete = nullptr;
    decltype(&::bpf_prog_load) prog_load = nullptr;
    decltype(&::bpf_prog_test_run_opts) prog_test_run = nullptr;
    decltype(&::bpf_link_create) link_create = nullptr;
    decltype(&::bpf_xdp_attach) xdp_attach = nullptr;
    decltype(&::bpf_xdp_detach) xdp_detach = nullptr;
    decltype(&::libbpf_strerror) strerror = nullptr;

    // The loaded libraries; throws std::system_error(ENOSYS) naming what
    // could not be loaded.
    static const XdpLib &get();

    // libbpf's text for a negative libbpf/libxdp return value.
    std::string error_text(int err) const;
};

} // namespace spead::xdp

#endif

namespace spead::xdp {
// Whether AF_XDP can be used: built with the headers and the libraries load.
// `reason` says why not.
bool xdp_available(std::string &reason);
} // namespace spead::xdp
