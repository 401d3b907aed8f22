// JS options of the ibverbs transports (RecvStream.addUdpIbvReader and
// SendStream('udp_ibv', ...)), parsed in one place so the stream bindings
// only gain a call each; and the ibvAvailable() export.
#pragma once

#include <napi.h>

#include <memory>

#include "addon/module.h"
#include "ibv/udp_ibv_reader.h"
#include "send/send_config.h"
#include "send/writer.h"

namespace spead::addon {

// {endpoints: [{host, port}], interfaceAddress, bufferSize, maxSize, compVector, maxPoll}
recv::UdpIbvReaderConfig read_udp_ibv_reader_config(Napi::Env env, Napi::Value options);

// The writer of SendStream('udp_ibv', endpoints, config, options): options are
// {interfaceAddress, bufferSize, ttl, compVector, maxPoll, memoryRegions}.
// Memory regions stay alive because the JS stream object holds them.
std::unique_ptr<send::Writer> make_udp_ibv_writer(Napi::Env env, const Napi::Array &endpoints,
                                                  const Napi::Object &options, const send::SendConfig &config);

void init_ibv(Napi::Env env, Napi::Object exports, Module &module);

} // namespace spead::addon
