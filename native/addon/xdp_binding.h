// AF_XDP in the addon: option parsing for the reader and the sender, and
// xdpAvailable().
#pragma once

#include "addon/bindings.h"

#include <memory>

#include "common/thread_pool.h"
#include "recv/reader.h"
#include "send/writer.h"

namespace spead::addon {

// Builds an AF_XDP reader from JS options {interface, queue, endpoints:
// [{host, port}], frameSize, frames, maxSize, zeroCopy, mode}. `info` receives
// {mode, zeroCopy} as obtained. Throws C++ exceptions (the caller converts).
std::unique_ptr<recv::Reader> make_xdp_reader(ThreadPool &pool, recv::PacketSink &sink, const Napi::Object &options,
                                              Napi::Object &info);

// Builds an AF_XDP writer from JS endpoints [{host, port}] and options
// {interface, queue, destMac, sourceAddress, sourcePort, ttl, frameSize,
// frames, zeroCopy}; `info` receives {zeroCopy, sourcePort}.
std::unique_ptr<send::Writer> make_xdp_writer(const Napi::Array &endpoints, const Napi::Object &options,
                                              Napi::Object &info);

} // namespace spead::addon
