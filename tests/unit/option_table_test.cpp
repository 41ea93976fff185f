#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>
#include <vector>

#include "cli/option_binders.hpp"

using Catch::Matchers::ContainsSubstring;
using sluice::cli::CommandSpec;
using sluice::cli::counted;
using sluice::cli::flag;
using sluice::cli::render_bash;
using sluice::cli::render_fish;
using sluice::cli::render_help;
using sluice::cli::render_man;
using sluice::cli::render_zsh;
using sluice::cli::split_names;
using sluice::cli::value;

namespace {

struct Args {
  std::vector<std::string> urls;
  std::string output;
  std::string method;
  bool insecure = false;
  int verbose = 0;
  double max_time = 0;
  std::string long_one;
};

CommandSpec get_like(Args& a) {
  CommandSpec s;
  s.name = "get";
  s.usage = "sluice get [OPTIONS] URL...";
  s.summary = "Fetch URLs over HTTP";
  s.description = "Fetches each URL in order.\n.Starts with a dot on purpose.";
  s.options = {
      value("urls", "URL", "URLs to fetch", a.urls),
      value("-o,--output", "FILE", "Write the body to FILE", a.output, true),
      value("-X,--request", "METHOD", "Request method to use", a.method),
      flag("-k,--insecure", "Do not verify the server certificate", a.insecure),
      counted("-v,--verbose", "Show headers 'Name: value' [more with -vv]", a.verbose),
      value("-m,--max-time", "SECONDS", "Maximum time for each transfer", a.max_time),
      value("--a-rather-long-option-name", "SOMETHING", "Wraps onto its own line", a.long_one),
  };
  s.extra_sections = {{"Examples", "sluice get -o out.html https://example.com/"}};
  return s;
}

CommandSpec serve_like() {
  CommandSpec s;
  s.name = "serve";
  s.usage = "sluice serve [OPTIONS]";
  s.summary = "A test server";
  return s;
}

// Every long option of spec, e.g. "--output".
std::vector<std::string> long_options(const CommandSpec& spec) {
  std::vector<std::string> out;
  for (const auto& o : spec.options)
    for (const auto& n : split_names(o.names))
      if (n.starts_with("--")) out.push_back(n);
  return out;
}

// How roff shows text: '-' is written "\-".
std::string roff_dashes(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("split_names", "[option_table]") {
  CHECK(split_names("-o,--output") == std::vector<std::string>{"-o", "--output"});
  CHECK(split_names("--data-binary") == std::vector<std::string>{"--data-binary"});
  CHECK(split_names("urls") == std::vector<std::string>{"urls"});
}

TEST_CASE("OptionSpec::positional", "[option_table]") {
  Args a;
  auto spec = get_like(a);
  CHECK(spec.options[0].positional());
  CHECK_FALSE(spec.options[1].positional());
}

TEST_CASE("render_help lists every option", "[option_table]") {
  Args a;
  auto spec = get_like(a);
  auto help = render_help(spec);
  INFO(help);
  CHECK(help.starts_with("Usage: sluice get [OPTIONS] URL...\n"));
  CHECK_THAT(help, ContainsSubstring("Fetch URLs over HTTP"));
  CHECK_THAT(help, ContainsSubstring("Fetches each URL in order."));
  for (const auto& o : spec.options) {
    if (o.positional()) continue;
    INFO(o.names);
    for (const auto& n : split_names(o.names)) CHECK_THAT(help, ContainsSubstring(n));
    CHECK_THAT(help, ContainsSubstring(o.help));
  }
  CHECK_THAT(help, ContainsSubstring("-o, --output FILE"));
  CHECK_THAT(help, ContainsSubstring("-k, --insecure "));
  CHECK_THAT(help, ContainsSubstring("-h, --help"));
  CHECK_THAT(help, ContainsSubstring("Examples:\nsluice get -o out.html"));
  // A label too long for the column gets its own line, the help the next one.
  CHECK_THAT(help, ContainsSubstring("--a-rather-long-option-name SOMETHING\n"));
  // Positionals are not options.
  CHECK_THAT(help, !ContainsSubstring("URLs to fetch"));
}

TEST_CASE("render_man has .TH and every long option", "[option_table]") {
  Args a;
  auto get = get_like(a);
  auto serve = serve_like();
  auto man = render_man({get, serve}, "0  Success\n7  Failed to connect");
  INFO(man);
  CHECK_THAT(man, ContainsSubstring("\n.TH SLUICE 1 "));
  CHECK_THAT(man, ContainsSubstring(".SH NAME\n"));
  CHECK_THAT(man, ContainsSubstring(".SH SYNOPSIS\n"));
  CHECK_THAT(man, ContainsSubstring(".SH EXIT CODES\n"));
  CHECK_THAT(man, ContainsSubstring("7  Failed to connect"));
  for (const auto& n : long_options(get)) {
    INFO(n);
    CHECK_THAT(man, ContainsSubstring(roff_dashes(n)));
  }
  for (const auto& o : get.options) {
    if (o.positional()) continue;
    INFO(o.help);
    CHECK_THAT(man, ContainsSubstring(roff_dashes(o.help)));
  }
  CHECK_THAT(man, ContainsSubstring(".B \\-o, \\-\\-output FILE\n"));
  CHECK_THAT(man, ContainsSubstring(".SH SLUICE get\n"));
  CHECK_THAT(man, ContainsSubstring(".SH SLUICE serve\n"));
  CHECK_THAT(man, ContainsSubstring(".SS Examples\n"));
  // A description line starting with '.' must not become a roff request.
  CHECK_THAT(man, ContainsSubstring("\n\\&.Starts with a dot"));
  CHECK_THAT(man, !ContainsSubstring("\n.Starts"));
  CHECK_THAT(man, !ContainsSubstring("URLs to fetch"));
}

TEST_CASE("render_man escapes backslashes", "[option_table]") {
  Args a;
  auto spec = get_like(a);
  spec.options[1].help = "Path like C:\\dir";
  auto man = render_man({spec}, "");
  CHECK_THAT(man, ContainsSubstring("Path like C:\\edir"));
}

TEST_CASE("bash, zsh and fish completions mention every long option", "[option_table]") {
  Args a;
  auto get = get_like(a);
  auto serve = serve_like();
  const std::vector<CommandSpec> specs{get, serve};
  auto bash = render_bash(specs);
  auto zsh = render_zsh(specs);
  auto fish = render_fish(specs);

  for (const auto& n : long_options(get)) {
    INFO(n);
    CHECK_THAT(bash, ContainsSubstring(n + " "));
    CHECK_THAT(zsh, ContainsSubstring("'" + n + "["));
    CHECK_THAT(fish, ContainsSubstring(" -l " + n.substr(2)));
  }
  CHECK_THAT(bash, ContainsSubstring("--help"));
  CHECK_THAT(bash, ContainsSubstring("complete -F _sluice sluice"));
  CHECK_THAT(bash, ContainsSubstring("get serve "));
  CHECK_THAT(bash, ContainsSubstring("    serve)\n"));

  CHECK(zsh.starts_with("#compdef sluice\n"));
  CHECK_THAT(zsh, ContainsSubstring("'get:Fetch URLs over HTTP'"));
  CHECK_THAT(zsh, ContainsSubstring("'--output[Write the body to FILE]:file:_files'"));
  CHECK_THAT(zsh, ContainsSubstring("'-o[Write the body to FILE]:file:_files'"));
  CHECK_THAT(zsh, ContainsSubstring("'--request[Request method to use]:METHOD:'"));
  // Quotes, brackets and colons in the help are escaped for zsh.
  CHECK_THAT(zsh, ContainsSubstring("'--verbose[Show headers '\\''Name\\: value'\\'' "
                                    "\\[more with -vv\\]]'"));

  CHECK_THAT(fish, ContainsSubstring("-a get -d 'Fetch URLs over HTTP'"));
  CHECK_THAT(fish, ContainsSubstring("__fish_seen_subcommand_from get' -s o -l output -r -F"));
  CHECK_THAT(fish,
             ContainsSubstring("-s X -l request -r -f -d 'Request method to use'"));  // no files
  CHECK_THAT(fish, ContainsSubstring("-s k -l insecure -d"));
  CHECK_THAT(fish, ContainsSubstring("-d 'Show headers \\'Name: value\\' [more with -vv]'"));
  CHECK_THAT(fish, !ContainsSubstring("URLs to fetch"));
}

TEST_CASE("zsh completion escapes a quote in a summary", "[option_table][bug]") {
  // render_zsh escapes option help but writes the summary raw into '...': an
  // apostrophe ends the quoted word and breaks the generated script.
  auto spec = serve_like();
  spec.summary = "Serve the user's files";
  auto zsh = render_zsh({spec});
  INFO(zsh);
  CHECK_THAT(zsh, ContainsSubstring("'serve:Serve the user'\\''s files'"));
}

TEST_CASE("bind_all registers the options on a CLI11 app", "[option_table]") {
  Args a;
  auto spec = get_like(a);
  CLI::App app;
  bind_all(app, spec);
  std::vector<std::string> argv_s = {"sluice", "-o", "out.txt", "-vv",       "--insecure", "-m",
                                     "2.5",    "-X", "PUT",     "http://a/", "http://b/"};
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  REQUIRE_NOTHROW(app.parse(static_cast<int>(argv.size()), argv.data()));
  CHECK(a.output == "out.txt");
  CHECK(a.verbose == 2);
  CHECK(a.insecure);
  CHECK(a.max_time == 2.5);
  CHECK(a.method == "PUT");
  CHECK(a.urls == std::vector<std::string>{"http://a/", "http://b/"});
}
