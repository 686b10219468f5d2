// Text-to-motion for cues on a thread of its own, beside the dance (a cue never stalls it): typed,
// OSC or MIDI cue texts in, ready CueClips out for the mixer. Words the text model has never seen get
// the nearest word it knows suggested (the cue is still performed: the subword encoder copes).
#pragma once
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "live/mixer.h"
#include "model/inference.h"

namespace e2m::live {

struct CueRequest {
  std::string text;
  motion::JointWeights mask = motion::kMaskFull;
  bool replace = false;
};

// Words of `text` that are not in `known`, each with the nearest known word when one is close (edit
// distance at most a third of the word), else an empty `nearest`.
struct Suggestion {
  std::string word, nearest;
};
std::vector<Suggestion> suggest_words(const std::string& text, const std::vector<std::string>& known);

class CueWorker {
 public:
  // model: loaded text2motion; frames: length of each cue clip (clamped to the model's maximum).
  // log: called on the worker thread with one line per event (suggestions, errors).
  CueWorker(model::TextToMotion& model, int frames, std::function<void(const std::string&)> log = {});
  ~CueWorker();
  CueWorker(const CueWorker&) = delete;
  CueWorker& operator=(const CueWorker&) = delete;

  void request(CueRequest req);           // any thread
  std::unique_ptr<CueClip> take_ready();  // the mixer's thread; null when none is ready
  long generated() const { return generated_.load(); }
  long failed() const { return failed_.load(); }
  double last_ms() const { return last_ms_.load(); }

 private:
  void run();
  std::unique_ptr<CueClip> make(const CueRequest& req);

  model::TextToMotion& model_;
  int frames_;
  std::function<void(const std::string&)> log_;
  std::vector<std::string> known_words_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<CueRequest> requests_;
  bool stop_ = false;
  moodycamel::ReaderWriterQueue<std::unique_ptr<CueClip>> ready_{16};
  std::atomic<long> generated_{0}, failed_{0};
  std::atomic<double> last_ms_{0};
  std::thread thread_;
};

}  // namespace e2m::live
