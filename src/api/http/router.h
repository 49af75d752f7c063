// Internal to pg_http: request-target decoding and route matching, kept apart from the socket
// code so they can be tested without a network.
//
// A pattern is a '/'-separated list of segments, each either literal ("facilities") or a whole
// parameter ("{id}"); "/" alone matches the root. Matching is exact on the number of segments —
// there is no prefix or catch-all match and a trailing slash is a different path. When several
// patterns match a path, the one with a literal where the others have a parameter, earliest in
// the path, wins ("/a/new" beats "/a/{id}"); if that pattern has no handler for the method, the
// next one that does is used.
//
// Thread-safety: a Router is built before the server starts and read-only afterwards; const
// members are safe to call concurrently.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/message.h"
#include "core/status.h"

namespace pg::api::http::internal {

// Decodes %XX escapes; with `plus_is_space` (query strings) '+' becomes ' '.
// Errors: kInvalidArgument for a '%' not followed by two hex digits.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

struct Target {
  std::string path;                   // decoded
  std::vector<std::string> segments;  // of the path, each decoded on its own; "/" has none
  std::string raw_query;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
};

// Splits a request target in origin form ("/p/a?x=1") or absolute form
// ("http://host/p/a?x=1", whose scheme and authority are dropped).
// Errors: kInvalidArgument with field "path" (not starting with '/', bad escape, NUL byte) or
// "query" (bad escape).
Result<Target> ParseTarget(std::string_view target);

class Router {
 public:
  struct Entry {
    Handler handler;
    RouteOptions options;
  };

  // Adds `handler` for `method` on `pattern`; a second Add of the same method and pattern
  // replaces the first.
  // REQUIRES: `pattern` starts with '/' and every "{...}" is a whole segment with a name.
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  enum class Outcome { kFound, kMethodNotAllowed, kNotFound };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Entry* route = nullptr;  // set when kFound; points into the Router
    bool head_via_get = false;     // a HEAD request served by the GET handler
    std::map<std::string, std::string> params;
    // Methods that some matching pattern serves, sorted, with HEAD when GET is there and
    // OPTIONS always; set unless kNotFound. For the Allow header.
    std::vector<std::string> allowed;
  };
  Match Find(std::string_view method, const std::vector<std::string>& segments) const;

  bool empty() const { return routes_.empty(); }

 private:
  struct Segment {
    bool is_param = false;
    std::string text;  // the literal, or the parameter's name
  };
  struct Route {
    std::string pattern;
    std::vector<Segment> segments;
    std::map<std::string, Entry, std::less<>> handlers;  // by method
  };
  std::vector<Route> routes_;
};

}  // namespace pg::api::http::internal
