// Builds the dashboard (app/) into the directory CMake names; embed_assets.mjs then turns that
// directory into a C++ asset table. No CDN, no runtime network: everything is bundled.
import { defineConfig } from "vite";

export default defineConfig({
  root: "app",
  base: "/",
  logLevel: "warn",
  build: {
    outDir: process.env.PG_WEB_OUT_DIR || "../dist",
    emptyOutDir: true,
    // Leaflet's few small images go inline into the CSS: fewer files to embed and serve.
    assetsInlineLimit: 16384,
    chunkSizeWarningLimit: 1024,
    sourcemap: false,
  },
});
