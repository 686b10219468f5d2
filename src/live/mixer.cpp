// Mixer: cue queueing, root re-anchoring, fades and per-bone masks over the dance stream.
#include "live/mixer.h"

#include <algorithm>

namespace e2m::live {

Mixer::Mixer(int blend_frames) : blend_frames_(std::max(1, blend_frames)) {}

void Mixer::add(std::unique_ptr<CueClip> cue) {
  if (!cue || cue->frames.empty()) return;
  if (cue->replace) {
    queue_.clear();
    queue_.push_front(std::move(cue));
    if (current_) cancel_current_keep_queue();
    return;
  }
  queue_.push_back(std::move(cue));
}

void Mixer::cancel_current_keep_queue() {
  if (!current_ || fade_out_from_ >= 0) return;
  fade_start_weight_ = cue_weight();
  fade_out_from_ = pos_;
}

void Mixer::cancel() {
  queue_.clear();
  cancel_current_keep_queue();
}

void Mixer::set_intensity(double intensity, const motion::PoseFrame& neutral) {
  intensity_ = std::clamp(intensity, 0.0, 1.0);
  neutral_ = neutral;
}

const std::string& Mixer::current_text() const {
  static const std::string kNone;
  return current_ ? current_->text : kNone;
}

double Mixer::cue_weight() const {
  if (!current_) return 0;
  const int n = int(current_->frames.size());
  const int b = std::min(blend_frames_, std::max(1, n / 2));
  double w = std::min({1.0, double(pos_ + 1) / b, double(n - pos_) / b});
  if (fade_out_from_ >= 0) w = std::min(w, fade_start_weight_ * (1.0 - double(pos_ - fade_out_from_) / b));
  return std::clamp(w, 0.0, 1.0);
}

void Mixer::start_next(const motion::PoseFrame& last_played) {
  current_.reset();
  fade_out_from_ = -1;
  pos_ = 0;
  if (queue_.empty()) return;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  // The clip starts where the character stands, facing where it faces.
  anchor_ = motion::make_root_anchor(current_->frames.front(), motion::placement_of(last_played));
  ++started_;
}

motion::PoseFrame Mixer::mix(const motion::PoseFrame& dance, const motion::PoseFrame& last_played) {
  motion::PoseFrame out = dance;
  if (intensity_ < 1.0) {
    // Joints below the pelvis move less; the root path and the pelvis stay the dance's.
    motion::PoseFrame calm = neutral_;
    calm.root = dance.root;
    calm.rot[0] = dance.rot[0];
    motion::blend(calm, dance, intensity_, out);
  }
  if (!current_ && !queue_.empty()) start_next(last_played);
  if (!current_) return out;
  const bool faded = fade_out_from_ >= 0 && pos_ - fade_out_from_ >= blend_frames_;
  if (pos_ >= int(current_->frames.size()) || faded) {
    ++finished_;
    start_next(last_played);
    if (!current_) return out;
  }
  motion::PoseFrame cue;
  motion::apply_root_anchor(anchor_, current_->frames[size_t(pos_)], cue);
  motion::blend_masked(out, cue, cue_weight(), current_->mask, out);
  ++pos_;
  return out;
}

}  // namespace e2m::live
