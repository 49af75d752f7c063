#include "core/csv.h"

#include <fmt/format.h>

#include <cstdint>

namespace pg {

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, int* error_line) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string cell;
  int line = 1;
  record.line = 1;
  bool in_quotes = false;
  bool after_quote = false;  // a quoted cell has been closed; only a separator may follow
  bool record_open = false;  // something of the current record has been read
  int quote_line = 0;

  auto end_cell = [&] {
    record.cells.push_back(std::move(cell));
    cell.clear();
    after_quote = false;
  };
  auto end_record = [&] {
    end_cell();
    records.push_back(std::move(record));
    record = CsvRecord{};
    record_open = false;
  };

  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          in_quotes = false;
          after_quote = true;
        }
        continue;
      }
      // A line break inside quotes belongs to the cell; it is kept as LF whatever the file used,
      // so the same survey reads the same from a CRLF and an LF file.
      if (c == '\r') {
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        cell += '\n';
        ++line;
        continue;
      }
      if (c == '\n') ++line;
      cell += c;
      continue;
    }
    if (!record_open) {
      record.line = line;
      record_open = true;
    }
    if (c == ',') {
      end_cell();
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      continue;
    }
    if (after_quote) {
      if (error_line) *error_line = line;
      return InvalidArgument(
          "text after the closing quote of a cell (a quote inside a quoted cell is written \"\")");
    }
    if (c == '"' && cell.empty()) {
      in_quotes = true;
      quote_line = line;
      continue;
    }
    cell += c;
  }
  if (in_quotes) {
    if (error_line) *error_line = quote_line;
    return InvalidArgument("a quoted cell opened here is not closed before the end of the file");
  }
  if (record_open) end_record();
  return records;
}

std::string_view StripUtf8Bom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

Status ValidateUtf8(std::string_view text, int* error_line) {
  int line = 1;
  auto bad = [&](std::string_view why) {
    if (error_line) *error_line = line;
    return InvalidArgument(std::string(why));
  };
  size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b == '\n') ++line;
    int extra = 0;
    uint32_t min = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      extra = 1;
      min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      extra = 2;
      min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      extra = 3;
      min = 0x10000;
    } else {
      return bad("not UTF-8");
    }
    if (i + extra >= text.size()) {
      return bad("not UTF-8 (a character is cut off)");
    }
    uint32_t cp = b & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return bad("not UTF-8");
      cp = (cp << 6) | (cont & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 either.
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return bad("not UTF-8");
    }
    i += extra + 1;
  }
  return Status::Ok();
}

std::string CsvCell(std::string_view value) {
  bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvCell(cells[i]);
  }
  out += "\r\n";
  return out;
}

}  // namespace pg
