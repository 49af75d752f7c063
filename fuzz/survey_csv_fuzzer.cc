// The city's survey CSV files (docs/formats/survey.md) as `parkguide import-registry` reads them.
// The input holds one or more files, each after a line "== NAME" (NAME says which kind of entry:
// facilities, bays, …; ".csv" is added); without such a first line it is one facilities.csv.
// A survey that reads without error must write and read back equal (fuzz/survey_support.h).
#include <cctype>

#include "fuzz/survey_support.h"

namespace {

// A file name of letters, digits and '_' (so the scratch path stays inside its directory).
std::string FileName(std::string_view wanted) {
  std::string name;
  for (char c : wanted.substr(0, 40)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') name.push_back(c);
  }
  return (name.empty() ? std::string("facilities") : name) + ".csv";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = pg::fuzz::AsText(data, size);
  std::vector<std::string> files;
  std::string name = "facilities.csv";
  while (true) {
    if (text.starts_with("== ")) {
      const size_t nl = text.find('\n');
      name = FileName(text.substr(3, nl == std::string_view::npos ? nl : nl - 3));
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    size_t next = text.find("\n== ");
    std::string_view content = text.substr(0, next == std::string_view::npos ? next : next + 1);
    files.push_back(pg::fuzz::ScratchFile(std::to_string(files.size()) + "/" + name, content));
    if (next == std::string_view::npos || files.size() == 8) break;
    text = text.substr(next + 1);
  }
  pg::fuzz::ReadSurveyAndRoundTrip(files);
  return 0;
}
