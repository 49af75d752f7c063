// The weekly report's words, for report.cc. Not part of the analytics interface.
#pragma once

#include <map>
#include <string_view>
#include <utility>

namespace pg::analytics {

// The report's words by key, as (Chinese, English); a key missing here is a programming error.
const std::map<std::string_view, std::pair<std::string_view, std::string_view>>& ReportWords();

}  // namespace pg::analytics
