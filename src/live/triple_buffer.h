// Latest-value snapshot between one writer thread and one reader thread, lock-free and wait-free:
// the writer never waits, the reader always gets the newest complete value (older ones may be
// skipped). Used for the output clock's pose snapshot (monitor), the mixer's parameters, and stats.
//
// Three preallocated slots: the writer owns one (back), the reader owns one (front), and the third
// (middle) is handed over by an atomic exchange of slot indices. Written by hand: no Debian-packaged
// library provides a triple buffer (moodycamel's queues hand over every value, not the newest).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <type_traits>

namespace e2m::live {

template <class T>
class TripleBuffer {
  static_assert(std::is_trivially_copyable_v<T>,
                "TripleBuffer copies values as bytes: T must be trivially copyable");

 public:
  explicit TripleBuffer(const T& initial = T{}) {
    for (auto& slot : slots_) slot.value = initial;
  }
  TripleBuffer(const TripleBuffer&) = delete;
  TripleBuffer& operator=(const TripleBuffer&) = delete;

  // Writer thread. Fill back() (it holds an older value, not necessarily the last one written),
  // then publish() it; or write(value) in one call.
  T& back() noexcept { return slots_[back_].value; }
  void publish() noexcept {
    // Release: the reader that takes this slot sees its contents. Acquire: the slot we get back
    // is one the reader has finished reading.
    back_ = middle_.exchange(static_cast<uint8_t>(back_ | kFresh), std::memory_order_acq_rel) & kIndex;
  }
  void write(const T& value) noexcept {
    back() = value;
    publish();
  }

  // Reader thread. update() takes the newest published value if there is one (true when it did);
  // front() is the value taken last (the initial value before any).
  bool update() noexcept {
    if (!(middle_.load(std::memory_order_relaxed) & kFresh)) return false;
    front_ = middle_.exchange(front_, std::memory_order_acq_rel) & kIndex;
    return true;
  }
  const T& front() const noexcept { return slots_[front_].value; }
  T read() noexcept {
    update();
    return front();
  }

 private:
  static constexpr uint8_t kIndex = 3;  // low bits: slot index
  static constexpr uint8_t kFresh = 4;  // set by publish(), cleared by update()
  // Slots on their own cache lines so the two threads do not share a line while they work.
  struct alignas(64) Slot {
    T value;
  };

  std::array<Slot, 3> slots_;
  alignas(64) std::atomic<uint8_t> middle_{1};
  alignas(64) uint8_t back_ = 0;   // writer's slot
  alignas(64) uint8_t front_ = 2;  // reader's slot
};

}  // namespace e2m::live
