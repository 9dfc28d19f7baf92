#include "RealtimeCounters.h"

#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>

#include <atomic>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {

thread_local bool tArmed = false;
thread_local std::uint64_t tAllocations = 0;
thread_local std::uint64_t tLocks = 0;

inline void countAllocation() {
  if (tArmed) ++tAllocations;
}
inline void countLock() {
  if (tArmed) ++tLocks;
}

template <typename Function>
Function next(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

}  // namespace

namespace amplitude::test {

ScopedRealtimeCounters::ScopedRealtimeCounters() {
  tAllocations = 0;
  tLocks = 0;
  tArmed = true;
}
ScopedRealtimeCounters::~ScopedRealtimeCounters() { tArmed = false; }
RealtimeViolations ScopedRealtimeCounters::counts() const { return {tAllocations, tLocks}; }

}  // namespace amplitude::test

extern "C" {

void* malloc(std::size_t size) {
  countAllocation();
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  countAllocation();
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
  countAllocation();
  return __libc_realloc(pointer, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  countAllocation();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  countAllocation();
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}
void free(void* pointer) { __libc_free(pointer); }

int pthread_mutex_lock(pthread_mutex_t* mutex) {
  static const auto real = next<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
  countLock();
  return real(mutex);
}
int pthread_mutex_trylock(pthread_mutex_t* mutex) {
  static const auto real = next<int (*)(pthread_mutex_t*)>("pthread_mutex_trylock");
  countLock();
  return real(mutex);
}
int pthread_rwlock_rdlock(pthread_rwlock_t* lock) {
  static const auto real = next<int (*)(pthread_rwlock_t*)>("pthread_rwlock_rdlock");
  countLock();
  return real(lock);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* lock) {
  static const auto real = next<int (*)(pthread_rwlock_t*)>("pthread_rwlock_wrlock");
  countLock();
  return real(lock);
}
int sem_wait(sem_t* semaphore) {
  static const auto real = next<int (*)(sem_t*)>("sem_wait");
  countLock();
  return real(semaphore);
}

}  // extern "C"

// operator new normally reaches malloc through libstdc++, but count here too in case a build
// binds it otherwise.
void* operator new(std::size_t size) {
  countAllocation();
  if (void* p = __libc_malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* pointer) noexcept { __libc_free(pointer); }
void operator delete[](void* pointer) noexcept { __libc_free(pointer); }
void operator delete(void* pointer, std::size_t) noexcept { __libc_free(pointer); }
void operator delete[](void* pointer, std::size_t) noexcept { __libc_free(pointer); }
