// Dataset importers: each turns one published dataset layout into canonical 30 fps clips with
// labels, captions and audio references. A bad clip is rejected with a reason, never fatal.
#pragma once
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/dataset_cache.h"
#include "motion/clip.h"

namespace e2m::io {

inline constexpr double kDatasetFps = 30.0;

struct ImportOptions {
  // Called before each item (file or folder) with its index, the total and its name.
  std::function<void(int done, int total, const std::string& item)> progress;
  int validation_percent = 10;     // hash split where the dataset has no split lists
  int max_items = 0;               // > 0: import only the first n items (sorted by name)
  std::filesystem::path name_map;  // BVH folders: joint name map file (empty = detect)
  std::filesystem::path labels;  // BVH folders: labels file (empty = labels.csv / labels.json in the folder)
  int captions_per_clip = 12;    // generated captions for label-only datasets
  // When set, each clip goes here as soon as it is made (a DatasetWriter writes it out) instead of
  // into ImportResult::dataset, so an import holds one item's clips at a time, whatever its size.
  std::function<void(motion::Clip&& clip, Split split)> on_clip;
};

struct Rejected {
  std::string item;  // the file or folder
  std::string reason;
};

// BVH imports: one joint mapping (explain_mapping text, io/rig_names.h) and the files that used it.
struct RigUse {
  std::string mapping;
  std::vector<std::string> files;  // relative to the imported folder
};

struct ImportResult {
  Dataset dataset;
  std::vector<Rejected> rejected;
  std::vector<std::string> warnings;  // imported, but something was odd
  std::vector<RigUse> rigs;           // BVH imports: each distinct mapping, in order of first use
};

// Bandai Namco Research Motiondataset: `folder` is a dataset-N folder or a parent holding several
// (dataset-1, dataset-2). Files `dataset-N_{content}_{style}_{id}.bvh`; label lists in dataset-N/cfg/.
ImportResult import_bandai(const std::filesystem::path& folder, const ImportOptions& opt = {});

// Tang et al. 2018: DANCE_<C|R|T|W>_<n>/ with audio.mp3|audio.ogg, skeletons.json[.gz], config.json.
ImportResult import_tang(const std::filesystem::path& folder, const ImportOptions& opt = {});

// HumanML3D (and KIT-ML layouts with 22-joint positions): new_joints/<id>.npy or the flat sample
// names new_joints_<id>.npy (vectors new_joint_vecs/<id>.npy when positions are absent), texts/,
// split lists train.txt / val.txt / test.txt.
ImportResult import_humanml3d(const std::filesystem::path& folder, const ImportOptions& opt = {});

// AIST++ after training/aist_pkl_to_npy.py: <sequence>.npy files of shape (N, 75) = 72 SMPL
// axis-angle values + root translation in metres, 60 fps.
ImportResult import_aist(const std::filesystem::path& folder, const ImportOptions& opt = {});

// Any folder of BVH files, or one .bvh file, of any humanoid rigs (mixed rigs are fine; each file
// is recognised on its own, see io/rig_names.h, unless opt.name_map is given), with a labels file
// (labels.csv: file,content,style,caption|caption...; or labels.json: {"file.bvh": {"content":
// ..., "style": ..., "captions": [...]}}). A single file needs none: without an entry in a labels
// file beside it, its content label comes from the file name ("Walk_Happy_01.bvh" -> "walk-happy").
// A file that is no humanoid is rejected with the reason.
ImportResult import_bvh_folder(const std::filesystem::path& path, const ImportOptions& opt = {});

// "bandai", "tang", "humanml3d", "aist" or "bvh" from the folder's contents ("bvh" for a single
// .bvh file); "" when unknown.
std::string detect_dataset_kind(const std::filesystem::path& path);
// `path` is a folder, or for kind "bvh" a folder or a .bvh file.
ImportResult import_dataset(const std::string& kind, const std::filesystem::path& path,
                            const ImportOptions& opt = {});

// Thrown out of an import by keep_clip when opt.on_clip fails (the cache cannot be written): unlike a
// bad item, which the importers reject and go on from, it ends the import.
class ImportAborted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Hands an imported clip to opt.on_clip (its failures become ImportAborted), or keeps it in
// res.dataset.
void keep_clip(ImportResult& res, const ImportOptions& opt, motion::Clip&& clip, Split split);

// Shared last step: resample to 30 fps, put the feet on the floor. Throws e2m::Error if the clip
// is empty or holds non-finite values.
void finish_clip(motion::Clip& clip);

// AIST++ file names: "gBR_sBM_cAll_d04_mBR0_ch01" -> genre "break", music "mBR0".
std::string aist_genre(const std::string& sequence_name);
std::string aist_music(const std::string& sequence_name);

}  // namespace e2m::io
