#include "core/csv.h"

#include <fmt/format.h>

#include <cstdint>

namespace pg {

namespace {

// RFC 4180's state machine over the text, one character (or CRLF, or doubled quote) at a time.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) { record_.line = 1; }

  Result<std::vector<CsvRecord>> Read(int* error_line) {
    for (i_ = 0; i_ < text_.size(); ++i_) {
      if (in_quotes_) {
        Quoted(text_[i_]);
      } else if (!Plain(text_[i_])) {
        if (error_line) *error_line = line_;
        return InvalidArgument(
            "text after the closing quote of a cell (a quote inside a quoted cell is written "
            "\"\")");
      }
    }
    if (in_quotes_) {
      if (error_line) *error_line = quote_line_;
      return InvalidArgument("a quoted cell opened here is not closed before the end of the file");
    }
    if (record_open_) EndRecord();
    return std::move(records_);
  }

 private:
  bool Next(char c) const { return i_ + 1 < text_.size() && text_[i_ + 1] == c; }

  void Quoted(char c) {
    if (c == '"') {
      if (Next('"')) {
        cell_ += '"';
        ++i_;
      } else {
        in_quotes_ = false;
        after_quote_ = true;
      }
      return;
    }
    // A line break inside quotes belongs to the cell; it is kept as LF whatever the file used,
    // so the same survey reads the same from a CRLF and an LF file.
    if (c == '\r') {
      if (Next('\n')) ++i_;
      c = '\n';
    }
    if (c == '\n') ++line_;
    cell_ += c;
  }

  // False on text after a closing quote.
  bool Plain(char c) {
    if (!record_open_) {
      record_.line = line_;
      record_open_ = true;
    }
    if (c == ',') {
      EndCell();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && Next('\n')) ++i_;
      EndRecord();
      ++line_;
    } else if (after_quote_) {
      return false;
    } else if (c == '"' && cell_.empty()) {
      in_quotes_ = true;
      quote_line_ = line_;
    } else {
      cell_ += c;
    }
    return true;
  }

  void EndCell() {
    record_.cells.push_back(std::move(cell_));
    cell_.clear();
    after_quote_ = false;
  }
  void EndRecord() {
    EndCell();
    records_.push_back(std::move(record_));
    record_ = CsvRecord{};
    record_open_ = false;
  }

  const std::string_view text_;
  size_t i_ = 0;
  std::vector<CsvRecord> records_;
  CsvRecord record_;
  std::string cell_;
  int line_ = 1;
  bool in_quotes_ = false;
  bool after_quote_ = false;  // a quoted cell has been closed; only a separator may follow
  bool record_open_ = false;  // something of the current record has been read
  int quote_line_ = 0;
};

}  // namespace

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, int* error_line) {
  return CsvReader(text).Read(error_line);
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
