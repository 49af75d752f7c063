// The weekly report (周报): one self-contained HTML document (inline CSS and SVG charts, no
// external assets) per week, language and scope, rendered from analytics::WeekFigures of the week
// and of the week before; the PDF is that HTML printed by headless Chromium (analytics/pdf.h).
//
//   PG_ASSIGN_OR_RETURN(auto files, WriteWeeklyReport(store, registry, request));
//
// File names are "report-<week>[-<district>]-<lang>.<html|pdf>" (e.g. report-2026-W47-zh.pdf),
// which is what ListReports reads back.
//
// Thread-safety: pure functions; WriteWeeklyReport writes only its output file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/analytics.h"
#include "core/progress.h"
#include "core/status.h"

namespace pg::analytics {

// Renders the report. `lang` is "zh" or "en". `generated` is shown in the footer.
std::string RenderReportHtml(const WeekFigures& week, const WeekFigures& previous,
                             std::string_view lang, Timestamp generated);

struct ReportRequest {
  std::string week;      // "2026-W47"
  std::string district;  // "" for the whole city
  std::string lang = "zh";
  std::string format = "html";  // "html" or "pdf"
  std::string out_path;         // the file to write
  AnalyticsOptions options;
  std::string chromium = "/usr/bin/chromium";
  Timestamp generated;
  // Hears each step as it starts (the week, the week before, rendering, printing), as steps done
  // of all.
  Progress progress;
};

// "report-2026-W47-zh.html" for a request.
std::string ReportFileName(std::string_view week, std::string_view district, std::string_view lang,
                           std::string_view format);

// Computes the week and the week before, renders, and writes `out_path` (for a PDF, through a
// temporary HTML file beside it). Errors: kInvalidArgument naming the field ("week", "lang",
// "format", "district"); kUnavailable when Chromium is missing or fails; those of the store.
Status WriteWeeklyReport(WeekStore store, const registry::Registry& registry,
                         const ReportRequest& request);

// A report file found in a folder.
struct ReportListing {
  std::string file;  // name only
  std::string week;
  std::string district;  // "" for the city
  std::string lang;
  std::string format;
  int64_t size_bytes = 0;
  Timestamp modified;
};
// The reports in `directory`, newest week first; an absent folder is an empty list. Only regular
// files count: a symbolic link (to anything, anywhere) is not a report.
std::vector<ReportListing> ListReports(const std::string& directory);

// The bytes of the report `file` (a name ListReports gave) in `directory`. Errors: kNotFound
// when it is not a regular file there (gone, or replaced by a link since it was listed: the
// link is not followed); kUnavailable when it cannot be read.
Result<std::string> ReadReportFile(const std::string& directory, const std::string& file);

// Writes the reports of `week` the server's schedule makes (zh and en, HTML and PDF when
// Chromium is present) into `directory`. Returns the files written. A PDF that cannot be printed
// is not an error (the HTML is the report): its failure is added to `pdf_failures` when given.
// Errors: those of WriteWeeklyReport for an HTML file, after trying every file.
Result<std::vector<std::string>> WriteScheduledReports(
    ReportStore store, const registry::Registry& registry, const Week& week,
    const std::string& directory, Timestamp generated, const std::string& chromium,
    std::vector<std::string>* pdf_failures = nullptr);

}  // namespace pg::analytics
