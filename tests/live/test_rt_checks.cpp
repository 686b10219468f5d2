// The real-time checker itself: it must see allocations and locks on the watched thread (so a
// zero count elsewhere means something), and only there.
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rt_checks.h"

namespace rt = e2m::test::rt;

namespace {

// Stores keep the compiler from removing an allocation whose result is unused.
void* volatile g_sink = nullptr;

}  // namespace

TEST_CASE("rt checker counts heap calls on the watched thread: it can fail") {
  E2M_RT_SKIP_UNLESS_COUNTING();
  rt::Counters counters;
  {
    rt::WatchScope watch(counters);
    auto* v = new std::vector<int>(1000);
    g_sink = v->data();
    delete v;
    void* p = std::malloc(64);
    g_sink = p;
    std::free(p);
    p = std::calloc(4, 16);
    g_sink = p;
    p = std::realloc(p, 256);
    g_sink = p;
    std::free(p);
    std::string s(200, 'x');  // beyond the small-string buffer
    g_sink = s.data();
  }
  auto before_libc = rt::read(counters).mallocs;
  {
    rt::WatchScope watch(counters);
    char* copy = strdup("allocated inside libc");  // libc's own call to malloc comes here too
    g_sink = copy;
    free(copy);
  }
  CHECK(rt::read(counters).mallocs == before_libc + 1);
  auto c = rt::read(counters);
  INFO("mallocs " << c.mallocs << " frees " << c.frees << " news " << c.news << " deletes " << c.deletes);
  CHECK(c.news >= 3);  // the vector, its buffer, the string
  CHECK(c.deletes >= 3);
  CHECK(c.mallocs >= 6);  // operator new goes through malloc too, plus malloc, calloc, realloc
  CHECK(c.frees >= 6);
  CHECK(c.heap_calls() > 0);
}

TEST_CASE("rt checker counts nothing after the watch ends or on other threads") {
  rt::Counters counters;
  { rt::WatchScope watch(counters); }
  g_sink = std::make_unique<int[]>(100).get();
  std::thread other([] {
    std::vector<double> v(1000);
    g_sink = v.data();
    std::mutex m;
    std::lock_guard<std::mutex> lock(m);
  });
  other.join();
  auto c = rt::read(counters);
  CHECK(c.heap_calls() == 0);
  CHECK(c.lock_calls() == 0);
}

TEST_CASE("rt checker sees std::mutex, condition variables and another watched thread") {
  E2M_RT_SKIP_UNLESS_COUNTING();
  rt::Counters counters, worker_counters;
  std::mutex m;
  std::condition_variable cv;
  {
    rt::WatchScope watch(counters);
    { std::lock_guard<std::mutex> lock(m); }  // std::mutex::lock is pthread_mutex_lock on glibc
    std::unique_lock<std::mutex> lock(m);
    cv.wait_for(lock, std::chrono::milliseconds(1));  // times out: a wait, with its relock
  }
  {
    // condition_variable::wait(lock) is compiled into libstdc++.so: its pthread_cond_wait call
    // must reach the executable's definition as well. The notifier needs the mutex to set
    // `ready`, so the waiter is already waiting when it can.
    rt::Counters library_counters;
    bool ready = false;
    std::unique_lock<std::mutex> lock(m);
    std::thread notifier([&] {
      std::lock_guard<std::mutex> guard(m);
      ready = true;
      cv.notify_one();
    });
    {
      rt::WatchScope watch(library_counters);
      while (!ready) cv.wait(lock);
    }
    lock.unlock();
    notifier.join();
    CHECK(rt::read(library_counters).waits >= 1);
  }
  std::thread worker([&] {
    rt::WatchScope watch(worker_counters);
    g_sink = new char[32];
    delete[] static_cast<char*>(g_sink);
  });
  worker.join();
  auto c = rt::read(counters);
  CHECK(c.mutex_locks >= 2);
  CHECK(c.waits >= 1);
  CHECK(c.lock_calls() >= 3);
  auto w = rt::read(worker_counters);
  CHECK(w.news == 1);
  CHECK(w.deletes == 1);
  CHECK(w.lock_calls() == 0);
}
