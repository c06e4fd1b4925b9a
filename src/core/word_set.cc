#include "core/word_set.h"

#include <algorithm>
#include <set>

namespace authgent {

std::vector<std::string> SplitWordSet(std::string_view text) {
  std::vector<std::string> out;
  std::set<std::string_view> seen;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view word = text.substr(i, j - i);
    if (!word.empty() && seen.insert(word).second) out.emplace_back(word);
    i = j + 1;
  }
  return out;
}

std::string JoinWordSet(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string WordSetUnion(std::string_view a, std::string_view b) {
  std::vector<std::string> all = SplitWordSet(a);
  for (std::string& w : SplitWordSet(b)) all.push_back(std::move(w));
  return JoinWordSet(std::move(all));
}

}  // namespace authgent
