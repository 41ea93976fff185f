#include "cli/get_form.hpp"

#include <fmt/format.h>

#include <cstring>
#include <random>

#include "cli/get_data.hpp"
#include "core/http/headers.hpp"

namespace sluice::cli {

namespace {

struct Part {
  std::string name, value, filename, type;
  bool is_file = false;
};

// The types curl guesses from a file name's extension; nullptr for another.
const char* known_type(const std::string& filename) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".gif", "image/gif"},      {".jpg", "image/jpeg"},    {".jpeg", "image/jpeg"},
      {".png", "image/png"},      {".svg", "image/svg+xml"}, {".txt", "text/plain"},
      {".htm", "text/html"},      {".html", "text/html"},    {".pdf", "application/pdf"},
      {".xml", "application/xml"}};
  for (auto [ext, type] : kTypes)
    if (filename.size() > std::strlen(ext) && filename.ends_with(ext)) return type;
  return nullptr;
}

// Names in quotes, as HTML5 escapes them: '"' and line breaks percent-encoded.
std::string form_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += "%22";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out + "\"";
}

// One word of curl's -F syntax from s[at]: "quoted" (\" and \\ escape a
// quote and a backslash; what follows up to the next ';' is dropped, as curl
// drops it), or everything up to the next ';'. `at` moves to that ';' (or the end).
std::string form_word(std::string_view s, std::size_t& at) {
  auto to_semicolon = [&](std::size_t from) {
    auto semi = s.find(';', from);
    return semi == std::string_view::npos ? s.size() : semi;
  };
  auto unquoted = [&] {
    std::size_t start = at;
    at = to_semicolon(at);
    return std::string(s.substr(start, at - start));
  };
  if (at >= s.size() || s[at] != '"') return unquoted();
  std::string out;
  std::size_t i = at + 1;
  for (; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
    out += s[i];
  }
  if (i >= s.size()) return unquoted();  // no closing quote: the word as it is, as curl takes it
  at = to_semicolon(i);
  return out;
}

// "value;type=x;filename=y": the value, then its parameters (curl's -F
// syntax, each word maybe "quoted"); another parameter is dropped, as curl
// skips an unknown one.
void take_params(Part& p, std::string& value) {
  std::string_view s = value;
  std::size_t at = 0;
  std::string kept = form_word(s, at);
  while (at < s.size()) {  // at a ';'
    ++at;
    while (at < s.size() && s[at] == ' ') ++at;
    std::string_view rest = s.substr(at);
    auto named = [&](std::string_view param) {
      return rest.size() >= param.size() && iequals(rest.substr(0, param.size()), param);
    };
    std::string* into = named("type=") ? &p.type : named("filename=") ? &p.filename : nullptr;
    if (into) at += into == &p.type ? 5 : 9;
    std::string word = form_word(s, at);
    if (into) *into = std::move(word);
  }
  value = std::move(kept);
}

Result<Part> parse_field(const FormField& f) {
  auto eq = f.second.find('=');
  if (eq == std::string::npos || eq == 0)
    return fail(Errc::bad_argument,
                fmt::format("-F '{}': expected name=value, name=@file or name=<file", f.second));
  Part p;
  p.name = f.second.substr(0, eq);
  std::string value = f.second.substr(eq + 1);
  if (f.first == FormKind::literal) {
    p.value = std::move(value);
    return p;
  }
  bool file = value.starts_with('@'), inline_file = value.starts_with('<');
  if (file || inline_file) value.erase(0, 1);
  take_params(p, value);
  if (!file && !inline_file) {
    p.value = std::move(value);
    // A value named as a file gets the type its name suggests, if any (curl's guess).
    if (p.type.empty() && !p.filename.empty())
      if (const char* t = known_type(p.filename)) p.type = t;
    return p;
  }
  if (inline_file) p.filename.clear();  // curl names no file for a "<file" value
  auto content = read_source(value);    // "-": stdin, as curl reads -F f=@-
  if (!content) return std::unexpected(content.error());
  p.value = std::move(*content);
  if (file) {
    p.is_file = true;
    if (p.filename.empty()) p.filename = value.substr(value.rfind('/') + 1);
    if (p.type.empty()) {  // curl's guess: by the name sent, else by the file's own
      const char* t = known_type(p.filename);
      if (!t) t = known_type(value);
      p.type = t ? t : "application/octet-stream";
    }
  }
  return p;
}

}  // namespace

Result<Form> build_form(const std::vector<FormField>& fields, const std::string& boundary) {
  Form form;
  form.content_type = "multipart/form-data; boundary=" + boundary;
  for (const auto& f : fields) {
    auto p = parse_field(f);
    if (!p) return std::unexpected(p.error());
    form.body +=
        "--" + boundary + "\r\nContent-Disposition: form-data; name=" + form_quoted(p->name);
    if (p->is_file || !p->filename.empty()) form.body += "; filename=" + form_quoted(p->filename);
    form.body += "\r\n";
    if (!p->type.empty()) form.body += "Content-Type: " + p->type + "\r\n";
    form.body += "\r\n" + p->value + "\r\n";
  }
  form.body += "--" + boundary + "--\r\n";
  return form;
}

std::string random_boundary() {
  static constexpr char kAlnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  std::uniform_int_distribution<int> pick(0, 61);
  std::string b(24, '-');
  for (int i = 0; i < 22; ++i) b += kAlnum[pick(rd)];
  return b;
}

}  // namespace sluice::cli
