// A send transport: takes batches of packets (as iovec pieces) on a pool
// thread and puts them on the wire.
#pragma once

#include <cstddef>
#include <sys/uio.h>
#include <vector>

namespace spead::send {

struct OutPacket
{
    std::size_t first_piece; // index into the batch's iovec array
    std::size_t n_pieces;
    std::size_t size;
    std::size_t substream;
};

class Writer
{
public:
    virtual ~Writer() = default;
    virtual std::size_t num_substreams() const = 0;
    // Sends every packet; errors[i] is 0 or the errno of packet i. May block.
    virtual void send(const std::vector<iovec> &pieces, const std::vector<OutPacket> &packets,
                      std::vector<int> &errors) = 0;
};

} // namespace spead::send
