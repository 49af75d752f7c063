// RFC 4180 CSV: reading records with the line each starts on, and quoting cells for writing.
//
// Made for files a person exported from a spreadsheet: a UTF-8 byte-order mark is skipped; CRLF,
// LF and lone CR (old Mac Excel) all end a record; quoted cells may hold commas, doubled quotes
// and line breaks. The reader does not trim cells, skip blank records or interpret anything: that
// is the caller's business, since only it knows which line a clerk would want to be told about.
//
//   PG_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(text));
//   for (const CsvRecord& r : records) Use(r.line, r.cells);
//
// Not checked: that the text is valid UTF-8 (see ValidateUtf8), that records have equal lengths.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pg {

struct CsvRecord {
  int line = 0;  // 1-based physical line on which the record starts
  std::vector<std::string> cells;
};

// Splits `text` into records. A final line break does not start an empty record; an empty line
// between records is returned as a record with one empty cell.
// Errors: kInvalidArgument when a quoted cell is not closed before the end of the text, or when
// text follows a closing quote inside a cell (`"a"b`); the line at fault goes to `*error_line`
// when it is not null.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, int* error_line = nullptr);

// The text with a leading UTF-8 byte-order mark removed, when there is one.
std::string_view StripUtf8Bom(std::string_view text);

// Errors: kInvalidArgument when a byte sequence is not well-formed UTF-8; its 1-based line goes to
// `*error_line` when it is not null.
Status ValidateUtf8(std::string_view text, int* error_line = nullptr);

// One cell as RFC 4180 writes it: quoted when it holds a comma, a quote, a line break or leading or
// trailing spaces (which spreadsheets would otherwise drop); quotes inside are doubled.
std::string CsvCell(std::string_view value);

// Cells joined by commas and ended with CRLF (RFC 4180's line break, which Excel expects).
std::string CsvLine(const std::vector<std::string>& cells);

}  // namespace pg
