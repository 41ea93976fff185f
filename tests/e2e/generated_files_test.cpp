// The man page and completions are generated from the option tables and checked
// in: this fails when a checked-in file differs from what the binary prints.
#include <catch2/catch_test_macros.hpp>
#include <sstream>
#include <string>

#include "support.hpp"

TEST_CASE("checked-in man page and completions are up to date", "[docs]") {
  const std::pair<const char*, const char*> files[] = {
      {"man", "man/sluice.1"},
      {"bash", "completions/sluice.bash"},
      {"zsh", "completions/_sluice"},
      {"fish", "completions/sluice.fish"},
  };
  for (auto [kind, path] : files) {
    auto r = e2e::sh(std::string(e2e::sluice_bin()) + " --generate " + kind);
    REQUIRE(r.exit_code == 0);
    INFO(path << " is stale: run scripts/generate-docs.sh");
    CHECK(r.out == e2e::slurp(std::string(SLUICE_SOURCE_DIR) + "/" + path));
  }
}

// What bash offers for the words so far ("sluice get -X P"): the completion
// function run as bash runs it, one candidate per line.
std::string bash_completes(const std::string& words) {
  auto r = e2e::sh("bash -c 'source " SLUICE_SOURCE_DIR
                   "/completions/sluice.bash; "
                   "COMP_WORDS=(" +
                   words +
                   "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                   "_sluice; printf \"%s\\n\" \"${COMPREPLY[@]}\"'");
  REQUIRE(r.exit_code == 0);
  return r.out;
}

TEST_CASE("bash completion offers methods, -w variables, directories and options", "[docs]") {
  CHECK(bash_completes("sluice get -X P") == "POST\nPUT\nPATCH\n");
  CHECK(bash_completes("sluice bench --request D") == "DELETE\n");
  CHECK(bash_completes("sluice get -w %{time_t") == "%{time_total}\n");
  CHECK(bash_completes("sluice get --max-time 1") == "\n");  // a number: nothing to offer
  CHECK(bash_completes("sluice get --retry-conn") == "--retry-connrefused\n");
  // --output-dir offers directories only; a word that is not an option, files.
  std::string dir = e2e::tmpdir() + "/complete";
  REQUIRE(e2e::sh("mkdir -p " + dir + "/sub && touch " + dir + "/file").exit_code == 0);
  CHECK(bash_completes("sluice get --output-dir " + dir + "/") == dir + "/sub\n");
  auto files = bash_completes("sluice get " + dir + "/f");
  CHECK(files == dir + "/file\n");
}

TEST_CASE("every subcommand is listed in --help and documented in the man page", "[docs]") {
  auto help = e2e::sh(std::string(e2e::sluice_bin()) + " --help");
  CHECK(help.exit_code == 0);
  auto man = e2e::sh(std::string(e2e::sluice_bin()) + " --generate man");
  for (const char* cmd : {"get", "serve", "udp-probe", "bench"}) {
    INFO(cmd);
    CHECK(help.out.find(cmd) != std::string::npos);
    std::string roff_name;  // roff writes '-' as "\-"
    for (const char* c = cmd; *c; ++c)
      roff_name += *c == '-' ? std::string("\\-") : std::string(1, *c);
    CHECK(man.out.find("SLUICE " + roff_name) != std::string::npos);
  }
  for (const char* flag : {"\\-\\-max\\-buffer", "\\-\\-write\\-out", "EXIT CODES"}) {
    INFO(flag);
    CHECK(man.out.find(flag) != std::string::npos);
  }
}

// The man page's EXAMPLES run real commands: each option they use must be one
// their subcommand's --help lists.
TEST_CASE("the man page's examples use only options their subcommand has", "[docs]") {
  auto man = e2e::sh(std::string(e2e::sluice_bin()) + " --generate man");
  std::string text;  // roff's "\-" back to "-"
  for (std::size_t i = 0; i < man.out.size(); ++i) {
    if (man.out.compare(i, 2, "\\-") == 0) ++i;
    text += man.out[i];
  }
  auto at = text.find(".SH EXAMPLES");
  REQUIRE(at != std::string::npos);
  std::istringstream lines(text.substr(at, text.find(".SH", at + 1) - at));
  int commands = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first, cmd;
    if (!(words >> first >> cmd) || first != "sluice") continue;
    ++commands;
    auto help = e2e::sh(std::string(e2e::sluice_bin()) + " " + cmd + " --help");
    REQUIRE(help.exit_code == 0);
    for (std::string w; words >> w;) {
      if (w.size() < 2 || w[0] != '-' || (w[1] >= '0' && w[1] <= '9')) continue;
      INFO(line << ": " << w);
      if (w[1] == '-') {
        // The whole name: "--http3" must not pass on "--http3-only".
        std::string name = w.substr(0, w.find('='));
        CHECK((help.out.find(name + " ") != std::string::npos ||
               help.out.find(name + ",") != std::string::npos ||
               help.out.find(name + "\n") != std::string::npos));
      } else {
        for (char c : w.substr(1))
          CHECK(help.out.find(std::string("-") + c + ",") != std::string::npos);
      }
    }
  }
  CHECK(commands >= 8);
}

TEST_CASE("every checked-in benchmark result is valid JSON", "[docs][bench]") {
  // The scripts compute with bc, which prints 0.5 as ".5": not JSON, and a
  // reader of results/*.json would choke on exactly the ratios that matter.
  auto r = e2e::sh(SLUICE_PYTHON3
                   " -c 'import glob, json, sys\n"
                   "files = glob.glob(sys.argv[1] + \"/*.json\")\n"
                   "assert files\n"
                   "for f in files: json.load(open(f))\n"
                   "print(len(files))' " SLUICE_SOURCE_DIR "/bench-scripts/results");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(std::stoi("0" + r.out) > 0);
}
