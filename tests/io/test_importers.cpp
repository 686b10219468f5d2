// Dataset importers: labels, captions, frame rates, audio references and rejection of bad clips.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include "io/bvh.h"
#include "io/captions.h"
#include "io/importers.h"
#include "motion/error.h"
#include "motion/fk.h"
#include "motion/ops.h"
#include "motion/rotation.h"
#include "test_support.h"

using namespace e2m;
namespace fs = std::filesystem;

namespace {

// A fresh, empty temporary folder.
fs::path fresh_dir(const std::string& name) {
  // The process id keeps concurrent test runs (ctest -j, two checkouts) apart.
  auto d = test::temp_dir("importers-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  // Removed when the test binary exits.
  static struct Cleanup {
    std::vector<fs::path> dirs;
    ~Cleanup() {
      std::error_code ec;
      for (const auto& p : dirs) fs::remove_all(p, ec);
    }
  } cleanup;
  cleanup.dirs.push_back(d);
  return d;
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

// A python3 with numpy: $E2M_PYTHON, then python3 on the PATH, then the system one.
std::string python_with_numpy() {
  std::vector<std::string> candidates;
  if (const char* p = std::getenv("E2M_PYTHON")) candidates.push_back(p);
  candidates.push_back("python3");
  candidates.push_back("/usr/bin/python3");
  for (const auto& py : candidates)
    if (std::system((py + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0) return py;
  return "";
}

fs::path repo_root() { return fs::path(__FILE__).parent_path().parent_path().parent_path(); }

}  // namespace

TEST_CASE("captions: many distinct, deterministic paraphrases per label", "[captions]") {
  const auto a = io::action_captions("wave-both-hands", "active", "dataset-2_wave-both-hands_active_001");
  const auto b = io::action_captions("wave-both-hands", "active", "dataset-2_wave-both-hands_active_001");
  const auto c = io::action_captions("wave-both-hands", "active", "dataset-2_wave-both-hands_active_002");
  CHECK(a == b);
  CHECK(a != c);
  REQUIRE(a.size() >= 10);
  CHECK(std::set<std::string>(a.begin(), a.end()).size() == a.size());
  CHECK(a[0] == "a person waves both hands energetically");
  for (const auto& s : a) {
    INFO(s);
    CHECK(s.find("wav") != std::string::npos);
  }
  const auto d = io::dance_captions("waltz", "DANCE_W_23");
  REQUIRE(d.size() >= 10);
  CHECK(std::set<std::string>(d.begin(), d.end()).size() == d.size());
  // Unknown labels still give usable captions built from the label words.
  const auto u = io::action_captions("walk-zigzag", "sleepy", "x");
  REQUIRE(!u.empty());
  CHECK(u[0] == "a person walks zigzag in a sleepy way");
}

TEST_CASE("captions cover every Bandai content and style label", "[captions]") {
  for (const char* l : {"walk",
                        "run",
                        "dash",
                        "walk-back",
                        "walk-left",
                        "walk-right",
                        "bow",
                        "bye",
                        "guide",
                        "byebye",
                        "respond",
                        "call",
                        "punch",
                        "kick",
                        "slash",
                        "dance-long",
                        "dance-short",
                        "walk-turn-left",
                        "walk-turn-right",
                        "wave-both-hands",
                        "wave-left-hand",
                        "wave-right-hand",
                        "raise-up-both-hands",
                        "raise-up-left-hand",
                        "raise-up-right-hand"}) {
    INFO(l);
    CHECK(io::has_content_phrases(l));
    CHECK(io::action_captions(l, "happy", l).size() >= 10);
  }
  for (const char* s : {"normal", "happy", "sad", "angry", "proud", "not-confident", "masculinity",
                        "feminine", "childish", "old", "tired", "active", "musical", "giant", "chimpira",
                        "elderly", "exhausted", "masculine", "youthful"}) {
    INFO(s);
    CHECK(io::has_style_phrases(s));
    CHECK(io::action_captions("bow", s, s).size() >= 10);
  }
  // And the label lists shipped with the data agree with that list.
  const auto root = test::shared_data() / "bandai";
  E2M_SKIP_UNLESS_EXISTS(root);
  for (const char* ds : {"dataset-1", "dataset-2"})
    for (const char* file : {"content_label.txt", "style_label.txt"}) {
      std::ifstream in(root / ds / "cfg" / file);
      for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty()) continue;
        const std::string label = line.substr(std::string(ds).size() + 1);
        INFO(ds << " " << label);
        CHECK((std::string(file) == "content_label.txt" ? io::has_content_phrases(label)
                                                        : io::has_style_phrases(label)));
      }
    }
}

TEST_CASE("bandai import: labels from the file name, varied captions, 30 fps, feet on the floor",
          "[importers]") {
  const auto src = test::shared_data() / "bandai" / "dataset-2";
  E2M_SKIP_UNLESS_EXISTS(src);
  // A small dataset-2 folder with two takes, linked (not copied) from the shared data.
  const auto dir = fresh_dir("bandai") / "dataset-2";
  fs::create_directories(dir);
  fs::create_directory_symlink(src / "cfg", dir / "cfg");
  for (const char* f : {"dataset-2_wave-both-hands_active_001.bvh", "dataset-2_walk_normal_001.bvh"})
    fs::create_symlink(src / f, dir / f);
  write_text(dir / "dataset-2_walk_nosuchstyle_001.bvh", "not a bvh");
  write_text(dir / "badname.bvh", "not a bvh");

  REQUIRE(io::detect_dataset_kind(dir) == "bandai");
  io::ImportResult r = io::import_bandai(dir);
  CHECK(r.dataset.name == "bandai");
  REQUIRE(r.dataset.clips.size() == 2);
  REQUIRE(r.rejected.size() == 2);  // unknown style, bad file name: rejected, not fatal
  const auto& walk = r.dataset.clips[0];
  const auto& wave = r.dataset.clips[1];
  CHECK(walk.meta.name == "dataset-2_walk_normal_001");
  CHECK(walk.meta.content == "walk");
  CHECK(walk.meta.style == "normal");
  CHECK(wave.meta.content == "wave-both-hands");
  CHECK(wave.meta.style == "active");
  CHECK(wave.meta.dataset == "bandai");
  for (const auto* c : {&walk, &wave}) {
    CHECK(c->fps == 30);
    CHECK(std::set<std::string>(c->meta.captions.begin(), c->meta.captions.end()).size() >= 10);
    const io::Bvh bvh = io::read_bvh(c->meta.source);
    CHECK(c->frames() == bvh.frames);  // already 30 fps
    CHECK(motion::foot_floor_height(*c) == Approx(motion::kRestFootHeight).margin(1e-6));
  }
  CHECK(wave.meta.captions[0] == "a person waves both hands energetically");
  // The walk moves forward a good distance; the wave stays in place.
  const auto& a = walk.root.front();
  const auto& b = walk.root.back();
  CHECK(std::hypot(b.x - a.x, b.z - a.z) > 1.0);
  bool saw_style_reason = false;
  for (const auto& rej : r.rejected) saw_style_reason |= rej.reason.find("nosuchstyle") != std::string::npos;
  CHECK(saw_style_reason);
}

TEST_CASE("tang import: genre, audio, offset and 30 fps length", "[importers]") {
  const auto src = test::shared_data() / "tang-dance";
  E2M_SKIP_UNLESS_EXISTS(src / "DANCE_W_24");
  E2M_SKIP_UNLESS_EXISTS(src / "DANCE_W_18");
  const auto dir = fresh_dir("tang");
  fs::create_directory_symlink(src / "DANCE_W_24", dir / "DANCE_W_24");  // audio.mp3 + skeletons.json
  fs::create_directory_symlink(src / "DANCE_W_18", dir / "DANCE_W_18");  // audio.ogg + skeletons.json.gz
  fs::create_directories(dir / "DANCE_T_1");                             // incomplete: no skeletons
  write_text(dir / "DANCE_T_1" / "config.json", R"({"start_position": 0, "end_position": 100})");

  REQUIRE(io::detect_dataset_kind(dir) == "tang");
  io::ImportResult r = io::import_tang(dir);
  REQUIRE(r.rejected.size() == 1);
  CHECK(r.rejected[0].item.find("DANCE_T_1") != std::string::npos);
  CHECK(r.rejected[0].reason.find("skeletons") != std::string::npos);
  REQUIRE(r.dataset.clips.size() == 2);
  const auto& w18 = r.dataset.clips[0];
  const auto& w24 = r.dataset.clips[1];
  CHECK(w24.meta.name == "DANCE_W_24");
  CHECK(w24.meta.genre == "waltz");
  CHECK(w24.meta.dataset == "tang");
  CHECK(fs::path(w24.meta.audio).filename() == "audio.mp3");
  CHECK(fs::exists(w24.meta.audio));
  CHECK(w24.meta.audio_offset == Approx(134 / 25.0));
  CHECK(w24.frames() == (970 - 1) * 30 / 25 + 1);
  CHECK(w24.fps == 30);
  CHECK(fs::path(w18.meta.audio).filename() == "audio.ogg");
  CHECK(w18.meta.audio_offset == Approx(39 / 25.0));
  CHECK(w18.frames() == (1176 - 1) * 30 / 25 + 1);
  CHECK(w18.meta.captions.size() >= 10);
  CHECK(motion::foot_floor_height(w24) == Approx(motion::kRestFootHeight).margin(1e-6));
  // Upright: the head stays well above the pelvis through the dance.
  for (const auto& pose : motion::fk_all(w24)) REQUIRE(pose[motion::kHead].y > pose[motion::kPelvis].y + 0.3);
}

TEST_CASE("humanml3d sample import: flat names, captions, split lists, 20 to 30 fps", "[importers]") {
  const auto src = test::shared_data() / "humanml3d-sample";
  E2M_SKIP_UNLESS_EXISTS(src);
  REQUIRE(io::detect_dataset_kind(src) == "humanml3d");
  io::ImportResult r = io::import_humanml3d(src);
  for (const auto& rej : r.rejected) WARN(rej.item << ": " << rej.reason);
  REQUIRE(r.dataset.clips.size() == 2);
  const auto& c0 = r.dataset.clips[0];  // 000000: in test.txt
  const auto& c1 = r.dataset.clips[1];  // 012314: in train.txt
  CHECK(c0.meta.name == "000000");
  CHECK(c1.meta.name == "012314");
  CHECK(r.dataset.split[0] == io::Split::Test);
  CHECK(r.dataset.split[1] == io::Split::Train);
  CHECK(c1.frames() == (170 - 1) * 30 / 20 + 1);
  CHECK(c0.frames() == (116 - 1) * 30 / 20 + 1);
  REQUIRE(c1.meta.captions.size() == 3);
  CHECK(c1.meta.captions[1] == "walking sideways and almost falling.");
  CHECK(c0.meta.captions.size() == 4);
}

TEST_CASE("humanml3d nested layout: new_joints/ folder and time-ranged captions", "[importers]") {
  const auto src = test::shared_data() / "humanml3d-sample";
  E2M_SKIP_UNLESS_EXISTS(src);
  const auto dir = fresh_dir("hml3d");
  fs::create_directories(dir / "new_joints");
  fs::create_directories(dir / "texts");
  fs::create_symlink(src / "new_joints_012314.npy", dir / "new_joints" / "012314.npy");
  write_text(dir / "texts" / "012314.txt",
             "a person walks.#a/DET person/NOUN walk/VERB#0.0#0.0\n"
             "a person lunges.#a/DET person/NOUN lunge/VERB#2.0#5.0\n");
  io::ImportResult r = io::import_humanml3d(dir);
  REQUIRE(r.dataset.clips.size() == 2);
  CHECK(r.dataset.clips[0].meta.name == "012314");
  CHECK(r.dataset.clips[0].meta.captions == std::vector<std::string>{"a person walks."});
  CHECK(r.dataset.clips[1].meta.name == "012314@2-5");
  CHECK(r.dataset.clips[1].frames() == (60 - 1) * 30 / 20 + 1);
  CHECK(r.dataset.clips[1].meta.captions == std::vector<std::string>{"a person lunges."});
}

TEST_CASE("aist import: pickle -> script -> importer keeps frames and rotations", "[importers]") {
  const std::string py = python_with_numpy();
  if (py.empty()) {
    WARN("SKIPPED: no python3 with numpy");
    return;
  }
  const auto script = repo_root() / "training" / "aist_pkl_to_npy.py";
  REQUIRE(fs::exists(script));
  const auto dir = fresh_dir("aist");
  fs::create_directories(dir / "motions");
  const std::string name = "gBR_sBM_cAll_d04_mBR0_ch01";
  // 61 frames at 60 fps; the left shoulder (SMPL joint 16) turned 90 degrees about +Z; the root
  // translation is given in centimetres with smpl_scaling 100.
  const std::string make =
      py +
      " -c \"import pickle, numpy as np\n"
      "n = 61\n"
      "poses = np.zeros((n, 72)); poses[:, 16*3 + 2] = np.pi / 2\n"
      "trans = np.zeros((n, 3)); trans[:, 0] = np.linspace(0, 120, n); trans[:, 1] = 90\n"
      "pickle.dump({'smpl_poses': poses, 'smpl_trans': trans, 'smpl_scaling': np.array([100.0]), "
      "'smpl_loss': 0.0}, open('" +
      (dir / "motions" / (name + ".pkl")).string() + "', 'wb'))\"";
  REQUIRE(std::system(make.c_str()) == 0);
  const std::string convert = py + " " + script.string() + " " + (dir / "motions").string() + " -o " +
                              (dir / "npy").string() + " >/dev/null";
  REQUIRE(std::system(convert.c_str()) == 0);
  // Pickles alone are refused with instructions.
  CHECK_THROWS_AS(io::import_aist(dir / "motions"), Error);

  io::ImportResult r = io::import_aist(dir / "npy");
  REQUIRE(r.rejected.empty());
  REQUIRE(r.dataset.clips.size() == 1);
  const auto& c = r.dataset.clips[0];
  CHECK(c.meta.name == name);
  CHECK(c.meta.genre == "break");
  CHECK(c.meta.audio == "mBR0.wav");
  CHECK(c.fps == 30);
  CHECK(c.frames() == 31);
  const motion::Quat want = motion::quat_from_axis_angle({0, 0, 1}, M_PI / 2);
  for (int t = 0; t < c.frames(); ++t) {
    CHECK(motion::angle_between(c.q(t, motion::kLeftShoulder), want) < 1e-5);
    CHECK(motion::angle_between(c.q(t, motion::kPelvis), motion::Quat::identity()) < 1e-6);
  }
  // 1.2 m of travel along x (translation / scaling), in metres.
  CHECK(c.root.back().x - c.root.front().x == Approx(1.2).margin(1e-6));
  CHECK(io::aist_genre("gJB_sFM_c01_d08_mJB2_ch02") == "ballet jazz");
  CHECK(io::aist_music("gJB_sFM_c01_d08_mJB2_ch02") == "mJB2");
}

TEST_CASE("bvh folder import with a labels file", "[importers]") {
  const auto dir = fresh_dir("bvhfolder");
  // Two canonical clips: the left elbow bent 60 degrees about -Y, and a rest pose.
  motion::Clip bent = motion::Clip::rest(20);
  const motion::Quat q = motion::quat_from_axis_angle({0, -1, 0}, M_PI / 3);
  for (int t = 0; t < bent.frames(); ++t) bent.q(t, motion::kLeftElbow) = q;
  io::write_bvh(io::clip_to_bvh(bent), dir / "bend.bvh");
  fs::create_directories(dir / "sub");
  io::write_bvh(io::clip_to_bvh(motion::Clip::rest(10)), dir / "sub" / "stand.bvh");
  write_text(
      dir / "labels.csv",
      "file,content,style,captions\n"
      "bend.bvh,bend-elbow,happy,\"a person bends the left elbow|someone flexes, then holds, the left arm\"\n"
      "sub/stand.bvh,stand,normal\n"
      "missing.bvh,walk,normal\n");
  REQUIRE(io::detect_dataset_kind(dir) == "bvh");
  io::ImportResult r = io::import_bvh_folder(dir);
  for (const auto& rej : r.rejected) INFO(rej.item << ": " << rej.reason);
  REQUIRE(r.dataset.clips.size() == 2);
  REQUIRE(r.rejected.size() == 1);
  CHECK(r.rejected[0].item.find("missing.bvh") != std::string::npos);
  const auto& b = r.dataset.clips[0];
  const auto& s = r.dataset.clips[1];
  CHECK(b.meta.name == "bend");
  CHECK(b.meta.content == "bend-elbow");
  CHECK(b.meta.style == "happy");
  CHECK(b.meta.captions == std::vector<std::string>{"a person bends the left elbow",
                                                    "someone flexes, then holds, the left arm"});
  CHECK(b.frames() == 20);
  CHECK(motion::angle_between(b.q(5, motion::kLeftElbow), q) < 1e-3);
  CHECK(s.meta.name == "sub_stand");
  CHECK(s.meta.content == "stand");
  CHECK(s.meta.captions.size() >= 10);  // generated from the labels

  // The same labels as JSON.
  fs::remove(dir / "labels.csv");
  write_text(dir / "labels.json", R"({"bend.bvh": {"content": "bend-elbow", "style": "sad"},
                                      "sub/stand.bvh": {"genre": "waltz", "captions": ["standing still"]}})");
  io::ImportResult j = io::import_bvh_folder(dir);
  REQUIRE(j.dataset.clips.size() == 2);
  CHECK(j.dataset.clips[0].meta.style == "sad");
  CHECK(j.dataset.clips[0].meta.captions.size() >= 10);
  CHECK(j.dataset.clips[1].meta.genre == "waltz");
  CHECK(j.dataset.clips[1].meta.captions == std::vector<std::string>{"standing still"});
}

TEST_CASE("dataset kinds are detected from the shared folders", "[importers]") {
  const auto root = test::shared_data();
  E2M_SKIP_UNLESS_EXISTS(root / "bandai");
  E2M_SKIP_UNLESS_EXISTS(root / "tang-dance");
  CHECK(io::detect_dataset_kind(root / "bandai") == "bandai");
  CHECK(io::detect_dataset_kind(root / "bandai" / "dataset-1") == "bandai");
  CHECK(io::detect_dataset_kind(root / "tang-dance") == "tang");
  CHECK(io::detect_dataset_kind(root / "tang-dance" / "DANCE_W_23") == "tang");
  CHECK(io::detect_dataset_kind(root / "clip").empty());
  CHECK_THROWS_AS(io::import_dataset("nope", root / "bandai"), Error);
}

TEST_CASE("streamed import: clips go straight into the cache, which is the in-memory import's byte for byte",
          "[importers][stream]") {
  const auto dir = fresh_dir("stream");
  for (int k = 0; k < 5; ++k) {
    motion::Clip c = motion::Clip::rest(12 + 3 * k);
    for (int t = 0; t < c.frames(); ++t)
      c.q(t, motion::kLeftElbow) = motion::quat_from_axis_angle({0, -1, 0}, 0.1 * (t + k));
    io::write_bvh(io::clip_to_bvh(c), dir / ("take" + std::to_string(k) + ".bvh"));
  }
  io::ImportResult whole = io::import_bvh_folder(dir);
  REQUIRE(whole.dataset.clips.size() == 5);
  io::write_dataset(whole.dataset, dir / "whole.e2md");

  io::ImportOptions opt;
  io::DatasetWriter writer(dir / "streamed.e2md", "bvh");
  int handed = 0;
  opt.on_clip = [&](motion::Clip&& clip, io::Split split) {
    writer.add(clip, split);
    ++handed;
  };
  io::ImportResult streamed = io::import_bvh_folder(dir, opt);
  CHECK(handed == 5);
  CHECK(streamed.dataset.clips.empty());  // nothing held back in memory
  CHECK(streamed.dataset.split.empty());
  CHECK_FALSE(fs::exists(dir / "streamed.e2md"));  // not before finish()
  CHECK(fs::exists(dir / "streamed.e2md.block.tmp"));
  writer.finish();
  CHECK_FALSE(fs::exists(dir / "streamed.e2md.block.tmp"));
  CHECK(test::read_file(dir / "streamed.e2md") == test::read_file(dir / "whole.e2md"));
  CHECK(io::read_dataset(dir / "streamed.e2md").clips.size() == 5);
}

TEST_CASE(
    "streamed import: a cache that cannot be written ends the import, a writer dropped early leaves nothing",
    "[importers][stream]") {
  const auto dir = fresh_dir("stream-fail");
  for (int k = 0; k < 3; ++k)
    io::write_bvh(io::clip_to_bvh(motion::Clip::rest(10)), dir / ("take" + std::to_string(k) + ".bvh"));
  io::ImportOptions opt;
  int handed = 0;
  opt.on_clip = [&](motion::Clip&&, io::Split) {
    ++handed;
    throw Error("cache.e2md: write failed: No space left on device");
  };
  // Not a rejected item to go on from: the first failure stops the import with its reason.
  CHECK_THROWS_WITH(io::import_bvh_folder(dir, opt), Catch::Matchers::Contains("No space left on device"));
  CHECK_THROWS_AS(io::import_bvh_folder(dir, opt), io::ImportAborted);
  CHECK(handed == 2);
  {
    io::DatasetWriter writer(dir / "dropped.e2md", "bvh");
    writer.add(motion::Clip::rest(10), io::Split::Train);
  }
  CHECK_FALSE(fs::exists(dir / "dropped.e2md"));
  CHECK_FALSE(fs::exists(dir / "dropped.e2md.block.tmp"));
}
