#include "hub/source_files.hpp"

#include <array>
#include <string_view>

#include "core/text/text.hpp"

namespace jobmon::detail {

namespace {

// The split words the datasets library recognises in data file names.
constexpr std::array<std::string_view, 10> split_words = {"train", "training", "validation", "valid", "dev",
                                                          "val",   "test",     "testing",    "eval",  "evaluation"};

bool is_word_separator(char c) { return c == '-' || c == '_' || c == '.' || c == ' ' || (c >= '0' && c <= '9'); }

// Whether `word` appears in `name` between separators (or its ends).
bool has_word(std::string_view name, std::string_view word) {
  const std::string lower = ascii_lower(name);
  for (std::size_t at = lower.find(word); at != std::string::npos; at = lower.find(word, at + 1)) {
    const bool left = at == 0 || is_word_separator(lower[at - 1]);
    const std::size_t after = at + word.size();
    const bool right = after == lower.size() || is_word_separator(lower[after]);
    if (left && right) return true;
  }
  return false;
}

// Whether a path names `split`: a folder of that name, or the word in the file name.
bool names_split(std::string_view path, std::string_view split) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (slash == std::string_view::npos) {
      const std::string_view stem = part.substr(0, part.rfind('.'));
      return has_word(stem, split);
    }
    if (ascii_lower(part) == split) return true;
    start = slash + 1;
  }
}

bool is_parquet(const HubFile& f) { return f.path.ends_with(".parquet"); }

}  // namespace

std::vector<const HubFile*> tree_split_files(const std::vector<HubFile>& files, const std::string& config,
                                             const std::string& split) {
  const std::string prefix = config == "default" ? "" : config + "/";
  std::vector<const HubFile*> candidates;
  for (const HubFile& f : files) {
    if (is_parquet(f) && f.path.starts_with(prefix)) candidates.push_back(&f);
  }
  const std::string wanted = ascii_lower(split);
  bool any_split_named = false;
  for (const HubFile* f : candidates) {
    const std::string_view rest = std::string_view(f->path).substr(prefix.size());
    for (const std::string_view word : split_words) any_split_named = any_split_named || names_split(rest, word);
  }
  if (!any_split_named) return wanted == "train" ? candidates : std::vector<const HubFile*>{};
  std::vector<const HubFile*> out;
  for (const HubFile* f : candidates) {
    if (names_split(std::string_view(f->path).substr(prefix.size()), wanted)) out.push_back(f);
  }
  return out;
}

std::vector<const HubFile*> converted_split_files(const std::vector<HubFile>& files, const std::string& config,
                                                  const std::string& split) {
  const std::string folder = config + "/" + split + "/";
  std::vector<const HubFile*> out;
  for (const HubFile& f : files) {
    if (!is_parquet(f) || !f.path.starts_with(config + "/")) continue;
    const std::string_view rest = std::string_view(f.path).substr(config.size() + 1);
    if (f.path.starts_with(folder)) {
      out.push_back(&f);
    } else if (rest.find('/') == std::string_view::npos) {
      // "<name>-train.parquet" or "<name>-train-00000-of-00002.parquet"
      const std::string_view stem = rest.substr(0, rest.size() - 8);
      const std::size_t at = stem.rfind("-" + split);
      const std::string_view after = at == std::string_view::npos ? std::string_view() : stem.substr(at + 1 + split.size());
      if (at != std::string_view::npos && (after.empty() || (after.starts_with("-") && after.find("-of-") != std::string_view::npos))) {
        out.push_back(&f);
      }
    }
  }
  return out;
}

}  // namespace jobmon::detail
