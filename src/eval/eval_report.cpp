// Markdown, JSON and plots of an `e2m eval` run; see eval_report.h.
#include "eval/eval_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "eval/plots.h"
#include "motion/error.h"

namespace e2m::eval {
namespace {

std::string num(double v, int digits = 3) {
  if (!std::isfinite(v)) return "n/a";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string pct(double v) { return v < 0 ? "n/a" : num(100 * v, 1) + "%"; }

std::string interval(const Interval& i, int digits = 2) {
  return num(i.value, digits) + " [" + num(i.lo, digits) + ", " + num(i.hi, digits) + "]";
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

const MusicRow* find_row(const MusicReport& r, const std::string& name) {
  for (const auto& row : r.rows)
    if (row.name == name) return &row;
  return nullptr;
}

// ---- music ----

size_t zero_offset(const std::vector<double>& offsets) {
  return static_cast<size_t>(std::min_element(offsets.begin(), offsets.end(),
                                              [](double a, double b) { return std::abs(a) < std::abs(b); }) -
                             offsets.begin());
}

// "0.124 at 0 s, highest 0.140 at -0.200 s" for one curve over the offsets.
std::string curve_summary(const std::vector<double>& curve, const std::vector<double>& offsets) {
  const size_t best = static_cast<size_t>(std::max_element(curve.begin(), curve.end()) - curve.begin());
  return num(curve[zero_offset(offsets)]) + " at 0 s, highest " + num(curve[best]) + " at " +
         num(offsets[best], 3) + " s";
}

std::string offsets_section(const MusicReport& r) {
  if (r.bas_offset_all.empty()) return "";
  std::ostringstream md;
  md << "Beat alignment of every real dance (" << r.clip_offsets.size()
     << " clips) with its music beats moved by an offset (+ = later): BAS "
     << curve_summary(r.bas_offset_all, r.offsets_s) << "; validation clips "
     << curve_summary(r.bas_offset_validation, r.offsets_s);
  for (const auto& [genre, curve] : r.bas_offset_by_genre)
    md << "; " << genre << " " << curve_summary(curve, r.offsets_s);
  md << ". A peak far from 0 would mean the audio and motion are misaligned and no generated BAS could be "
        "trusted.\n\n![BAS over audio offsets](bas_offsets.png)\n\nPer clip (offsets a beat period apart "
        "look "
        "alike):\n\n| clip | genre | BAS at 0 s | best offset (s) | BAS there | beat period (s) |\n"
        "|---|---|---|---|---|---|\n";
  for (const auto& c : r.clip_offsets)
    md << "| " << c.clip << " | " << c.genre << " | " << num(c.bas_at_zero) << " | "
       << num(c.best_offset_s, 3) << " | " << num(c.best_bas) << " | " << num(c.beat_period_s, 3) << " |\n";
  md << "\n";
  return md.str();
}

std::string songs_section(const MusicReport& r) {
  if (r.song_matches.empty()) return "";
  std::ostringstream md;
  md << "Songs heard in both splits: for each validation clip the training clip whose audio matches best "
        "(mean "
        "per-frame cosine of standardised MFCC 1-19 and chroma at 10 fps, best lag, >= 20 s overlap; the "
        "same "
        "recording scores near 1):\n\n| validation clip | nearest training clip | similarity | lag (s) |\n"
        "|---|---|---|---|\n";
  for (const auto& m : r.song_matches)
    md << "| " << m.validation << " | " << m.train << " | " << num(m.similarity) << " | " << num(m.lag_s, 1)
       << " |\n";
  md << "\n";
  return md.str();
}

std::string music_checks(const MusicReport& r) {
  return "### Data checks\n\n" + offsets_section(r) + songs_section(r);
}

std::string music_table(const MusicReport& r) {
  std::ostringstream md;
  md << "| row | dances | windows | BAS | BAS reverse | FID_k [95%] | FID_g [95%] | FID_k (ref. bug) | Div_k "
        "| Div_g "
        "| foot skating | jerk (m/s^3) | bone drift | seam p99 | seam median | genre as asked |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : r.rows)
    md << "| " << row.name << " | " << row.dances << " | " << row.windows << " | " << num(row.bas) << " | "
       << num(row.bas_reverse) << " | " << interval(row.fid_k) << " | " << interval(row.fid_g) << " | "
       << num(row.fid_k_reference_bug, 2) << " | " << num(row.div_k, 2) << " | " << num(row.div_g, 2) << " | "
       << pct(row.foot_skating) << " | " << num(row.jerk, 1) << " | " << num(row.bone_drift, 4) << " | "
       << num(row.seam_p99, 2) << " | " << num(row.seam_median, 2) << " | " << pct(row.genre_accuracy)
       << " |\n";
  md << "\nRows: ";
  for (const auto& row : r.rows) md << "*" << row.name << "*: " << row.note << ". ";
  md << "\n\nEvery row is set against the validation songs (BAS uses the beats of the song the real dance "
        "was "
        "recorded to, whatever the row heard). FID_k / FID_g: against the "
     << r.reference_windows
     << " training windows, both sets standardised by the training windows' mean and std, each covariance "
        "shrunk "
        "towards a scaled identity by the Ledoit-Wolf weight; 95% intervals from a bootstrap over both sets "
        "(the "
        "resamples' 2.5-97.5 percentile spread around their median, placed around the full-set value). FID_k "
        "uses the true energy expenditure (acceleration magnitude); the *ref. bug* column "
        "uses the reference code's p[i] - p[i-1]/dt. Foot skating: frames where a foot joint within 5 cm of "
        "its "
        "standing height (from the real training data: ";
  for (size_t k = 0; k < r.floor.height.size(); ++k)
    md << (k ? ", " : "") << num(r.floor.height[k], 3) << " m";
  md << " for the left/right ankle, left/right toes) moves faster than 0.75 m/s horizontally. Bone drift: "
        "the "
        "largest relative bone-length error in the positions the network output (before decoding through "
        "rotations). Seams: RMS joint speed across each chunk boundary over the mean speed inside the two "
        "chunks "
        "beside it.\n\n![music scores](music_scores.png)\n\n";
  return md.str();
}

std::string music_targets(const MusicReport& r) {
  const MusicRow* real = find_row(r, "real validation dances");
  const MusicRow* model = find_row(r, "model");
  const MusicRow* zeroed = find_row(r, "model, music zeroed");
  const MusicRow* mism = find_row(r, "model, mismatched music");
  if (!real || !model || !zeroed || !mism) return "";
  std::ostringstream md;
  auto yes = [](bool b) { return b ? "yes" : "no"; };
  md << "### Targets\n\n| target | model | against | met |\n|---|---|---|---|\n";
  md << "| Beat Align Score vs the real dances on the same songs | " << num(model->bas) << " | real "
     << num(real->bas) << " | " << yes(model->bas >= real->bas) << " |\n";
  md << "| FID_k below the music-zeroed and mismatched-music model | " << num(model->fid_k.value, 2) << " | "
     << num(zeroed->fid_k.value, 2) << " / " << num(mism->fid_k.value, 2) << " | "
     << yes(model->fid_k.value < zeroed->fid_k.value && model->fid_k.value < mism->fid_k.value) << " |\n";
  md << "| FID_g below the music-zeroed and mismatched-music model | " << num(model->fid_g.value, 2) << " | "
     << num(zeroed->fid_g.value, 2) << " / " << num(mism->fid_g.value, 2) << " | "
     << yes(model->fid_g.value < zeroed->fid_g.value && model->fid_g.value < mism->fid_g.value) << " |\n";
  md << "| foot skating at most 1.5x the real data's | " << pct(model->foot_skating) << " | "
     << pct(1.5 * real->foot_skating) << " | " << yes(model->foot_skating <= 1.5 * real->foot_skating)
     << " |\n";
  md << "| seam ratio p99 (real dances on the same chunk grid) | " << num(model->seam_p99, 2) << " | "
     << num(real->seam_p99, 2) << " | " << yes(model->seam_p99 <= real->seam_p99) << " |\n";
  int hits = 0, total = 0;
  for (size_t a = 0; a < r.genre.sweep.size(); ++a)
    for (size_t p = 0; p < r.genre.sweep[a].size(); ++p) (a == p ? hits : total) += r.genre.sweep[a][p];
  total += hits;
  md << "| generated dances classified as the genre asked for (all genres x validation songs) | "
     << (total ? pct(double(hits) / total) : "n/a") << " | real held-out windows "
     << pct(real->genre_accuracy) << " | - |\n\n";
  return md.str();
}

std::string genre_section(const MusicReport& r) {
  std::ostringstream md;
  md << "### Genre classifier\n\nA small conv classifier on 4 s windows of the real training dances (269-d "
        "features without the contact columns), applied to 10 s windows. Accuracy on real held-out windows: ";
  for (size_t k = 0; k < r.genre.genres.size(); ++k)
    md << (k ? ", " : "") << r.genre.genres[k] << " " << pct(r.genre.real_accuracy[k]);
  md << ".";
  if (!r.genre.holdout_note.empty()) md << " Held out: " << r.genre.holdout_note << ".";
  md << "\n\n";
  if (!r.genre.sweep.empty()) {
    md << "Genre sweep (first seconds of each validation song danced as each genre; rows: asked, columns: "
          "classified):\n\n| asked |";
    for (const auto& g : r.genre.genres) md << " " << g << " |";
    md << "\n|---|";
    for (size_t k = 0; k < r.genre.genres.size(); ++k) md << "---|";
    md << "\n";
    for (size_t a = 0; a < r.genre.sweep.size(); ++a) {
      md << "| " << r.genre.genres[a] << " |";
      for (int c : r.genre.sweep[a]) md << " " << c << " |";
      md << "\n";
    }
    md << "\n";
  }
  return md.str();
}

// ---- text ----

std::string text_table(const TextReport& r) {
  std::ostringstream md;
  md << "| row | motions | R-precision top-1 | top-2 | top-3 | MM-Dist | FID [95%] | Diversity | "
        "MultiModality "
        "| content accuracy | style accuracy |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : r.rows)
    md << "| " << row.name << " | " << row.motions << " | " << num(row.retrieval.r_precision[0]) << " | "
       << num(row.retrieval.r_precision[1]) << " | " << num(row.retrieval.r_precision[2]) << " | "
       << num(row.retrieval.mm_dist) << " | " << interval(row.fid, 3) << " | " << num(row.diversity) << " | "
       << (row.multimodality < 0 ? "-" : num(row.multimodality)) << " | " << pct(row.content_accuracy)
       << " | " << pct(row.style_accuracy) << " |\n";
  if (r.pool_size > 0)
    md << "| chance (random ranking) | - | " << num(1.0 / r.pool_size) << " | " << num(2.0 / r.pool_size)
       << " | " << num(3.0 / r.pool_size) << " | - | - | - | - | - | - |\n";
  md << "\n";
  return md.str();
}

std::string text_notes(const TextReport& r) {
  std::ostringstream md;
  md << "Evaluator: a conv motion encoder (269-d features without the 4 contact columns) and a subword text "
        "encoder, trained on the training clips with a **contrastive loss** (symmetric InfoNCE, temperature "
        "0.1; "
        "clips of the same (content, style) pair are not used as each other's negatives); embeddings are "
        "unit "
        "length, so MM-Dist lies in [0, 2]. R-precision: pools of **"
     << r.pool_size << "** validation motions, each of a distinct (content, style) pair (" << r.distinct_pairs
     << " pairs in the validation split; " << r.pools
     << " random pools), each caption ranking the pool's motions. FID: evaluator embeddings against the "
        "training "
        "clips' (Ledoit-Wolf shrunk covariances, bootstrap 95% interval). Motions are judged from their "
        "first "
        "frame, at most "
     << r.frames << " frames. Classifier: the same encoder with content and style heads.";
  if (r.has_model)
    md << " MultiModality: "
       << (r.sample_noise > 0 ? "the model samples with noise " + num(r.sample_noise, 2)
                              : std::string("zero by construction: this model's sampling "
                                            "noise is 0, so every seed gives the same motion"))
       << ".";
  if (!r.unseen_contents.empty() || !r.unseen_styles.empty())
    md << " Validation labels with no training clip (neither the classifier nor a model trained on this "
          "split "
          "has seen them): "
       << join(r.unseen_contents) << (r.unseen_contents.empty() || r.unseen_styles.empty() ? "" : "; ")
       << join(r.unseen_styles) << ".";
  md << "\n\n![text scores](text_scores.png)\n\n";
  return md.str();
}

std::string text_targets(const TextReport& r) {
  if (r.rows.size() < 2 || r.cues.empty()) return "";
  const TextRow& real = r.rows.front();
  const TextRow& model = r.rows.back();
  std::ostringstream md;
  md << "### Targets\n\n| target | model | real data |\n|---|---|---|\n"
     << "| content accuracy (classifier) | " << pct(model.content_accuracy) << " | "
     << pct(real.content_accuracy) << " |\n| style accuracy (classifier) | " << pct(model.style_accuracy)
     << " | " << pct(real.style_accuracy) << " |\n| R-precision top-3 | "
     << num(model.retrieval.r_precision[2]) << " | " << num(real.retrieval.r_precision[2]) << " |\n\n";
  md << "### Cue check\n\nEach cue generated with " << r.cues.front().samples
     << " seeds and labelled by the content classifier"
     << (r.sample_noise > 0 ? "" : " (sampling noise is 0 in this model: the seeds give identical motion)")
     << ".\n\n| cue | intended content | as intended | classified as |\n|---|---|---|---|\n";
  for (const auto& c : r.cues) {
    std::vector<std::string> got;
    for (const auto& [label, n] : c.predicted) got.push_back(label + " " + std::to_string(n));
    md << "| " << c.cue << " | " << join(c.intended, " / ") << " | " << c.hits << "/" << c.samples << " | "
       << join(got) << " |\n";
  }
  md << "\n![cue check](text_cues.png)\n\n";
  return md.str();
}

}  // namespace

std::string music_markdown(const MusicReport& r, const EvalReport& meta) {
  std::ostringstream md;
  md << "## Music2dance\n\nData: " << meta.music_data << " (" << r.train_clips.size() << " training clips, "
     << r.validation_clips.size() << " validation clips: " << join(r.validation_clips)
     << "). Model: " << (r.has_model ? meta.music_model : std::string("none (real data and baselines only)"))
     << ". Windows of " << num(r.window_frames / 30.0, 1) << " s every " << num(r.hop_frames / 30.0, 1)
     << " s.\n\n";
  md << music_checks(r) << "### Scores\n\n" << music_table(r) << music_targets(r) << genre_section(r);
  md << "![a generated dance](dance.png)\n\n";
  return md.str();
}

std::string text_markdown(const TextReport& r, const EvalReport& meta) {
  std::ostringstream md;
  md << "## Text2motion\n\nData: " << meta.text_data << " (" << r.train_clips.size() << " training clips, "
     << r.validation_clips.size() << " validation clips). Model: "
     << (r.has_model ? meta.text_model : std::string("none (real data only)")) << ".\n\n"
     << text_table(r) << text_notes(r) << text_targets(r) << "![\"" << r.sample_caption
     << "\"](text_sample.png)\n\n";
  return md.str();
}

std::string report_markdown(const EvalReport& r) {
  std::string md = "# e2m eval\n\n";
  if (r.quick)
    md +=
        "**Quick run** (`--quick`): short songs, few resamples and briefly trained judges; a smoke "
        "test, not figures to quote.\n\n";
  if (r.music) md += music_markdown(*r.music, r);
  if (r.text) md += text_markdown(*r.text, r);
  return md;
}

namespace {

nlohmann::json interval_json(const Interval& i) {
  return {{"value", i.value}, {"lo", i.lo}, {"hi", i.hi}, {"resamples", i.resamples}};
}

nlohmann::json music_json(const MusicReport& r) {
  nlohmann::json clip_offsets = nlohmann::json::array();
  for (const auto& c : r.clip_offsets)
    clip_offsets.push_back({{"clip", c.clip},
                            {"genre", c.genre},
                            {"bas_at_zero", c.bas_at_zero},
                            {"best_offset_s", c.best_offset_s},
                            {"best_bas", c.best_bas},
                            {"beat_period_s", c.beat_period_s}});
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows)
    rows.push_back(
        {{"name", row.name},
         {"note", row.note},
         {"dances", row.dances},
         {"windows", row.windows},
         {"bas", row.bas},
         {"bas_reverse", row.bas_reverse},
         {"fid_k", interval_json(row.fid_k)},
         {"fid_g", interval_json(row.fid_g)},
         {"fid_k_reference_bug", row.fid_k_reference_bug},
         {"diversity_k", row.div_k},
         {"diversity_g", row.div_g},
         {"foot_skating", row.foot_skating},
         {"jerk", row.jerk},
         {"bone_drift", row.bone_drift},
         {"seam_p99", row.seam_p99},
         {"seam_median", row.seam_median},
         {"genre_accuracy", row.genre_accuracy < 0 ? nlohmann::json() : nlohmann::json(row.genre_accuracy)}});
  nlohmann::json matches = nlohmann::json::array();
  for (const auto& m : r.song_matches)
    matches.push_back(
        {{"validation", m.validation}, {"train", m.train}, {"similarity", m.similarity}, {"lag_s", m.lag_s}});
  return {{"train_clips", r.train_clips},
          {"validation_clips", r.validation_clips},
          {"window_s", r.window_frames / 30.0},
          {"hop_s", r.hop_frames / 30.0},
          {"reference_windows", r.reference_windows},
          {"rows", rows},
          {"offsets_s", r.offsets_s},
          {"bas_over_offsets", r.bas_offset_all},
          {"bas_over_offsets_validation", r.bas_offset_validation},
          {"reverse_over_offsets", r.reverse_offset_all},
          {"bas_over_offsets_by_genre", r.bas_offset_by_genre},
          {"clip_offsets", clip_offsets},
          {"foot_standing_height_m", r.floor.height},
          {"song_matches", matches},
          {"genre",
           {{"genres", r.genre.genres},
            {"real_accuracy", r.genre.real_accuracy},
            {"sweep_asked_by_classified", r.genre.sweep},
            {"holdout", r.genre.holdout_note}}}};
}

nlohmann::json text_json(const TextReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows)
    rows.push_back(
        {{"name", row.name},
         {"note", row.note},
         {"motions", row.motions},
         {"r_precision", row.retrieval.r_precision},
         {"mm_dist", row.retrieval.mm_dist},
         {"fid", interval_json(row.fid)},
         {"diversity", row.diversity},
         {"multimodality", row.multimodality < 0 ? nlohmann::json() : nlohmann::json(row.multimodality)},
         {"content_accuracy", row.content_accuracy},
         {"style_accuracy", row.style_accuracy}});
  nlohmann::json cues = nlohmann::json::array();
  for (const auto& c : r.cues)
    cues.push_back({{"cue", c.cue},
                    {"intended", c.intended},
                    {"hits", c.hits},
                    {"samples", c.samples},
                    {"classified", c.predicted}});
  return {{"train_clips", r.train_clips},
          {"validation_clips", r.validation_clips},
          {"distinct_pairs", r.distinct_pairs},
          {"pool_size", r.pool_size},
          {"pools", r.pools},
          {"frames", r.frames},
          {"evaluator_loss", "contrastive (symmetric InfoNCE)"},
          {"rows", rows},
          {"unseen_contents", r.unseen_contents},
          {"unseen_styles", r.unseen_styles},
          {"sample_noise", r.sample_noise},
          {"cues", cues}};
}

// Music plots: BAS over offsets; per-row BAS, FIDs (with intervals), foot skating (1.5x real marked), seams.
void music_plots(const MusicReport& r, const std::filesystem::path& dir,
                 std::vector<std::filesystem::path>& files) {
  PlotOptions po{"Beat Align Score of the real dances over audio offsets",
                 "offset of the music beats (s)",
                 "BAS",
                 760,
                 380,
                 true};
  std::vector<Series> series = {{"all clips", r.offsets_s, r.bas_offset_all, palette(0)},
                                {"validation clips", r.offsets_s, r.bas_offset_validation, palette(1)},
                                {"reverse (mint), all", r.offsets_s, r.reverse_offset_all, palette(2)}};
  for (const auto& [genre, curve] : r.bas_offset_by_genre)
    series.push_back({genre, r.offsets_s, curve, palette(static_cast<int>(series.size()))});
  write_png(line_plot(series, po), dir / "bas_offsets.png");
  files.push_back(dir / "bas_offsets.png");
  std::vector<Bar> bas, fk, fg, skate, seam;
  double real_skate = -1;
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    const Rgb c = palette(static_cast<int>(i));
    bas.push_back({row.name, row.bas, 0, 0, false, c});
    fk.push_back({row.name, row.fid_k.value, row.fid_k.lo, row.fid_k.hi, true, c});
    fg.push_back({row.name, row.fid_g.value, row.fid_g.lo, row.fid_g.hi, true, c});
    skate.push_back({row.name, 100 * row.foot_skating, 0, 0, false, c});
    seam.push_back({row.name, row.seam_p99, 0, 0, false, c});
    if (row.name == "real validation dances") real_skate = 150 * row.foot_skating;
  }
  write_png(stack({bar_chart(bas, "Beat Align Score (higher = beats closer to the music's)"),
                   bar_chart(fk, "FID_k with bootstrap 95% interval (lower = closer to real)"),
                   bar_chart(fg, "FID_g with bootstrap 95% interval"),
                   bar_chart(skate, "foot skating (% of frames)", real_skate, "1.5x real"),
                   bar_chart(seam, "seam ratio p99 (1 = no jump at chunk boundaries)")}),
            dir / "music_scores.png");
  files.push_back(dir / "music_scores.png");
  if (r.sample_dance.frames() > 0) {
    RenderOptions ro;
    ro.title = r.has_model ? "model dance" : "real dance";
    write_png(render_frames(
                  clip_frames(r.sample_dance, spread_frames(std::min(r.sample_dance.frames(), 300), 8)), ro),
              dir / "dance.png");
    files.push_back(dir / "dance.png");
  }
}

void text_plots(const TextReport& r, const std::filesystem::path& dir,
                std::vector<std::filesystem::path>& files) {
  std::vector<Bar> r3, content, style, fid;
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    const Rgb c = palette(static_cast<int>(i));
    r3.push_back({row.name, row.retrieval.r_precision[2], 0, 0, false, c});
    content.push_back({row.name, 100 * row.content_accuracy, 0, 0, false, c});
    style.push_back({row.name, 100 * row.style_accuracy, 0, 0, false, c});
    fid.push_back({row.name, row.fid.value, row.fid.lo, row.fid.hi, true, c});
  }
  write_png(stack({bar_chart(r3, "R-precision top-3", r.pool_size > 0 ? 3.0 / r.pool_size : -1, "chance"),
                   bar_chart(content, "content accuracy (%)"), bar_chart(style, "style accuracy (%)"),
                   bar_chart(fid, "FID of evaluator embeddings with bootstrap 95% interval")}),
            dir / "text_scores.png");
  files.push_back(dir / "text_scores.png");
  if (!r.cues.empty()) {
    std::vector<Bar> cues;
    for (const auto& c : r.cues)
      cues.push_back({c.cue, static_cast<double>(c.hits), 0, 0, false, palette(0)});
    write_png(bar_chart(cues, "cue check: samples classified as the intended content", r.cues.front().samples,
                        "all " + std::to_string(r.cues.front().samples)),
              dir / "text_cues.png");
    files.push_back(dir / "text_cues.png");
  }
  if (r.sample.frames() > 0) {
    RenderOptions ro;
    ro.title = r.sample_caption;
    write_png(render_frames(clip_frames(r.sample, spread_frames(r.sample.frames(), 6)), ro),
              dir / "text_sample.png");
    files.push_back(dir / "text_sample.png");
  }
}

}  // namespace

nlohmann::json report_json(const EvalReport& r) {
  nlohmann::json j = {{"quick", r.quick}};
  if (r.music) {
    j["music"] = music_json(*r.music);
    j["music"]["model"] = r.music_model;
    j["music"]["data"] = r.music_data;
  }
  if (r.text) {
    j["text"] = text_json(*r.text);
    j["text"]["model"] = r.text_model;
    j["text"]["data"] = r.text_data;
  }
  return j;
}

std::vector<std::filesystem::path> write_report(const EvalReport& r, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> files;
  auto write_text = [&](const std::filesystem::path& p, const std::string& s) {
    std::ofstream out(p);
    out << s;
    if (!out) throw Error(p.string() + ": cannot write the report");
    files.push_back(p);
  };
  write_text(dir / "report.md", report_markdown(r));
  write_text(dir / "report.json", report_json(r).dump(2) + "\n");
  if (r.music) music_plots(*r.music, dir, files);
  if (r.text) text_plots(*r.text, dir, files);
  return files;
}

}  // namespace e2m::eval
