// core/word_set: sets of words written as one space-separated string, the form of OAuth scope
// strings. Here, below both oauth/ (which parses requests) and storage/ (which merges stored
// consents), so that both read and write them the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace authgent {

// Space-separated words -> each word once, in first-seen order (runs of spaces are skipped).
std::vector<std::string> SplitWordSet(std::string_view text);
// Sorted, each word once, space-separated: the canonical form.
std::string JoinWordSet(std::vector<std::string> words);
// The union of two space-separated sets, in the canonical form.
std::string WordSetUnion(std::string_view a, std::string_view b);

}  // namespace authgent
