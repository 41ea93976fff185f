// sluice: one binary, four subcommands. Dispatches to cli/<name>.cpp, prints
// --help/--version, and generates the man page and completions from the option
// tables (`sluice --generate man|bash|zsh|fish`).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/config_file.hpp"
#include "cli/exit_codes.hpp"
#include "cli/get_operations.hpp"
#include "cli/man_sections.hpp"
#include "cli/unknown_option.hpp"
#include "core/http/h3_module.hpp"
#include "core/http/output.hpp"
#include "core/net/tls.hpp"

using namespace sluice::cli;

namespace {

constexpr const char* kVersion = "sluice 0.1.0";

// Every subcommand, bound to throw-away argument structs: for --help and the
// generators.
std::vector<Command> all_commands() {
  return {get_command(), serve_command(), probe_command(), bench_command()};
}

// The version, and whether TLS and HTTP/3 are available: this loads both
// modules, as nothing else but a TLS or an HTTP/3 transfer does.
void print_version() {
  fmt::print("{}\n", kVersion);
  auto tls = sluice::tls::load_module();
  if (tls)
    fmt::print("TLS: {} ({})\n", (*tls)->version(), sluice::tls::module_path());
  else
    fmt::print("{}\n", tls.error().message);
  auto h3 = sluice::h3::load_module();
  if (h3)
    fmt::print("HTTP/3: {} ({})\n", (*h3)->versions(), sluice::h3::module_path());
  else
    fmt::print("{}\n", h3.error().message);
}

void top_help() {
  fmt::print("Usage: sluice COMMAND [OPTIONS] ...\n\nCommands:\n");
  for (const auto& c : all_commands()) fmt::print("  {:<10} {}\n", c.spec.name, c.spec.summary);
  fmt::print("\n'sluice COMMAND --help' shows a command's options. `man sluice` documents all.\n");
}

int help_for(const std::string& name) {
  auto commands = all_commands();
  for (const auto& c : commands)
    if (c.spec.name == name) {
      fmt::print("{}", render_help(c.spec));
      return 0;
    }
  top_help();
  return name.empty() ? 0 : 2;
}

int generate(const std::string& what) {
  auto commands = all_commands();  // owns the argument structs the specs are bound to
  std::vector<CommandSpec> specs;
  for (const auto& c : commands) specs.push_back(c.spec);
  if (what == "man")
    fmt::print("{}", render_man(specs, exit_code_table(), man_closing_sections()));
  else if (what == "bash")
    fmt::print("{}", render_bash(specs));
  else if (what == "zsh")
    fmt::print("{}", render_zsh(specs));
  else if (what == "fish")
    fmt::print("{}", render_fish(specs));
  else {
    fmt::print(stderr, "sluice: --generate takes man, bash, zsh or fish\n");
    return 2;
  }
  return 0;
}

// Whether an option (before any "--") is one of `names`.
bool asked(const std::vector<std::string>& args, std::initializer_list<const char*> names) {
  for (const auto& a : args) {
    if (a == "--") break;
    for (const char* n : names)
      if (a == n) return true;
  }
  return false;
}

// Parses one operation's arguments into the struct spec binds. Returns the
// exit code when there is nothing to run (an error, --help, --version).
std::optional<int> parse_operation(const CommandSpec& spec, std::vector<std::string> args) {
  std::vector<char*> argv = {const_cast<char*>(spec.name.c_str())};
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  CLI::App app{spec.summary, "sluice " + spec.name};
  app.set_help_flag();  // our own help, rendered from the table
  bool help = false;
  app.add_flag("-h,--help", help);
  bind_all(app, spec);
  bool help_asked = asked(args, {"-h", "--help"});
  if (asked(args, {"-V", "--version"}) && !help_asked) {  // as curl -V
    print_version();
    return 0;
  }
  if (auto unknown = unknown_option(spec, argc, argv.data()); unknown && !help_asked) {
    fmt::print(stderr, "{}\n", *unknown);
    return 2;
  }
  try {
    app.parse(argc, argv.data());
  } catch (const CLI::ParseError& e) {
    if (help) {
      fmt::print("{}", render_help(spec));
      return 0;
    }
    fmt::print(stderr, "sluice {}: {}\nTry 'sluice {} --help' for more information.\n", spec.name,
               e.what(), spec.name);
    return 2;
  }
  if (help) {
    fmt::print("{}", render_help(spec));
    return 0;
  }
  return std::nullopt;
}

int run_command(int argc, char** argv, const Command& command) {
  const CommandSpec& spec = command.spec;
  std::vector<std::string> args(argv + 2, argv + argc);
  if (spec.name == "get") {
    // -K FILE: the file's options take its place before anything parses.
    auto expanded = expand_config(spec, std::move(args));
    if (!expanded) {
      fmt::print(stderr, "sluice {}: {}\n", spec.name, expanded.error().message);
      return exit_code(expanded.error().code);
    }
    args = std::move(*expanded);
  }
  auto ops = command.next_operation ? split_operations(spec, args)
                                    : std::vector<std::vector<std::string>>{args};
  if (auto done = parse_operation(spec, std::move(ops[0]))) return *done;
  for (std::size_t i = 1; i < ops.size(); ++i)
    if (auto done = parse_operation(command.next_operation(), std::move(ops[i]))) return *done;
  return command.run();
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a closed pipe is EPIPE -> exit 23, not a silent death
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
    top_help();
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  int rc = 2;
  if (cmd == "--version" || cmd == "-V") {
    print_version();
    rc = 0;
  } else if (cmd == "help") {  // "sluice help get" is "sluice get --help"
    rc = help_for(argc > 2 ? argv[2] : "");
  } else if (cmd == "--generate") {
    rc = generate(argc > 2 ? argv[2] : "");
  } else if (cmd == "get") {
    rc = run_command(argc, argv, get_command());
  } else if (cmd == "serve") {
    rc = run_command(argc, argv, serve_command());
  } else if (cmd == "udp-probe") {
    rc = run_command(argc, argv, probe_command());
  } else if (cmd == "bench") {
    rc = run_command(argc, argv, bench_command());
  } else {
    fmt::print(stderr, "sluice: unknown command '{}'. Try 'sluice --help'.\n", cmd);
  }
  sluice::OutputWriter::restore_all();
  return rc;
}
