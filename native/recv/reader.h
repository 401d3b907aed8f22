// The contract between transports (UDP, TCP, buffer, pcap, inproc, ibverbs…)
// and heap assembly. A reader owns its socket/file/queue, does its I/O on
// ThreadPool threads, and hands packets to a PacketSink in batches; the sink
// (the stream) decodes, validates and assembles them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spead::recv {

struct ReceivedPacket
{
    const std::uint8_t *data;
    std::size_t size;
};

// Transport-level events a reader counts (beyond what packet decoding counts).
enum class ReaderCounter
{
    KERNEL_DROPPED,   // datagrams the kernel dropped on the socket (SO_RXQ_OVFL delta)
    OVERSIZED,        // datagrams or framed packets larger than max_size, discarded
    FRAME_REJECTED,   // frames (pcap/raw) that were not IPv4/UDP or were malformed
    TRUNCATED_INPUT,  // a partial packet at the end of a stream or file, discarded
};

class PacketSink
{
public:
    virtual ~PacketSink() = default;

    // Hands a batch of packets (one recvmmsg, one read) to assembly. The sink
    // takes its lock once per batch. exact_size: the transport delimits packets
    // (UDP), so a packet whose size differs from 8 + 8n + PAYLOAD_LENGTH is
    // dropped, as spead2 does; false for byte streams that are cut by the header.
    // May block while the ringbuffer is full (counted as worker_blocked).
    // Returns false once the stream has stopped: the reader should stop reading.
    // Packet memory is only borrowed for the duration of the call.
    virtual bool add_packets(const ReceivedPacket *packets, std::size_t n, bool exact_size) = 0;

    // The reader reached the end of its input (buffer consumed, TCP peer closed,
    // inproc queue stopped, pcap file ended): as in spead2, the stream stops.
    virtual void end_of_input() = 0;

    // Counts a transport-level event into the stream's statistics.
    virtual void count(ReaderCounter which, std::uint64_t n = 1) = 0;
};

class Reader
{
public:
    virtual ~Reader() = default;

    // Begins reading (called once, when the stream starts: at add time, or at
    // start() with explicit_start). Registers with the ThreadPool.
    virtual void start() = 0;

    // Stops reading and unregisters from the ThreadPool; after it returns no
    // thread is inside the reader and the sink is never called again.
    // Idempotent. The stream stops its ringbuffer *before* stopping readers, so
    // a reader blocked in add_packets is woken (add_packets returns false).
    virtual void stop() = 0;

    // Lossy transports (UDP) lose data when they block; lossless ones (TCP,
    // buffer, inproc, pcap) only wait. Used to warn about a blocked worker as spead2 does.
    virtual bool lossy() const = 0;
};

} // namespace spead::recv
