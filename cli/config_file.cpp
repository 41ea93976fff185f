#include "cli/config_file.hpp"

#include <fmt/format.h>

#include <map>

#include "cli/get_data.hpp"

namespace sluice::cli {

namespace {

constexpr int kMaxDepth = 10;

std::map<std::string, bool> takes_value(const CommandSpec& spec) {
  auto out = option_arity(spec);
  out["--config"] = out["-K"] = true;
  return out;
}

// A quoted value: its escapes undone; pos is just past the opening quote.
Result<std::string> quoted_value(const std::string& line, std::size_t pos, int lineno) {
  std::string v;
  for (; pos < line.size(); ++pos) {
    char c = line[pos];
    if (c == '"') return v;
    if (c != '\\' || pos + 1 == line.size()) {
      v += c;
      continue;
    }
    char e = line[++pos];
    v += e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 'v' ? '\v' : e;
  }
  return fail(Errc::bad_argument, fmt::format("-K: line {}: unfinished quoted value", lineno));
}

}  // namespace

Result<std::vector<std::string>> config_arguments(const CommandSpec& spec,
                                                  const std::string& text) {
  auto value_of = takes_value(spec);
  std::vector<std::string> out;
  std::size_t start = 0;
  for (int lineno = 1; start <= text.size(); ++lineno) {
    auto nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? text.size() + 1 : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t p = line.find_first_not_of(" \t");
    if (p == std::string::npos || line[p] == '#') continue;
    std::size_t end = line.find_first_of(" \t=:", p);
    std::string name = line.substr(p, end == std::string::npos ? end : end - p);
    if (!name.starts_with('-')) name = "--" + name;
    out.push_back(name);
    auto known = value_of.find(name);
    if (known == value_of.end() || !known->second)
      continue;  // a switch, or unknown: the parser says
    p = end == std::string::npos ? line.size() : line.find_first_not_of(" \t", end);
    if (p != std::string::npos && p < line.size() && (line[p] == '=' || line[p] == ':'))
      p = line.find_first_not_of(" \t", p + 1);
    if (p == std::string::npos || p >= line.size())
      return fail(Errc::bad_argument, fmt::format("-K: line {}: {} needs a value", lineno, name));
    if (line[p] == '"') {
      auto v = quoted_value(line, p + 1, lineno);
      if (!v) return std::unexpected(v.error());
      out.push_back(*v);
    } else {
      out.push_back(line.substr(p, line.find_first_of(" \t", p) - p));
    }
  }
  return out;
}

Result<std::vector<std::string>> expand_config(const CommandSpec& spec,
                                               std::vector<std::string> args, int depth) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    std::string path;
    if ((a == "-K" || a == "--config") && i + 1 < args.size())
      path = args[++i];
    else if (a.starts_with("--config="))
      path = a.substr(9);
    else if (a.starts_with("-K") && a.size() > 2)
      path = a.substr(2);
    else {
      out.push_back(a);
      continue;
    }
    if (depth >= kMaxDepth) return fail(Errc::bad_argument, "-K: config files nest too deep");
    auto text = read_source(path);
    if (!text) return fail(text.error().code, "-K: " + text.error().message);
    auto inner = config_arguments(spec, *text);
    if (!inner) return std::unexpected(inner.error());
    auto expanded = expand_config(spec, std::move(*inner), depth + 1);
    if (!expanded) return std::unexpected(expanded.error());
    out.insert(out.end(), expanded->begin(), expanded->end());
  }
  return out;
}

}  // namespace sluice::cli
