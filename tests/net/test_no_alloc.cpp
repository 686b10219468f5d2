// The output-clock calls of e2m_net (encode a VMC or VJ frame, send it) allocate nothing: global
// operator new is replaced here with one that counts calls on the current thread (every plain and
// nothrow form, with the matching deletes, so sanitizers see malloc/free pairs).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>

#include "lo_receiver.h"
#include "motion/rotation.h"
#include "net/sender.h"
#include "net/vj_encoder.h"
#include "net/vmc_encoder.h"

namespace {
thread_local long t_allocations = 0;
}  // namespace

// These replacements are new over malloc and delete over free; where GCC inlines one into the other's
// caller (the TSan build's -O1) it takes the pair for a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  ++t_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++t_allocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace e2m;
using namespace e2m::net;

TEST_CASE("no allocation: encoding and sending VMC and VJ frames allocates nothing") {
  e2m::test::LoReceiver rx;
  Sender vmc_tx(rx.address());
  Sender vj_tx(rx.address());
  VjOptions vj_opt;
  vj_opt.joints = true;
  vj_opt.normalise = true;
  VjEncoder vj(vj_opt);
  auto frame = std::make_unique<FramePackets>();
  std::mt19937 rng(1);
  std::normal_distribution<double> n;
  motion::PoseFrame pose;
  for (auto& q : pose.rot) q = motion::normalized(motion::Quat{n(rng), n(rng), n(rng), n(rng)});
  VmcOptions unbundled;
  unbundled.bundled = false;

  long before = t_allocations;
  auto probe = std::make_unique<int>(1);  // the counter sees allocations at all
  REQUIRE(t_allocations == before + 1);
  before = t_allocations;
  for (int f = 0; f < 10; ++f) {
    encode_vmc(pose, f / 60.0, VmcOptions{}, *frame);
    vmc_tx.send(*frame);
    encode_vmc(pose, f / 60.0, unbundled, *frame);
    vmc_tx.send(*frame);
    VjFrameInfo info;
    info.frame = f;
    info.beat = true;
    vj.encode(pose, info, *frame);
    vj_tx.send(*frame);
  }
  long allocations = t_allocations - before;
  CHECK(allocations == 0);
  CHECK(vmc_tx.stats().errors == 0);
  CHECK(vj_tx.stats().errors == 0);
}
