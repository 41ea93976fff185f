// The man page's closing sections (ENVIRONMENT, FILES, EXAMPLES, DIFFERENCES
// FROM CURL): text that belongs to no one subcommand's option table.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sluice::cli {

// (title, body) pairs, in page order; bodies are preformatted lines.
std::vector<std::pair<std::string, std::string>> man_closing_sections();

}  // namespace sluice::cli
