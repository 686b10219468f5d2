// The mixer: the dance stream plus cue clips. A cue is re-anchored to where the character stands and
// faces, faded in over a few frames (per-bone masked for upper-body cues), played, and faded back
// into the dance; cues queue, replace each other or are cancelled. Runs on the generator thread at
// the model's frame rate; the frames it returns are what is played and what the dance continues from.
#pragma once
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "motion/pose.h"

namespace e2m::live {

struct CueClip {
  std::string text;
  std::vector<motion::PoseFrame> frames;  // model frame rate, as text2motion made them
  motion::JointWeights mask = motion::kMaskFull;
  bool replace = false;  // start now (fading from the current cue) instead of after the queue
};

class Mixer {
 public:
  // blend_frames: length of the fade in and out (model frames, default 8 = 0.27 s at 30 fps).
  explicit Mixer(int blend_frames = 8);

  void add(std::unique_ptr<CueClip> cue);  // queue, or replace when cue->replace
  void cancel();                           // fade the current cue out, drop the queue
  // intensity in [0, 1]: 1 plays the dance as generated, 0 holds the neutral pose's joints.
  void set_intensity(double intensity, const motion::PoseFrame& neutral);

  // One model frame: the dance frame in, the frame to play out. last_played anchors a starting cue.
  motion::PoseFrame mix(const motion::PoseFrame& dance, const motion::PoseFrame& last_played);

  double intensity() const { return intensity_; }
  bool playing() const { return current_ != nullptr; }
  const std::string& current_text() const;
  int queued() const { return int(queue_.size()); }
  long cues_started() const { return started_; }
  long cues_finished() const { return finished_; }

 private:
  void start_next(const motion::PoseFrame& last_played);
  void cancel_current_keep_queue();
  double cue_weight() const;

  int blend_frames_;
  std::unique_ptr<CueClip> current_;
  std::deque<std::unique_ptr<CueClip>> queue_;
  motion::RootAnchor anchor_;
  int pos_ = 0;             // frame of the current cue
  int fade_out_from_ = -1;  // frame at which a cancel started fading (-1: none)
  double fade_start_weight_ = 1;
  double intensity_ = 1;
  motion::PoseFrame neutral_{};
  long started_ = 0, finished_ = 0;
};

}  // namespace e2m::live
