// Bandai Namco Research Motiondataset importer: dataset-N_{content}_{style}_{id}.bvh files,
// retargeted onto the canonical skeleton, labels checked against dataset-N/cfg/, captions generated.
#include <algorithm>
#include <fstream>
#include <set>

#include "io/bvh.h"
#include "io/captions.h"
#include "io/importers.h"
#include "io/retarget_bvh.h"
#include "motion/error.h"

namespace e2m::io {

namespace fs = std::filesystem;

namespace {

// cfg/content_label.txt lines look like "dataset-1_walk": the labels without the prefix.
std::set<std::string> read_labels(const fs::path& path, const std::string& prefix) {
  std::set<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    if (line.empty()) continue;
    out.insert(line.starts_with(prefix) ? line.substr(prefix.size()) : line);
  }
  return out;
}

struct Labels {
  std::string dataset, content, style, id;
};

// "dataset-1_walk-back_not-confident_001" -> {dataset-1, walk-back, not-confident, 001}. Labels use
// '-' inside words and '_' between fields.
bool parse_name(const std::string& stem, Labels& l) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t end = stem.find('_', start);
    parts.push_back(stem.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (parts.size() != 4 || !parts[0].starts_with("dataset-")) return false;
  for (const auto& p : parts)
    if (p.empty()) return false;
  l = {parts[0], parts[1], parts[2], parts[3]};
  return true;
}

struct Source {
  fs::path file;
  std::set<std::string> contents, styles;  // from cfg/ (empty when cfg is absent)
};

}  // namespace

ImportResult import_bandai(const fs::path& folder, const ImportOptions& opt) {
  ImportResult res;
  res.dataset.name = "bandai";
  std::vector<fs::path> dirs;
  if (fs::exists(folder / "cfg") || folder.filename().string().starts_with("dataset-")) {
    dirs.push_back(folder);
  } else {
    for (const auto& e : fs::directory_iterator(folder))
      if (e.is_directory() && e.path().filename().string().starts_with("dataset-")) dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<Source> files;
  for (const auto& d : dirs) {
    const std::string prefix = d.filename().string() + "_";
    const auto contents = read_labels(d / "cfg" / "content_label.txt", prefix);
    const auto styles = read_labels(d / "cfg" / "style_label.txt", prefix);
    if (contents.empty() || styles.empty())
      res.warnings.push_back(d.string() +
                             ": no cfg/content_label.txt or cfg/style_label.txt; labels unchecked");
    for (const auto& l : contents)
      if (!has_content_phrases(l))
        res.warnings.push_back(d.string() + ": content '" + l + "' has no caption phrases");
    for (const auto& l : styles)
      if (!has_style_phrases(l))
        res.warnings.push_back(d.string() + ": style '" + l + "' has no caption phrases");
    std::vector<fs::path> bvhs;
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().extension() == ".bvh") bvhs.push_back(e.path());
    std::sort(bvhs.begin(), bvhs.end());
    for (auto& b : bvhs) files.push_back({b, contents, styles});
  }
  if (files.empty()) throw Error(folder.string() + ": no Bandai BVH files (dataset-N/*.bvh)");
  if (opt.max_items > 0 && static_cast<int>(files.size()) > opt.max_items) files.resize(opt.max_items);

  for (size_t i = 0; i < files.size(); ++i) {
    const auto& src = files[i];
    const std::string stem = src.file.stem().string();
    if (opt.progress) opt.progress(static_cast<int>(i), static_cast<int>(files.size()), stem);
    try {
      Labels l;
      if (!parse_name(stem, l)) throw Error("file name is not dataset-N_{content}_{style}_{id}.bvh");
      if (!src.contents.empty() && !src.contents.count(l.content))
        throw Error("content '" + l.content + "' is not in cfg/content_label.txt");
      if (!src.styles.empty() && !src.styles.count(l.style))
        throw Error("style '" + l.style + "' is not in cfg/style_label.txt");
      const Bvh bvh = read_bvh(src.file);
      motion::Clip clip = retarget_bvh(bvh, detect_name_map(bvh));
      clip.meta.name = stem;
      clip.meta.dataset = "bandai";
      clip.meta.source = src.file.string();
      clip.meta.content = l.content;
      clip.meta.style = l.style;
      clip.meta.captions = action_captions(l.content, l.style, stem, opt.captions_per_clip);
      finish_clip(clip);
      keep_clip(res, opt, std::move(clip), split_for(stem, opt.validation_percent));
    } catch (const Error& e) {
      res.rejected.push_back({src.file.string(), e.what()});
    }
  }
  return res;
}

}  // namespace e2m::io
