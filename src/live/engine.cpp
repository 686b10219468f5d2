// The live engine's threads and their wiring; see engine.h and DESIGN.md section 2.
#include "live/engine.h"

#include <readerwriterqueue/readerwriterqueue.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "audio/feature_extractor.h"
#include "audio/source.h"
#include "live/cue_worker.h"
#include "live/dance_generator.h"
#include "live/frame_queue.h"
#include "live/mixer.h"
#include "live/motion_sampler.h"
#include "live/output_clock.h"
#include "live/tempo_source.h"
#include "live/triple_buffer.h"
#include "model/inference.h"
#include "motion/error.h"

namespace e2m::live {

namespace {

using FeatureRow = std::array<float, audio::kAudioFeatureDim>;
constexpr auto kIdle = std::chrono::milliseconds(2);
// Longer than any device's block interval, well short of the play delay (a chunk and its lead).
constexpr auto kAudioGap = std::chrono::milliseconds(150);

void store_max(std::atomic<double>& a, double v) {
  double cur = a.load();
  while (v > cur && !a.compare_exchange_weak(cur, v)) {
  }
}

}  // namespace

struct Engine::Impl {
  Impl(EngineOptions o, model::MusicToDance& d, model::TextToMotion* t, EngineStats& s)
      : opt(std::move(o)),
        dance(d),
        text(t),
        stats(s),
        gen(d, opt.genre.empty() ? d.genres().front() : opt.genre),
        mixer(opt.blend_frames),
        frames(size_t(4 * d.chunk_frames() + 60)),
        sampler(frames),
        clock(opt.rate_hz),
        filter(opt.filter),
        chunk(size_t(d.chunk_frames())),
        start_pose(DanceGenerator::start_pose(d)),
        held(start_pose) {
    root_lock = opt.root_lock;
    genres = d.genres();
    if (text) cue_worker = std::make_unique<CueWorker>(*text, opt.cue_frames, opt.log);
  }

  void log(const std::string& line) const {
    if (opt.log) opt.log(line);
  }
  double delay_s() const { return double(dance.chunk_frames() + opt.lead_frames) / kModelFps; }

  void feature_loop();
  void fill_silence(audio::FeatureExtractor& fx, std::vector<float>& buf, std::vector<float>& rows);
  bool in_gap(const audio::SourceStats& st, std::chrono::steady_clock::time_point now);
  void note_device(const audio::SourceStats& st);
  // Feature thread: zeros filled up to here while the device leaves a gap ({} outside one), and when
  // the device last delivered.
  std::chrono::steady_clock::time_point silence_since{}, last_audio{};
  void publish(const std::vector<float>& frames, double level);
  void generator_loop();
  void apply_control(const Command& c);
  std::string genre_at(float position) const;
  void produce_chunk();
  void load_model(const std::string& path);
  void start_model_load(const std::string& path);
  void switch_model();
  void publish_generator_state();
  static void tick(void* ctx, int64_t tick, int64_t scheduled_ns);
  static void on_onset(void* ctx, float strength, double time_s);
  void external_tempo(AnalysisState& a) noexcept;

  EngineOptions opt;
  model::MusicToDance& dance;
  model::TextToMotion* text;
  EngineStats& stats;
  std::unique_ptr<audio::AudioSource> source;
  moodycamel::ReaderWriterQueue<FeatureRow> features{256};
  TripleBuffer<AnalysisState> analysis;
  TripleBuffer<GeneratorState> gen_state;
  mutable std::mutex genres_mutex;  // genres: set by the generator thread, read by the monitor's
  std::vector<std::string> genres;
  AnalysisState last_analysis;  // feature thread's own copy
  moodycamel::ReaderWriterQueue<Command> control{64};
  DanceGenerator gen;
  Mixer mixer;
  std::unique_ptr<CueWorker> cue_worker;
  FrameQueue frames;
  MotionSampler sampler;
  OutputClock clock;
  PoseFilter filter;
  std::vector<motion::PoseFrame> chunk;
  motion::PoseFrame start_pose, held, filtered{};
  std::vector<OutputSink*> sinks;
  std::atomic<bool> stop{false}, input_done{false}, gen_done{false}, play_done{false};
  std::atomic<bool> root_lock{false};
  std::atomic<int64_t> next_frame{0};  // first frame of the next chunk
  std::atomic<float> tempo{0}, confidence{0};
  float ext_phase = 0;  // output clock thread: the external source's last phase and beat count
  int64_t ext_beats = 0;
  // /model: a loader thread hands a loaded model to the generator thread, which owns it from then on.
  std::thread loader;
  std::atomic<bool> loading{false};
  moodycamel::ReaderWriterQueue<std::unique_ptr<model::MusicToDance>> loaded_models{1};
  std::unique_ptr<model::MusicToDance> switched_dance;  // generator thread: the model it switched to
  std::thread feature_thread, gen_thread;
  std::chrono::steady_clock::time_point started;
};

void Engine::Impl::publish(const std::vector<float>& rows, double level) {
  for (size_t r = 0; r + audio::kAudioFeatureDim <= rows.size(); r += audio::kAudioFeatureDim) {
    FeatureRow row;
    std::copy_n(rows.begin() + long(r), audio::kAudioFeatureDim, row.begin());
    AnalysisState& a = last_analysis;
    ++a.frame;
    a.onset = row[audio::kFeatOnsetEnv];
    a.onset_peak = row[audio::kFeatOnsetPeak] > 0.5f;
    a.beat_count += row[audio::kFeatBeat] > 0.5f ? 1 : 0;
    a.tempo_bpm = row[audio::kFeatTempo];
    a.phase = row[audio::kFeatBeatPhase];
    a.confidence = row[audio::kFeatBeatConf];
    a.level = float(level);
    std::copy_n(row.begin() + audio::kFeatMfcc, a.mfcc.size(), a.mfcc.begin());
    std::copy_n(row.begin() + audio::kFeatChroma, a.chroma.size(), a.chroma.begin());
    analysis.write(a);
    tempo = a.tempo_bpm;
    confidence = a.confidence;
    stats.beats = a.beat_count;
    ++stats.audio_frames;
    if (!features.try_enqueue(row)) ++stats.frames_dropped;
  }
}

void Engine::Impl::on_onset(void* ctx, float strength, double time_s) {
  for (OutputSink* s : static_cast<Impl*>(ctx)->sinks) s->onset(strength, time_s);
}

// While the device leaves a gap: zeros for all the time since silence_since, published a buffer at a
// time, so the analysis is back on the wall clock at once (the gap's first 0.15 s included).
void Engine::Impl::fill_silence(audio::FeatureExtractor& fx, std::vector<float>& buf,
                                std::vector<float>& rows) {
  const double due = std::chrono::duration<double>(std::chrono::steady_clock::now() - silence_since).count() *
                     fx.input_rate();
  std::fill(buf.begin(), buf.end(), 0.0f);
  for (size_t left = size_t(std::max(0.0, due)); left > 0 && !stop;) {
    const size_t n = std::min(left, buf.size());
    rows.clear();
    fx.push(buf.data(), n, rows);
    publish(rows, 0);
    left -= n;
    silence_since += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(double(n) / fx.input_rate()));
  }
}

// A live device that delivers nothing is silence to the analysis, not a stop: while it is lost, being
// reopened, or stalled for longer than kAudioGap (under its stall_seconds, before the source calls it
// lost), the analysis hears zeros for the time that passed since it last delivered, so the dance
// never waits on the device. The hosts we capture from (ALSA, JACK) drop what a stalled device could
// not deliver, so what comes after a gap is new audio and the analysis stays on the wall clock.
bool Engine::Impl::in_gap(const audio::SourceStats& st, std::chrono::steady_clock::time_point now) {
  if (silence_since != std::chrono::steady_clock::time_point{}) return true;
  if (!source->realtime() || (st.device_up && now - last_audio <= kAudioGap)) return false;
  silence_since = last_audio;  // the gap began when the device last delivered
  ++stats.audio_gaps;
  if (st.device_up)
    log("audio device delivers nothing; dancing to silence until it does (" + source->describe() + ")");
  return true;
}

void Engine::Impl::note_device(const audio::SourceStats& st) {
  if (int64_t(st.device_lost) > stats.audio_device_lost)
    log("audio device lost; dancing to silence while it is reopened (" + source->describe() + ")");
  stats.audio_overruns = int64_t(st.overruns);
  stats.audio_frames_lost = int64_t(st.frames_lost + st.frames_skipped);
  stats.audio_device_lost = int64_t(st.device_lost);
  stats.audio_reopens = int64_t(st.reopens);
}

void Engine::Impl::feature_loop() {
  audio::FeatureExtractor fx(source->sample_rate());
  fx.set_onset_observer(&Impl::on_onset, this);
  std::vector<float> buf(2048), rows;
  rows.reserve(size_t(audio::kAudioFeatureDim) * 16);
  last_audio = std::chrono::steady_clock::now();
  while (!stop) {
    const size_t n = source->read(buf.data(), buf.size(), std::chrono::milliseconds(20));
    if (n == 0) {
      if (source->finished()) break;
      const audio::SourceStats st = source->stats();
      const bool gap = in_gap(st, std::chrono::steady_clock::now());
      note_device(st);
      if (gap) fill_silence(fx, buf, rows);
      continue;
    }
    last_audio = std::chrono::steady_clock::now();
    if (silence_since != std::chrono::steady_clock::time_point{}) log("audio device delivers again");
    silence_since = {};
    double sq = 0;
    for (size_t i = 0; i < n; ++i) sq += double(buf[i]) * buf[i];
    rows.clear();
    fx.push(buf.data(), n, rows);
    publish(rows, std::sqrt(sq / double(n)));
    note_device(source->stats());
  }
  if (!source->realtime()) {
    rows.clear();
    fx.finish(rows);
    publish(rows, 0);
  }
  source->stop();
  input_done = true;
}

void Engine::Impl::apply_control(const Command& c) {
  switch (c.kind) {
    case CommandKind::kCancel:
      mixer.cancel();
      break;
    case CommandKind::kGenre:
      try {
        const std::string genre = c.text_view().empty() ? genre_at(c.value) : std::string(c.text_view());
        if (c.text_view().empty() && genre == gen.genre()) break;
        gen.set_genre(genre);
        log("genre: " + gen.genre());
      } catch (const std::exception& e) {
        log(std::string("genre not changed: ") + e.what());
      }
      break;
    case CommandKind::kIntensity:
      mixer.set_intensity(c.value, start_pose);
      break;
    default:
      break;
  }
  publish_generator_state();
}

// A genre control without names: equal bands of [0, 1) over the playing model's genres.
std::string Engine::Impl::genre_at(float position) const {
  const auto& genres = gen.model().genres();
  const size_t n = genres.size();
  return genres[std::min(n - 1, size_t(std::clamp(position, 0.0f, 1.0f) * float(n)))];
}

void Engine::Impl::publish_generator_state() {
  GeneratorState& g = gen_state.back();
  const auto& genres = gen.model().genres();
  g.genre = int(std::find(genres.begin(), genres.end(), gen.genre()) - genres.begin());
  g.models = int(stats.models_loaded.load(std::memory_order_relaxed));
  g.intensity = float(mixer.intensity());
  g.cue_playing = mixer.playing();
  g.cues_queued = mixer.queued();
  const std::string& cue = mixer.current_text();
  const size_t n = std::min(cue.size(), g.cue.size() - 1);
  std::copy_n(cue.begin(), n, g.cue.begin());
  g.cue[n] = '\0';
  gen_state.publish();
}

void Engine::Impl::produce_chunk() {
  const auto t0 = std::chrono::steady_clock::now();
  gen.next_chunk(chunk);
  if (opt.slow_generator_ms > 0)
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(opt.slow_generator_ms));
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const int64_t first = next_frame;
  for (size_t k = 0; k < chunk.size(); ++k) {
    const motion::PoseFrame out = mixer.mix(chunk[k], gen.last_played());
    gen.played(out);
    if (!frames.push({first + int64_t(k), out})) ++stats.frames_dropped;
  }
  next_frame = first + int64_t(chunk.size());
  stats.cues_started = mixer.cues_started();
  stats.frames_generated += int64_t(chunk.size());
  ++stats.chunks;
  stats.chunk_ms_last = ms;
  store_max(stats.chunk_ms_max, ms);
  // Late: its first frame was due on the output before the chunk was ready.
  const double now_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (now_s > double(first) / kModelFps + delay_s()) ++stats.late_chunks;
  publish_generator_state();
  if (opt.on_chunk) opt.on_chunk(first, gen.audio_frames());
}

// Loader thread: the model is loaded and checked here, so the generator only swaps a pointer.
void Engine::Impl::load_model(const std::string& path) {
  try {
    auto next = std::make_unique<model::MusicToDance>();
    next->load(path);
    if (next->chunk_frames() != dance.chunk_frames())
      throw Error("its chunks are " + std::to_string(next->chunk_frames()) + " frames, the running model's " +
                  std::to_string(dance.chunk_frames()) +
                  " (the playback delay would jump; restart to switch)");
    if (!loaded_models.try_enqueue(std::move(next))) throw Error("another model is waiting to take over");
    log("model " + path + " loaded; the dance takes it up at the next chunk");
  } catch (const std::exception& e) {
    ++stats.models_refused;
    log("model " + path + " refused, the dance goes on with the current one: " + e.what());
  }
  loading = false;
}

void Engine::Impl::start_model_load(const std::string& path) {
  if (loading.exchange(true)) {
    ++stats.models_refused;
    log("model " + path + " refused: another model is still loading");
    return;
  }
  if (loader.joinable()) loader.join();  // the previous load, finished
  log("model " + path + ": loading while the show goes on");
  loader = std::thread([this, path] { load_model(path); });
}

// Generator thread, between two chunks. The model it replaces (if it was a switched one) is freed here.
void Engine::Impl::switch_model() {
  std::unique_ptr<model::MusicToDance> next;
  while (loaded_models.try_dequeue(next)) {
    try {
      gen.switch_model(*next);
    } catch (const std::exception& e) {
      ++stats.models_refused;
      log(std::string("model refused, the dance goes on with the current one: ") + e.what());
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(genres_mutex);
      genres = next->genres();
    }
    switched_dance = std::move(next);
    ++stats.models_loaded;
    log("model switched; dancing " + gen.genre());
    publish_generator_state();
  }
}

void Engine::Impl::generator_loop() {
  FeatureRow row;
  Command c;
  while (!stop) {
    switch_model();
    while (control.try_dequeue(c)) apply_control(c);
    if (cue_worker)
      while (auto clip = cue_worker->take_ready()) mixer.add(std::move(clip));
    while (features.try_dequeue(row)) gen.push_audio(row);
    const bool fed = features.size_approx() == 0 && input_done;
    if (gen.audio_frames() >= std::max<int64_t>(1, next_frame)) {
      try {
        produce_chunk();
      } catch (const std::exception& e) {
        log(std::string("generator stopped: ") + e.what());
        break;
      }
    } else if (fed) {
      break;  // every audio frame has its motion
    } else {
      std::this_thread::sleep_for(kIdle);
    }
  }
  gen_done = true;
}

void Engine::Impl::tick(void* ctx, int64_t tick, int64_t scheduled_ns) {
  Impl& m = *static_cast<Impl*>(ctx);
  const double t = double(scheduled_ns - m.clock.start_ns()) * 1e-9;
  const double play_t = t - m.delay_s();
  // Past the last generated frame after the input ended: hold, and tell the engine it is over.
  if (m.gen_done && play_t * kModelFps > double(m.next_frame.load() - 1)) {
    m.play_done = true;
  } else if (m.sampler.sample(play_t, m.held) == SampleStatus::kEmpty) {
    m.held = m.start_pose;
  }
  m.filter.filter(m.held, 1.0 / m.opt.rate_hz, m.filtered);
  OutputFrame f;
  f.tick = tick;
  f.time_s = t;
  f.pose = m.filtered;
  f.analysis = m.analysis.read();
  if (m.opt.tempo_source) m.external_tempo(f.analysis);
  f.root_lock = m.root_lock.load(std::memory_order_relaxed);
  for (OutputSink* s : m.sinks) s->send(f);
  m.stats.ticks.store(tick + 1, std::memory_order_relaxed);
  m.stats.underruns.store(int64_t(m.sampler.underruns()), std::memory_order_relaxed);
  m.stats.missed_ticks.store(int64_t(m.clock.missed()), std::memory_order_relaxed);
}

void Engine::Impl::external_tempo(AnalysisState& a) noexcept {
  float bpm = 0, phase = 0;
  if (!opt.tempo_source->read(std::chrono::steady_clock::now(), bpm, phase)) return;
  if (phase + 0.5f < ext_phase) ++ext_beats;  // wrapped: a beat
  ext_phase = phase;
  a.tempo_bpm = bpm;
  a.phase = phase;
  a.beat_count = ext_beats;
}

Engine::Engine(EngineOptions options, model::MusicToDance& dance, model::TextToMotion* text)
    : impl_(std::make_unique<Impl>(std::move(options), dance, text, stats_)) {}

Engine::~Engine() { stop(); }

void Engine::add_sink(OutputSink* sink) {
  if (impl_->clock.running()) throw Error("live engine: outputs are added before start");
  impl_->sinks.push_back(sink);
}

void Engine::set_tempo_source(TempoSource* source) {
  if (impl_->clock.running()) throw Error("live engine: the tempo source is set before start");
  impl_->opt.tempo_source = source;
}

void Engine::start() {
  Impl& m = *impl_;
  audio::SourceOptions so;
  so.pace = true;
  m.source = audio::open_source(m.opt.input, so);
  m.log("input: " + m.source->describe());
  m.started = std::chrono::steady_clock::now();
  m.source->start();
  m.feature_thread = std::thread([&m] { m.feature_loop(); });
  m.publish_generator_state();  // before the generator thread, which publishes from then on
  m.gen_thread = std::thread([&m] { m.generator_loop(); });
  m.clock.start(&Impl::tick, &m);
}

void Engine::stop() {
  Impl& m = *impl_;
  m.stop = true;
  m.clock.stop();
  if (m.feature_thread.joinable()) m.feature_thread.join();
  if (m.gen_thread.joinable()) m.gen_thread.join();
  if (m.loader.joinable()) m.loader.join();
}

double Engine::play_delay_s() const { return impl_->delay_s(); }
const LatencyHistogram& Engine::output_jitter() const { return impl_->clock.wake_jitter(); }
const LatencyHistogram& Engine::output_work() const { return impl_->clock.tick_work(); }
bool Engine::output_realtime() const { return impl_->clock.realtime(); }
std::chrono::steady_clock::time_point Engine::start_time() const { return impl_->started; }
std::chrono::steady_clock::time_point Engine::output_start() const {
  // The clock runs on CLOCK_MONOTONIC, which is the steady clock's on Linux.
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(impl_->clock.start_ns()));
}

double Engine::output_rate() const { return impl_->opt.rate_hz; }

bool Engine::running() const {
  const Impl& m = *impl_;
  if (m.stop || m.play_done) return false;
  if (m.opt.duration_s > 0 &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m.started).count() >= m.opt.duration_s)
    return false;
  return m.clock.running();
}

bool Engine::poll() {
  Impl& m = *impl_;
  Command c;
  while (commands_.try_dequeue(c)) {
    ++stats_.commands;
    switch (c.kind) {
      case CommandKind::kCue:
      case CommandKind::kNow:
      case CommandKind::kUpper: {
        if (!m.cue_worker) {
          m.log("cue \"" + std::string(c.text_view()) + "\" ignored: no text2motion model loaded");
          ++stats_.bad_commands;
          break;
        }
        CueRequest req;
        req.text = std::string(c.text_view());
        req.replace = c.kind == CommandKind::kNow;
        req.mask = c.kind == CommandKind::kUpper ? motion::kMaskUpper : motion::kMaskFull;
        m.cue_worker->request(std::move(req));
        ++stats_.cues_requested;
        break;
      }
      case CommandKind::kRootLock:
        m.root_lock = c.flag != 0;
        break;
      case CommandKind::kLearn:
        if (m.opt.on_command)
          m.opt.on_command(c);
        else
          ++stats_.bad_commands;
        break;
      case CommandKind::kModel:
        m.start_model_load(std::string(c.text_view()));
        break;
      default:
        if (!m.control.try_enqueue(c)) ++stats_.bad_commands;
    }
  }
  if (m.cue_worker) stats_.cues_failed = m.cue_worker->failed();
  return running();
}

GeneratorState Engine::generator_state() { return impl_->gen_state.read(); }
std::vector<std::string> Engine::genres() const {
  std::lock_guard<std::mutex> lock(impl_->genres_mutex);
  return impl_->genres;
}

AnalysisState Engine::analysis() const {
  AnalysisState a;
  a.tempo_bpm = impl_->tempo;
  a.confidence = impl_->confidence;
  a.beat_count = stats_.beats;
  return a;
}

std::string Engine::status_line() const {
  const Impl& m = *impl_;
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - m.started).count();
  char buf[400];
  std::snprintf(
      buf, sizeof buf,
      "%6.1f s | out %lld ticks (%.1f/s) underruns %lld missed %lld | gen %lld chunks, %.1f ms last, "
      "%.1f ms max, %lld late | tempo %.1f conf %.2f beats %lld | cues %lld of %lld | audio lost %lld, "
      "device lost %lld, gaps %lld",
      t, (long long)stats_.ticks.load(), t > 0 ? double(stats_.ticks.load()) / t : 0.0,
      (long long)stats_.underruns.load(), (long long)stats_.missed_ticks.load(),
      (long long)stats_.chunks.load(), stats_.chunk_ms_last.load(), stats_.chunk_ms_max.load(),
      (long long)stats_.late_chunks.load(), double(m.tempo.load()), double(m.confidence.load()),
      (long long)stats_.beats.load(), (long long)stats_.cues_started.load(),
      (long long)stats_.cues_requested.load(), (long long)stats_.audio_frames_lost.load(),
      (long long)stats_.audio_device_lost.load(), (long long)stats_.audio_gaps.load());
  return buf;
}

}  // namespace e2m::live
