#include "web/web_assets.h"

#include <algorithm>

namespace pg::web {

const Asset* FindAsset(std::string_view path) {
  auto assets = Assets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

const Asset& IndexPage() {
  static constexpr Asset kStandIn{"/index.html",
                                  "text/html; charset=utf-8",
                                  "<!doctype html><title>parkguide</title>",
                                  false,
                                  {}};
  const Asset* index = FindAsset("/index.html");
  return index ? *index : kStandIn;
}

}  // namespace pg::web
