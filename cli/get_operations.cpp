#include "cli/get_operations.hpp"

namespace sluice::cli {

namespace {

// How many of the arguments after args[i] are its value: 1 when the option
// takes one and it is not attached ("-o FILE", not "-oFILE" or
// "--output=FILE"). A cluster of short switches ("-sSo FILE") takes its last
// letter's value.
int value_count(const std::map<std::string, bool>& arity, const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-') return 0;  // a URL
  if (auto it = arity.find(arg); it != arity.end()) return it->second ? 1 : 0;
  if (arg.starts_with("--")) return 0;  // "--name=value", or unknown (the parser says)
  for (std::size_t k = 1; k < arg.size(); ++k) {
    auto it = arity.find(std::string{'-', arg[k]});
    if (it == arity.end()) return 0;                     // unknown: the parser says
    if (it->second) return k + 1 == arg.size() ? 1 : 0;  // the rest is its value, if any
  }
  return 0;
}

}  // namespace

bool is_divider(const std::string& arg) {
  return arg == "--next" || arg == "-:";
}

std::vector<std::vector<std::string>> split_operations(const CommandSpec& spec,
                                                       const std::vector<std::string>& args) {
  auto arity = option_arity(spec);
  std::vector<std::vector<std::string>> ops(1);
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      ops.back().insert(ops.back().end(), args.begin() + static_cast<std::ptrdiff_t>(i),
                        args.end());
      break;
    }
    if (is_divider(args[i])) {
      ops.emplace_back();
      continue;
    }
    ops.back().push_back(args[i]);
    for (int v = value_count(arity, args[i]); v > 0 && i + 1 < args.size(); --v)
      ops.back().push_back(args[++i]);
  }
  return ops;
}

}  // namespace sluice::cli
