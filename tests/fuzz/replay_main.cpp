// The main() of a fuzz target in the normal (gcc) builds: runs
// LLVMFuzzerTestOneInput once on every file named on the command line, or in
// a directory named there, as libFuzzer would replay them. CTest runs it on
// each checked-in corpus (fuzz-replay:TARGET), so every build checks that no
// input found so far crashes or breaks an invariant again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// The input goes in a heap block of exactly its size, so that ASan (asan
// preset) catches a read one byte past its end as libFuzzer's run would.
void replay(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto exact = std::make_unique<uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), exact.get());
  LLVMFuzzerTestOneInput(exact.get(), bytes.size());
}

// The files an argument names, sorted so that runs are reproducible.
std::vector<fs::path> inputs_of(const fs::path& arg) {
  if (!fs::is_directory(arg)) return {arg};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(arg))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  LLVMFuzzerTestOneInput(nullptr, 0);  // libFuzzer always tries the empty input too
  for (int i = 1; i < argc; ++i) {
    if (!fs::exists(argv[i])) {
      std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
      return 1;
    }
    for (const auto& file : inputs_of(argv[i])) {
      std::printf("replay: %s\n", file.c_str());
      std::fflush(stdout);  // the last name printed is the input that crashed
      replay(file);
      ++count;
    }
  }
  std::printf("replay: %zu inputs, no failure\n", count);
  return count > 0 ? 0 : 1;  // an empty or missing corpus checks nothing: fail
}
