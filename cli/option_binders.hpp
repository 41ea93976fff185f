// The options of a table (cli/option_table.hpp) and their CLI11 bindings:
// value, ordered, flag and counted each make an OptionSpec whose bind
// registers it on a CLI::App.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli/option_table.hpp"

namespace sluice::cli {

template <class T>
OptionSpec value(std::string names, std::string metavar, std::string help, T& target,
                 bool file_arg = false) {
  return {std::move(names), std::move(metavar), std::move(help),
          [&target](CLI::App& app, const OptionSpec& s) {
            auto* o = app.add_option(s.names, target, s.help)->type_name(s.metavar);
            // Each occurrence of a repeatable option takes exactly one value,
            // so "-o FILE URL" leaves URL positional, as in curl.
            if (!s.positional()) o->allow_extra_args(false);
            return o;
          },
          file_arg};
}

// A repeatable option whose occurrences keep their command-line order among
// those of the options that share `target`: each appends {tag, value}.
template <class Tag>
OptionSpec ordered(std::string names, std::string metavar, std::string help, Tag tag,
                   std::vector<std::pair<Tag, std::string>>& target, bool file_arg = false) {
  return {std::move(names), std::move(metavar), std::move(help),
          [&target, tag](CLI::App& app, const OptionSpec& s) {
            auto* o = app.add_option_function<std::string>(
                s.names, [&target, tag](const std::string& v) { target.emplace_back(tag, v); },
                s.help);
            // Run at each occurrence, not once after parsing: that is the order.
            return o->type_name(s.metavar)->trigger_on_parse()->allow_extra_args(false);
          },
          file_arg};
}

inline OptionSpec flag(std::string names, std::string help, bool& target) {
  return {std::move(names), "", std::move(help), [&target](CLI::App& app, const OptionSpec& s) {
            return app.add_flag(s.names, target, s.help);
          }};
}

inline OptionSpec counted(std::string names, std::string help, int& target) {
  return {std::move(names), "", std::move(help), [&target](CLI::App& app, const OptionSpec& s) {
            return app.add_flag(s.names, target, s.help);
          }};
}

}  // namespace sluice::cli
