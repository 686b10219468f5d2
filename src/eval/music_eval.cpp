// Music2dance evaluation: rows of dances against the validation songs; see music_eval.h.
#include "eval/music_eval.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "audio/features.h"
#include "eval/beat_align.h"
#include "eval/dance_features.h"
#include "motion/error.h"
#include "motion/features.h"

namespace e2m::eval {
namespace {

constexpr double kFps = audio::kFeatureFps;
constexpr int kMotionDim = motion::kFeatureDim;
constexpr int kAudioDim = audio::kAudioFeatureDim;
constexpr double kHoldoutShare = 0.2;  // genres without a validation clip: the last 20% of their frames

// A dance set against a song: what the network said, what was played, the song's beats.
struct Dance {
  std::vector<float> raw;     // 269-d rows as generated (or recorded): bone drift
  std::vector<float> feats;   // the played motion encoded again: what the genre classifier sees
  motion::Clip clip;          // decoded: rotations and the integrated root
  Positions pos;              // its joint positions
  std::vector<double> beats;  // music beats of the song it is set against (s from frame 0)
  int genre = -1;             // genre asked for (classifier label), -1 unknown
};

Dance make_dance(std::vector<float> raw, std::vector<double> beats, int genre) {
  Dance d;
  d.raw = std::move(raw);
  d.clip = motion::decode_features(d.raw.data(), static_cast<int>(d.raw.size() / kMotionDim), kFps);
  d.pos = motion::fk_all(d.clip);
  d.feats = motion::encode_features(d.clip);
  d.beats = std::move(beats);
  d.genre = genre;
  return d;
}

Positions positions_of(const std::vector<float>& feats) {
  const int frames = static_cast<int>(feats.size() / kMotionDim);
  return motion::fk_all(motion::decode_features(feats.data(), frames, kFps));
}

std::vector<float> first_frames(const std::vector<float>& rows, int dim, int frames) {
  return {rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(frames) * dim};
}

// Window starts: every hop while a whole window fits; a dance shorter than one window is one window.
std::vector<int> window_starts(int frames, int window, int hop) {
  std::vector<int> out;
  for (int s = 0; s + window <= frames; s += hop) out.push_back(s);
  if (out.empty() && frames >= 2) out.push_back(0);
  return out;
}

Positions slice(const Positions& p, int start, int frames) {
  const int end = std::min(static_cast<int>(p.size()), start + frames);
  return {p.begin() + start, p.begin() + end};
}

// Everything a row is scored against.
struct RowContext {
  int window = 0, hop = 0, chunk = 8, bootstrap = 200;
  uint64_t seed = 1;
  FootFloor floor;
  FeatureRows ref_k, ref_g, ref_k_bug;  // training windows, standardised
  Standardizer std_k, std_g, std_k_bug;
  const MotionClassifier* genre = nullptr;
};

struct WindowFeatures {
  FeatureRows k, g, k_bug;
};

WindowFeatures features_of(const Positions& w) {
  return {{kinetic_features(w, kFps)}, {manual_features(w, kFps)}, {kinetic_features(w, kFps, true)}};
}

void append(WindowFeatures& all, const WindowFeatures& one) {
  all.k.insert(all.k.end(), one.k.begin(), one.k.end());
  all.g.insert(all.g.end(), one.g.begin(), one.g.end());
  all.k_bug.insert(all.k_bug.end(), one.k_bug.begin(), one.k_bug.end());
}

// Per-window scores of one dance: BAS both ways and the genre classifier's hits.
void score_windows(const Dance& d, const RowContext& ctx, WindowFeatures& feats, std::vector<double>& bas,
                   std::vector<double>& reverse, Count& genre_hits) {
  for (int s : window_starts(static_cast<int>(d.pos.size()), ctx.window, ctx.hop)) {
    const Positions w = slice(d.pos, s, ctx.window);
    const double t0 = s / kFps, t1 = t0 + static_cast<double>(w.size()) / kFps;
    const auto music = beats_in(d.beats, t0, t1);
    const double a = alignment(music, motion_beats(w, kFps));
    const double r = alignment(motion_beats_mint(w, kFps), music);
    if (std::isfinite(a)) bas.push_back(a);
    if (std::isfinite(r)) reverse.push_back(r);
    append(feats, features_of(w));
    if (ctx.genre && d.genre >= 0) {
      const int len = static_cast<int>(w.size());
      const auto pred = ctx.genre->predict(
          {d.feats.data() + static_cast<size_t>(s) * kMotionDim, static_cast<size_t>(len) * kMotionDim}, len);
      genre_hits += Count{pred[0] == d.genre ? 1 : 0, 1};
    }
  }
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

MusicRow score_row(const std::string& name, const std::string& note, const std::vector<Dance>& dances,
                   const RowContext& ctx) {
  MusicRow row;
  row.name = name;
  row.note = note;
  row.dances = static_cast<int>(dances.size());
  WindowFeatures feats;
  std::vector<double> bas, reverse, seams, jerks;
  Count skate, genre_hits;
  for (const Dance& d : dances) {
    score_windows(d, ctx, feats, bas, reverse, genre_hits);
    skate += foot_skating(d.pos, kFps, ctx.floor);
    jerks.push_back(mean_jerk(d.pos, kFps));
    const int frames = static_cast<int>(d.raw.size() / kMotionDim);
    row.bone_drift = std::max(row.bone_drift, bone_length_drift(feature_positions(d.raw.data(), frames)));
    const auto s = seam_ratios(d.pos, kFps, ctx.chunk);
    seams.insert(seams.end(), s.begin(), s.end());
  }
  row.windows = static_cast<int>(feats.k.size());
  row.bas = mean_of(bas);
  row.bas_reverse = mean_of(reverse);
  row.foot_skating = skate.ratio();
  row.jerk = mean_of(jerks);
  row.seam_p99 = quantile(seams, 0.99);
  row.seam_median = quantile(seams, 0.5);
  row.genre_accuracy = genre_hits.total ? genre_hits.ratio() : -1.0;
  if (row.windows >= 2) {
    const auto k = ctx.std_k.apply(feats.k), g = ctx.std_g.apply(feats.g);
    row.fid_k = frechet_bootstrap(k, ctx.ref_k, ctx.bootstrap, ctx.seed);
    row.fid_g = frechet_bootstrap(g, ctx.ref_g, ctx.bootstrap, ctx.seed + 1);
    row.fid_k_reference_bug = frechet_distance(ctx.std_k_bug.apply(feats.k_bug), ctx.ref_k_bug);
    row.div_k = mean_pairwise_distance(k);
    row.div_g = mean_pairwise_distance(g);
  }
  return row;
}

// ---- the genre classifier ----

struct GenreData {
  std::vector<MotionSample> train, held_out;
};

// Clips of their split; a genre missing from either split has each of its clips cut in time instead
// (first 80% train, last 20% held out), so every genre is learned and checked.
GenreData genre_samples(const train::TrainingData& data, const std::vector<std::string>& genres,
                        std::string* note) {
  std::map<std::string, std::set<io::Split>> splits;
  for (const auto& c : data.clips())
    splits[c.genre].insert(c.split == io::Split::Train ? io::Split::Train : io::Split::Validation);
  GenreData out;
  std::vector<std::string> cut;
  for (const auto& c : data.clips()) {
    const int label = static_cast<int>(std::find(genres.begin(), genres.end(), c.genre) - genres.begin());
    MotionSample s{c.motion, c.frames, {label}, {}, label};
    if (splits[c.genre].size() == 2) {
      (c.split == io::Split::Train ? out.train : out.held_out).push_back(s);
      continue;
    }
    if (std::find(cut.begin(), cut.end(), c.genre) == cut.end()) cut.push_back(c.genre);
    const int split_at = static_cast<int>(c.frames * (1 - kHoldoutShare));
    MotionSample a = s, b = s;
    a.frames = split_at;
    a.feats = s.feats.first(static_cast<size_t>(split_at) * kMotionDim);
    b.frames = c.frames - split_at;
    b.feats = s.feats.subspan(static_cast<size_t>(split_at) * kMotionDim);
    out.train.push_back(a);
    out.held_out.push_back(b);
  }
  for (const auto& g : cut)
    *note += (note->empty() ? "" : "; ") + g +
             ": no clip in one of the splits, so its clips are cut in time (first " +
             std::to_string(static_cast<int>(100 * (1 - kHoldoutShare))) + "% train, last " +
             std::to_string(static_cast<int>(100 * kHoldoutShare)) + "% held out)";
  return out;
}

std::vector<double> genre_accuracy(const MotionClassifier& cls, const std::vector<MotionSample>& held_out,
                                   int genres, int window, int hop) {
  std::vector<Count> per(static_cast<size_t>(genres));
  for (const auto& s : held_out)
    for (int start : window_starts(s.frames, window, hop)) {
      const int len = std::min(window, s.frames - start);
      const auto pred = cls.predict(
          s.feats.subspan(static_cast<size_t>(start) * kMotionDim, static_cast<size_t>(len) * kMotionDim),
          len);
      per[size_t(s.labels[0])] += Count{pred[0] == s.labels[0] ? 1 : 0, 1};
    }
  std::vector<double> out;
  for (const auto& c : per) out.push_back(c.total ? c.ratio() : -1.0);
  return out;
}

MotionClassifier genre_classifier(const train::TrainingData& data, const MusicEvalOptions& opt,
                                  GenreCheck& check, int window, int hop, const StageProgress& progress) {
  std::set<std::string> names;
  for (const auto& c : data.clips()) names.insert(c.genre);
  check.genres.assign(names.begin(), names.end());
  const GenreData gd = genre_samples(data, check.genres, &check.holdout_note);
  MotionClassifier cls = cached_judge<MotionClassifier>(
      opt.classifier_file, judge_fingerprint(data, opt.classifier, "genre"), opt.retrain, [&] {
        auto c = MotionClassifier::train({"genre"}, {check.genres}, gd.train, opt.classifier,
                                         [&](int s, int n, double) {
                                           if (progress) progress("training the genre classifier", s, n);
                                         });
        c.info = {{"data", "tang"}, {"steps", opt.classifier.steps}};
        return c;
      });
  check.real_accuracy = genre_accuracy(cls, gd.held_out, static_cast<int>(check.genres.size()), window, hop);
  return cls;
}

// ---- dances ----

int label_of(const std::vector<std::string>& genres, const std::string& g) {
  const auto it = std::find(genres.begin(), genres.end(), g);
  return it == genres.end() ? -1 : static_cast<int>(it - genres.begin());
}

Dance real_dance(const train::ClipData& c, int frames, const std::vector<std::string>& genres) {
  return make_dance(
      first_frames(c.motion, kMotionDim, frames),
      beats_from_column(first_frames(c.audio, kAudioDim, frames), kAudioDim, audio::kFeatBeat, kFps),
      label_of(genres, c.genre));
}

Dance model_dance(model::MusicToDance& m, const std::vector<float>& audio, int frames,
                  const std::string& genre, const std::vector<double>& beats,
                  const std::vector<std::string>& genres) {
  audio::FeatureFrames f;
  f.frames = frames;
  f.data = first_frames(audio, kAudioDim, frames);
  return make_dance(m.dance_features(f, genre), beats, label_of(genres, genre));
}

struct Songs {
  std::vector<const train::ClipData*> val, train;
  std::vector<int> frames;  // frames used of each validation clip
};

std::vector<float> zero_music(const model::MusicToDance& m, int frames) {
  // "Music zeroed" at the adapter's input: every normalised feature 0, i.e. the raw training mean.
  const auto& mean = m.meta().audio_norm.mean;
  std::vector<float> out;
  for (int f = 0; f < frames; ++f) {
    if (mean.size() == static_cast<size_t>(kAudioDim))
      out.insert(out.end(), mean.begin(), mean.end());
    else
      out.insert(out.end(), kAudioDim, 0.0f);
  }
  return out;
}

// Another song's audio for clip i, as long as clip i's dance (looped if shorter).
std::vector<float> other_song(const Songs& songs, size_t i, int frames) {
  const train::ClipData* other =
      songs.val.size() > 1 ? songs.val[(i + 1) % songs.val.size()] : songs.train.front();
  std::vector<float> out;
  for (int f = 0; f < frames; ++f) {
    const int src = f % other->frames;
    out.insert(out.end(), other->audio.begin() + static_cast<std::ptrdiff_t>(src) * kAudioDim,
               other->audio.begin() + static_cast<std::ptrdiff_t>(src + 1) * kAudioDim);
  }
  return out;
}

std::vector<Dance> replay_dances(const Songs& songs, const std::vector<Dance>& real, int window,
                                 const std::vector<std::string>& genres, uint64_t seed) {
  // Real training dance, music-agnostic: a random training window per validation window.
  std::mt19937_64 rng(seed);
  std::vector<Dance> out;
  for (const Dance& r : real)
    for (int s : window_starts(static_cast<int>(r.pos.size()), window, window)) {
      const train::ClipData* c =
          songs.train[std::uniform_int_distribution<size_t>(0, songs.train.size() - 1)(rng)];
      const int len = std::min({window, c->frames, static_cast<int>(r.pos.size()) - s});
      const int start = std::uniform_int_distribution<int>(0, c->frames - len)(rng);
      out.push_back(make_dance({c->motion.begin() + static_cast<std::ptrdiff_t>(start) * kMotionDim,
                                c->motion.begin() + static_cast<std::ptrdiff_t>(start + len) * kMotionDim},
                               beats_in(r.beats, s / kFps, (s + len) / kFps), label_of(genres, c->genre)));
    }
  return out;
}

RowContext make_context(const Songs& songs, const MusicEvalOptions& opt, int window, int hop,
                        MusicReport& report) {
  RowContext ctx;
  ctx.window = window;
  ctx.hop = hop;
  ctx.bootstrap = opt.bootstrap;
  ctx.seed = opt.seed;
  ctx.chunk = opt.chunk_frames;
  std::vector<Positions> train_pos;
  WindowFeatures ref;
  for (const auto* c : songs.train) {
    train_pos.push_back(positions_of(c->motion));
    for (int s : window_starts(c->frames, window, hop))
      append(ref, features_of(slice(train_pos.back(), s, window)));
  }
  if (ref.k.size() < 2)
    throw Error("music eval: fewer than 2 training windows of " + std::to_string(window) + " frames");
  ctx.floor = FootFloor::from_real(train_pos);
  ctx.std_k = Standardizer::fit(ref.k);
  ctx.std_g = Standardizer::fit(ref.g);
  ctx.std_k_bug = Standardizer::fit(ref.k_bug);
  ctx.ref_k = ctx.std_k.apply(ref.k);
  ctx.ref_g = ctx.std_g.apply(ref.g);
  ctx.ref_k_bug = ctx.std_k_bug.apply(ref.k_bug);
  report.floor = ctx.floor;
  report.reference_windows = static_cast<int>(ref.k.size());
  return ctx;
}

Songs collect_songs(const train::TrainingData& data, const MusicEvalOptions& opt, MusicReport& report) {
  Songs songs;
  for (const auto& c : data.clips()) {
    if (c.audio.size() != static_cast<size_t>(c.frames) * kAudioDim) continue;
    if (c.split == io::Split::Train) {
      songs.train.push_back(&c);
      report.train_clips.push_back(c.name);
    } else {
      songs.val.push_back(&c);
      report.validation_clips.push_back(c.name);
      const int cap = opt.max_clip_s > 0 ? static_cast<int>(opt.max_clip_s * kFps) : c.frames;
      songs.frames.push_back(std::min(c.frames, cap));
    }
  }
  if (songs.train.empty() || songs.val.empty())
    throw Error("music eval: the data needs clips with audio in both splits (train " +
                std::to_string(songs.train.size()) + ", validation " + std::to_string(songs.val.size()) +
                ")");
  return songs;
}

ClipOffset clip_offset(const train::ClipData& c, const Positions& p, const std::vector<double>& beats,
                       const std::vector<double>& offsets) {
  const auto curve = bas_over_offsets({p}, {beats}, offsets, kFps);
  const size_t best = static_cast<size_t>(std::max_element(curve.begin(), curve.end()) - curve.begin());
  const size_t zero =
      static_cast<size_t>(std::min_element(offsets.begin(), offsets.end(),
                                           [](double a, double b) { return std::abs(a) < std::abs(b); }) -
                          offsets.begin());
  std::vector<double> tempo;
  for (int f = 0; f < c.frames; ++f)
    if (const float bpm = c.audio[static_cast<size_t>(f) * kAudioDim + audio::kFeatTempo]; bpm > 0)
      tempo.push_back(bpm);
  const double bpm = quantile(tempo, 0.5);
  return {c.name, c.genre, curve[zero], offsets[best], curve[best], bpm > 0 ? 60.0 / bpm : 0.0};
}

void offsets_check(const train::TrainingData& data, const MusicEvalOptions& opt, MusicReport& report) {
  for (double o = -opt.offset_range_s; o <= opt.offset_range_s + 1e-9; o += 1.0 / kFps)
    report.offsets_s.push_back(o);
  struct Set {
    std::vector<Positions> dances;
    std::vector<std::vector<double>> beats;
  };
  Set all, val;
  std::map<std::string, Set> genre;
  for (const auto& c : data.clips()) {
    if (c.audio.size() != static_cast<size_t>(c.frames) * kAudioDim) continue;
    const Positions p = positions_of(c.motion);
    const auto beats = beats_from_column(c.audio, kAudioDim, audio::kFeatBeat, kFps);
    for (Set* s : {&all, &genre[c.genre], c.split == io::Split::Train ? nullptr : &val}) {
      if (!s) continue;
      s->dances.push_back(p);
      s->beats.push_back(beats);
    }
    report.clip_offsets.push_back(clip_offset(c, p, beats, report.offsets_s));
  }
  report.bas_offset_all = bas_over_offsets(all.dances, all.beats, report.offsets_s, kFps);
  report.reverse_offset_all = bas_over_offsets(all.dances, all.beats, report.offsets_s, kFps, true);
  report.bas_offset_validation = bas_over_offsets(val.dances, val.beats, report.offsets_s, kFps);
  for (const auto& [g, s] : genre)
    report.bas_offset_by_genre[g] = bas_over_offsets(s.dances, s.beats, report.offsets_s, kFps);
}

// Model rows on the validation songs: the song's own genre; music zeroed; another song's music.
void model_rows(model::MusicToDance& m, const Songs& songs, const std::vector<Dance>& real,
                const RowContext& ctx, MusicReport& report, const StageProgress& progress) {
  std::vector<Dance> own, zeroed, mismatched;
  const int n = static_cast<int>(songs.val.size());
  const auto& genres = report.genre.genres;
  for (int i = 0; i < n; ++i) {
    const auto* c = songs.val[size_t(i)];
    const int frames = songs.frames[size_t(i)];
    if (progress) progress("dancing the validation songs", 3 * i, 3 * n);
    own.push_back(model_dance(m, c->audio, frames, c->genre, real[size_t(i)].beats, genres));
    if (progress) progress("dancing the validation songs", 3 * i + 1, 3 * n);
    zeroed.push_back(model_dance(m, zero_music(m, frames), frames, c->genre, real[size_t(i)].beats, genres));
    if (progress) progress("dancing the validation songs", 3 * i + 2, 3 * n);
    mismatched.push_back(model_dance(m, other_song(songs, size_t(i), frames), frames, c->genre,
                                     real[size_t(i)].beats, genres));
  }
  if (progress) progress("dancing the validation songs", 3 * n, 3 * n);
  report.sample_dance = own.front().clip;
  if (progress) progress("scoring the model rows", 0, 1);
  RowContext mctx = ctx;
  mctx.chunk = m.chunk_frames();
  report.rows.push_back(score_row("model", "the song's own genre", own, mctx));
  report.rows.push_back(score_row("model, music zeroed", "audio input at the training mean", zeroed, mctx));
  report.rows.push_back(score_row("model, mismatched music", "given another song's music", mismatched, mctx));
}

void genre_sweep(model::MusicToDance& m, const Songs& songs, const MotionClassifier& cls,
                 const MusicEvalOptions& opt, MusicReport& report, const StageProgress& progress) {
  const auto& genres = report.genre.genres;
  const size_t g = genres.size();
  report.genre.sweep.assign(g, std::vector<int>(g, 0));
  const int total = static_cast<int>(songs.val.size() * g);
  int done = 0;
  for (const auto* c : songs.val) {
    const int frames = std::min(c->frames, static_cast<int>(opt.sweep_s * kFps));
    for (size_t k = 0; k < g; ++k) {
      if (progress) progress("genre sweep", done++, total);
      if (label_of(m.genres(), genres[k]) < 0) continue;  // the model was not trained with this genre
      const Dance d = model_dance(m, c->audio, frames, genres[k], {}, genres);
      const auto pred = cls.predict(d.feats, frames);
      ++report.genre.sweep[k][size_t(pred[0])];
    }
  }
  if (progress) progress("genre sweep", total, total);
}

}  // namespace

std::vector<double> bas_over_offsets(const std::vector<Positions>& dances,
                                     const std::vector<std::vector<double>>& music_beats,
                                     const std::vector<double>& offsets_s, double fps, bool reverse) {
  std::vector<std::vector<double>> motion;
  for (const auto& p : dances) motion.push_back(reverse ? motion_beats_mint(p, fps) : motion_beats(p, fps));
  std::vector<double> out;
  for (double o : offsets_s) {
    std::vector<double> scores;
    for (size_t i = 0; i < dances.size(); ++i) {
      std::vector<double> shifted;
      for (double b : music_beats[i]) shifted.push_back(b + o);
      shifted = beats_in(shifted, 0, static_cast<double>(dances[i].size()) / fps);
      const double s = reverse ? alignment(motion[i], shifted) : alignment(shifted, motion[i]);
      if (std::isfinite(s)) scores.push_back(s);
    }
    out.push_back(mean_of(scores));
  }
  return out;
}

MusicReport evaluate_music(const train::TrainingData& data, model::MusicToDance* model,
                           const MusicEvalOptions& opt, const StageProgress& progress) {
  MusicReport report;
  report.has_model = model != nullptr;
  const Songs songs = collect_songs(data, opt, report);
  const int window = static_cast<int>(std::lround(opt.window_s * kFps));
  const int hop = std::max(1, static_cast<int>(std::lround(opt.hop_s * kFps)));
  report.window_frames = window;
  report.hop_frames = hop;
  auto stage = [&](const char* name) {
    if (progress) progress(name, 0, 1);
  };
  stage("features of the real training windows");
  RowContext ctx = make_context(songs, opt, window, hop, report);
  stage("beat alignment of the real dances over audio offsets");
  offsets_check(data, opt, report);
  stage("matching validation songs to training songs");
  report.song_matches = match_songs(data, kFps);
  MotionClassifier cls = genre_classifier(data, opt, report.genre, window, hop, progress);
  ctx.genre = &cls;
  stage("scoring the real rows");
  std::vector<Dance> real;
  for (size_t i = 0; i < songs.val.size(); ++i)
    real.push_back(real_dance(*songs.val[i], songs.frames[i], report.genre.genres));
  report.rows.push_back(score_row("real validation dances", "the dances recorded to these songs", real, ctx));
  report.rows.push_back(score_row("real training dances, replayed", "random training windows, music-agnostic",
                                  replay_dances(songs, real, window, report.genre.genres, opt.seed), ctx));
  report.sample_dance = real.front().clip;
  if (model) {
    model_rows(*model, songs, real, ctx, report, progress);
    genre_sweep(*model, songs, cls, opt, report, progress);
  }
  return report;
}

namespace {

// Standardised MFCC 1..19 and chroma at 10 fps, each frame unit length. MFCC 0 (loudness) is left
// out: two copies of a song may be recorded at different levels.
std::vector<std::vector<double>> song_frames(const train::ClipData& c, const std::vector<double>& mean,
                                             const std::vector<double>& sd, int step) {
  std::vector<std::vector<double>> out;
  for (int f = 0; f < c.frames; f += step) {
    std::vector<double> v;
    for (int k = audio::kFeatMfcc + 1; k < audio::kFeatOnsetPeak; ++k) {
      const size_t i = static_cast<size_t>(k - audio::kFeatMfcc - 1);
      v.push_back((c.audio[static_cast<size_t>(f) * kAudioDim + static_cast<size_t>(k)] - mean[i]) / sd[i]);
    }
    double n = 0;
    for (double x : v) n += x * x;
    n = std::sqrt(n);
    for (double& x : v) x = n > 0 ? x / n : 0.0;
    out.push_back(std::move(v));
  }
  return out;
}

// Best mean cosine over lags with at least min_overlap frames in common; lag = where a starts in b.
std::pair<double, int> best_lag(const std::vector<std::vector<double>>& a,
                                const std::vector<std::vector<double>>& b, int min_overlap) {
  const int na = static_cast<int>(a.size()), nb = static_cast<int>(b.size());
  std::pair<double, int> best{-1.0, 0};
  for (int lag = min_overlap - na; lag <= nb - min_overlap; ++lag) {
    double sum = 0;
    int count = 0;
    for (int i = std::max(0, -lag); i < na && i + lag < nb; ++i) {
      for (size_t k = 0; k < a[size_t(i)].size(); ++k) sum += a[size_t(i)][k] * b[size_t(i + lag)][k];
      ++count;
    }
    if (count >= min_overlap && sum / count > best.first) best = {sum / count, lag};
  }
  return best;
}

}  // namespace

std::vector<SongMatch> match_songs(const train::TrainingData& data, double fps) {
  constexpr int kDims = audio::kFeatOnsetPeak - audio::kFeatMfcc - 1;
  constexpr double kRate = 10.0, kMinOverlapS = 20.0;
  const int step = std::max(1, static_cast<int>(std::lround(fps / kRate)));
  std::vector<double> mean(kDims, 0.0), sd(kDims, 0.0);
  double n = 0;
  for (const auto& c : data.clips())
    for (int f = 0; f < c.frames && c.audio.size() == static_cast<size_t>(c.frames) * kAudioDim; ++f, n += 1)
      for (int k = 0; k < kDims; ++k) {
        const double x =
            c.audio[static_cast<size_t>(f) * kAudioDim + static_cast<size_t>(audio::kFeatMfcc + 1 + k)];
        mean[size_t(k)] += x;
        sd[size_t(k)] += x * x;
      }
  if (n == 0) return {};
  for (int k = 0; k < kDims; ++k) {
    mean[size_t(k)] /= n;
    sd[size_t(k)] =
        std::max(1e-6, std::sqrt(std::max(0.0, sd[size_t(k)] / n - mean[size_t(k)] * mean[size_t(k)])));
  }
  const int min_overlap = static_cast<int>(kMinOverlapS * fps / step);
  std::vector<SongMatch> out;
  for (const auto& v : data.clips()) {
    if (v.split == io::Split::Train || v.audio.size() != static_cast<size_t>(v.frames) * kAudioDim) continue;
    const auto fv = song_frames(v, mean, sd, step);
    SongMatch m;
    m.validation = v.name;
    for (const auto& t : data.clips()) {
      if (t.split != io::Split::Train || t.audio.size() != static_cast<size_t>(t.frames) * kAudioDim)
        continue;
      const auto [sim, lag] = best_lag(fv, song_frames(t, mean, sd, step), min_overlap);
      if (sim > m.similarity || m.train.empty()) m = {v.name, t.name, sim, lag * step / fps};
    }
    out.push_back(m);
  }
  return out;
}

}  // namespace e2m::eval
