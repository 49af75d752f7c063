// Printing an HTML file to PDF with headless Chromium (Debian's `chromium` package), in a fresh
// profile directory and with every network feature that could reach out switched off: the
// report is self-contained, so printing never needs the network. Chromium runs in the idle
// scheduling class (SCHED_IDLE): a report printed inside the server never competes with ingest.
//
// Thread-safety: reentrant; each call runs its own Chromium process.
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"

namespace pg::analytics {

// True when `chromium` names an executable file.
bool ChromiumAvailable(const std::string& chromium = "/usr/bin/chromium");

// Prints `html_path` to `pdf_path`. Errors: kUnavailable when Chromium is missing, fails, times
// out (it is killed) or writes no PDF.
Status PrintToPdf(const std::string& html_path, const std::string& pdf_path,
                  const std::string& chromium = "/usr/bin/chromium",
                  std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace pg::analytics
