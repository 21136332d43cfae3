// The front end's files, built by `npm run build` into dist/ui/: index.html for every page path (the
// front end routes), the bundle and stylesheet by name.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";

/** dist/ui, from this module's place in dist/src/ui/server/ (or src/ui/server/ when run from sources). */
export function uiAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, "..", "..", "..", "..") : path.resolve(here, "..", "..", "..");
  return path.join(root, "dist", "ui");
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

export function registerStaticRoutes(app: Hono, dir = uiAssetsDir()): void {
  const cache = new Map<string, Buffer>();
  const read = (file: string): Buffer | null => {
    const hit = cache.get(file);
    if (hit) return hit;
    try {
      const bytes = fs.readFileSync(path.join(dir, file));
      cache.set(file, bytes);
      return bytes;
    } catch {
      return null;
    }
  };
  app.get("/assets/:file", (c) => {
    const file = c.req.param("file");
    const bytes = /^[\w.-]+$/.test(file) ? read(file) : null;
    if (!bytes) return c.text("not found", 404);
    return c.body(new Uint8Array(bytes), 200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
  });
  app.get("*", (c) => {
    if (c.req.path.startsWith("/api/")) return c.json({ error: { code: "NOT_FOUND", message: `no API route ${c.req.path}`, hint: "see src/ui/shared/api-types.ts" } }, 404);
    const html = read("index.html");
    if (!html) return c.text("the web UI is not built: run `npm run build` (it bundles dist/ui/)", 500);
    return c.body(new Uint8Array(html), 200, { "content-type": TYPES[".html"], "cache-control": "no-store" });
  });
}
