// Throwing errno as std::system_error, which the binding layer turns into a
// JS Error with Node's `code`/`errno`.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace spead {

[[noreturn]] inline void throw_errno(const std::string &what, int err = errno)
{
    throw std::system_error(err, std::generic_category(), what);
}

} // namespace spead
