#include "cli/write_out.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string_view>

#include "core/http/url.hpp"

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

constexpr const char* kVersionText = "sluice/0.1.0";

// curl 8's %{url.PART} and %{urle.PART}: a piece of the URL given or the one
// fetched last; empty (JSON null) when the URL has none.
constexpr std::string_view kUrlParts[] = {"scheme", "user", "password", "options",  "host",
                                          "port",   "path", "query",    "fragment", "zoneid"};

std::string url_part(const std::string& text, std::string_view part) {
  auto url = parse_url(text);
  if (!url) return "";
  if (part == "fragment") {
    auto hash = text.find('#');
    return hash == std::string::npos ? "" : text.substr(hash + 1);
  }
  auto colon = url->userinfo.find(':');
  std::string_view target = url->target;
  auto q = target.find('?');
  if (part == "scheme") return url->scheme;
  if (part == "user") return url->userinfo.substr(0, colon);
  if (part == "password") return colon == std::string::npos ? "" : url->userinfo.substr(colon + 1);
  if (part == "host")
    return url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  if (part == "port") return std::to_string(url->port);
  if (part == "path") return std::string(target.substr(0, q));
  if (part == "query") return q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  return "";  // options, zoneid
}

using VarMap = std::map<std::string, Var, std::less<>>;

VarMap make_variables() {
  VarMap vars = {
      {"content_type", {[](auto& r, int) { return r.content_type; }, Json::string}},
      {"errormsg", {[](auto& r, int) { return errormsg(r); }, Json::nullable}},
      {"exitcode", {[](auto&, int c) { return std::to_string(c); }, Json::number}},
      {"filename_effective", {[](auto& r, int) { return r.filename_effective; }, Json::nullable}},
      {"local_ip", {[](auto& r, int) { return r.local_ip; }, Json::string}},
      {"local_port", {[](auto& r, int) { return std::to_string(r.local_port); }, Json::number}},
      {"num_headers",
       {[](auto& r, int) { return std::to_string(r.headers.list().size()); }, Json::number}},
      {"speed_upload",
       {[](auto& r, int) { return fmt::format("{:.0f}", r.speed_upload()); }, Json::number}},
      {"time_pretransfer",
       {[](auto& r, int) { return seconds(r.time_pretransfer); }, Json::number}},
      {"time_redirect", {[](auto& r, int) { return seconds(r.time_redirect); }, Json::number}},
      {"url", {[](auto& r, int) { return r.url; }, Json::string}},
      {"urlnum", {[](auto& r, int) { return std::to_string(r.url_num); }, Json::number}},
      {"http_connect",
       {[](auto& r, int) { return fmt::format("{:03d}", r.http_connect); }, Json::number}},
      {"http_code",
       {[](auto& r, int) { return fmt::format("{:03d}", r.http_code); }, Json::number}},
      {"response_code",
       {[](auto& r, int) { return fmt::format("{:03d}", r.http_code); }, Json::number}},
      {"http_version",
       {[](auto& r, int) {  // curl's: "1" for HTTP/1.0, "1.1", "2", "3"
          return r.http_version.empty() ? "0" : r.http_version == "1.0" ? "1" : r.http_version;
        },
        Json::string}},
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
      {"size_request", {[](auto& r, int) { return std::to_string(r.size_request); }, Json::number}},
      {"ssl_verify_result",
       {[](auto& r, int) { return std::to_string(r.ssl_verify_result); }, Json::number}},
      {"speed_download",
       {[](auto& r, int) { return fmt::format("{:.0f}", r.speed_download()); }, Json::number}},
      {"time_appconnect", {[](auto& r, int) { return seconds(r.time_appconnect); }, Json::number}},
      {"time_connect", {[](auto& r, int) { return seconds(r.time_connect); }, Json::number}},
      {"time_namelookup", {[](auto& r, int) { return seconds(r.time_namelookup); }, Json::number}},
      {"time_starttransfer",
       {[](auto& r, int) { return seconds(r.time_starttransfer); }, Json::number}},
      {"time_total", {[](auto& r, int) { return seconds(r.time_total); }, Json::number}},
      {"url_effective", {[](auto& r, int) { return r.url_effective; }, Json::string}},
      {"referer", {[](auto& r, int) { return r.referer; }, Json::nullable}},
      {"proxy_used", {[](auto& r, int) { return r.proxy_used ? "1" : "0"; }, Json::number}},
      {"conn_id", {[](auto& r, int) { return std::to_string(r.conn_id); }, Json::number}},
      {"xfer_id", {[](auto& r, int) { return std::to_string(r.xfer_id); }, Json::number}},
      {"time_posttransfer",
       {[](auto& r, int) { return seconds(r.time_posttransfer); }, Json::number}},
      // What sluice never has: no queue before a transfer, no TLS early data,
      // no --cert-info, no FTP, no TLS to a proxy.
      {"time_queue", {[](auto&, int) { return seconds(0); }, Json::number}},
      {"tls_earlydata", {[](auto&, int) { return std::string("0"); }, Json::number}},
      {"num_certs", {[](auto&, int) { return std::string("0"); }, Json::number}},
      {"certs", {[](auto&, int) { return std::string(); }, Json::string}},
      {"ftp_entry_path", {[](auto&, int) { return std::string(); }, Json::nullable}},
      {"proxy_ssl_verify_result", {[](auto&, int) { return std::string("0"); }, Json::number}},
      {"curl_version", {[](auto&, int) { return std::string(kVersionText); }, Json::string}},
  };
  for (auto [prefix, effective] : {std::pair{"url.", false}, std::pair{"urle.", true}})
    for (auto part : kUrlParts)
      vars.emplace(prefix + std::string(part), Var{[part, effective](auto& r, int) {
                                                     return url_part(
                                                         effective ? r.url_effective : r.url, part);
                                                   },
                                                   Json::nullable});
  return vars;
}

const VarMap& variables() {
  static const VarMap vars = make_variables();
  return vars;
}

}  // namespace

std::string write_out_help() {
  std::string names;
  for (const auto& [name, var] : variables()) names += fmt::format("%{{{}}} ", name);
  return "Variables: " + names +
         "%{json} (all of them as one JSON object), %{header_json}, %header{NAME}, "
         "%{onerror} (the rest only for a failed transfer), %{stderr} and %{stdout} (where the "
         "rest goes). Escapes: \\n \\r \\t \\\\ and %%. "
         "Times are seconds from the start of the transfer; sizes are bytes. -w @FILE reads the "
         "format from FILE, line ends dropped, as curl does.";
}

std::vector<std::string> write_out_variables() {
  std::vector<std::string> out;
  for (const auto& [name, var] : variables()) out.push_back(fmt::format("%{{{}}}", name));
  for (const char* extra : {"%{json}", "%{header_json}", "%{onerror}", "%{stderr}", "%{stdout}"})
    out.push_back(extra);
  return out;
}

// %{header_json}: every response field, names lower case, values in arrays
// (a repeated field keeps each value), as curl 8 prints it.
std::string header_json(const fetch::Report& r) {
  std::vector<std::pair<std::string, std::vector<std::string>>> fields;
  for (const auto& [name, value] : r.headers.list()) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return f.first == lower; });
    if (it == fields.end()) it = fields.insert(fields.end(), {lower, {}});
    it->second.push_back(value);
  }
  std::string out = "{";  // one field a line, as curl 8 prints it
  for (const auto& [name, values] : fields) {
    out += (out.size() > 1 ? ",\n" : "") + fmt::format("\"{}\":[", json_escape(name));
    for (std::size_t i = 0; i < values.size(); ++i)
      out += (i ? "," : "") + fmt::format("\"{}\"", json_escape(values[i]));
    out += "]";
  }
  return out + (fields.empty() ? "}" : "\n}");
}

std::string report_json(const fetch::Report& r, int exit_code) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, var] : variables()) {
    std::string v = var.get(r, exit_code);
    if (name == "http_code" || name == "response_code") v = std::to_string(r.http_code);
    if (name == "http_connect") v = std::to_string(r.http_connect);  // "000" is for text only
    bool null = v.empty() && var.type != Json::string;               // as curl
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
  return render_write_out_streams(tmpl, r, exit_code, unknown).out;
}

WriteOut render_write_out_streams(const std::string& tmpl, const fetch::Report& r, int exit_code,
                                  std::vector<std::string>* unknown) {
  WriteOut result;
  std::string* out = &result.out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '\\' && i + 1 < tmpl.size()) {
      char n = tmpl[++i];
      if (n == 'n')
        *out += '\n';
      else if (n == 'r')
        *out += '\r';
      else if (n == 't')
        *out += '\t';
      else if (n == '\\')
        *out += '\\';
      else
        (*out += '\\') += n;
      continue;
    }
    if (c != '%' || i + 1 >= tmpl.size()) {
      *out += c;
      continue;
    }
    if (tmpl[i + 1] == '%') {
      *out += '%';
      ++i;
      continue;
    }
    // %header{name}: that response field's value; the first one when it repeats, as curl.
    bool header = std::string_view(tmpl).substr(i + 1).starts_with("header{");
    std::size_t open = header ? i + 7 : i + 1;
    if (tmpl[open] != '{') {
      *out += c;
      continue;
    }
    auto close = tmpl.find('}', open + 1);
    if (close == std::string::npos) {
      *out += tmpl.substr(i);
      break;
    }
    std::string_view name(tmpl.data() + open + 1, close - open - 1);
    i = close;
    auto& vars = variables();
    if (header) {
      auto first = std::ranges::find_if(
          r.headers.list(), [&](const auto& field) { return iequals(field.first, name); });
      if (first != r.headers.list().end()) *out += first->second;
    } else if (name == "onerror") {
      if (exit_code == 0) break;  // the rest is for failed transfers only
    } else if (name == "stderr" || name == "stdout") {
      out = name == "stderr" ? &result.err : &result.out;
    } else if (name == "json") {
      *out += report_json(r, exit_code);
    } else if (name == "header_json") {
      *out += header_json(r);
    } else if (auto it = vars.find(name); it != vars.end()) {
      *out += it->second.get(r, exit_code);
    } else if (unknown) {
      unknown->emplace_back(name);  // rendered as nothing, as curl does
    }
  }
  return result;
}

}  // namespace sluice::cli
