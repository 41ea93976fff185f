#include "cli/unknown_option.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "cli/curl_options.hpp"

namespace sluice::cli {

namespace {

struct Known {
  bool takes_value = false;
};

std::map<std::string, Known, std::less<>> known_options(const CommandSpec& spec) {
  std::map<std::string, Known, std::less<>> known{{"-h", {}}, {"--help", {}}};
  for (const auto& o : spec.options)
    if (!o.positional())
      for (const auto& n : split_names(o.names)) known[n] = {!o.metavar.empty()};
  return known;
}

std::string message(const CommandSpec& spec, std::string_view name) {
  bool curl = spec.name == "get" && is_curl_option(name);
  if (curl)
    return fmt::format(
        "sluice {}: option {} is not supported (a curl option sluice does not "
        "have yet); see 'sluice {} --help'",
        spec.name, name, spec.name);
  return fmt::format("sluice {}: option {} is unknown; see 'sluice {} --help'", spec.name, name,
                     spec.name);
}

}  // namespace

std::optional<std::string> unknown_option(const CommandSpec& spec, int argc, char** argv) {
  auto known = known_options(spec);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") return std::nullopt;  // the rest are operands
    if (arg.size() < 2 || arg[0] != '-') continue;
    if (arg.starts_with("--")) {
      std::string_view name = arg.substr(0, arg.find('='));
      auto it = known.find(name);
      if (it == known.end()) return message(spec, name);
      if (it->second.takes_value && name.size() == arg.size()) ++i;  // "--opt VALUE"
      continue;
    }
    // A cluster of short options ("-fsSL"); one that takes a value takes the
    // rest of the cluster ("-ofile") or else the next argument.
    for (std::size_t k = 1; k < arg.size(); ++k) {
      std::string name = {'-', arg[k]};
      auto it = known.find(name);
      if (it == known.end()) return message(spec, name);
      if (!it->second.takes_value) continue;
      if (k + 1 == arg.size()) ++i;
      break;
    }
  }
  return std::nullopt;
}

}  // namespace sluice::cli
