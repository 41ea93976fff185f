#include "cli/get_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>

#include "core/util/percent.hpp"

namespace sluice::cli {

namespace {

// @FILE (and @- for stdin) unless the flag takes its argument literally.
Result<std::string> load(const std::string& arg, bool strip_newlines) {
  if (!arg.starts_with('@')) return arg;
  auto content = read_source(arg.substr(1));
  if (content && strip_newlines)
    std::erase_if(*content, [](char c) { return c == '\r' || c == '\n'; });
  return content;
}

// curl's five forms: the first '=' or '@' splits a name from the content
// (or from a file to read it from); a name is sent as it is, the content
// encoded. "=content" has an empty name and sends no '='.
Result<std::string> urlencoded(const std::string& arg) {
  auto split = arg.find_first_of("=@");
  if (split == std::string::npos) return form_urlencode(arg);
  std::string name = arg.substr(0, split);
  std::string content = arg.substr(split + 1);
  if (arg[split] == '@') {
    auto file = read_source(content);
    if (!file) return file;
    content = std::move(*file);
  }
  return (name.empty() ? "" : name + "=") + form_urlencode(content);
}

Result<std::string> piece_text(const DataPiece& p) {
  switch (p.first) {
    case DataKind::ascii:
      return load(p.second, true);
    case DataKind::binary:
    case DataKind::json:
      return load(p.second, false);
    case DataKind::raw:
      return p.second;
    case DataKind::urlencode:
      return urlencoded(p.second);
  }
  return p.second;
}

}  // namespace

Result<std::string> url_query(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& arg : args) {
    auto part = arg.starts_with('+') ? Result<std::string>(arg.substr(1)) : urlencoded(arg);
    if (!part) return part;
    if (part->empty()) continue;
    out += (out.empty() ? "" : "&") + *part;
  }
  return out;
}

std::optional<std::string> read_joined_lines(const std::string& path) {
  std::ifstream file;
  if (path != "-") file.open(path, std::ios::binary);
  std::istream& in = path == "-" ? std::cin : file;
  if (!in) return std::nullopt;
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.find('\r'));
  return out;
}

// Read whole: a request body is sent from memory (-T is the streaming path).
Result<std::string> read_source(const std::string& path) {
  if (path == "-")
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(Errc::read_failed, fmt::format("Failed to open {}", path));
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Result<std::string> assemble_data(const std::vector<DataPiece>& pieces) {
  std::string body;
  for (const auto& p : pieces) {
    auto text = piece_text(p);
    if (!text) return text;
    if (!body.empty() && p.first != DataKind::json) body += '&';
    body += *text;
  }
  return body;
}

bool has_json(const std::vector<DataPiece>& pieces) {
  return std::any_of(pieces.begin(), pieces.end(),
                     [](const DataPiece& p) { return p.first == DataKind::json; });
}

std::string append_query(const std::string& url, const std::string& query) {
  auto hash = url.find('#');
  std::string base = url.substr(0, hash);
  std::string fragment = hash == std::string::npos ? "" : url.substr(hash);
  char joint = base.find('?') == std::string::npos ? '?' : '&';
  return base + joint + query + fragment;
}

}  // namespace sluice::cli
