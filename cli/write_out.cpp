#include "cli/write_out.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>

namespace sluice::cli {

namespace {

using Getter = std::function<std::string(const fetch::Report&, int)>;

std::string seconds(double s) {
  return fmt::format("{:.6f}", s);
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

std::string errormsg(const fetch::Report& r) {
  return r.error ? r.error->message : "";
}

// Each variable: how to print it, and whether it is a JSON string.
struct Var {
  Getter get;
  bool string;
};

const std::map<std::string, Var, std::less<>>& variables() {
  static const std::map<std::string, Var, std::less<>> vars = {
      {"content_type", {[](auto& r, int) { return r.content_type; }, true}},
      {"errormsg", {[](auto& r, int) { return errormsg(r); }, true}},
      {"exitcode", {[](auto&, int c) { return std::to_string(c); }, false}},
      {"http_code", {[](auto& r, int) { return fmt::format("{:03d}", r.http_code); }, false}},
      {"response_code", {[](auto& r, int) { return fmt::format("{:03d}", r.http_code); }, false}},
      {"http_version",
       {[](auto& r, int) { return r.http_version.empty() ? "0" : r.http_version; }, true}},
      {"num_connects", {[](auto& r, int) { return std::to_string(r.num_connects); }, false}},
      {"num_redirects", {[](auto& r, int) { return std::to_string(r.num_redirects); }, false}},
      {"remote_ip", {[](auto& r, int) { return r.remote_ip; }, true}},
      {"remote_port", {[](auto& r, int) { return std::to_string(r.remote_port); }, false}},
      {"size_download", {[](auto& r, int) { return std::to_string(r.size_download); }, false}},
      {"size_header", {[](auto& r, int) { return std::to_string(r.size_header); }, false}},
      {"size_upload", {[](auto& r, int) { return std::to_string(r.size_upload); }, false}},
      {"speed_download",
       {[](auto& r, int) { return fmt::format("{:.0f}", r.speed_download()); }, false}},
      {"time_appconnect", {[](auto& r, int) { return seconds(r.time_appconnect); }, false}},
      {"time_connect", {[](auto& r, int) { return seconds(r.time_connect); }, false}},
      {"time_namelookup", {[](auto& r, int) { return seconds(r.time_namelookup); }, false}},
      {"time_starttransfer", {[](auto& r, int) { return seconds(r.time_starttransfer); }, false}},
      {"time_total", {[](auto& r, int) { return seconds(r.time_total); }, false}},
      {"url_effective", {[](auto& r, int) { return r.url_effective; }, true}},
  };
  return vars;
}

}  // namespace

std::string write_out_help() {
  std::string names;
  for (const auto& [name, var] : variables()) names += fmt::format("%{{{}}} ", name);
  return "Variables: " + names +
         "and %{json} (all of them as one JSON object). Escapes: \\n \\r \\t \\\\ and %%. "
         "Times are seconds from the start of the transfer; sizes are bytes. -w @FILE reads the "
         "format from FILE, line ends dropped, as curl does.";
}

std::string report_json(const fetch::Report& r, int exit_code) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, var] : variables()) {
    std::string v = var.get(r, exit_code);
    if (name == "http_code" || name == "response_code") v = std::to_string(r.http_code);
    bool null = (!var.string && v.empty()) || (name == "errormsg" && !r.error);  // as curl
    out += fmt::format("{}\"{}\":{}", first ? "" : ",", name,
                       null         ? "null"
                       : var.string ? "\"" + json_escape(v) + "\""
                                    : v);
    first = false;
  }
  return out + "}";
}

std::string render_write_out(const std::string& tmpl, const fetch::Report& r, int exit_code,
                             std::vector<std::string>* unknown) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '\\' && i + 1 < tmpl.size()) {
      char n = tmpl[++i];
      if (n == 'n')
        out += '\n';
      else if (n == 'r')
        out += '\r';
      else if (n == 't')
        out += '\t';
      else if (n == '\\')
        out += '\\';
      else
        (out += '\\') += n;
      continue;
    }
    if (c != '%' || i + 1 >= tmpl.size()) {
      out += c;
      continue;
    }
    if (tmpl[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (tmpl[i + 1] != '{') {
      out += c;
      continue;
    }
    auto close = tmpl.find('}', i + 2);
    if (close == std::string::npos) {
      out += tmpl.substr(i);
      break;
    }
    std::string_view name(tmpl.data() + i + 2, close - i - 2);
    auto& vars = variables();
    if (name == "json") {
      out += report_json(r, exit_code);
    } else if (auto it = vars.find(name); it != vars.end()) {
      out += it->second.get(r, exit_code);
    } else if (unknown) {
      unknown->emplace_back(name);  // rendered as nothing, as curl does
    }
    i = close;
  }
  return out;
}

}  // namespace sluice::cli
