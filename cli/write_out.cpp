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

// Each variable: how to print it, and its JSON type: a number, a string, or
// a string that is null when empty (curl's NULL: nothing to say yet).
enum class Json { number, string, nullable };
struct Var {
  Getter get;
  Json type;
};

const std::map<std::string, Var, std::less<>>& variables() {
  static const std::map<std::string, Var, std::less<>> vars = {
      {"content_type", {[](auto& r, int) { return r.content_type; }, Json::string}},
      {"errormsg", {[](auto& r, int) { return errormsg(r); }, Json::nullable}},
      {"exitcode", {[](auto&, int c) { return std::to_string(c); }, Json::number}},
      {"http_code",
       {[](auto& r, int) { return fmt::format("{:03d}", r.http_code); }, Json::number}},
      {"response_code",
       {[](auto& r, int) { return fmt::format("{:03d}", r.http_code); }, Json::number}},
      {"http_version",
       {[](auto& r, int) { return r.http_version.empty() ? "0" : r.http_version; }, Json::string}},
      {"method", {[](auto& r, int) { return r.method; }, Json::string}},
      {"num_connects", {[](auto& r, int) { return std::to_string(r.num_connects); }, Json::number}},
      {"num_redirects",
       {[](auto& r, int) { return std::to_string(r.num_redirects); }, Json::number}},
      {"num_retries", {[](auto& r, int) { return std::to_string(r.num_retries); }, Json::number}},
      {"redirect_url", {[](auto& r, int) { return r.redirect_url; }, Json::nullable}},
      {"remote_ip", {[](auto& r, int) { return r.remote_ip; }, Json::string}},
      {"remote_port", {[](auto& r, int) { return std::to_string(r.remote_port); }, Json::number}},
      {"scheme", {[](auto& r, int) { return r.scheme; }, Json::nullable}},
      {"size_download",
       {[](auto& r, int) { return std::to_string(r.size_download); }, Json::number}},
      {"size_header", {[](auto& r, int) { return std::to_string(r.size_header); }, Json::number}},
      {"size_upload", {[](auto& r, int) { return std::to_string(r.size_upload); }, Json::number}},
      {"speed_download",
       {[](auto& r, int) { return fmt::format("{:.0f}", r.speed_download()); }, Json::number}},
      {"time_appconnect", {[](auto& r, int) { return seconds(r.time_appconnect); }, Json::number}},
      {"time_connect", {[](auto& r, int) { return seconds(r.time_connect); }, Json::number}},
      {"time_namelookup", {[](auto& r, int) { return seconds(r.time_namelookup); }, Json::number}},
      {"time_starttransfer",
       {[](auto& r, int) { return seconds(r.time_starttransfer); }, Json::number}},
      {"time_total", {[](auto& r, int) { return seconds(r.time_total); }, Json::number}},
      {"url_effective", {[](auto& r, int) { return r.url_effective; }, Json::string}},
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
    bool null = v.empty() && var.type != Json::string;  // as curl
    out += fmt::format("{}\"{}\":{}", first ? "" : ",", name,
                       null                       ? "null"
                       : var.type == Json::number ? v
                                                  : "\"" + json_escape(v) + "\"");
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
