// Several readers added to a stream as one: all of them or none (used for an
// AF_XDP reader on every queue of an interface).
#pragma once

#include <memory>
#include <vector>

#include "recv/reader.h"

namespace spead::recv {

class ReaderGroup : public Reader
{
public:
    explicit ReaderGroup(std::vector<std::unique_ptr<Reader>> readers) : readers_(std::move(readers)) {}

    void start() override
    {
        for (auto &r : readers_)
            r->start();
    }
    void stop() override
    {
        for (auto &r : readers_)
            r->stop();
    }
    bool lossy() const override
    {
        for (const auto &r : readers_)
            if (r->lossy())
                return true;
        return false;
    }

private:
    std::vector<std::unique_ptr<Reader>> readers_;
};

} // namespace spead::recv
