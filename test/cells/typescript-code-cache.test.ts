// The TypeScript compiler loads through a V8 code cache (dist/src/cells/typescript-code-cache.cjs), each case in a
// fresh node: the first process writes the cache, the next compiles from it; a damaged cache is rejected and
// rewritten, never trusted; CELLFLOW_CODE_CACHE=off writes nothing. The compiler works the same either way.

import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distUrl, repoRoot } from "../loader/helpers.js";

// Loads the compiler as the cells do, uses it, then writes the cache as the type checker does after its warm-up.
const SCRIPT = `
  import { createRequire } from "node:module";
  import { fileURLToPath } from "node:url";
  const require = createRequire(import.meta.url);
  const ts = require(fileURLToPath(${JSON.stringify(distUrl("src/cells/typescript.cjs"))}));
  const cache = require(fileURLToPath(${JSON.stringify(distUrl("src/cells/typescript-code-cache.cjs"))}));
  const file = ts.createSourceFile("cell.ts", "const n: number = 1;", ts.ScriptTarget.ES2022);
  const accepted = cache.typeScriptCodeCacheAccepted();
  cache.saveTypeScriptCodeCache();
  console.log(JSON.stringify({ accepted, statements: file.statements.length, sameModule: require("typescript") === ts }));
`;

function load(cacheSetting: string, cacheHome = tmpdir()): Promise<{ accepted: boolean; statements: number; sameModule: boolean }> {
  return new Promise((done, fail) => {
    const env = { ...process.env, CELLFLOW_CODE_CACHE: cacheSetting, XDG_CACHE_HOME: cacheHome };
    execFile(process.execPath, ["--input-type=module", "-e", SCRIPT], { cwd: repoRoot, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return fail(new Error(`${error.message}\n${stderr}`));
      done(JSON.parse(stdout));
    });
  });
}

describe("TypeScript code cache", () => {
  it("is written by the first process and used by the next; a damaged one is rejected and rewritten", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cellflow-code-cache-"));
    expect(await load(dir)).toEqual({ accepted: false, statements: 1, sameModule: true });
    const written = readdirSync(dir);
    expect(written).toEqual([expect.stringMatching(/^typescript-.+-node-v.+\.v8cache$/)]);
    expect(await load(dir)).toEqual({ accepted: true, statements: 1, sameModule: true });

    writeFileSync(join(dir, written[0]), "not a code cache");
    expect(await load(dir)).toEqual({ accepted: false, statements: 1, sameModule: true });
    expect(await load(dir)).toEqual({ accepted: true, statements: 1, sameModule: true });
  }, 120_000);

  it("writes nothing with CELLFLOW_CODE_CACHE=off", async () => {
    const home = mkdtempSync(join(tmpdir(), "cellflow-code-cache-home-"));
    expect(await load("off", home)).toEqual({ accepted: false, statements: 1, sameModule: true });
    expect(readdirSync(home)).toEqual([]);
  }, 60_000);
});
