// Counters of what must never happen on the audio thread: heap allocation and lock acquisition.
//
// RealtimeCounters.cpp replaces malloc/calloc/realloc/free, operator new/delete and the pthread
// lock entry points for the whole test executable. They count only on a thread that has armed
// them with ScopedRealtimeCounters, so the test framework's own work is never mistaken for the
// engine's.
#pragma once

#include <cstdint>

namespace amplitude::test {

struct RealtimeViolations {
  std::uint64_t allocations = 0;
  std::uint64_t locks = 0;
};

/// Counts violations on the calling thread between construction and counts().
class ScopedRealtimeCounters {
 public:
  ScopedRealtimeCounters();
  ~ScopedRealtimeCounters();
  ScopedRealtimeCounters(const ScopedRealtimeCounters&) = delete;
  ScopedRealtimeCounters& operator=(const ScopedRealtimeCounters&) = delete;

  RealtimeViolations counts() const;
};

}  // namespace amplitude::test
