// sluice: one binary, four subcommands. Dispatches to cli/<name>.cpp, prints
// --help/--version, and generates the man page and completions from the option
// tables (`sluice --generate man|bash|zsh|fish`).
#include <signal.h>

#include <cstring>

#include "cli/commands.hpp"
#include "core/http/output.hpp"

using namespace sluice::cli;

namespace {

constexpr const char* kVersion = "sluice 0.1.0";

// Specs bound to throw-away argument structs: for --help and the generators.
struct AllSpecs {
  std::shared_ptr<GetArgs> get = make_get_args();
  std::shared_ptr<ServeArgs> serve = make_serve_args();
  std::shared_ptr<ProbeArgs> probe = make_probe_args();
  std::shared_ptr<BenchArgs> bench = make_bench_args();
  std::vector<CommandSpec> list() {
    return {get_spec(*get), serve_spec(*serve), probe_spec(*probe), bench_spec(*bench)};
  }
};

void top_help() {
  AllSpecs all;
  fmt::print("Usage: sluice COMMAND [OPTIONS] ...\n\nCommands:\n");
  for (const auto& s : all.list()) fmt::print("  {:<10} {}\n", s.name, s.summary);
  fmt::print("\n'sluice COMMAND --help' shows a command's options. `man sluice` documents all.\n");
}

int generate(const std::string& what) {
  AllSpecs all;
  auto specs = all.list();
  if (what == "man")
    fmt::print("{}", render_man(specs, exit_code_table()));
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

template <class Args>
int run_command(int argc, char** argv, std::shared_ptr<Args> args, CommandSpec (*spec_fn)(Args&),
                int (*run_fn)(Args&)) {
  CommandSpec spec = spec_fn(*args);
  CLI::App app{spec.summary, "sluice " + spec.name};
  app.set_help_flag();  // our own help, rendered from the table
  bool help = false;
  app.add_flag("-h,--help", help);
  bind_all(app, spec);
  try {
    app.parse(argc - 1, argv + 1);
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
  return run_fn(*args);
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
    fmt::print("{}\n", kVersion);
    rc = 0;
  } else if (cmd == "--generate") {
    rc = generate(argc > 2 ? argv[2] : "");
  } else if (cmd == "get") {
    rc = run_command(argc, argv, make_get_args(), get_spec, run_get);
  } else if (cmd == "serve") {
    rc = run_command(argc, argv, make_serve_args(), serve_spec, run_serve);
  } else if (cmd == "udp-probe") {
    rc = run_command(argc, argv, make_probe_args(), probe_spec, run_probe);
  } else if (cmd == "bench") {
    rc = run_command(argc, argv, make_bench_args(), bench_spec, run_bench);
  } else {
    fmt::print(stderr, "sluice: unknown command '{}'. Try 'sluice --help'.\n", cmd);
  }
  sluice::OutputWriter::restore_all();
  return rc;
}
