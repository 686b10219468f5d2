// Dataset cache: write/read identity, clear errors on corrupt files, deterministic split.
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>

#include "io/dataset_cache.h"
#include "io/json_util.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "test_support.h"

using namespace e2m;
namespace fs = std::filesystem;

namespace {

motion::Clip random_clip(const std::string& name, int frames, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  motion::Clip c;
  c.resize(frames);
  for (int t = 0; t < frames; ++t) {
    c.root[t] = {u(rng), 0.9 + u(rng) * 0.1, u(rng)};
    for (int j = 0; j < motion::kNumJoints; ++j)
      c.q(t, j) = motion::normalized(motion::Quat{u(rng), u(rng), u(rng), u(rng)});
  }
  c.meta.name = name;
  c.meta.dataset = "test";
  c.meta.source = "/somewhere/" + name + ".bvh";
  c.meta.content = "wave-both-hands";
  c.meta.style = "active";
  c.meta.genre = "waltz";
  c.meta.captions = {"a person waves both hands energetically", "someone \"quoted\" waves\nnewline \xc3\xa9"};
  c.meta.audio = "song.ogg";
  c.meta.audio_offset = 5.36;
  return c;
}

io::Dataset sample_dataset() {
  io::Dataset ds;
  ds.name = "test";
  ds.clips = {random_clip("a", 17, 1), random_clip("b", 1, 2), random_clip("c", 0, 3),
              random_clip("d", 40, 4)};
  ds.split = {io::Split::Train, io::Split::Validation, io::Split::Test, io::Split::Train};
  ds.clips[3].fps = 20;
  return ds;
}

// Per process, so concurrent test runs do not share files.
fs::path cache_dir() {
  static struct Dir {
    fs::path path = test::temp_dir("dataset-cache-" + std::to_string(::getpid()));
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } dir;
  return dir.path;
}


void spit(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

std::string read_error(const fs::path& p) {
  try {
    io::read_dataset(p);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("dataset cache write then read gives the same clips, labels and splits", "[dataset_cache]") {
  const auto dir = cache_dir();
  const auto path = dir / "ds.e2md";
  const io::Dataset ds = sample_dataset();
  io::write_dataset(ds, path);
  const io::Dataset back = io::read_dataset(path);
  REQUIRE(back.name == ds.name);
  REQUIRE(back.clips.size() == ds.clips.size());
  REQUIRE(back.split == ds.split);
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    const auto& a = ds.clips[i];
    const auto& b = back.clips[i];
    CHECK(b.meta.name == a.meta.name);
    CHECK(b.meta.dataset == a.meta.dataset);
    CHECK(b.meta.source == a.meta.source);
    CHECK(b.meta.content == a.meta.content);
    CHECK(b.meta.style == a.meta.style);
    CHECK(b.meta.genre == a.meta.genre);
    CHECK(b.meta.captions == a.meta.captions);
    // Read back as an absolute path (stored relative to the cache's folder).
    CHECK(b.meta.audio == std::filesystem::absolute(a.meta.audio).lexically_normal().string());
    CHECK(b.meta.audio_offset == a.meta.audio_offset);
    CHECK(b.fps == a.fps);
    REQUIRE(b.frames() == a.frames());
    REQUIRE(b.rot.size() == a.rot.size());
    for (int t = 0; t < a.frames(); ++t) {
      CHECK(b.root[t].x == static_cast<float>(a.root[t].x));
      CHECK(b.root[t].z == static_cast<float>(a.root[t].z));
    }
    for (size_t k = 0; k < a.rot.size(); ++k) {
      CHECK(b.rot[k].w == static_cast<float>(a.rot[k].w));
      CHECK(b.rot[k].y == static_cast<float>(a.rot[k].y));
    }
  }
  // Values already in float32 survive exactly: a second round trip writes the same bytes.
  const auto path2 = dir / "ds2.e2md";
  io::write_dataset(back, path2);
  CHECK(io::read_bytes(path) == io::read_bytes(path2));

  std::string name;
  const auto index = io::read_dataset_index(path, &name);
  CHECK(name == "test");
  REQUIRE(index.size() == 4);
  CHECK(index[3].frames == 40);
  CHECK(index[3].fps == 20);
  CHECK(index[1].split == io::Split::Validation);
  CHECK(index[0].meta.captions.size() == 2);
}

TEST_CASE("dataset cache audio paths follow the cache when both are moved", "[dataset_cache]") {
  const auto root = cache_dir() / "moving";
  std::filesystem::remove_all(root);
  std::filesystem::remove_all(cache_dir() / "moved");
  std::filesystem::create_directories(root / "data" / "music");
  std::filesystem::create_directories(root / "caches");
  { std::ofstream(root / "data" / "music" / "song.wav") << "RIFF"; }
  io::Dataset ds = sample_dataset();
  ds.clips[0].meta.audio = (root / "data" / "music" / "song.wav").string();
  io::write_dataset(ds, root / "caches" / "ds.e2md");
  // The table holds the path relative to the cache's folder, not this machine's absolute path.
  const std::string bytes = io::read_bytes(root / "caches" / "ds.e2md");
  CHECK(bytes.find("../data/music/song.wav") != std::string::npos);
  CHECK(bytes.find(root.string()) == std::string::npos);
  std::filesystem::rename(root, cache_dir() / "moved");
  const io::Dataset back = io::read_dataset(cache_dir() / "moved" / "caches" / "ds.e2md");
  CHECK(std::filesystem::exists(back.clips[0].meta.audio));
  CHECK(std::filesystem::path(back.clips[0].meta.audio).is_absolute());
  CHECK(back.clips[1].meta.audio.empty() == ds.clips[1].meta.audio.empty());
}

TEST_CASE("dataset cache with no clips round-trips", "[dataset_cache]") {
  const auto path = cache_dir() / "empty.e2md";
  io::Dataset ds;
  ds.name = "empty";
  io::write_dataset(ds, path);
  const auto back = io::read_dataset(path);
  CHECK(back.name == "empty");
  CHECK(back.clips.empty());
}

TEST_CASE("dataset cache writer rejects a split list of the wrong size", "[dataset_cache]") {
  io::Dataset ds = sample_dataset();
  ds.split.pop_back();
  CHECK_THROWS_AS(io::write_dataset(ds, cache_dir() / "bad.e2md"), Error);
}

TEST_CASE("dataset cache reader names the file and the problem", "[dataset_cache]") {
  const auto dir = cache_dir();
  const auto good = dir / "good.e2md";
  io::write_dataset(sample_dataset(), good);
  const std::string bytes = io::read_bytes(good);
  const auto bad = dir / "bad.e2md";

  SECTION("wrong magic") {
    std::string b = bytes;
    b[0] = 'X';
    spit(bad, b);
    const std::string e = read_error(bad);
    CHECK(e.find("bad.e2md") != std::string::npos);
    CHECK(e.find("magic") != std::string::npos);
  }
  SECTION("newer version") {
    std::string b = bytes;
    b[4] = static_cast<char>(io::kCacheVersion + 1);
    spit(bad, b);
    const std::string e = read_error(bad);
    CHECK(e.find("bad.e2md") != std::string::npos);
    CHECK(e.find("newer") != std::string::npos);
  }
  SECTION("truncated anywhere") {
    for (size_t cut : {size_t{0}, size_t{3}, size_t{12}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
      spit(bad, bytes.substr(0, cut));
      const std::string e = read_error(bad);
      INFO("cut at " << cut << ": " << e);
      CHECK(e.find("bad.e2md") != std::string::npos);
      CHECK(e.find("truncated") != std::string::npos);
    }
  }
  SECTION("trailing garbage") {
    spit(bad, bytes + "xyz");
    CHECK(read_error(bad).find("trailing") != std::string::npos);
  }
  SECTION("flipped byte in the arrays") {
    std::string b = bytes;
    b[b.size() - 5] ^= 0x40;
    spit(bad, b);
    CHECK(read_error(bad).find("checksum") != std::string::npos);
  }
  SECTION("corrupt clip table") {
    std::string b = bytes;
    const size_t at = b.find("\"clips\"");
    REQUIRE(at != std::string::npos);
    b[at] = '{';
    spit(bad, b);
    CHECK(read_error(bad).find("clip table") != std::string::npos);
  }
  SECTION("missing file") { CHECK(read_error(dir / "nope.e2md").find("nope.e2md") != std::string::npos); }
}

TEST_CASE("split_for is a stable FNV-1a hash with about 10 percent validation", "[dataset_cache]") {
  // Reference values of 64-bit FNV-1a.
  CHECK(io::fnv1a("") == 0xcbf29ce484222325ull);
  CHECK(io::fnv1a("a") == 0xaf63dc4c8601ec8cull);
  CHECK(io::fnv1a("foobar") == 0x85944171f73967e8ull);
  int validation = 0;
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    const std::string name = "dataset-1_clip_" + std::to_string(i);
    const io::Split s = io::split_for(name);
    CHECK(s == io::split_for(name));
    validation += s == io::Split::Validation;
  }
  CHECK(validation > n * 8 / 100);
  CHECK(validation < n * 12 / 100);
  CHECK(io::split_for("x", 0) == io::Split::Train);
  CHECK(io::split_for("x", 100) == io::Split::Validation);
}
