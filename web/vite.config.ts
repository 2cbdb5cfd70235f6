/**
 * Builds the dashboard into dist/web, which `bulwark serve` serves at `/`. Hashed file
 * names (cached as immutable by the server), no inline scripts (the page's CSP allows only
 * its own files), and no module-preload polyfill (it would be one more inline piece).
 */
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
});
