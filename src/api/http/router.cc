#include "api/http/router.h"

#include <algorithm>
#include <set>

namespace pg::api::http::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when pattern `a` is more specific than `b`: at the first segment where one is literal
// and the other a parameter, `a` has the literal. Both must have the same number of segments.
bool MoreSpecific(const std::vector<bool>& a_literal, const std::vector<bool>& b_literal) {
  for (size_t i = 0; i < a_literal.size(); ++i) {
    if (a_literal[i] != b_literal[i]) return a_literal[i];
  }
  return false;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument(
            std::string("'%' must be followed by two hex digits in '").append(text).append("'"));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Target> ParseTarget(std::string_view target) {
  Target t;
  if (target.starts_with("http://") || target.starts_with("https://")) {
    size_t authority = target.find("//") + 2;
    size_t path_start = target.find_first_of("/?", authority);
    target =
        path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
    if (target.front() == '?') {
      return InvalidArgument("the request target has a query but no path", "path");
    }
  }
  if (target.empty() || target.front() != '/') {
    return InvalidArgument("the request target must start with '/'", "path");
  }
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  if (question != std::string_view::npos) t.raw_query = std::string(target.substr(question + 1));

  auto decoded_path = PercentDecode(raw_path, /*plus_is_space=*/false);
  if (!decoded_path.ok()) return InvalidArgument(decoded_path.status().message(), "path");
  if (decoded_path->find('\0') != std::string::npos) {
    return InvalidArgument("the path contains a NUL byte", "path");
  }
  t.path = std::move(*decoded_path);

  if (raw_path.size() > 1) {
    std::string_view rest = raw_path.substr(1);
    while (true) {
      size_t slash = rest.find('/');
      // Already validated as a whole above, so decoding a segment cannot fail.
      t.segments.push_back(PercentDecode(rest.substr(0, slash), false).value());
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }

  std::string_view query = t.raw_query;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    auto name = PercentDecode(item.substr(0, eq), /*plus_is_space=*/true);
    if (!name.ok()) return InvalidArgument(name.status().message(), "query");
    std::string value;
    if (eq != std::string_view::npos) {
      auto v = PercentDecode(item.substr(eq + 1), /*plus_is_space=*/true);
      if (!v.ok()) return InvalidArgument(v.status().message(), std::move(*name));
      value = std::move(*v);
    }
    t.query.emplace_back(std::move(*name), std::move(value));
  }
  return t;
}

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  PG_ASSERT(!pattern.empty() && pattern.front() == '/');
  std::vector<Segment> segments;
  if (pattern.size() > 1) {
    std::string_view rest = std::string_view(pattern).substr(1);
    while (true) {
      size_t slash = rest.find('/');
      std::string_view text = rest.substr(0, slash);
      Segment s;
      if (!text.empty() && text.front() == '{') {
        PG_ASSERT(text.size() > 2 && text.back() == '}' && "a {param} must be a whole segment");
        s.is_param = true;
        s.text = std::string(text.substr(1, text.size() - 2));
      } else {
        PG_ASSERT(text.find_first_of("{}") == std::string_view::npos);
        s.text = std::string(text);
      }
      segments.push_back(std::move(s));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const Route& r) { return r.pattern == pattern; });
  if (it == routes_.end()) {
    routes_.push_back(Route{std::move(pattern), std::move(segments), {}});
    it = routes_.end() - 1;
  }
  it->handlers[std::move(method)] = Entry{std::move(handler), std::move(options)};
}

Router::Match Router::Find(std::string_view method,
                           const std::vector<std::string>& segments) const {
  struct Candidate {
    const Route* route;
    std::vector<bool> literal;
  };
  std::vector<Candidate> candidates;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool matches = true;
    std::vector<bool> literal(segments.size());
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      literal[i] = !route.segments[i].is_param;
      matches = route.segments[i].is_param || route.segments[i].text == segments[i];
    }
    if (matches) candidates.push_back({&route, std::move(literal)});
  }
  Match m;
  if (candidates.empty()) return m;
  // Stable, so among equally specific patterns the first registered wins.
  std::stable_sort(
      candidates.begin(), candidates.end(),
      [](const Candidate& a, const Candidate& b) { return MoreSpecific(a.literal, b.literal); });

  std::set<std::string> allowed = {"OPTIONS"};
  for (const Candidate& c : candidates) {
    for (const auto& [m_name, unused] : c.route->handlers) {
      allowed.insert(m_name);
      if (m_name == "GET") allowed.insert("HEAD");
    }
  }
  m.allowed.assign(allowed.begin(), allowed.end());

  for (const Candidate& c : candidates) {
    const auto& handlers = c.route->handlers;
    auto h = handlers.find(method);
    if (h == handlers.end() && method == "HEAD") {
      h = handlers.find("GET");
      m.head_via_get = h != handlers.end();
    }
    if (h == handlers.end()) continue;
    m.outcome = Outcome::kFound;
    m.route = &h->second;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (c.route->segments[i].is_param) m.params[c.route->segments[i].text] = segments[i];
    }
    return m;
  }
  m.outcome = Outcome::kMethodNotAllowed;
  return m;
}

}  // namespace pg::api::http::internal
