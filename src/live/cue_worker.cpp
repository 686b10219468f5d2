// Cue worker: a queue of cue texts, text2motion on its own thread, ready clips handed to the mixer.
#include "live/cue_worker.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "model/text_tokenizer.h"

namespace e2m::live {

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours
// ("bwo" -> "bow" is one edit, the commonest typing slip).
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c)))
      out.back() += char(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.back().empty())
      out.emplace_back();
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

}  // namespace

std::vector<Suggestion> suggest_words(const std::string& text, const std::vector<std::string>& known) {
  std::vector<Suggestion> out;
  if (known.empty()) return out;
  for (const auto& w : words_of(text)) {
    if (std::find(known.begin(), known.end(), w) != known.end()) continue;
    const auto nearest = std::min_element(known.begin(), known.end(), [&](const auto& a, const auto& b) {
      return edit_distance(w, a) < edit_distance(w, b);
    });
    // Only a close word is a useful suggestion (a typo: "wavve" -> "wave").
    if (edit_distance(w, *nearest) <= std::max<size_t>(1, w.size() / 3))
      out.push_back({w, *nearest});
    else
      out.push_back({w, ""});
  }
  return out;
}

CueWorker::CueWorker(model::TextToMotion& model, int frames, std::function<void(const std::string&)> log)
    : model_(model),
      frames_(std::clamp(frames, 1, model.meta().config.text.max_frames)),
      log_(std::move(log)) {
  if (model.meta().config.text.encoder == "own" && !model.meta().text_vocab.is_null())
    known_words_ = model::TextTokenizer::from_json(model.meta().text_vocab).words();
  thread_ = std::thread([this] { run(); });
}

CueWorker::~CueWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CueWorker::request(CueRequest req) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(std::move(req));
  }
  wake_.notify_one();
}

std::unique_ptr<CueClip> CueWorker::take_ready() {
  std::unique_ptr<CueClip> clip;
  ready_.try_dequeue(clip);
  return clip;
}

std::unique_ptr<CueClip> CueWorker::make(const CueRequest& req) {
  for (const auto& s : suggest_words(req.text, known_words_)) {
    if (!log_) break;
    log_("cue \"" + req.text + "\": the text model does not know \"" + s.word + "\"" +
         (s.nearest.empty() ? std::string(" (no close word it knows)")
                            : "; did you mean \"" + s.nearest + "\"?"));
  }
  const auto t0 = std::chrono::steady_clock::now();
  const motion::Clip clip = model_.generate(req.text, frames_);
  last_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  auto out = std::make_unique<CueClip>();
  out->text = req.text;
  out->mask = req.mask;
  out->replace = req.replace;
  out->frames.resize(size_t(clip.frames()));
  for (int t = 0; t < clip.frames(); ++t) {
    out->frames[size_t(t)].root = clip.root[size_t(t)];
    for (int j = 0; j < motion::kNumJoints; ++j) out->frames[size_t(t)].rot[size_t(j)] = clip.q(t, j);
  }
  return out;
}

void CueWorker::run() {
  for (;;) {
    CueRequest req;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !requests_.empty(); });
      if (stop_) return;
      req = std::move(requests_.front());
      requests_.pop_front();
    }
    try {
      auto clip = make(req);
      if (ready_.try_enqueue(std::move(clip)))
        ++generated_;
      else
        ++failed_;
    } catch (const std::exception& e) {
      ++failed_;
      if (log_) log_("cue \"" + req.text + "\" failed: " + e.what());
    }
  }
}

}  // namespace e2m::live
