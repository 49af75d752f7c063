// The web front end, embedded in the binary at build time (no files to deploy, no CDN).
// Until the dashboard (its own issue) lands, a live table of the city's facilities, zh and en.
#pragma once

#include <string_view>

namespace pg::web {

std::string_view IndexHtml();

}  // namespace pg::web
