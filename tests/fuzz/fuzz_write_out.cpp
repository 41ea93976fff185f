// libFuzzer target "write_out": the -w/--write-out template renderer
// (render_write_out_streams, %{json}, %{header_json}, %header{NAME}).
// Input: the template, then NUL-separated strings that fill the report: the
// URL, the content type, then response header names and values in turn.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/write_out.hpp"

namespace {

using sluice::cli::render_write_out;
using sluice::cli::render_write_out_streams;

std::vector<std::string_view> split_nul(std::string_view s) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto nul = s.find('\0');
    parts.push_back(s.substr(0, nul));
    if (nul == std::string_view::npos) return parts;
    s.remove_prefix(nul + 1);
  }
}

bool ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// %{json} and %{header_json} are JSON whatever the report holds (bytes over
// 0x7f aside: -w passes them through as curl does), and say what it holds.
void check_json(const sluice::fetch::Report& r, int exit_code, bool text_is_ascii) {
  if (!text_is_ascii) return;
  auto j = nlohmann::json::parse(sluice::cli::report_json(r, exit_code), nullptr, false);
  if (j.is_discarded() || !j.is_object()) __builtin_trap();
  if (j["url"] != r.url || j["content_type"] != r.content_type) __builtin_trap();
  if (j["exitcode"] != exit_code || j["num_headers"] != r.headers.list().size()) __builtin_trap();
  auto h = nlohmann::json::parse(render_write_out("%{header_json}", r, exit_code), nullptr, false);
  if (h.is_discarded() || !h.is_object()) __builtin_trap();
  std::size_t values = 0;
  for (const auto& [name, list] : h.items()) values += list.size();
  if (values != r.headers.list().size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // a template's cost is linear: longer ones find nothing new
  auto parts = split_nul(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string tmpl(parts[0]);
  sluice::fetch::Report r;
  r.http_code = 200;
  if (parts.size() > 1) r.url = parts[1];
  if (parts.size() > 2) r.content_type = parts[2];
  for (std::size_t i = 3; i + 1 < parts.size(); i += 2)
    r.headers.add(std::string(parts[i]), std::string(parts[i + 1]));
  bool text_is_ascii = ascii(std::string_view(reinterpret_cast<const char*>(data), size));

  for (int exit_code : {0, 7}) {
    std::vector<std::string> unknown;
    auto w = render_write_out_streams(tmpl, r, exit_code, &unknown);
    // The stdout part alone is the same, and text without % or \ is printed as is.
    if (render_write_out(tmpl, r, exit_code) != w.out) __builtin_trap();
    if (tmpl.find_first_of("%\\") == std::string::npos && (w.out != tmpl || !w.err.empty()))
      __builtin_trap();
    // Every unknown variable was named in the template, in braces.
    for (const auto& name : unknown)
      if (tmpl.find("%{" + name + "}") == std::string::npos) __builtin_trap();
    check_json(r, exit_code, text_is_ascii);
  }
  return 0;
}
