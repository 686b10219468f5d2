// FrameQueue: capacity check at construction; try_enqueue only, so push never allocates.
#include "live/frame_queue.h"

#include <string>

#include "motion/error.h"

namespace e2m::live {

namespace {

size_t checked_capacity(size_t capacity) {
  if (capacity < 1 || capacity > 65536) {
    throw Error("frame queue capacity is " + std::to_string(capacity) + " (expected 1 to 65536 frames)");
  }
  return capacity;
}

}  // namespace

FrameQueue::FrameQueue(size_t capacity) : queue_(checked_capacity(capacity)) {}

bool FrameQueue::push(const TimedFrame& frame) noexcept {
  // try_enqueue never grows the queue (enqueue would allocate a new block when full).
  if (queue_.try_enqueue(frame)) return true;
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace e2m::live
