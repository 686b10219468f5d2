// BVH recorder and repair_bvh: round trips through io's reader, a SIGKILLed recording, cut files,
// appending, a full ring, and a full disk (a real small tmpfs, and a file size limit).
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "io/bvh.h"
#include "io/bvh_recorder.h"
#include "live/pose_fixtures.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "test_support.h"
#include "tmpfs_mount.h"

using namespace e2m;
using motion::PoseFrame;

namespace {

// Frame i of a reproducible stream: random joint turns, and the index in root.z so a reader can tell
// which frame a row holds.
PoseFrame pose_for(int i) {
  std::mt19937 rng(1000 + static_cast<unsigned>(i));
  PoseFrame p = test::random_pose(rng);
  p.root.z = i * 0.001;
  return p;
}

int frame_id(const motion::Clip& clip, int f) { return static_cast<int>(std::lround(clip.root[f].z * 1000)); }

// Largest joint angle (radians) and root distance (metres) between a clip frame and a pose.
double max_error(const motion::Clip& clip, int f, const PoseFrame& p) {
  double worst = motion::norm(clip.root[f] - p.root);
  for (int j = 0; j < motion::kNumJoints; ++j)
    worst = std::max(worst, motion::angle_between(clip.q(f, j), p.rot[j]));
  return worst;
}

// Frames first..first+count-1 of the file hold pose_for(first_id + k), within 1e-4.
void check_rows(const motion::Clip& clip, int first, int count, int first_id = 0) {
  for (int k = 0; k < count; ++k) {
    INFO("frame " << first + k);
    REQUIRE(max_error(clip, first + k, pose_for(first_id + k)) < 1e-4);
  }
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

motion::Clip read_clip(const std::filesystem::path& path) { return io::bvh_to_clip(io::read_bvh(path)); }

// Waits (sleeping) until pred holds; false after `seconds`. A guard against hanging, not a timing check.
template <class Pred>
bool wait_until(Pred pred, double seconds = 60) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void record(const std::filesystem::path& path, int first_id, int count, double fps = 60,
            io::BvhOpenMode mode = io::BvhOpenMode::kAppend) {
  io::BvhRecorderOptions o;
  o.capacity_frames = 4096;
  io::BvhRecorder rec(o);
  rec.open(path, fps, mode);
  for (int i = 0; i < count; ++i) REQUIRE(rec.push(pose_for(first_id + i)));
  rec.close();
  auto s = rec.stats();
  REQUIRE(s.frames_written == static_cast<uint64_t>(count));
  REQUIRE(s.write_errors == 0);
}

void cut_file(const std::filesystem::path& path, uintmax_t bytes_off_end) {
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - bytes_off_end);
}

// The text after "Frames:" up to the end of its line.
std::string frames_field(const std::filesystem::path& path) {
  std::string text = test::read_file(path);
  size_t at = text.find("Frames:") + 7;
  return text.substr(at, text.find('\n', at) - at);
}

}  // namespace

TEST_CASE("bvh recorder writes frames that io's reader reads back unchanged") {
  test::TempDir dir("bvh-recorder");
  auto path = dir.path() / "take.bvh";
  const int n = 150;
  record(path, 0, n);
  io::Bvh bvh = io::read_bvh(path);
  CHECK(bvh.frames == n);
  CHECK(std::abs(bvh.fps() - 60.0) < 1e-6);
  // Same hierarchy as io's writer: joint names, parents, offsets and channel orders.
  io::Bvh ref = io::clip_to_bvh(motion::Clip::rest(1, 60));
  REQUIRE(bvh.joints.size() == ref.joints.size());
  for (const auto& j : ref.joints) {
    int k = bvh.find(j.name);
    INFO("joint " << j.name);
    REQUIRE(k >= 0);
    CHECK(bvh.joints[k].channels == j.channels);
    CHECK(motion::norm(bvh.joints[k].offset - j.offset) < 1e-6);
    CHECK((j.parent < 0 ? bvh.joints[k].parent < 0
                        : bvh.joints[bvh.joints[k].parent].name == ref.joints[j.parent].name));
  }
  check_rows(io::bvh_to_clip(bvh), 0, n);
  CHECK(frames_field(path).size() == static_cast<size_t>(io::kBvhFramesFieldWidth));
}

TEST_CASE("bvh recorder counts frames pushed while nothing is open and holds over invalid frames") {
  test::TempDir dir("bvh-recorder-invalid");
  io::BvhRecorder rec;
  CHECK_FALSE(rec.push(pose_for(0)));
  CHECK(rec.stats().frames_dropped == 1);
  rec.open(dir.path() / "take.bvh", 30);
  REQUIRE(rec.push(pose_for(0)));
  PoseFrame bad = pose_for(1);
  bad.rot[5].x = std::nan("");
  REQUIRE(rec.push(bad));
  REQUIRE(rec.push(pose_for(2)));
  rec.close();
  auto s = rec.stats();
  CHECK(s.frames_written == 3);
  CHECK(s.frames_invalid == 1);
  CHECK(s.frames_dropped == 0);
  CHECK(s.last_flush_ns > 0);
  CHECK_FALSE(s.recording);
  motion::Clip clip = read_clip(dir.path() / "take.bvh");
  REQUIRE(clip.frames() == 3);
  CHECK(max_error(clip, 0, pose_for(0)) < 1e-4);
  CHECK(max_error(clip, 1, pose_for(0)) < 1e-4);  // the invalid frame became a copy of the last one
  CHECK(max_error(clip, 2, pose_for(2)) < 1e-4);
}

TEST_CASE("bvh recorder rejects options and frame rates out of range, naming them") {
  io::BvhRecorderOptions o;
  o.capacity_frames = 0;
  CHECK_THROWS_WITH(io::BvhRecorder(o), Catch::Contains("capacity_frames"));
  test::TempDir dir("bvh-recorder-fps");
  io::BvhRecorder rec;
  CHECK_THROWS_WITH(rec.open(dir.path() / "a.bvh", 0),
                    Catch::Contains("a.bvh") && Catch::Contains("frame rate"));
  CHECK_THROWS_WITH(rec.open(dir.path() / "no-such-folder" / "a.bvh", 30), Catch::Contains("cannot create"));
  CHECK_FALSE(rec.is_open());
}

TEST_CASE("bvh recorder keeps the timeline when the ring overflows") {
  test::TempDir dir("bvh-recorder-overflow");
  io::BvhRecorderOptions o;
  o.capacity_frames = 4;
  // The writer's first drain comes a full second after open(), so a burst of pushes overflows the
  // ring whatever the machine's load.
  o.poll_interval_s = 1.0;
  io::BvhRecorder rec(o);
  rec.open(dir.path() / "take.bvh", 60);
  int pushes = 0, refused = 0;
  for (int i = 0; i < 50; ++i, ++pushes) refused += rec.push(pose_for(i)) ? 0 : 1;
  // The last frame must get through to carry the count of frames dropped before it.
  while (!rec.push(pose_for(50))) {
    ++pushes;
    ++refused;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ++pushes;
  rec.close();
  auto s = rec.stats();
  REQUIRE(refused > 0);
  CHECK(s.frames_dropped == static_cast<uint64_t>(refused));
  motion::Clip clip = read_clip(dir.path() / "take.bvh");
  // One row per push: dropped frames are stood in for by the frame before them.
  REQUIRE(clip.frames() == pushes);
  CHECK(s.frames_written == static_cast<uint64_t>(pushes));
  CHECK(frame_id(clip, 0) == 0);
  CHECK(frame_id(clip, clip.frames() - 1) == 50);
  for (int f = 1; f < clip.frames(); ++f) {
    INFO("frame " << f);
    int id = frame_id(clip, f), prev = frame_id(clip, f - 1);
    REQUIRE((id == prev || id > prev));
    REQUIRE(max_error(clip, f, pose_for(id)) < 1e-4);
  }
}

TEST_CASE("repair_bvh cuts a row cut mid-line and rewrites Frames") {
  test::TempDir dir("bvh-repair");
  auto path = dir.path() / "take.bvh";
  record(path, 0, 40, 30);
  const std::string whole = test::read_file(path);
  cut_file(path, 100);  // the last row loses its newline and some values
  CHECK_THROWS_AS(io::read_bvh(path), Error);
  io::BvhRepairResult r = io::repair_bvh(path);
  CHECK(r.frames == 39);
  CHECK(r.bytes_cut > 0);
  CHECK(r.count_rewritten);
  CHECK_FALSE(r.rewritten_whole);
  motion::Clip clip = read_clip(path);
  REQUIRE(clip.frames() == 39);
  check_rows(clip, 0, 39);
  // What is left is the original up to the end of row 39, with its count.
  std::string expected = whole.substr(0, whole.rfind('\n', whole.size() - 2) + 1);
  size_t at = expected.find("Frames:") + 7;
  expected.replace(at, io::kBvhFramesFieldWidth, std::string(io::kBvhFramesFieldWidth - 2, ' ') + "39");
  CHECK(test::read_file(path) == expected);
  // A sound file is left alone.
  std::string before = test::read_file(path);
  r = io::repair_bvh(path);
  CHECK(r.frames == 39);
  CHECK(r.bytes_cut == 0);
  CHECK_FALSE(r.count_rewritten);
  CHECK(test::read_file(path) == before);
  // A row cut inside its last value still has all its values and reads, but with a wrong number:
  // a row without its newline is never trusted.
  cut_file(path, 4);
  REQUIRE(io::read_bvh(path).frames == 39);
  r = io::repair_bvh(path);
  CHECK(r.frames == 38);
  check_rows(read_clip(path), 0, 38);
}

TEST_CASE("repair_bvh fixes a stale Frames count and garbage after the last row") {
  test::TempDir dir("bvh-repair-stale");
  auto path = dir.path() / "take.bvh";
  record(path, 0, 25, 30);
  // A count from an earlier flush (what SIGKILL between flushes leaves), then zeros (power loss).
  std::string text = test::read_file(path);
  size_t at = text.find("Frames:") + 7;
  text.replace(at, io::kBvhFramesFieldWidth, std::string(io::kBvhFramesFieldWidth - 2, ' ') + "10");
  text += std::string(300, '\0');
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  CHECK_THROWS_AS(io::read_bvh(path), Error);
  io::BvhRepairResult r = io::repair_bvh(path);
  CHECK(r.frames == 25);
  CHECK(r.bytes_cut == 300);
  CHECK(r.count_rewritten);
  check_rows(read_clip(path), 0, 25);
}

TEST_CASE("repair_bvh rewrites a foreign file whose count does not fit its field") {
  test::TempDir dir("bvh-repair-narrow");
  auto path = dir.path() / "walk.bvh";
  motion::Clip clip = motion::Clip::rest(12, 30);
  for (int f = 0; f < 12; ++f) {
    PoseFrame p = pose_for(f);
    clip.root[f] = p.root;
    for (int j = 0; j < motion::kNumJoints; ++j) clip.q(f, j) = p.rot[j];
  }
  std::string text = io::format_bvh(io::clip_to_bvh(clip));
  size_t at = text.find("Frames: 12");
  REQUIRE(at != std::string::npos);
  text.replace(at, 10, "Frames: 9");                         // "12" does not fit in " 9"
  std::ofstream(path, std::ios::binary) << text << "0 1 2";  // and a cut row
  io::BvhRepairResult r = io::repair_bvh(path);
  CHECK(r.frames == 12);
  CHECK(r.rewritten_whole);
  CHECK(frames_field(path).size() == static_cast<size_t>(io::kBvhFramesFieldWidth));
  check_rows(read_clip(path), 0, 12);
  CHECK_FALSE(std::filesystem::exists(path.string() + ".repair-tmp"));
}

TEST_CASE("repair_bvh names the file when its header is incomplete or missing") {
  test::TempDir dir("bvh-repair-header");
  auto path = dir.path() / "short.bvh";
  record(path, 0, 3, 30);
  std::string text = test::read_file(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text.substr(0, text.find("Frame Time:") + 5);
  CHECK_THROWS_WITH(io::repair_bvh(path),
                    Catch::Contains("short.bvh") && Catch::Contains("header is incomplete"));
  CHECK_THROWS_WITH(io::repair_bvh(dir.path() / "absent.bvh"), Catch::Contains("absent.bvh"));
}

TEST_CASE("bvh recorder appends to an existing recording after repairing it") {
  test::TempDir dir("bvh-recorder-append");
  auto path = dir.path() / "take.bvh";
  record(path, 0, 20, 60);
  cut_file(path, 11);  // the crash case: the last row cut
  record(path, 100, 15, 60);
  motion::Clip clip = read_clip(path);
  REQUIRE(clip.frames() == 19 + 15);
  check_rows(clip, 0, 19);
  check_rows(clip, 19, 15, 100);
  // A different frame rate cannot be appended; kReplace starts afresh.
  io::BvhRecorder rec;
  CHECK_THROWS_WITH(rec.open(path, 30), Catch::Contains("take.bvh") && Catch::Contains("cannot record onto"));
  record(path, 7, 5, 30, io::BvhOpenMode::kReplace);
  clip = read_clip(path);
  REQUIRE(clip.frames() == 5);
  CHECK(clip.fps == 30);
  check_rows(clip, 0, 5, 7);
}

TEST_CASE("a recording SIGKILLed mid-way keeps every frame its writer had written, after repair_bvh") {
  test::TempDir dir("bvh-recorder-kill");
  auto path = dir.path() / "take.bvh";
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: records frames steadily; once 60 are in the file and a periodic flush has rewritten
    // Frames: since then, it tells the parent how many were written and goes on recording.
    ::close(fds[0]);
    int code = 0;
    try {
      io::BvhRecorderOptions o;
      o.capacity_frames = 4096;
      o.flush_interval_s = 0.1;
      io::BvhRecorder rec(o);
      rec.open(path, 60);
      bool told = false;
      int64_t reached_ns = 0;
      for (int i = 0; i < 1'000'000; ++i) {
        rec.push(pose_for(i));
        io::BvhRecorderStats s = rec.stats();
        if (reached_ns == 0 && s.frames_written >= 60) reached_ns = steady_ns();
        if (!told && reached_ns != 0 && s.last_flush_ns > reached_ns) {
          told = ::write(fds[1], &s.frames_written, sizeof s.frames_written) == sizeof s.frames_written;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(4));
      }
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  pollfd pfd{fds[0], POLLIN, 0};
  uint64_t written = 0;
  bool got = ::poll(&pfd, 1, 60'000) == 1 && ::read(fds[0], &written, sizeof written) == sizeof written;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  REQUIRE(got);
  REQUIRE(WIFSIGNALED(status));
  // The periodic flush had counted at least the 60 frames in the file before the kill.
  CHECK(std::stoll(frames_field(path)) >= 60);
  io::BvhRepairResult r = io::repair_bvh(path);
  INFO("written before the kill: " << written << ", kept: " << r.frames);
  REQUIRE(r.frames >= static_cast<int64_t>(written));
  motion::Clip clip = read_clip(path);
  REQUIRE(clip.frames() == r.frames);
  check_rows(clip, 0, clip.frames());
}

namespace {

struct DiskFullOutcome {
  io::BvhRecorderStats stats;
  int pushes = 0;
  bool stopped = false;    // the recorder saw the error
  bool push_after = true;  // what push() returned after the error
  bool threw = false;
};

// Records until the file system refuses more bytes (or 5000 frames), then closes.
DiskFullOutcome record_until_full(const std::filesystem::path& path) {
  DiskFullOutcome out;
  try {
    io::BvhRecorderOptions o;
    o.capacity_frames = 8192;
    io::BvhRecorder rec(o);
    rec.open(path, 60);
    for (; out.pushes < 5000 && rec.stats().write_errors == 0; ++out.pushes) rec.push(pose_for(out.pushes));
    out.stopped = wait_until([&] { return rec.stats().write_errors > 0; });
    out.push_after = rec.push(pose_for(out.pushes++));
    rec.close();
    out.stats = rec.stats();
  } catch (...) {
    out.threw = true;
  }
  return out;
}

void check_disk_full(const DiskFullOutcome& out, const std::filesystem::path& path, int expected_errno) {
  REQUIRE_FALSE(out.threw);
  REQUIRE(out.stopped);
  CHECK_FALSE(out.push_after);
  CHECK(out.stats.write_errors == 1);
  CHECK(out.stats.last_errno == expected_errno);
  CHECK_FALSE(out.stats.recording);
  CHECK(out.stats.frames_written > 0);
  CHECK(out.stats.frames_written + out.stats.frames_dropped == static_cast<uint64_t>(out.pushes));
  // Valid without a repair, up to the last complete frame.
  motion::Clip clip = read_clip(path);
  REQUIRE(clip.frames() == static_cast<int>(out.stats.frames_written));
  check_rows(clip, 0, clip.frames());
  CHECK_FALSE(io::repair_bvh(path).count_rewritten);
}

}  // namespace

TEST_CASE("bvh recorder stops cleanly on a full disk (a 64 KiB tmpfs)") {
  test::TempDir dir("bvh-recorder-tmpfs");
  test::TmpfsMount fs(dir.path() / "small", "size=64k");
  if (!fs.mounted) {
    WARN("SKIPPED: cannot mount a tmpfs here (" << std::strerror(fs.error)
                                                << "); the file size limit test covers it");
    return;
  }
  auto path = fs.dir / "take.bvh";
  DiskFullOutcome out = record_until_full(path);
  check_disk_full(out, path, ENOSPC);
}

TEST_CASE("bvh recorder stops cleanly when a write fails with EFBIG (file size limit)") {
  test::TempDir dir("bvh-recorder-fsize");
  auto path = dir.path() / "take.bvh";
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: the limit is the process's, so it stays out of the test runner.
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{48 * 1024, 48 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    DiskFullOutcome out = record_until_full(path);
    ssize_t n = ::write(fds[1], &out, sizeof out);
    ::_exit(n == sizeof out ? 0 : 3);
  }
  ::close(fds[1]);
  DiskFullOutcome out;
  ssize_t n = ::read(fds[0], &out, sizeof out);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(n == static_cast<ssize_t>(sizeof out));
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(std::filesystem::file_size(path) <= 48 * 1024);
  check_disk_full(out, path, EFBIG);
}
