// The store is the only place that speaks SQL to Cellflow's own database: a scan of src/ outside src/store.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return full === path.join(SRC, "store") ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** A statement on the store's tables, or a handle on the store's database, written outside src/store. */
const FORBIDDEN: Array<[string, RegExp]> = [
  ["store.db", /\bstore\.db\b/],
  ["a database handle", /\.db\.(prepare|exec|transaction|pragma)\(/],
  ["a SQL statement", /["'`][^"'`\n]*\b(SELECT\s[^"'`\n]*\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER)|PRAGMA)\b/],
  ["a prepared statement", /\.prepare\(\s*["'`]/],
];

/** The `sql` block's client opens the user's own database (data/app.db, postgres://…), not Cellflow's store. */
const USER_DATABASE = new Set([path.join(SRC, "blocks", "sql-client.ts")]);

describe("no SQL outside src/store", () => {
  it("finds no statement, prepare() or store.db in src/ outside src/store", () => {
    const found: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const lines = fs.readFileSync(file, "utf8").split("\n");
      lines.forEach((line, i) => {
        for (const [what, pattern] of FORBIDDEN) {
          if (pattern.test(line) && !(USER_DATABASE.has(file) && what !== "store.db")) found.push(`${path.relative(SRC, file)}:${i + 1}: ${what}`);
        }
      });
    }
    expect(found).toEqual([]);
  });

  it("better-sqlite3 is imported only by src/store/sqlite (and the sql block's client, for the user's database)", () => {
    const importers = sourceFiles(SRC).filter((file) => /from "better-sqlite3"/.test(fs.readFileSync(file, "utf8")));
    expect(importers.filter((f) => !USER_DATABASE.has(f)).map((f) => path.relative(SRC, f))).toEqual([]);
    const storeImporters = fs
      .readdirSync(path.join(SRC, "store"), { recursive: true, encoding: "utf8" })
      .filter((f) => /\.ts$/.test(f) && /from "better-sqlite3"/.test(fs.readFileSync(path.join(SRC, "store", f), "utf8")));
    expect(storeImporters.every((f) => f.startsWith(`sqlite${path.sep}`))).toBe(true);
  });

  it("the scan catches what it forbids", () => {
    const line = (text: string) => FORBIDDEN.some(([, pattern]) => pattern.test(text));
    expect(line(`store.db.prepare("SELECT 1").get()`)).toBe(true);
    expect(line(`const sql = "UPDATE flow_runs SET heartbeat = ?";`)).toBe(true);
    expect(line(`run("INSERT OR IGNORE INTO blocks (type) VALUES (?)")`)).toBe(true);
    expect(line(`throw new CellflowError("USAGE", "select a run from the list")`)).toBe(false);
  });
});
