// The OpenAPI 3.0 document of /api/v1, embedded at build time from docs/api/openapi.json.
#pragma once

#include <string_view>

namespace pg::api {

std::string_view OpenApiDocument();

}  // namespace pg::api
