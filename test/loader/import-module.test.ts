import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { distUrl, runNode, tempProject, withNodeModules } from "./helpers.js";

// Each case imports one file of a temp project in a fresh node running dist/ (the hooks thread
// only exists in a real Node process, not inside the test runner's module system).
const files: Record<string, string> = {
  "flows/util.ts": "export const double = (n: number): number => n * 2;\nexport interface Row { v: number }\n",
  "flows/ts-ext.ts": 'import { double, type Row } from "./util.js";\nconst r: Row = { v: 2 };\nexport const out = double(r.v);\n',
  "flows/no-ext.ts": 'import { double } from "./util";\nexport const out = double(5);\n',
  "flows/lib/index.ts": "export const fromIndex = true;\n",
  "flows/dir.ts": 'import { fromIndex } from "./lib";\nexport const out = fromIndex;\n',
  "flows/module.mts": "const n: number = 7;\nexport const out = n;\n",
  "flows/plain.mjs": 'import { double } from "./util.js";\nexport const out = double(21);\n',
  "flows/plain.js": "export const out = 'js';\n",
  "flows/comp.tsx": "const El = (p: { n: number }) => p.n;\nexport const out = El({ n: 3 });\n",
  "flows/npm.ts": [
    'import { DateTime } from "luxon";',
    'import { z } from "zod";',
    'import { kind as cjsKind, add } from "cjs-only";',
    'import greet, { kind as esmKind } from "esm-only";',
    "export const out = [typeof DateTime.now, z.number().parse(4), cjsKind, add(1, 2), esmKind, greet('x')];",
  ].join("\n"),
  "flows/cellflow.ts": 'import * as cf from "cellflow";\nexport { cf };\nexport const out = cf.version;\n',
  "flows/syntax.ts": "const a: number = 1;\nconst b = (;\n",
  "flows/syntax.mjs": "const a = 1;\nconst = 2;\n",
  "flows/throws.ts": 'const a: number = 1;\n\nexport function f(): never {\n  throw new Error("boom " + a);\n}\nf();\n',
  "flows/missing-dep.ts": 'import { x } from "not-installed-anywhere";\nexport const out = x;\n',
  "flows/missing-local.ts": 'import { x } from "./nope.js";\nexport const out = x;\n',
  "flows/bad-export.ts": 'import { nothere } from "./util.js";\nexport const out = nothere;\n',
};

type Result = { out?: unknown; sameCellflow?: boolean; code?: string; message?: string };
let results: Record<string, Result>;
let dir: string;

beforeAll(async () => {
  dir = withNodeModules(tempProject(files));
  const script = `
    import { importModule } from ${JSON.stringify(distUrl("src/loader/index.js"))};
    const own = await import(${JSON.stringify(distUrl("src/index.js"))});
    const results = {};
    for (const f of ${JSON.stringify([...Object.keys(files), "flows/absent.ts"])}) {
      try {
        const m = await importModule(process.cwd() + "/" + f);
        results[f] = { out: m.out, sameCellflow: m.cf ? m.cf === own : undefined };
      } catch (e) { results[f] = { code: e.code, message: e.message }; }
    }
    console.log(JSON.stringify(results));`;
  results = await runNode(script, dir);
});

describe("importModule() loads user modules with no build step", () => {
  it.each([
    ["flows/ts-ext.ts", "a .js import naming a .ts file", 4],
    ["flows/no-ext.ts", "an extensionless relative import", 10],
    ["flows/dir.ts", "a folder import with index.ts", true],
    ["flows/module.mts", "a .mts module", 7],
    ["flows/plain.mjs", "a .mjs importing a .ts", 42],
    ["flows/plain.js", "a plain .js module", "js"],
    ["flows/comp.tsx", "a .tsx module", 3],
    ["flows/npm.ts", "npm packages, CJS and ESM, from the user's folder", ["function", 4, "cjs", 3, "esm", "hi x"]],
    ["flows/cellflow.ts", "`cellflow` as this package, not the one installed beside the file", "0.1.0"],
  ])("%s: %s", (file, _what, expected) => {
    expect(results[file]).toEqual(expect.objectContaining({ out: expected }));
  });

  it("gives `cellflow` inside a user module the same module instance the process already runs", () => {
    expect(results["flows/cellflow.ts"].sameCellflow).toBe(true);
  });
});

describe("importModule() failures are MODULE_LOAD errors naming the file and place", () => {
  it.each([
    ["flows/syntax.ts", /^cannot load flows\/syntax\.ts: flows\/syntax\.ts:2:12: SyntaxError: Unexpected ";" — fix the error above and run again$/],
    ["flows/syntax.mjs", /^cannot load flows\/syntax\.mjs: flows\/syntax\.mjs:2:\d+: SyntaxError: .+ — fix the error above/],
    ["flows/throws.ts", /^cannot load flows\/throws\.ts: flows\/throws\.ts:4:9: Error: boom 1 — fix the error above and run again$/],
    ["flows/missing-dep.ts", /^cannot load flows\/missing-dep\.ts: Error: Cannot find package 'not-installed-anywhere' imported from flows\/missing-dep\.ts/],
    ["flows/missing-local.ts", /^cannot load flows\/missing-local\.ts: Error: Cannot find module 'flows\/nope\.js' imported from flows\/missing-local\.ts/],
    ["flows/bad-export.ts", /^cannot load flows\/bad-export\.ts: flows\/bad-export\.ts:1:\d+: SyntaxError: The requested module '\.\/util\.js' does not provide an export named 'nothere'/],
    ["flows/absent.ts", /^cannot load flows\/absent\.ts: file not found — check the path and run again$/],
  ])("%s", (file, message) => {
    expect(results[file].code).toBe("MODULE_LOAD");
    expect(results[file].message).toMatch(message);
  });
});

describe("importFrom() imports a specifier as a file in a folder would", () => {
  it("resolves bare, relative .ts and `cellflow` specifiers from the folder, returning the real namespace", async () => {
    const script = `
      import { importFrom, importModule } from ${JSON.stringify(distUrl("src/loader/index.js"))};
      const own = await import(${JSON.stringify(distUrl("src/index.js"))});
      const util = await importFrom("./util.js", process.cwd() + "/flows");
      const again = await importModule(process.cwd() + "/flows/util.ts");
      const luxon = await importFrom("luxon", process.cwd());
      const cf = await importFrom("cellflow", process.cwd());
      const json = await importFrom("./flows/data.json", process.cwd(), { type: "json" });
      let missing;
      try { await importFrom("nope-pkg", process.cwd()); } catch (e) { missing = e.message; }
      console.log(JSON.stringify({ double: util.double(2), same: util === again, luxon: typeof luxon.DateTime,
        cf: cf === own, json: json.default, missing }));`;
    const project = withNodeModules(tempProject({ ...files, "flows/data.json": '{"a":1}' }));
    expect(await runNode(script, project)).toEqual({
      double: 4,
      same: true,
      luxon: "function",
      cf: true,
      json: { a: 1 },
      missing: expect.stringMatching(/^cannot load nope-pkg: Error: Cannot find package 'nope-pkg'/),
    });
  });
});

describe("compiled TypeScript is kept in the cache folder (CELLFLOW_CODE_CACHE)", () => {
  it("a file imported again unchanged comes from the cache; a damaged entry or an edit compiles again; a syntax error is never kept; off writes nothing", async () => {
    const project = tempProject({ "flows/a.ts": "const n: number = 1;\nexport const out = n;\n", "flows/bad.ts": "const b = (;\n" });
    const cache = mkdtempSync(join(tmpdir(), "cellflow-ts-cache-"));
    const load = (file: string, env: NodeJS.ProcessEnv = { CELLFLOW_CODE_CACHE: cache }) => {
      const script = `
        import { importModule } from ${JSON.stringify(distUrl("src/loader/index.js"))};
        try { console.log(JSON.stringify({ out: (await importModule(process.cwd() + "/${file}")).out })); }
        catch (e) { console.log(JSON.stringify({ message: e.message })); }`;
      return runNode(script, project, 30_000, env);
    };
    const entries = () => readdirSync(join(cache, "ts")).filter((name) => name.endsWith(".js"));

    expect(await load("flows/a.ts")).toEqual({ out: 1 });
    expect(entries()).toHaveLength(1);
    // The next process takes the kept output as it is (changed here, with its checksum, only to see that it was used);
    // a damaged entry is compiled again and rewritten.
    const entry = join(cache, "ts", entries()[0]);
    const kept = "export const out = 'kept';\n";
    writeFileSync(entry, `${createHash("sha256").update(kept).digest("hex")}\n${kept}`);
    expect(await load("flows/a.ts")).toEqual({ out: "kept" });
    writeFileSync(entry, `${"0".repeat(64)}\n${kept}`);
    expect(await load("flows/a.ts")).toEqual({ out: 1 });
    expect(await load("flows/a.ts")).toEqual({ out: 1 });
    expect(readFileSync(entry, "utf8")).not.toContain("kept");

    writeFileSync(join(project, "flows/a.ts"), "const n: number = 1;\nexport const out = n + 1;\n");
    expect(await load("flows/a.ts")).toEqual({ out: 2 });
    expect(entries()).toHaveLength(2);

    for (let i = 0; i < 2; i++) {
      expect((await load("flows/bad.ts")).message).toMatch(/^cannot load flows\/bad\.ts: flows\/bad\.ts:1:12: SyntaxError: Unexpected ";"/);
    }
    expect(entries()).toHaveLength(2);

    const home = mkdtempSync(join(tmpdir(), "cellflow-xdg-"));
    expect(await load("flows/a.ts", { CELLFLOW_CODE_CACHE: "off", XDG_CACHE_HOME: home })).toEqual({ out: 2 });
    expect(readdirSync(home)).toEqual([]);
  });

  it("a miss sweeps entries unused for 7 days, at most once a day; an entry used again is kept", async () => {
    const project = tempProject({ "flows/a.ts": "export const out = 1;\n" });
    const cache = mkdtempSync(join(tmpdir(), "cellflow-ts-cache-"));
    const load = async () => {
      const script = `
        import { importModule } from ${JSON.stringify(distUrl("src/loader/index.js"))};
        console.log(JSON.stringify({ out: (await importModule(process.cwd() + "/flows/a.ts")).out }));`;
      return runNode(script, project, 30_000, { CELLFLOW_CODE_CACHE: cache });
    };
    const folder = join(cache, "ts");
    const age = (file: string, days: number) => {
      const then = new Date(Date.now() - days * 24 * 3600_000);
      utimesSync(join(folder, file), then, then);
    };
    expect(await load()).toEqual({ out: 1 });
    const [used] = readdirSync(folder).filter((name) => name.endsWith(".js"));
    writeFileSync(join(folder, "stale.js"), "");
    age("stale.js", 8);
    age(used, 8);
    age(".swept", 2);
    expect(await load()).toEqual({ out: 1 }); // a hit: `used` is marked used now

    writeFileSync(join(project, "flows/a.ts"), "export const out = 2;\n");
    expect(await load()).toEqual({ out: 2 }); // a miss: the sweep runs
    expect(existsSync(join(folder, "stale.js"))).toBe(false);
    expect(existsSync(join(folder, used))).toBe(true);

    writeFileSync(join(folder, "stale-again.js"), "");
    age("stale-again.js", 8);
    writeFileSync(join(project, "flows/a.ts"), "export const out = 3;\n");
    expect(await load()).toEqual({ out: 3 }); // a miss, but swept less than a day ago
    expect(existsSync(join(folder, "stale-again.js"))).toBe(true);
  });
});
