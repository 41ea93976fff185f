// `udp-probe` and `bench` are listed in --help and documented, but their
// engines land with their own issues. Until then they say so and exit 2.
#include <fmt/format.h>

#include "cli/commands.hpp"

namespace sluice::cli {

struct ProbeArgs {
  std::vector<std::string> rest;
};
struct BenchArgs {
  std::vector<std::string> rest;
};

std::shared_ptr<ProbeArgs> make_probe_args() { return std::make_shared<ProbeArgs>(); }
std::shared_ptr<BenchArgs> make_bench_args() { return std::make_shared<BenchArgs>(); }

CommandSpec probe_spec(ProbeArgs& a) {
  CommandSpec s;
  s.name = "udp-probe";
  s.usage = "sluice udp-probe [OPTIONS] HOST:PORT";
  s.summary = "Send UDP datagrams and measure ICMP errors, wake-ups and CPU (not implemented yet).";
  s.options = {value("args", "ARG", "arguments", a.rest)};
  return s;
}

CommandSpec bench_spec(BenchArgs& a) {
  CommandSpec s;
  s.name = "bench";
  s.usage = "sluice bench [OPTIONS] URL...";
  s.summary = "HTTP load generator with HDR latency histograms (not implemented yet).";
  s.options = {value("args", "ARG", "arguments", a.rest)};
  return s;
}

int run_probe(ProbeArgs&) {
  fmt::print(stderr, "sluice udp-probe: not implemented yet\n");
  return 2;
}

int run_bench(BenchArgs&) {
  fmt::print(stderr, "sluice bench: not implemented yet\n");
  return 2;
}

}  // namespace sluice::cli
