// Generic BVH importer, a folder or one file: any humanoid rig (recognised by io/rig_names.h or
// given by a name map file), labels and captions from labels.csv or labels.json beside the files
// (for a single file without one, the content label comes from the file name).
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "io/bvh.h"
#include "io/captions.h"
#include "io/importers.h"
#include "io/json_util.h"
#include "io/retarget_bvh.h"
#include "io/rig_names.h"
#include "motion/error.h"
#include "motion/skeleton.h"

namespace e2m::io {

namespace fs = std::filesystem;

namespace {

struct Label {
  std::string content, style, genre, audio;
  std::vector<std::string> captions;
};

// One CSV record: commas separate fields, double quotes protect commas ("" is a quote).
std::vector<std::string> csv_fields(const std::string& line, const std::string& where) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"')
        quoted = false;
      else
        cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (quoted) throw Error(where + ": unterminated quote");
  out.push_back(cur);
  for (auto& f : out) {
    while (!f.empty() && (f.back() == ' ' || f.back() == '\r')) f.pop_back();
    while (!f.empty() && f.front() == ' ') f.erase(f.begin());
  }
  return out;
}

std::vector<std::string> split_captions(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string c; std::getline(ss, c, '|');) {
    while (!c.empty() && c.back() == ' ') c.pop_back();
    while (!c.empty() && c.front() == ' ') c.erase(c.begin());
    if (!c.empty()) out.push_back(c);
  }
  return out;
}

// labels.csv: `file,content,style,captions` (captions separated by '|'; a header row starting
// with "file" is skipped; trailing fields may be omitted).
std::map<std::string, Label> read_labels_csv(const fs::path& path) {
  std::map<std::string, Label> out;
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open");
  int lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    const std::string where = path.string() + ":" + std::to_string(lineno);
    if (line.empty() || line[0] == '#' || line == "\r") continue;
    auto f = csv_fields(line, where);
    if (lineno == 1 && f[0] == "file") continue;
    if (f[0].empty()) throw Error(where + ": first field must be the BVH file name");
    Label l;
    if (f.size() > 1) l.content = f[1];
    if (f.size() > 2) l.style = f[2];
    if (f.size() > 3) l.captions = split_captions(f[3]);
    if (f.size() > 4) throw Error(where + ": expected at most 4 fields (file,content,style,captions)");
    if (!out.emplace(f[0], l).second) throw Error(where + ": '" + f[0] + "' is listed twice");
  }
  return out;
}

// labels.json: {"walk.bvh": {"content": "walk", "style": "happy", "captions": [...]}, ...}
// or [{"file": "walk.bvh", ...}, ...]. Optional "genre" and "audio" too.
std::map<std::string, Label> read_labels_json(const fs::path& path) {
  const Json j = read_json(path);
  std::map<std::string, Label> out;
  auto one = [&](const Json& o, const std::string& where) {
    if (!o.is_object()) throw Error(where + ": expected an object");
    Label l;
    l.content = get_string(o, "content", "", where);
    l.style = get_string(o, "style", "", where);
    l.genre = get_string(o, "genre", "", where);
    l.audio = get_string(o, "audio", "", where);
    if (o.contains("captions")) {
      const Json& c = require_array(o, "captions", where);
      for (const auto& s : c) {
        if (!s.is_string()) throw Error(where + ": 'captions' must hold strings");
        l.captions.push_back(s.get<std::string>());
      }
    }
    return l;
  };
  if (j.is_object()) {
    for (const auto& [file, o] : j.items()) out[file] = one(o, path.string() + ": '" + file + "'");
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string where = path.string() + ": entry " + std::to_string(i);
      const std::string file = require_string(j[i], "file", where);
      out[file] = one(j[i], where);
    }
  } else {
    throw Error(path.string() + ": expected an object keyed by file name or an array of objects with 'file'");
  }
  return out;
}

bool is_canonical(const Bvh& bvh) {
  for (int j = 0; j < motion::kNumJoints; ++j)
    if (bvh.find(motion::joint_name(j)) < 0) return false;
  return true;
}

// A content label from a file name: lowercase words joined by '-', take numbers dropped
// ("Walk_Happy_01" -> "walk-happy").
std::string content_from_file_name(const std::string& stem) {
  std::string out, word;
  auto flush = [&] {
    const bool number = !word.empty() && std::all_of(word.begin(), word.end(),
                                                     [](unsigned char c) { return std::isdigit(c); });
    if (!word.empty() && !number) out += (out.empty() ? "" : "-") + word;
    word.clear();
  };
  for (char c : stem) {
    if (c == '_' || c == '-' || c == ' ' || c == '.')
      flush();
    else
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  flush();
  return out;
}

struct Converted {
  motion::Clip clip;
  std::string mapping;  // explain_mapping text
};

// One file onto the canonical skeleton: e2m's own exports exactly, else by the given name map or
// the recognised rig.
Converted convert(const Bvh& bvh, const NameMap* given) {
  if (!given && is_canonical(bvh))
    return {bvh_to_clip(bvh), "canonical joint names and rest pose (an e2m export): converted exactly\n"};
  const RigMapping rig = given ? apply_name_map(bvh, *given) : map_rig(bvh);
  return {retarget_bvh(bvh, rig), explain_mapping(bvh, rig)};
}

std::map<std::string, Label> read_labels(const fs::path& path) {
  return path.extension() == ".json" ? read_labels_json(path) : read_labels_csv(path);
}

}  // namespace

ImportResult import_bvh_folder(const fs::path& input, const ImportOptions& opt) {
  ImportResult res;
  res.dataset.name = "bvh";
  const bool single = fs::is_regular_file(input);
  const fs::path folder = single ? (input.has_parent_path() ? input.parent_path() : fs::path(".")) : input;
  fs::path labels_path = opt.labels;
  if (labels_path.empty()) {
    if (fs::exists(folder / "labels.csv"))
      labels_path = folder / "labels.csv";
    else if (fs::exists(folder / "labels.json"))
      labels_path = folder / "labels.json";
  }
  std::map<std::string, Label> labels;
  if (!labels_path.empty())
    labels = read_labels(labels_path);
  else if (!single)
    res.warnings.push_back(folder.string() + ": no labels.csv or labels.json; clips have no labels");

  NameMap given;
  const bool have_map = !opt.name_map.empty();
  if (have_map) given = load_name_map(opt.name_map);

  std::vector<fs::path> files;
  if (single) {
    files.push_back(input);
  } else {
    for (const auto& e : fs::recursive_directory_iterator(folder))
      if (e.is_regular_file() && e.path().extension() == ".bvh") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(folder.string() + ": no .bvh files");
  }
  std::map<std::string, bool> used;
  for (const auto& [k, v] : labels) used[k] = false;
  if (opt.max_items > 0 && static_cast<int>(files.size()) > opt.max_items) files.resize(opt.max_items);
  std::map<std::string, size_t> rig_index;  // mapping text -> res.rigs

  for (size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    const std::string rel = single ? f.filename().string() : fs::relative(f, folder).generic_string();
    if (opt.progress) opt.progress(static_cast<int>(i), static_cast<int>(files.size()), rel);
    try {
      Label l;
      // Labels are keyed by the path relative to the folder or by the bare file name.
      auto it = labels.find(rel);
      if (it == labels.end()) it = labels.find(f.filename().string());
      if (it != labels.end()) {
        l = it->second;
        used[it->first] = true;
      } else if (single) {
        l.content = content_from_file_name(f.stem().string());
      } else if (!labels.empty()) {
        res.warnings.push_back(rel + ": not in the labels file; imported without labels");
      }
      const Bvh bvh = read_bvh(f);
      Converted conv = convert(bvh, have_map ? &given : nullptr);
      motion::Clip& clip = conv.clip;
      std::string name = rel.substr(0, rel.size() - f.extension().string().size());
      std::replace(name.begin(), name.end(), '/', '_');
      clip.meta.name = name;
      clip.meta.dataset = "bvh";
      clip.meta.source = f.string();
      clip.meta.content = l.content;
      clip.meta.style = l.style;
      clip.meta.genre = l.genre;
      if (!l.audio.empty()) clip.meta.audio = (folder / l.audio).lexically_normal().string();
      clip.meta.captions = l.captions;
      if (clip.meta.captions.empty() && !l.content.empty())
        clip.meta.captions = action_captions(l.content, l.style, name, opt.captions_per_clip);
      else if (clip.meta.captions.empty() && !l.genre.empty())
        clip.meta.captions = dance_captions(l.genre, name, opt.captions_per_clip);
      finish_clip(clip);
      keep_clip(res, opt, std::move(clip), split_for(name, opt.validation_percent));
      auto [r, fresh] = rig_index.emplace(conv.mapping, res.rigs.size());
      if (fresh) res.rigs.push_back({conv.mapping, {}});
      res.rigs[r->second].files.push_back(rel);
    } catch (const Error& e) {
      res.rejected.push_back({f.string(), e.what()});
    }
  }
  if (opt.max_items <= 0 && !single)
    for (const auto& [file, u] : used)
      if (!u)
        res.rejected.push_back({(folder / file).string(),
                                "listed in " + labels_path.filename().string() + " but no such BVH file"});
  return res;
}

}  // namespace e2m::io
