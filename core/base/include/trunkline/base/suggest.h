// Suggest: the closest of some names to a mistyped word, for "did you mean" messages.
//
// Thread-safety: a pure function, safe for concurrent use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunkline {

// The name nearest to `word` by edit distance (insertions, deletions, substitutions), if one
// is near enough to be a likely typo: at most 1 edit away for words under 4 characters, 2 for
// longer ones. The first of equally near names wins.
std::optional<std::string> Suggest(std::string_view word, const std::vector<std::string>& names);

}  // namespace trunkline
