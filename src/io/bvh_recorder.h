// Crash-safe BVH recording of a live pose stream: the real-time side hands frames to a preallocated
// ring without blocking, a writer thread formats and writes them, and the file stays readable (after
// repair_bvh) whatever happens to the process or the disk.
//
// File layout: io's canonical BVH (clip_to_bvh: same joints, offsets, channel orders, centimetres),
// with the "Frames:" count written in a fixed-width field ("Frames:" then 11 bytes, the count
// right-aligned in spaces) so it can be rewritten in place while frames are appended behind it.
//
// What survives what:
// - The writer writes each batch of frames as soon as it has them (every few milliseconds), so a
//   killed process (SIGKILL, crash) loses only the frames still in the ring, a few ms' worth.
//   Every flush_interval_s it also rewrites Frames: and calls fdatasync, so a power cut loses at
//   most about that long. Until repair_bvh has run, a killed recording's Frames: may be stale.
// - A write error (disk full: ENOSPC, file size limit: EFBIG, EIO) stops the recording cleanly: the
//   file is cut back to its last complete frame row and its count rewritten, the error is counted,
//   and push() goes on returning (dropping and counting frames). Nothing is thrown on the writer
//   thread or into push()'s caller.
// - A ring that is full (the writer starved of CPU or disk) drops the frame and counts it; the next
//   frame that gets through carries the number dropped before it, and the writer repeats the last
//   frame row that many times, so the file's timeline stays in step with the show (and its audio).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "motion/pose.h"

namespace e2m::io {

struct BvhRecorderOptions {
  // Frames the ring holds while the writer is behind: 512 is about 8.5 s at 60 fps. Sized once,
  // in the constructor; push() never allocates.
  std::size_t capacity_frames = 512;
  // Seconds between rewrites of the Frames: count with fdatasync (what a power cut may lose).
  double flush_interval_s = 1.0;
  // How often the writer wakes to drain the ring (what a killed process may lose), seconds.
  double poll_interval_s = 0.01;
  // File units per metre: 100 writes centimetres, as clip_to_bvh and the BVH exporters do.
  double scale = 100.0;
};

enum class BvhOpenMode {
  kAppend,   // an existing file is repaired and recorded onto (same skeleton and frame rate)
  kReplace,  // an existing file is overwritten
};

// A plain copy of the recorder's counters (each is an atomic inside, readable from any thread).
struct BvhRecorderStats {
  std::uint64_t frames_written = 0;  // frame rows this recording put in the file (held copies too)
  std::uint64_t frames_dropped = 0;  // pushes that did not reach the file (ring full, not recording)
  std::uint64_t frames_invalid = 0;  // frames with non-finite values, written as the previous frame
  std::uint64_t write_errors = 0;    // failed writes, truncations or syncs (the recording stops)
  std::int64_t last_flush_ns = 0;    // steady_clock time of the last Frames: rewrite + sync, 0 never
  int last_errno = 0;                // errno of the last write error (ENOSPC, EFBIG, EIO), 0 none
  bool recording = false;            // open and not stopped by an error
};

class BvhRecorder {
 public:
  // Sizes the ring; throws e2m::Error naming an option that is out of range.
  explicit BvhRecorder(const BvhRecorderOptions& options = {});
  ~BvhRecorder();  // close()
  BvhRecorder(const BvhRecorder&) = delete;
  BvhRecorder& operator=(const BvhRecorder&) = delete;

  // Starts recording at fps frames per second (a positive number up to 1000; the live engine uses
  // 30 or 60). Closes a recording already open. kAppend on an existing file repairs it first and
  // requires the canonical skeleton and the same frame time; otherwise, or when the file cannot be
  // created, throws e2m::Error naming the file. Not for the real-time thread.
  void open(const std::filesystem::path& path, double fps, BvhOpenMode mode = BvhOpenMode::kAppend);
  // Real-time side, one producer thread: never blocks, allocates, locks or throws. False when the
  // frame was dropped (ring full, nothing open, or the recording stopped after an error).
  bool push(const motion::PoseFrame& frame) noexcept;
  // Drains the ring, writes the final count, syncs and closes. Safe to call twice; never throws.
  void close() noexcept;

  // Between open() and close(), even after an error stopped the recording (see stats().recording).
  bool is_open() const noexcept;
  BvhRecorderStats stats() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Width of the text after "Frames:" in recorder files: a space and 10 digits' room.
inline constexpr int kBvhFramesFieldWidth = 11;

struct BvhRepairResult {
  std::int64_t frames = 0;       // complete frame rows kept
  std::uint64_t bytes_cut = 0;   // bytes removed from the end (a cut row, garbage after it)
  bool count_rewritten = false;  // the Frames: count was wrong and was rewritten
  bool rewritten_whole = false;  // the count did not fit its field, so the file was rewritten
};

// Makes a BVH file that was cut short (SIGKILL, disk full, power loss) readable again, in place:
// keeps the rows up to the first one that is not a complete frame row (right number of finite values
// within +-1e9, ended by a newline), cuts the file there and rewrites Frames:. A count too wide for
// its field makes it rewrite the file through a temporary beside it. A file that is already sound is
// left untouched. Throws e2m::Error naming the file when it cannot be opened or its header (up to
// 'Frame Time:') is incomplete or malformed.
BvhRepairResult repair_bvh(const std::filesystem::path& path);

}  // namespace e2m::io
