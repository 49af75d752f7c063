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
  std::string_view gzip;   // the body gzipped at build time; empty when it does not pay
};

// Every embedded file, sorted by path. Generated (embed_assets.mjs).
std::span<const Asset> Assets();

// The asset at `path`, or nullptr.
const Asset* FindAsset(std::string_view path);

// The dashboard's entry page, served at "/": an asset whose path is "/index.html" (a stand-in
// page when the build has none).
const Asset& IndexPage();

}  // namespace pg::web
