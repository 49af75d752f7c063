// The fuzzers' inputs replayed without libFuzzer: every crash found so far (fuzz/regressions/) and
// every committed seed (fuzz/seeds/) through the fuzzer's LLVMFuzzerTestOneInput, in the ordinary
// test build — so the ci and ASan+UBSan test runs check them on every commit, with gcc, while
// libFuzzer's exploration stays with `make fuzz` (docs/fuzzing.md).
//
//   graph_file_replay fuzz/regressions/graph_file fuzz/seeds/graph_file
//
// Each argument is a file or a directory (read recursively, in name order). A crash is the
// failure: the sanitizers or the fuzzer's own property check abort the process, naming the input
// on stderr first.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> InputsOf(const std::filesystem::path& arg) {
  if (!std::filesystem::is_directory(arg)) return {arg};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::exists(argv[i])) {
      std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
      return 1;
    }
    for (const auto& file : InputsOf(argv[i])) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replaying %s\n", file.c_str());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("%zu inputs replayed, none crashed\n", replayed);
  return replayed > 0 ? 0 : 1;
}
