// Real-time checks (see rt_checks.h): the executable's own malloc family, operator new family and
// pthread lock/wait entry points, counting calls from watched threads and forwarding to glibc.
#include "rt_checks.h"

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

// ASan and TSan own malloc and the lock calls: their runtimes intercept them and allocate before
// anything here could find glibc's. Under a sanitizer nothing is replaced, nothing is counted, and
// malloc_interposed() says so (the checks that need the counts skip).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define E2M_RT_INTERPOSE 0
#else
#define E2M_RT_INTERPOSE 1
#endif

namespace e2m::test::rt {

namespace {

constinit thread_local Counters* t_watch = nullptr;

#if E2M_RT_INTERPOSE
void bump(std::atomic<uint64_t> Counters::*field) noexcept {
  if (Counters* c = t_watch) (c->*field).fetch_add(1, std::memory_order_relaxed);
}

// glibc's implementations, found once with dlsym(RTLD_NEXT) on the first call of any of them
// (during start-up, before any thread exists).
struct Real {
  void* (*malloc)(size_t);
  void* (*calloc)(size_t, size_t);
  void* (*realloc)(void*, size_t);
  void (*free)(void*);
  int (*posix_memalign)(void**, size_t, size_t);
  void* (*aligned_alloc)(size_t, size_t);
  void* (*memalign)(size_t, size_t);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_timedlock)(pthread_mutex_t*, const timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const timespec*);
  int (*rwlock_rdlock)(pthread_rwlock_t*);
  int (*rwlock_wrlock)(pthread_rwlock_t*);
  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
  int (*sem_wait)(sem_t*);
  int (*sem_timedwait)(sem_t*, const timespec*);
  int (*sem_clockwait)(sem_t*, clockid_t, const timespec*);
};
Real g_real{};
std::atomic<int> g_state{0};  // 0 unresolved, 1 resolving, 2 ready

// dlsym may allocate while it resolves malloc itself: those few bytes come from here, never freed.
alignas(std::max_align_t) char g_boot[16384];
size_t g_boot_used = 0;

void* boot_alloc(size_t n) noexcept {
  size_t rounded = (n + 15) & ~size_t{15};
  if (rounded > sizeof(g_boot) - g_boot_used) return nullptr;
  void* p = g_boot + g_boot_used;
  g_boot_used += rounded;
  return p;
}

bool is_boot(const void* p) noexcept {
  auto* c = static_cast<const char*>(p);
  return c >= g_boot && c < g_boot + sizeof(g_boot);
}

[[noreturn]] void die(const char* what) noexcept {
  ssize_t ignored = write(2, what, strlen(what));
  (void)ignored;
  abort();
}

template <class F>
void resolve(F& f, const char* name, const char* version = nullptr) noexcept {
  void* p = version ? dlvsym(RTLD_NEXT, name, version) : nullptr;
  if (!p) p = dlsym(RTLD_NEXT, name);
  if (!p) die("rt_checks: a libc function was not found by dlsym(RTLD_NEXT)\n");
  f = reinterpret_cast<F>(p);
}

void resolve_all() noexcept {
  g_state.store(1);
  Real r{};
  resolve(r.malloc, "malloc");
  resolve(r.calloc, "calloc");
  resolve(r.realloc, "realloc");
  resolve(r.free, "free");
  resolve(r.posix_memalign, "posix_memalign");
  resolve(r.aligned_alloc, "aligned_alloc");
  resolve(r.memalign, "memalign");
  resolve(r.mutex_lock, "pthread_mutex_lock");
  resolve(r.mutex_timedlock, "pthread_mutex_timedlock");
  resolve(r.mutex_clocklock, "pthread_mutex_clocklock");
  resolve(r.rwlock_rdlock, "pthread_rwlock_rdlock");
  resolve(r.rwlock_wrlock, "pthread_rwlock_wrlock");
  // The condition variable has an old (2.2.5) and the current (2.3.2) ABI; ask for the current.
  resolve(r.cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
  resolve(r.cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
  resolve(r.cond_clockwait, "pthread_cond_clockwait");
  resolve(r.sem_wait, "sem_wait");
  resolve(r.sem_timedwait, "sem_timedwait");
  resolve(r.sem_clockwait, "sem_clockwait");
  g_real = r;
  g_state.store(2, std::memory_order_release);
}

// nullptr while resolving (only the allocation functions may be called then).
const Real* real() noexcept {
  int state = g_state.load(std::memory_order_acquire);
  if (state == 2) return &g_real;
  if (state == 1) return nullptr;
  resolve_all();
  return &g_real;
}

const Real& real_or_die() noexcept {
  const Real* r = real();
  if (!r) die("rt_checks: a lock function was called while resolving libc functions\n");
  return *r;
}
#endif

}  // namespace

Counts read(const Counters& c) {
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {get(c.mallocs), get(c.frees), get(c.news), get(c.deletes), get(c.mutex_locks), get(c.waits)};
}

void watch_this_thread(Counters* counters) noexcept { t_watch = counters; }

bool malloc_interposed() noexcept { return E2M_RT_INTERPOSE != 0; }

}  // namespace e2m::test::rt

#if E2M_RT_INTERPOSE

namespace rt = e2m::test::rt;

// ---- the malloc family -------------------------------------------------------------------------

extern "C" void* malloc(size_t n) noexcept {
  const rt::Real* r = rt::real();
  if (!r) return rt::boot_alloc(n);
  rt::bump(&rt::Counters::mallocs);
  return r->malloc(n);
}

extern "C" void* calloc(size_t count, size_t n) noexcept {
  const rt::Real* r = rt::real();
  if (!r) return n && count > SIZE_MAX / n ? nullptr : rt::boot_alloc(count * n);  // zero already
  rt::bump(&rt::Counters::mallocs);
  return r->calloc(count, n);
}

extern "C" void* realloc(void* p, size_t n) noexcept {
  const rt::Real* r = rt::real();
  if (!r) return rt::boot_alloc(n);  // dlsym does not realloc; never reached in practice
  if (rt::is_boot(p)) {
    // Moving a start-up block to the real heap: its size is unknown, copy what can be copied.
    void* q = malloc(n);
    auto* end = rt::g_boot + sizeof(rt::g_boot);
    if (q) memcpy(q, p, std::min<size_t>(n, static_cast<size_t>(end - static_cast<char*>(p))));
    return q;
  }
  rt::bump(&rt::Counters::mallocs);
  if (p) rt::bump(&rt::Counters::frees);
  return r->realloc(p, n);
}

extern "C" void free(void* p) noexcept {
  if (!p || rt::is_boot(p)) return;
  rt::bump(&rt::Counters::frees);
  rt::real_or_die().free(p);
}

extern "C" int posix_memalign(void** out, size_t align, size_t n) noexcept {
  rt::bump(&rt::Counters::mallocs);
  return rt::real_or_die().posix_memalign(out, align, n);
}

extern "C" void* aligned_alloc(size_t align, size_t n) noexcept {
  rt::bump(&rt::Counters::mallocs);
  return rt::real_or_die().aligned_alloc(align, n);
}

extern "C" void* memalign(size_t align, size_t n) noexcept {
  rt::bump(&rt::Counters::mallocs);
  return rt::real_or_die().memalign(align, n);
}

// ---- locks and waits ---------------------------------------------------------------------------

extern "C" int pthread_mutex_lock(pthread_mutex_t* m) noexcept {
  rt::bump(&rt::Counters::mutex_locks);
  return rt::real_or_die().mutex_lock(m);
}

extern "C" int pthread_mutex_timedlock(pthread_mutex_t* m, const timespec* t) noexcept {
  rt::bump(&rt::Counters::mutex_locks);
  return rt::real_or_die().mutex_timedlock(m, t);
}

extern "C" int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const timespec* t) noexcept {
  rt::bump(&rt::Counters::mutex_locks);
  return rt::real_or_die().mutex_clocklock(m, clock, t);
}

extern "C" int pthread_rwlock_rdlock(pthread_rwlock_t* l) noexcept {
  rt::bump(&rt::Counters::mutex_locks);
  return rt::real_or_die().rwlock_rdlock(l);
}

extern "C" int pthread_rwlock_wrlock(pthread_rwlock_t* l) noexcept {
  rt::bump(&rt::Counters::mutex_locks);
  return rt::real_or_die().rwlock_wrlock(l);
}

extern "C" int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  rt::bump(&rt::Counters::waits);
  return rt::real_or_die().cond_wait(c, m);
}

extern "C" int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const timespec* t) {
  rt::bump(&rt::Counters::waits);
  return rt::real_or_die().cond_timedwait(c, m, t);
}

extern "C" int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                                      const timespec* t) {
  rt::bump(&rt::Counters::waits);
  return rt::real_or_die().cond_clockwait(c, m, clock, t);
}

extern "C" int sem_wait(sem_t* s) {
  rt::bump(&rt::Counters::waits);
  return rt::real_or_die().sem_wait(s);
}

extern "C" int sem_timedwait(sem_t* s, const timespec* t) {
  rt::bump(&rt::Counters::waits);
  return rt::real_or_die().sem_timedwait(s, t);
}

extern "C" int sem_clockwait(sem_t* s, clockid_t clock, const timespec* t) {
  rt::bump(&rt::Counters::waits);
  return rt::real_or_die().sem_clockwait(s, clock, t);
}

// ---- operator new / delete ---------------------------------------------------------------------
// Forward to the malloc above (so mallocs counts them too). No new_handler loop: tests only.

namespace {

void* counted_new(size_t n) {
  rt::bump(&rt::Counters::news);
  if (void* p = malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}

void* counted_new(size_t n, std::align_val_t align) {
  rt::bump(&rt::Counters::news);
  void* p = nullptr;
  size_t a = std::max(static_cast<size_t>(align), sizeof(void*));
  if (posix_memalign(&p, a, n ? n : 1) == 0) return p;
  throw std::bad_alloc();
}

void counted_delete(void* p) noexcept {
  if (p) rt::bump(&rt::Counters::deletes);
  free(p);
}

}  // namespace

void* operator new(size_t n) { return counted_new(n); }
void* operator new[](size_t n) { return counted_new(n); }
void* operator new(size_t n, std::align_val_t a) { return counted_new(n, a); }
void* operator new[](size_t n, std::align_val_t a) { return counted_new(n, a); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return counted_new(n, a);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept {
  return operator new(n, a, t);
}

void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, size_t) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { counted_delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_delete(p); }
#endif  // E2M_RT_INTERPOSE
