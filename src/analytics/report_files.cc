// The weekly report's files (analytics/report.h): writing one report as HTML or PDF, the
// server's scheduled set, and listing a folder's reports back.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "analytics/pdf.h"
#include "analytics/report.h"

namespace pg::analytics {

std::string ReportFileName(std::string_view week, std::string_view district, std::string_view lang,
                           std::string_view format) {
  return district.empty() ? fmt::format("report-{}-{}.{}", week, lang, format)
                          : fmt::format("report-{}-{}-{}.{}", week, district, lang, format);
}

Status WriteWeeklyReport(WeekStore store, const registry::Registry& registry,
                         const ReportRequest& r) {
  if (r.lang != "zh" && r.lang != "en") {
    return InvalidArgument(fmt::format("'{}' is not a report language: zh or en", r.lang), "lang");
  }
  if (r.format != "html" && r.format != "pdf") {
    return InvalidArgument(fmt::format("'{}' is not a report format: html or pdf", r.format),
                           "format");
  }
  if (r.out_path.empty()) return InvalidArgument("an output file is required", "out");
  PG_ASSIGN_OR_RETURN(Week week, ParseIsoWeek(r.week, registry.time_zone()));
  const uint64_t steps = r.format == "pdf" ? 4 : 3;
  ReportProgress(r.progress, "the week", 0, steps);
  PG_ASSIGN_OR_RETURN(WeekFigures now, ComputeWeek(store, registry, week, r.options, r.district));
  ReportProgress(r.progress, "the week before", 1, steps);
  PG_ASSIGN_OR_RETURN(WeekFigures prev,
                      ComputeWeek(store, registry, PreviousWeek(week, registry.time_zone()),
                                  r.options, r.district));
  ReportProgress(r.progress, "render", 2, steps);
  std::string html = RenderReportHtml(now, prev, r.lang, r.generated);
  // Pricing parameters shown are the options in force, not the defaults.
  std::string html_path = r.format == "html" ? r.out_path : r.out_path + ".html";
  {
    std::ofstream f(html_path, std::ios::binary | std::ios::trunc);
    f << html;
    if (!f) return Unavailable(fmt::format("cannot write {}", html_path));
  }
  if (r.format == "pdf") {
    ReportProgress(r.progress, "print the PDF", 3, steps);
    Status s = PrintToPdf(html_path, r.out_path, r.chromium);
    ReportProgress(r.progress, "print the PDF", steps, steps);
    std::error_code ec;
    std::filesystem::remove(html_path, ec);
    return s;
  }
  ReportProgress(r.progress, "render", steps, steps);
  return Status::Ok();
}

std::vector<ReportListing> ListReports(const std::string& directory) {
  namespace fs = std::filesystem;
  std::vector<ReportListing> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(directory, ec)) {
    if (!fs::is_regular_file(e.symlink_status(ec))) continue;
    std::string name = e.path().filename().string();
    // report-<YYYY-Www>[-<district>]-<lang>.<format>
    if (!name.starts_with("report-") || name.size() < 22) continue;
    auto dot = name.rfind('.');
    if (dot == std::string::npos) continue;
    ReportListing l;
    l.file = name;
    l.format = name.substr(dot + 1);
    if (l.format != "html" && l.format != "pdf") continue;
    std::string stem = name.substr(7, dot - 7);
    l.week = stem.substr(0, 8);
    auto last_dash = stem.rfind('-');
    if (last_dash == std::string::npos || last_dash < 8) continue;
    l.lang = stem.substr(last_dash + 1);
    if (l.lang != "zh" && l.lang != "en") continue;
    if (last_dash > 9) l.district = stem.substr(9, last_dash - 9);
    l.size_bytes = static_cast<int64_t>(e.file_size(ec));
    auto mtime = e.last_write_time(ec);
    l.modified = std::chrono::time_point_cast<Milliseconds>(std::chrono::file_clock::to_sys(mtime));
    out.push_back(std::move(l));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(b.week, a.district, a.lang, a.format) <
           std::tie(a.week, b.district, b.lang, b.format);
  });
  return out;
}

Result<std::string> ReadReportFile(const std::string& directory, const std::string& file) {
  if (file.empty() || file.find('/') != std::string::npos || file.starts_with('.')) {
    return NotFound(fmt::format("no report '{}'", file), "file");
  }
  const std::string path = (std::filesystem::path(directory) / file).string();
  // O_NOFOLLOW and fstat on the open descriptor: what is read is the regular file that was
  // opened, whatever happens to the name meanwhile.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return NotFound(fmt::format("no report '{}'", file), "file");
  struct stat st {};
  std::string bytes;
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular) bytes.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (regular && got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (!regular) return NotFound(fmt::format("no report '{}'", file), "file");
  if (got != bytes.size()) return Unavailable(fmt::format("cannot read the report '{}'", file));
  return bytes;
}

Result<std::vector<std::string>> WriteScheduledReports(
    ReportStore store, const registry::Registry& registry, const Week& week,
    const std::string& directory, Timestamp generated, const std::string& chromium,
    std::vector<std::string>* pdf_failures) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Unavailable(fmt::format("cannot create {}: {}", directory, ec.message()));
  PG_ASSIGN_OR_RETURN(AnalyticsOptions options, LoadOptions(store.get<store::SettingsReader>()));
  std::vector<std::string> written;
  Status first_error = Status::Ok();
  std::vector<std::string> formats = {"html"};
  if (ChromiumAvailable(chromium)) formats.emplace_back("pdf");
  for (const char* lang : {"zh", "en"}) {
    for (const auto& format : formats) {
      ReportRequest r;
      r.week = week.Label();
      r.lang = lang;
      r.format = format;
      r.options = options;
      r.chromium = chromium;
      r.generated = generated;
      r.out_path =
          (std::filesystem::path(directory) / ReportFileName(r.week, "", lang, format)).string();
      Status s = WriteWeeklyReport(store, registry, r);
      if (s.ok()) {
        written.push_back(r.out_path);
      } else if (format == "pdf") {
        // The HTML is the report; a printer failure must not make the schedule retry the week
        // every minute. The failure is logged by the caller through `pdf_failures`.
        if (pdf_failures) pdf_failures->push_back(s.ToString());
      } else if (first_error.ok()) {
        first_error = s;
      }
    }
  }
  if (!first_error.ok()) return first_error;
  return written;
}

}  // namespace pg::analytics
