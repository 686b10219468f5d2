// Real-time checks for tests: counts heap allocations, frees and lock calls made by the threads a
// test chooses to watch, so a test can assert that a real-time thread (output clock, audio
// callback) never allocates, frees or locks during a real run.
//
// How (rt_checks.cpp, linked into the test executable):
// - malloc, calloc, realloc, free, posix_memalign, aligned_alloc and memalign are defined in the
//   executable and forward to glibc's through dlsym(RTLD_NEXT). glibc documents malloc as
//   replaceable this way: calls from inside libc (strdup: tested) and libstdc++ come here too, so
//   heap allocations are seen whatever their source.
// - The global operator new / delete family is replaced as well and counted separately, to tell
//   C++ allocations from C ones.
// - pthread_mutex_lock, pthread_mutex_timedlock, pthread_mutex_clocklock, pthread_rwlock_rdlock and
//   _wrlock are counted as lock calls; pthread_cond_wait, _timedwait, _clockwait and sem_wait,
//   _timedwait, _clockwait as waits. On glibc, std::mutex::lock calls pthread_mutex_lock (libstdc++'s
//   gthreads layer) and a contended lock waits on a futex inside it, so std::mutex and
//   std::condition_variable are seen (tested), contended or not: every call counts, which is
//   stricter than counting futex waits.
// Only watched threads count: a thread_local pointer to a Counters object, which any thread may
// read while the watched one runs. Not counted: spin locks built on atomics (GCC 12's
// std::atomic<std::shared_ptr> is one), futex calls made directly (C++20 atomic wait), and memory
// mapped with mmap. Those need review, not this counter.
#pragma once
#include <atomic>
#include <cstdint>

namespace e2m::test::rt {

struct Counters {
  std::atomic<uint64_t> mallocs{0};      // malloc, calloc, realloc, aligned allocations
  std::atomic<uint64_t> frees{0};        // free and realloc of a non-null pointer
  std::atomic<uint64_t> news{0};         // operator new, every form (also counted in mallocs)
  std::atomic<uint64_t> deletes{0};      // operator delete of a non-null pointer (also in frees)
  std::atomic<uint64_t> mutex_locks{0};  // pthread mutex and rwlock lock calls
  std::atomic<uint64_t> waits{0};        // condition variable and semaphore waits
};

// A plain copy of the counters, for assertions and messages.
struct Counts {
  uint64_t mallocs = 0, frees = 0, news = 0, deletes = 0, mutex_locks = 0, waits = 0;
  uint64_t heap_calls() const { return mallocs + frees; }
  uint64_t lock_calls() const { return mutex_locks + waits; }
};
Counts read(const Counters& counters);

// Counts the calling thread's calls into `counters` from now on; nullptr stops. Never allocates.
void watch_this_thread(Counters* counters) noexcept;

// Watches the calling thread for the scope's lifetime.
class WatchScope {
 public:
  explicit WatchScope(Counters& counters) noexcept { watch_this_thread(&counters); }
  ~WatchScope() { watch_this_thread(nullptr); }
  WatchScope(const WatchScope&) = delete;
  WatchScope& operator=(const WatchScope&) = delete;
};

// True when the malloc family and the lock calls are interposed: always on glibc, except under
// ASan or TSan, whose runtimes own them (nothing is counted then).
bool malloc_interposed() noexcept;

}  // namespace e2m::test::rt

// Catch2 v2 has no SKIP: a test whose checks need the counts warns and returns under a sanitizer.
#define E2M_RT_SKIP_UNLESS_COUNTING()                                                         \
  do {                                                                                        \
    if (!e2m::test::rt::malloc_interposed()) {                                                \
      WARN("SKIPPED: allocations and locks are not counted under a sanitizer (rt_checks.h)"); \
      return;                                                                                 \
    }                                                                                         \
  } while (0)
