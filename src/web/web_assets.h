// The dashboard's files (src/web/app, built by vite at build time), embedded in the binary: no
// files to deploy, no CDN, nothing fetched from outside at run time.
//
//   if (const web::Asset* a = web::FindAsset("/assets/index-3f9a.js")) Serve(a->body, ...);
#pragma once

#include <span>
#include <string_view>

namespace pg::web {

struct Asset {
  std::string_view path;          // URL path: "/index.html", "/assets/index-<hash>.js"
  std::string_view content_type;  // for the Content-Type header
  std::string_view body;
  bool immutable = false;  // the name carries a content hash: cache for ever
};

// Every embedded file, sorted by path. Generated (embed_assets.mjs).
std::span<const Asset> Assets();

// The asset at `path`, or nullptr.
const Asset* FindAsset(std::string_view path);

// The dashboard's entry page, served at "/".
std::string_view IndexHtml();

}  // namespace pg::web
