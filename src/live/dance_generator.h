// The live dance: causal music2dance chunk after chunk (DESIGN.md 4.3). It keeps the audio window
// and the history of what was actually played, encodes that history exactly as training encodes its
// windows, and decodes each chunk from the root placement of the last played frame.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "model/inference.h"
#include "motion/features.h"
#include "motion/pose.h"

namespace e2m::live {

class DanceGenerator {
 public:
  // model: loaded; it is used only from the thread that calls next_chunk(). Throws e2m::Error for
  // an unknown genre.
  DanceGenerator(model::MusicToDance& model, const std::string& genre);

  // One 39-d audio feature row (the newest frame). Before the first row, the window holds that first
  // row repeated, as training pads the audio before a clip's first frame.
  void push_audio(std::span<const float> row);
  long audio_frames() const { return audio_frames_; }

  // What was played (after cues and blends), one model frame at a time.
  void played(const motion::PoseFrame& frame);
  const motion::PoseFrame& last_played() const { return history_.back(); }

  // The next chunk_frames() poses after the newest audio frame, decoded from the last played pose.
  void next_chunk(std::span<motion::PoseFrame> out);
  int chunk_frames() const { return model_->chunk_frames(); }

  // Mid-show: the dance goes on from the same history.
  void set_genre(const std::string& genre);
  const std::string& genre() const { return genre_; }

  // Mid-show: another loaded model with the same chunk length (throws e2m::Error otherwise) takes
  // over from the same played history and audio window (cut or padded at the front to its own
  // windows, as training pads). It keeps the genre when it knows it, else takes its first.
  void switch_model(model::MusicToDance& model);
  const model::MusicToDance& model() const { return *model_; }

  // A standing pose from the model's own training data (its mean feature row, at rest): the first
  // motion history, never a T-pose.
  static motion::PoseFrame start_pose(const model::MusicToDance& model);

 private:
  void encode_history();

  void size_buffers();

  model::MusicToDance* model_;
  std::string genre_;
  std::vector<float> audio_;  // audio_window x 39, oldest first
  long audio_frames_ = 0;
  std::vector<motion::PoseFrame> history_;  // motion_window + 1 played frames, oldest first
  std::vector<float> history_rows_;         // motion_window x 269, encoded from history_
  std::vector<float> chunk_rows_;           // chunk_frames x 269
  motion::Clip scratch_;                    // history_ as a clip for the encoder
};

}  // namespace e2m::live
