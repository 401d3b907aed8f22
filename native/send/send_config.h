// Send configuration, with spead2's defaults.
#pragma once

#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace spead::send {

enum class RateMethod
{
    SW = 0,
    HW = 1,
    AUTO = 2,
};

struct SendConfig
{
    std::size_t max_packet_size = 1472;
    double rate = 0.0; // bytes per second of SPEAD packets; 0 = unlimited
    std::size_t burst_size = 65536;
    std::size_t max_heaps = 4;
    double burst_rate_ratio = 1.05;
    RateMethod rate_method = RateMethod::AUTO;

    void validate() const
    {
        if (!(rate >= 0) || !std::isfinite(rate))
            throw std::invalid_argument("rate must be a finite number >= 0");
        if (max_heaps == 0)
            throw std::invalid_argument("maxHeaps must be at least 1");
        if (!(burst_rate_ratio >= 1.0) || !std::isfinite(burst_rate_ratio))
            throw std::invalid_argument("burstRateRatio must be a finite number >= 1");
        if (max_packet_size < 56)
            throw std::invalid_argument("maxPacketSize is too small (at least 56 bytes are needed)");
    }
};

} // namespace spead::send
