// `e2m eval` for music2dance (DESIGN.md 6): the real validation dances, the baselines and the model,
// scored on the same songs with the same windows; plus checks of the data itself (audio-motion
// alignment over offsets, songs heard in both splits) and a genre classifier.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eval/fid.h"
#include "eval/learned.h"
#include "eval/motion_quality.h"
#include "model/inference.h"
#include "train/data.h"

namespace e2m::eval {

struct MusicEvalOptions {
  double window_s = 10;   // FID / BAS / genre windows
  double hop_s = 5;       // window step (windows overlap by half)
  double max_clip_s = 0;  // per validation song, 0 = all of it
  int bootstrap = 200;    // FID bootstrap resamples
  uint64_t seed = 1;
  double offset_range_s = 0.5;  // the real data's BAS is swept over audio offsets +-range
  double sweep_s = 10;          // genre sweep: seconds danced per (song, genre)
  int chunk_frames = 8;         // seam grid for rows without a model (the model's own otherwise)
  JudgeOptions classifier{.steps = 1500, .batch = 32, .min_frames = 120, .max_frames = 120};
  std::filesystem::path classifier_file;  // reused when it was trained on the same data, else written
  bool retrain = false;
};

// One row of the music table: a set of dances set against the validation songs.
struct MusicRow {
  std::string name, note;
  int dances = 0, windows = 0;
  double bas = 0, bas_reverse = 0;  // Bailando's BAS and mint's reverse score, means over windows
  Interval fid_k, fid_g;            // against the training windows (bootstrap 95% intervals)
  double fid_k_reference_bug = 0;   // FID_k with the reference code's energy expenditure
  double div_k = 0, div_g = 0;
  double foot_skating = 0, jerk = 0, bone_drift = 0;
  double seam_p99 = 0, seam_median = 0;
  double genre_accuracy = -1;  // windows the genre classifier assigns the genre asked for; -1: none
};

struct SongMatch {  // the training song most like a validation song's audio
  std::string validation, train;
  double similarity = 0;  // mean per-frame cosine of standardised MFCC + chroma at the best lag
  double lag_s = 0;       // where the validation clip's audio starts in the training clip's
};

struct ClipOffset {  // one real dance's BAS over audio offsets
  std::string clip, genre;
  double bas_at_zero = 0, best_offset_s = 0, best_bas = 0;
  double beat_period_s = 0;  // the beat clock's median period: offsets one period apart look alike
};

struct GenreCheck {
  std::vector<std::string> genres;      // the classifier's labels
  std::vector<double> real_accuracy;    // per genre, on real held-out windows (-1: none)
  std::vector<std::vector<int>> sweep;  // asked genre x predicted genre counts (model only)
  std::string holdout_note;             // how genres without a validation clip were held out
};

struct MusicReport {
  std::string dataset;
  std::vector<std::string> train_clips, validation_clips;
  int window_frames = 0, hop_frames = 0, reference_windows = 0;
  std::vector<MusicRow> rows;
  std::vector<double> offsets_s, bas_offset_all, bas_offset_validation, reverse_offset_all;
  std::map<std::string, std::vector<double>> bas_offset_by_genre;  // all clips of each genre
  std::vector<ClipOffset> clip_offsets;
  FootFloor floor;
  GenreCheck genre;
  std::vector<SongMatch> song_matches;
  bool has_model = false;
  motion::Clip sample_dance;  // the model's first validation dance (or a real one), for the picture
};

// model: nullptr evaluates the real data and its baselines only.
MusicReport evaluate_music(const train::TrainingData& data, model::MusicToDance* model,
                           const MusicEvalOptions& opt, const StageProgress& progress = {});

// Mean BAS of whole clips when their music beats are moved by each offset (seconds, + = later).
std::vector<double> bas_over_offsets(const std::vector<Positions>& dances,
                                     const std::vector<std::vector<double>>& music_beats,
                                     const std::vector<double>& offsets_s, double fps, bool reverse = false);

// For each validation clip, the training clip whose audio features match best at any lag (>= 20 s of
// overlap), features at 10 fps.
std::vector<SongMatch> match_songs(const train::TrainingData& data, double fps);

}  // namespace e2m::eval
