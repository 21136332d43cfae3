// Bundle the web UI (src/ui/web, React 19) with esbuild into dist/ui/: app.js, app.css and index.html.
// Runs after tsc in `npm run build`; users of the package never run a bundler. Then bundles the type checker's
// startup-snapshot script (scripts/bundle-type-checker.mjs).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "dist", "ui");
fs.mkdirSync(out, { recursive: true });

await build({
  entryPoints: [path.join(root, "src", "ui", "web", "main.tsx")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  outfile: path.join(out, "app.js"),
  logLevel: "warning",
});
fs.copyFileSync(path.join(root, "src", "ui", "web", "styles.css"), path.join(out, "app.css"));
fs.writeFileSync(
  path.join(out, "index.html"),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cellflow</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%232563eb'/%3E%3Ccircle cx='5' cy='8' r='2' fill='white'/%3E%3Ccircle cx='11' cy='5' r='2' fill='white'/%3E%3Ccircle cx='11' cy='11' r='2' fill='white'/%3E%3C/svg%3E">
<link rel="stylesheet" href="/assets/app.css">
<script>document.documentElement.dataset.theme = localStorage.getItem("cellflow-theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");</script>
</head>
<body><div id="root"></div><script type="module" src="/assets/app.js"></script></body>
</html>
`,
);
// And the type checker's startup-snapshot script, the other esbuild bundle (see the script).
await import("./bundle-type-checker.mjs");
