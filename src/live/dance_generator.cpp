// Live music2dance: audio window, played history, chunk decoding with the root carried.
#include "live/dance_generator.h"

#include <algorithm>
#include <cstring>

#include "motion/error.h"

namespace e2m::live {

namespace {
constexpr int kAudioDim = audio::kAudioFeatureDim;
constexpr int kMotionDim = motion::kFeatureDim;
}  // namespace

DanceGenerator::DanceGenerator(model::MusicToDance& model, const std::string& genre) : model_(&model) {
  if (!model.loaded()) throw Error("live dance: no music2dance model loaded");
  set_genre(genre);
  audio_.assign(size_t(model.audio_window()) * kAudioDim, 0.0f);
  history_.assign(size_t(model.motion_window()) + 1, start_pose(model));
  size_buffers();
}

void DanceGenerator::size_buffers() {
  history_rows_.assign(size_t(model_->motion_window()) * kMotionDim, 0.0f);
  chunk_rows_.assign(size_t(model_->chunk_frames()) * kMotionDim, 0.0f);
  scratch_.fps = model_->meta().config.fps;
  scratch_.resize(int(history_.size()));
}

namespace {

// Keeps the newest `size` items; a longer buffer is padded at the front with its oldest item.
template <class T>
void keep_newest(std::vector<T>& v, size_t size, size_t item) {
  if (v.size() >= size) {
    v.erase(v.begin(), v.end() - long(size));
    return;
  }
  const std::vector<T> oldest(v.begin(), v.begin() + long(item));
  while (v.size() < size) v.insert(v.begin(), oldest.begin(), oldest.end());
}

}  // namespace

void DanceGenerator::switch_model(model::MusicToDance& model) {
  if (!model.loaded()) throw Error("live dance: the new music2dance model is not loaded");
  if (model.chunk_frames() != chunk_frames())
    throw Error("its chunks are " + std::to_string(model.chunk_frames()) + " frames, the running model's " +
                std::to_string(chunk_frames()) + " (the playback delay would jump; restart to switch)");
  const auto& genres = model.genres();
  const std::string genre =
      std::find(genres.begin(), genres.end(), genre_) != genres.end() ? genre_ : genres.front();
  // Built aside and moved in (no throw): should an allocation fail, this generator is left as it was,
  // still on the running model.
  DanceGenerator next = *this;
  next.model_ = &model;
  next.genre_ = genre;
  keep_newest(next.audio_, size_t(model.audio_window()) * kAudioDim, kAudioDim);
  keep_newest(next.history_, size_t(model.motion_window()) + 1, 1);
  next.size_buffers();
  model.set_genre(genre);
  *this = std::move(next);
}

motion::PoseFrame DanceGenerator::start_pose(const model::MusicToDance& model) {
  const std::vector<float> row = model.start_features(1);
  motion::RootTrack track;
  motion::PoseFrame pose;
  motion::decode_feature_row(row.data(), model.meta().config.fps, track, pose);
  return pose;
}

void DanceGenerator::set_genre(const std::string& genre) {
  model_->set_genre(genre);
  genre_ = genre;
}

void DanceGenerator::push_audio(std::span<const float> row) {
  if (row.size() != size_t(kAudioDim))
    throw Error("live dance: an audio feature row holds " + std::to_string(row.size()) +
                " values, expected 39");
  if (audio_frames_ == 0) {
    for (size_t r = 0; r < audio_.size(); r += kAudioDim)
      std::copy(row.begin(), row.end(), audio_.begin() + long(r));
  } else {
    std::memmove(audio_.data(), audio_.data() + kAudioDim, sizeof(float) * (audio_.size() - kAudioDim));
    std::copy(row.begin(), row.end(), audio_.end() - kAudioDim);
  }
  ++audio_frames_;
}

void DanceGenerator::played(const motion::PoseFrame& frame) {
  std::rotate(history_.begin(), history_.begin() + 1, history_.end());
  history_.back() = frame;
}

void DanceGenerator::encode_history() {
  // Training encodes whole clips and cuts windows from them, so a window's first row has real
  // velocities: encode one frame more than the window and drop it.
  for (size_t t = 0; t < history_.size(); ++t) {
    scratch_.root[t] = history_[t].root;
    for (int j = 0; j < motion::kNumJoints; ++j) scratch_.q(int(t), j) = history_[t].rot[size_t(j)];
  }
  const std::vector<float> rows = motion::encode_features(scratch_);
  std::copy(rows.begin() + kMotionDim, rows.end(), history_rows_.begin());
}

void DanceGenerator::next_chunk(std::span<motion::PoseFrame> out) {
  if (out.size() != size_t(chunk_frames()))
    throw Error("live dance: chunk output holds " + std::to_string(out.size()) + " frames, expected " +
                std::to_string(chunk_frames()));
  encode_history();
  model_->next_chunk(audio_, history_rows_, chunk_rows_);
  motion::RootTrack track = motion::RootTrack::from_pose(history_.back());
  for (size_t k = 0; k < out.size(); ++k)
    motion::decode_feature_row(&chunk_rows_[k * kMotionDim], model_->meta().config.fps, track, out[k]);
}

}  // namespace e2m::live
