#pragma once
// Small helpers shared by the C++ benchmarks: a clock, resident memory from
// /proc/self/statm, and a machine-readable result line for run_all.sh.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

namespace bench {

inline double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Resident set size in bytes (second field of /proc/self/statm, in pages).
inline long long rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    long long size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<long long>(sysconf(_SC_PAGESIZE));
}

/// Keeps a value alive so the optimiser cannot drop the work that made it.
template <class T>
inline void keep(const T& value) {
    asm volatile("" : : "g"(&value) : "memory");
}

/// A whole file (for timing parsing apart from the disk); empty if unreadable.
inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Prints `RESULT <name> <value>` lines that run_all.sh collects.
inline void result(const char* name, double value) { std::printf("RESULT %s %.6g\n", name, value); }

}  // namespace bench
