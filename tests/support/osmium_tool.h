// Helpers for tests that check the OSM import against osmium-tool's own reading of a file:
// running a command, and parsing osmium's OPL output into (ref, tags) without libosmium, so the
// expectation does not share code with what it checks.
//
//   auto opl = pg::testing::RunCommand("osmium tags-filter -R -f opl F nwr/amenity=parking -o -");
//   for (const auto& object : pg::testing::ParseOpl(*opl)) … object.ref == "w456" …
#pragma once

#include <sys/wait.h>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace pg::testing {

// The standard output of `command` run by /bin/sh; nullopt when it cannot run or exits non-zero.
inline std::optional<std::string> RunCommand(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

inline bool OsmiumToolAvailable() {
  return RunCommand("osmium --version >/dev/null 2>&1").has_value();
}

// Single-quotes `text` for /bin/sh.
inline std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct OplObject {
  std::string ref;  // "n123"
  std::map<std::string, std::string> tags;
};

// Decodes OPL's %hex% escapes (a Unicode code point) into UTF-8.
inline std::string DecodeOpl(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    size_t end = text.find('%', i + 1);
    if (end == std::string::npos) break;
    auto cp = static_cast<unsigned long>(std::stoul(text.substr(i + 1, end - i - 1), nullptr, 16));
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    i = end;
  }
  return out;
}

// One object per non-empty line of OPL text: its ref (type letter and id) and tags.
inline std::vector<OplObject> ParseOpl(const std::string& opl) {
  std::vector<OplObject> objects;
  std::istringstream lines(opl);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    OplObject object;
    std::istringstream fields(line);
    std::string field;
    fields >> object.ref;
    while (fields >> field) {
      if (field[0] != 'T' || field.size() == 1) continue;
      std::istringstream tags(field.substr(1));
      std::string tag;
      while (std::getline(tags, tag, ',')) {
        size_t eq = tag.find('=');
        if (eq == std::string::npos) continue;
        object.tags[DecodeOpl(tag.substr(0, eq))] = DecodeOpl(tag.substr(eq + 1));
      }
    }
    objects.push_back(std::move(object));
  }
  return objects;
}

}  // namespace pg::testing
