#pragma once
// Writing to a file descriptor (private to the compiled library): the one
// loop that survives short writes and EINTR, for the ledger's snapshot file
// and the durable ledger's log.

#include <cerrno>
#include <cstddef>
#include <string_view>

#include <unistd.h>

namespace yanxiu::detail {

/// Writes all of `bytes`; false with errno set when it cannot.
inline bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (n == 0) {
            errno = EIO;
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace yanxiu::detail
