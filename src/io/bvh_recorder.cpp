// BVH recorder: SPSC ring -> writer thread -> one write() per frame row, fixed-width Frames: field
// rewritten in place; repair_bvh cuts a damaged file back to its last complete row.
#include "io/bvh_recorder.h"

#include <fcntl.h>
#include <readerwriterqueue/readerwriterqueue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "io/bvh.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"

namespace e2m::io {

using motion::PoseFrame;
using motion::Vec3;

namespace {

// Values beyond this are rejected by parse_bvh, so a row holding one would make the file unreadable.
constexpr double kMaxAbsValue = 1e9;
// parse_bvh finds 'Frame Time:' well inside this for any file it accepts (4096 joints at most).
constexpr size_t kMaxHeaderBytes = size_t{8} << 20;
constexpr size_t kChunkBytes = size_t{1} << 20;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

[[noreturn]] void fail_io(const std::string& name, const std::string& what, int err) {
  throw Error(name + ": " + what + " (" + errno_text(err) + ")");
}

// ---- small POSIX helpers: each returns 0 or the errno of the failure ----

// Closes on scope exit (repair_bvh's descriptors).
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

int pwrite_all(int fd, std::string_view bytes, off_t offset) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return 0;
}

// Up to `size` bytes from `offset` (fewer at the end of the file); errno on failure.
int pread_some(int fd, std::string& out, size_t size, off_t offset) {
  out.resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, out.data() + got, size - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return 0;
}

int sync_data(int fd) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// ---- the Frames: field ----

// " <count>" right-aligned in `width` bytes; empty when the count does not fit.
std::string frames_field(int64_t frames, size_t width) {
  std::string digits = std::to_string(frames);
  if (width < 2 || digits.size() + 1 > width) return {};
  return std::string(width - digits.size(), ' ') + digits;
}

// ---- frame rows ----

bool parse_value(std::string_view tok) {
  if (!tok.empty() && tok.front() == '+') tok.remove_prefix(1);
  if (tok.empty()) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  return ec == std::errc() && ptr == tok.data() + tok.size() && std::isfinite(v) &&
         std::abs(v) <= kMaxAbsValue;
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\f\v\r") == std::string_view::npos; }

// A complete frame row: exactly `channels` numbers parse_bvh would accept (line without its '\n').
bool is_frame_row(std::string_view line, int channels) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  int count = 0;
  size_t p = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; };
  while (p < line.size()) {
    while (p < line.size() && space(line[p])) ++p;
    if (p >= line.size()) break;
    size_t s = p;
    while (p < line.size() && !space(line[p])) ++p;
    if (++count > channels || !parse_value(line.substr(s, p - s))) return false;
  }
  return count == channels;
}

// Number as format_bvh writes it: 6 decimals, trailing zeros dropped, no "-0".
void append_number(std::string& out, double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
  std::string_view s(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
  if (s.find('.') != std::string_view::npos) {
    while (!s.empty() && s.back() == '0') s.remove_suffix(1);
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  }
  if (s == "-0") s = "0";
  out += s;
}

// ---- the header ----

struct HeaderInfo {
  Bvh hierarchy;            // joints and frame time (no frames)
  std::string text;         // bytes [0, end)
  size_t end = 0;           // first byte after the 'Frame Time:' line
  size_t field_offset = 0;  // first byte after "Frames:"
  size_t field_width = 0;   // bytes from there to the end of that line (without "\r\n")
  int64_t declared = 0;     // the count the file states (-1 when it is not a number)
};

// Locates 'Frames:' and the end of the header in the first bytes of a file and parses the hierarchy.
HeaderInfo parse_header(std::string_view bytes, const std::string& name) {
  size_t ft = bytes.find("Frame Time:");
  size_t nl = ft == std::string_view::npos ? ft : bytes.find('\n', ft);
  if (nl == std::string_view::npos)
    throw Error(name + ": the BVH header is incomplete (no complete 'Frame Time:' line in its first " +
                std::to_string(bytes.size()) + " bytes)");
  size_t fr = bytes.rfind("Frames:", ft);
  if (fr == std::string_view::npos) throw Error(name + ": no 'Frames:' line before 'Frame Time:'");
  HeaderInfo h;
  h.end = nl + 1;
  h.text = std::string(bytes.substr(0, h.end));
  h.field_offset = fr + 7;
  size_t line_end = bytes.find_first_of("\r\n", h.field_offset);
  h.field_width = line_end - h.field_offset;
  std::string_view field = bytes.substr(h.field_offset, h.field_width);
  field.remove_prefix(std::min(field.find_first_not_of(" \t"), field.size()));
  field = field.substr(0, field.find_first_of(" \t"));
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), h.declared);
  if (ec != std::errc() || ptr != field.data() + field.size()) h.declared = -1;
  // Validate the hierarchy with the count set to 0 and no frame rows.
  std::string probe = h.text.substr(0, h.field_offset) + " 0" + h.text.substr(line_end);
  h.hierarchy = parse_bvh(probe, name);
  return h;
}

HeaderInfo read_header(int fd, const std::string& name) {
  std::string bytes;
  if (int err = pread_some(fd, bytes, kMaxHeaderBytes, 0)) fail_io(name, "cannot read", err);
  return parse_header(bytes, name);
}

// ---- scanning the rows ----

struct RowScan {
  int64_t frames = 0;    // complete rows before the first bad one
  off_t good_end = 0;    // first byte after the last complete row
  off_t size = 0;        // file size
  bool damaged = false;  // a bad row or a cut row follows good_end
};

// Feeds one complete line to the scan; false once the scan must stop.
bool scan_line(std::string_view line, int channels, off_t line_end, RowScan& scan) {
  if (is_blank(line)) return true;
  if (scan.frames >= kBvhMaxFrames || !is_frame_row(line, channels)) {
    scan.damaged = true;
    return false;
  }
  ++scan.frames;
  scan.good_end = line_end;
  return true;
}

RowScan scan_rows(int fd, const HeaderInfo& h, const std::string& name) {
  RowScan scan;
  scan.good_end = static_cast<off_t>(h.end);
  const int channels = h.hierarchy.num_channels();
  // Longest row parse_bvh could accept: channels values of at most ~40 characters each.
  const size_t max_row = static_cast<size_t>(channels) * 48 + 1024;
  std::string chunk, line;
  off_t offset = static_cast<off_t>(h.end);
  bool going = true;
  while (going) {
    if (int err = pread_some(fd, chunk, kChunkBytes, offset)) fail_io(name, "cannot read", err);
    if (chunk.empty()) break;
    for (size_t p = 0; going && p < chunk.size();) {
      size_t nl = chunk.find('\n', p);
      line.append(chunk, p, nl == std::string::npos ? std::string::npos : nl - p);
      if (line.size() > max_row) {  // no frame row is this long: garbage
        scan.damaged = true;
        going = false;
        line.clear();
        break;
      }
      if (nl == std::string::npos) break;
      going = scan_line(line, channels, offset + static_cast<off_t>(nl + 1), scan);
      line.clear();
      p = nl + 1;
    }
    offset += static_cast<off_t>(chunk.size());
  }
  if (going && !is_blank(line)) scan.damaged = true;  // a last row without its newline: cut
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_io(name, "cannot stat", errno);
  scan.size = st.st_size;
  return scan;
}

// ---- repairs ----

// Writes the header (count in a full-width field) and rows [h.end, scan.good_end) to a temporary
// beside the file, then renames it over the file.
void rewrite_whole(const std::filesystem::path& path, int fd, const HeaderInfo& h, const RowScan& scan) {
  const std::string name = path.string();
  const std::string tmp_path = name + ".repair-tmp";
  Fd out{::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (out.fd < 0) fail_io(tmp_path, "cannot create", errno);
  size_t line_end = h.field_offset + h.field_width;
  std::string head = h.text.substr(0, h.field_offset) + frames_field(scan.frames, kBvhFramesFieldWidth) +
                     h.text.substr(line_end);
  int err = write_all(out.fd, head.data(), head.size());
  std::string chunk;
  for (off_t at = static_cast<off_t>(h.end); err == 0 && at < scan.good_end;) {
    size_t want = std::min<size_t>(kChunkBytes, static_cast<size_t>(scan.good_end - at));
    err = pread_some(fd, chunk, want, at);
    if (err == 0 && chunk.empty()) err = EIO;
    if (err == 0) err = write_all(out.fd, chunk.data(), chunk.size());
    at += static_cast<off_t>(chunk.size());
  }
  if (err == 0) err = sync_data(out.fd);
  if (err == 0 && ::rename(tmp_path.c_str(), name.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp_path.c_str());
    fail_io(name, "cannot rewrite the repaired file", err);
  }
}

struct RepairOutcome {
  BvhRepairResult result;
  HeaderInfo header;  // as the file has it after the repair
};

// repair_bvh, and for the recorder's append: wide_field also rewrites a sound file whose Frames:
// field is narrower than kBvhFramesFieldWidth, so the recorder can count on in place.
RepairOutcome repair_impl(const std::filesystem::path& path, bool wide_field) {
  const std::string name = path.string();
  Fd fd{::open(name.c_str(), O_RDWR | O_CLOEXEC)};
  if (fd.fd < 0) fail_io(name, "cannot open for repair", errno);
  RepairOutcome out;
  out.header = read_header(fd.fd, name);
  HeaderInfo& h = out.header;
  RowScan scan = scan_rows(fd.fd, h, name);
  BvhRepairResult& r = out.result;
  r.frames = scan.frames;
  const bool narrow = wide_field && h.field_width < static_cast<size_t>(kBvhFramesFieldWidth);
  if (!scan.damaged && h.declared == scan.frames && !narrow) return out;
  if (scan.damaged) {
    if (::ftruncate(fd.fd, scan.good_end) != 0) fail_io(name, "cannot cut the file", errno);
    r.bytes_cut = static_cast<uint64_t>(scan.size - scan.good_end);
  }
  r.count_rewritten = h.declared != scan.frames;
  std::string field = frames_field(scan.frames, h.field_width);
  if (field.empty() || narrow) {
    rewrite_whole(path, fd.fd, h, scan);
    r.rewritten_whole = true;
    Fd again{::open(name.c_str(), O_RDONLY | O_CLOEXEC)};
    if (again.fd < 0) fail_io(name, "cannot open after the repair", errno);
    h = read_header(again.fd, name);
    return out;
  }
  if (int err = pwrite_all(fd.fd, field, static_cast<off_t>(h.field_offset)))
    fail_io(name, "cannot rewrite 'Frames:'", err);
  if (int err = sync_data(fd.fd)) fail_io(name, "cannot sync", err);
  h.declared = scan.frames;
  return out;
}

// ---- the recorder's file layout ----

// One joint of a frame row, in file order.
struct RowJoint {
  int joint = 0;      // canonical index
  std::string order;  // rotation channels in file order, e.g. "ZXY" (empty: none)
  std::vector<BvhChannel> channels;
};

bool is_position(BvhChannel c) { return static_cast<int>(c) < 3; }
int axis_of(BvhChannel c) { return static_cast<int>(c) % 3; }

std::vector<RowJoint> row_layout(const Bvh& hierarchy) {
  std::vector<RowJoint> out;
  for (const auto& j : hierarchy.joints) {
    RowJoint rj;
    rj.joint = motion::joint_index(j.name);
    rj.channels = j.channels;
    for (auto c : j.channels)
      if (!is_position(c)) rj.order += static_cast<char>('X' + axis_of(c));
    out.push_back(std::move(rj));
  }
  return out;
}

// The canonical hierarchy (clip_to_bvh) with a full-width Frames: 0.
std::string canonical_header(double fps, double scale) {
  std::string text = format_bvh(clip_to_bvh(motion::Clip::rest(0, fps), scale));
  const std::string_view zero = "Frames: 0\n";
  size_t at = text.find(zero);
  return text.substr(0, at) + "Frames:" + frames_field(0, kBvhFramesFieldWidth) + "\n" +
         text.substr(at + zero.size());
}

// Whether an existing file can be appended to: same joints, parents and channels, same frame time.
bool same_layout(const Bvh& a, const Bvh& b) {
  if (a.joints.size() != b.joints.size()) return false;
  for (size_t i = 0; i < a.joints.size(); ++i) {
    const auto &x = a.joints[i], &y = b.joints[i];
    if (x.name != y.name || x.parent != y.parent || x.channels != y.channels) return false;
  }
  return std::abs(a.frame_time - b.frame_time) <= 1e-6 * b.frame_time;
}

bool is_finite(const PoseFrame& pose) {
  bool ok = std::isfinite(pose.root.x) && std::isfinite(pose.root.y) && std::isfinite(pose.root.z);
  for (const auto& q : pose.rot)
    ok = ok && std::isfinite(q.w) && std::isfinite(q.x) && std::isfinite(q.y) && std::isfinite(q.z);
  return ok;
}

// One frame row; false (out unchanged) when a value is not finite or too large for parse_bvh.
// (normalized() would quietly turn a NaN quaternion into the identity, so the input is checked.)
bool append_row(const PoseFrame& pose, const std::vector<RowJoint>& layout, double scale, std::string& out) {
  if (!is_finite(pose)) return false;
  const size_t start = out.size();
  for (const RowJoint& rj : layout) {
    Vec3 deg;
    if (!rj.order.empty()) deg = motion::quat_to_euler(rj.order, motion::normalized(pose.rot[rj.joint]));
    Vec3 pos = (rj.joint == 0 ? pose.root : motion::rest_offset(rj.joint)) * scale;
    for (BvhChannel c : rj.channels) {
      double v = is_position(c) ? pos[axis_of(c)] : deg[axis_of(c)];
      if (!std::isfinite(v) || std::abs(v) > kMaxAbsValue) {
        out.resize(start);
        return false;
      }
      if (out.size() > start) out += ' ';
      append_number(out, v);
    }
  }
  out += '\n';
  return true;
}

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

BvhRepairResult repair_bvh(const std::filesystem::path& path) { return repair_impl(path, false).result; }

// ---- BvhRecorder ----

struct BvhRecorder::State {
  // What travels through the ring: a frame and how many frames were dropped just before it.
  struct Item {
    PoseFrame pose;
    uint32_t gap = 0;
  };

  explicit State(const BvhRecorderOptions& o) : options(o), ring(o.capacity_frames) {}

  BvhRecorderOptions options;
  moodycamel::ReaderWriterQueue<Item> ring;

  // Producer side.
  std::atomic<bool> accepting{false};
  std::atomic<int> pushers{0};  // pushes in progress: close() waits for them to leave
  uint32_t gap = 0;             // drops since the last frame that got through (producer only)

  // Writer thread and its wake-up (the mutex is shared with close() only, never with push()).
  std::thread writer;
  std::mutex wake_mutex;
  std::condition_variable wake;
  bool stop = false;

  // File state, owned by the writer thread while it runs.
  int fd = -1;
  std::string name;
  std::vector<RowJoint> layout;
  off_t field_offset = 0;
  int64_t frames_in_file = 0;
  off_t committed = 0;  // bytes of complete rows (and header) in the file
  std::string row, last_row;
  int64_t next_flush_ns = 0;

  // Counters.
  std::atomic<uint64_t> frames_written{0}, frames_dropped{0}, frames_invalid{0}, write_errors{0};
  std::atomic<int64_t> last_flush_ns{0};
  std::atomic<int> last_errno{0};
  std::atomic<bool> recording{false};

  void run() noexcept;
  bool wait_for_work();
  void drain() noexcept;
  void record(const Item& item) noexcept;
  bool write_row(const std::string& row) noexcept;
  void flush_count() noexcept;
  void stop_recording(int err) noexcept;
  void close_file() noexcept;
};

namespace {
const BvhRecorderOptions& checked(const BvhRecorderOptions& o) {
  auto bad = [](const char* field, const char* expected) {
    throw Error(std::string("BVH recorder option ") + field + ": expected " + expected);
  };
  if (o.capacity_frames < 1 || o.capacity_frames > (size_t{1} << 20))
    bad("capacity_frames", "1 to 1048576 frames");
  if (!(o.flush_interval_s > 0 && o.flush_interval_s <= 3600)) bad("flush_interval_s", "0 < seconds <= 3600");
  if (!(o.poll_interval_s >= 1e-4 && o.poll_interval_s <= 1)) bad("poll_interval_s", "0.0001 to 1 second");
  if (!(o.scale > 0 && o.scale <= 1e6)) bad("scale", "a positive number of file units per metre");
  return o;
}
}  // namespace

BvhRecorder::BvhRecorder(const BvhRecorderOptions& options) : s_(std::make_unique<State>(checked(options))) {}

BvhRecorder::~BvhRecorder() { close(); }

bool BvhRecorder::is_open() const noexcept { return s_->writer.joinable(); }

bool BvhRecorder::push(const PoseFrame& frame) noexcept {
  State& s = *s_;
  // Dekker-style hand-shake with close(): either close() sees this push in progress and waits, or
  // this push sees accepting == false. Both sides use sequentially consistent atomics.
  s.pushers.fetch_add(1);
  bool accepting = s.accepting.load();
  bool queued = accepting && s.ring.try_enqueue(State::Item{frame, s.gap});
  s.pushers.fetch_sub(1);
  if (queued) {
    s.gap = 0;
    return true;
  }
  s.gap = accepting ? s.gap + 1 : 0;
  s.frames_dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
}

BvhRecorderStats BvhRecorder::stats() const noexcept {
  const State& s = *s_;
  BvhRecorderStats out;
  out.frames_written = s.frames_written.load(std::memory_order_relaxed);
  out.frames_dropped = s.frames_dropped.load(std::memory_order_relaxed);
  out.frames_invalid = s.frames_invalid.load(std::memory_order_relaxed);
  out.write_errors = s.write_errors.load(std::memory_order_relaxed);
  out.last_flush_ns = s.last_flush_ns.load(std::memory_order_relaxed);
  out.last_errno = s.last_errno.load(std::memory_order_relaxed);
  out.recording = s.recording.load(std::memory_order_relaxed);
  return out;
}

namespace {

// Opens the file for recording: a new one gets the canonical header; an existing one (kAppend) is
// repaired and checked. Returns the descriptor positioned at the end; sets the count and offsets.
int open_file(const std::filesystem::path& path, double fps, BvhOpenMode mode, const Bvh& canonical,
              const std::string& header, off_t& field_offset, int64_t& frames) {
  const std::string name = path.string();
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (mode == BvhOpenMode::kAppend && !ec && size > 0) {
    RepairOutcome rep = repair_impl(path, true);
    if (!same_layout(rep.header.hierarchy, canonical))
      throw Error(name + ": cannot record onto this file: its skeleton or frame time differs from a " +
                  std::to_string(fps) + " fps recording of the canonical skeleton (choose another file)");
    int fd = ::open(name.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail_io(name, "cannot open for recording", errno);
    if (::lseek(fd, 0, SEEK_END) < 0) {
      int err = errno;
      ::close(fd);
      fail_io(name, "cannot seek", err);
    }
    field_offset = static_cast<off_t>(rep.header.field_offset);
    frames = rep.result.frames;
    return fd;
  }
  int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_io(name, "cannot create", errno);
  int err = write_all(fd, header.data(), header.size());
  if (err == 0) err = sync_data(fd);
  if (err != 0) {
    ::close(fd);
    fail_io(name, "cannot write the BVH header", err);
  }
  field_offset = static_cast<off_t>(header.find("Frames:") + 7);
  frames = 0;
  return fd;
}

}  // namespace

void BvhRecorder::open(const std::filesystem::path& path, double fps, BvhOpenMode mode) {
  if (!std::isfinite(fps) || fps <= 0 || fps > 1000)
    throw Error(path.string() + ": recording frame rate " + std::to_string(fps) +
                " must be a positive number of frames per second up to 1000");
  close();
  State& s = *s_;
  const std::string header = canonical_header(fps, s.options.scale);
  const Bvh canonical = parse_bvh(header, "canonical BVH header");
  s.fd = open_file(path, fps, mode, canonical, header, s.field_offset, s.frames_in_file);
  s.name = path.string();
  s.layout = row_layout(canonical);
  s.committed = ::lseek(s.fd, 0, SEEK_CUR);
  s.last_row.clear();
  s.row.reserve(4096);
  s.last_row.reserve(4096);
  s.next_flush_ns = steady_now_ns() + static_cast<int64_t>(s.options.flush_interval_s * 1e9);
  for (auto* v : {&s.frames_written, &s.frames_dropped, &s.frames_invalid, &s.write_errors}) v->store(0);
  s.last_flush_ns.store(0);
  s.last_errno.store(0);
  // Frames a producer queued after the previous close() belong to no recording.
  State::Item stale;
  while (s.ring.try_dequeue(stale)) {
  }
  s.stop = false;
  s.recording.store(true);
  try {
    s.writer = std::thread([&s] { s.run(); });
  } catch (const std::system_error& e) {
    s.recording.store(false);
    s.close_file();
    throw Error(s.name + ": cannot start the recording thread (" + e.what() + ")");
  }
  s.accepting.store(true);
}

void BvhRecorder::close() noexcept {
  State& s = *s_;
  if (!s.writer.joinable()) return;
  s.accepting.store(false);
  while (s.pushers.load() != 0) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> lock(s.wake_mutex);
    s.stop = true;
  }
  s.wake.notify_one();
  s.writer.join();
  s.recording.store(false);
}

// ---- writer thread ----

void BvhRecorder::State::run() noexcept {
  while (true) {
    bool stopping = wait_for_work();
    drain();
    if (recording.load() && steady_now_ns() >= next_flush_ns) {
      flush_count();
      next_flush_ns = steady_now_ns() + static_cast<int64_t>(options.flush_interval_s * 1e9);
    }
    if (stopping) break;
  }
  if (recording.load()) flush_count();
  close_file();
}

// Sleeps until the next poll or close(); true once close() asked to stop. Everything pushed before
// close() is in the ring by then, so the drain that follows is the last one.
bool BvhRecorder::State::wait_for_work() {
  std::unique_lock<std::mutex> lock(wake_mutex);
  auto poll = std::chrono::duration<double>(options.poll_interval_s);
  wake.wait_for(lock, poll, [this] { return stop; });
  return stop;
}

void BvhRecorder::State::drain() noexcept {
  Item item;
  while (ring.try_dequeue(item)) {
    if (recording.load()) {
      record(item);
    } else {
      frames_dropped.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

// Writes the held copies standing in for frames dropped before this one, then the frame itself.
void BvhRecorder::State::record(const Item& item) noexcept {
  try {
    for (uint32_t i = 0; i < item.gap && !last_row.empty() && recording.load(); ++i) write_row(last_row);
    if (!recording.load()) {
      frames_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    row.clear();
    if (!append_row(item.pose, layout, options.scale, row)) {
      frames_invalid.fetch_add(1, std::memory_order_relaxed);
      if (last_row.empty())
        append_row(PoseFrame{motion::Vec3{0, motion::rest_pelvis_height(), 0}, {}}, layout, options.scale,
                   last_row);
      row = last_row;
    }
    if (write_row(row)) {
      last_row.swap(row);
    } else {
      frames_dropped.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (...) {  // std::bad_alloc from a row string: stop rather than throw on this thread
    stop_recording(ENOMEM);
  }
}

// One write() per row, so a failed write cuts at most this row.
bool BvhRecorder::State::write_row(const std::string& r) noexcept {
  if (frames_in_file >= kBvhMaxFrames) {
    stop_recording(0);  // the reader's limit: stop cleanly rather than write an unreadable file
    return false;
  }
  if (int err = write_all(fd, r.data(), r.size())) {
    stop_recording(err);
    return false;
  }
  committed += static_cast<off_t>(r.size());
  ++frames_in_file;
  frames_written.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void BvhRecorder::State::flush_count() noexcept {
  std::string field = frames_field(frames_in_file, kBvhFramesFieldWidth);
  int err = pwrite_all(fd, field, field_offset);
  if (err == 0) err = sync_data(fd);
  if (err != 0) {
    stop_recording(err);
    return;
  }
  last_flush_ns.store(steady_now_ns(), std::memory_order_relaxed);
}

// Ends the recording early: err != 0 is a write error (counted); 0 is the frame limit. The file is
// cut back to its last complete row and its count rewritten, so it reads without a repair.
void BvhRecorder::State::stop_recording(int err) noexcept {
  accepting.store(false);
  recording.store(false);
  if (err != 0) {
    write_errors.fetch_add(1, std::memory_order_relaxed);
    last_errno.store(err, std::memory_order_relaxed);
  }
  if (fd < 0) return;
  int e = ::ftruncate(fd, committed) == 0 ? 0 : errno;
  std::string field = frames_field(frames_in_file, kBvhFramesFieldWidth);
  if (e == 0) e = pwrite_all(fd, field, field_offset);
  if (e == 0) e = sync_data(fd);
  if (e != 0) {
    write_errors.fetch_add(1, std::memory_order_relaxed);
    last_errno.store(e, std::memory_order_relaxed);
  } else {
    last_flush_ns.store(steady_now_ns(), std::memory_order_relaxed);
  }
  close_file();
}

void BvhRecorder::State::close_file() noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace e2m::io
