// One option table per subcommand: the single source of --help, man/sluice.1 and
// the shell completions (`sluice --generate man|bash|zsh|fish`). The helpers
// that make an option's CLI11 binding are in cli/option_binders.hpp: CLI11 is
// header-only and heavy, so only the files that bind options include it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace sluice::cli {

struct OptionSpec {
  std::string names;    // CLI11 form: "-o,--output"
  std::string metavar;  // empty for a switch
  std::string help;
  std::function<CLI::Option*(CLI::App&, const OptionSpec&)> bind;
  bool file_arg = false;             // completion offers file names
  bool dir_arg = false;              // completion offers directories only
  std::vector<std::string> choices;  // completion offers these words
  bool positional() const { return !names.starts_with('-'); }
  bool takes_value() const { return !metavar.empty() && !positional(); }
};

// Completion hints on an option made by value(): directories, or words.
inline OptionSpec completes_dirs(OptionSpec s) {
  s.file_arg = false;
  s.dir_arg = true;
  return s;
}
inline OptionSpec completes(OptionSpec s, std::vector<std::string> words) {
  s.choices = std::move(words);
  return s;
}

struct CommandSpec {
  std::string name;         // "get"
  std::string usage;        // "sluice get [OPTIONS] URL..."
  std::string summary;      // one line
  std::string description;  // paragraphs for --help and the man page
  std::vector<OptionSpec> options;
  std::vector<std::pair<std::string, std::string>> extra_sections;  // title, body
};

// Long and short names of an option, e.g. {"-o", "--output"}.
std::vector<std::string> split_names(const std::string& names);

// Each option name of spec ("-o", "--output"), and whether it takes a value.
std::map<std::string, bool> option_arity(const CommandSpec& spec);
// Registers every option of spec on app (help is ours, not CLI11's).
void bind_all(CLI::App& app, const CommandSpec& spec);

std::string render_help(const CommandSpec& spec);
// closing: sections after EXIT CODES, (title, preformatted body).
std::string render_man(const std::vector<CommandSpec>& specs, const std::string& exit_codes,
                       const std::vector<std::pair<std::string, std::string>>& closing = {});
std::string render_bash(const std::vector<CommandSpec>& specs);
std::string render_zsh(const std::vector<CommandSpec>& specs);
std::string render_fish(const std::vector<CommandSpec>& specs);

}  // namespace sluice::cli
