// The synchronous PostgreSQL connection under the store: placeholders, types, batches, transactions, cursors.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgConnection } from "../../src/store/pg/connection.js";
import { toPgPlaceholders } from "../../src/store/pg/placeholders.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";

describe("toPgPlaceholders", () => {
  it.each([
    ["SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"],
    ["SELECT '?' AS q, ? AS v", "SELECT '?' AS q, $1 AS v"],
    ["SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , $1"],
    ['SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'],
    ["SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"],
    ["SELECT /* ? */ ?", "SELECT /* ? */ $1"],
  ])("%s", (sql, expected) => {
    expect(toPgPlaceholders(sql)).toBe(expected);
  });
});

describe("PgConnection", () => {
  let database: TestDatabase;
  let db: PgConnection;
  beforeAll(async () => {
    database = await freshDatabase("connection");
    db = new PgConnection(database.url);
    db.exec("CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, b BYTEA, note TEXT)");
  });
  afterAll(async () => {
    db?.close();
    await database?.drop();
  });

  it("gives int8 as numbers, bytea as Buffers, and run() the rows changed", () => {
    const at = Date.now();
    expect(db.prepare("INSERT INTO items (id, n, x, b) VALUES (?, ?, ?, ?)").run("a", at, 1.5, Buffer.from([1, 2, 255])).changes).toBe(1);
    expect(db.prepare("SELECT n, x, b, count(*) OVER () AS total FROM items WHERE id = ?").get("a")).toEqual({ n: at, x: 1.5, b: Buffer.from([1, 2, 255]), total: 1 });
    expect(db.prepare("UPDATE items SET note = ? WHERE id LIKE ?").run("seen", "%").changes).toBe(1);
  });

  it("runBatch writes 2,500 upserts in multi-row chunks, each row once, in one transaction", () => {
    const rows = Array.from({ length: 2500 }, (_, i) => [`k${i}`, i, i / 2, null, "first"]);
    db.runBatch([{ sql: "INSERT INTO items (id, n, x, b, note) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET note = excluded.note", rows }], { durable: true });
    db.runBatch([{ sql: "INSERT INTO items (id, n, x, b, note) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET note = excluded.note", rows: rows.map((r) => [...r.slice(0, 4), "second"]) }]);
    // A read after a posted batch sees it: one connection, requests in order.
    expect(db.prepare("SELECT count(*) AS n, min(note) AS lo, max(note) AS hi, sum(n) AS total FROM items WHERE id LIKE 'k%'").get()).toEqual({ n: 2500, lo: "second", hi: "second", total: (2499 * 2500) / 2 });
  });

  it("a batch whose statement fails is rolled back whole", () => {
    const insert = "INSERT INTO items (id, n) VALUES (?, ?)";
    expect(() => db.runBatch([{ sql: insert, rows: [["z1", 1]] }, { sql: insert, rows: [["a", 2]] }], { durable: true })).toThrow(/duplicate key/);
    expect(db.prepare("SELECT id FROM items WHERE id = 'z1'").get()).toBeUndefined();
  });

  it("a batch that fails after preparing a statement leaves it usable: the next batch with it runs", () => {
    const upsert = "INSERT INTO items (id, note) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET note = excluded.note";
    db.runBatch([{ sql: upsert, rows: [["s1", "one"]] }], { durable: true }); // seen once: not prepared yet
    // Seen twice: prepared in this batch, which then fails (the server skips the rest of the batch).
    expect(() => db.runBatch([{ sql: upsert, rows: [["s1", "two"]] }, { sql: "INSERT INTO items (id) VALUES (?)", rows: [["s1"]] }], { durable: true })).toThrow(/duplicate key/);
    expect(db.prepare("SELECT note FROM items WHERE id = 's1'").get()).toEqual({ note: "one" });
    db.runBatch([{ sql: upsert, rows: [["s1", "three"]] }], { durable: true });
    expect(db.prepare("SELECT note FROM items WHERE id = 's1'").get()).toEqual({ note: "three" });
  });

  it("nested transactions are savepoints: an inner throw rolls back the inner part only when caught", () => {
    db.transaction(() => {
      db.prepare("INSERT INTO items (id) VALUES (?)").run("outer");
      expect(() =>
        db.transaction(() => {
          db.prepare("INSERT INTO items (id) VALUES (?)").run("inner");
          throw new Error("inner fails");
        }),
      ).toThrow("inner fails");
    });
    expect(db.prepare("SELECT id FROM items WHERE id IN ('outer', 'inner') ORDER BY id").all()).toEqual([{ id: "outer" }]);
  });

  it("iterate pages through a cursor, lets other statements run between rows, and closes it when left early", () => {
    let seen = 0;
    for (const row of db.prepare("SELECT g FROM generate_series(1, ?) g ORDER BY g").iterate(4500) as Iterable<{ g: number }>) {
      seen++;
      expect(row.g).toBe(seen);
      if (seen === 2100) expect(db.prepare("SELECT 1 AS one").get()).toEqual({ one: 1 });
    }
    expect(seen).toBe(4500);
    for (const row of db.prepare("SELECT g FROM generate_series(1, 10) g").iterate() as Iterable<{ g: number }>) if (row.g === 3) break;
    expect(db.prepare("SELECT count(*) AS n FROM pg_cursors").get()).toEqual({ n: 0 });
  });

  it("a statement's own error keeps PostgreSQL's code and message", () => {
    expect(() => db.prepare("SELECT * FROM no_such_table").all()).toThrow(expect.objectContaining({ code: "42P01", message: expect.stringContaining("no_such_table") }));
  });
});

describe("the PostgreSQL schema follows SQLite's, version for version", () => {
  it("every SQLite migration has a PostgreSQL migration of the same number and description", async () => {
    const { MIGRATIONS } = await import("../../src/store/sqlite/migrations.js");
    const { PG_MIGRATIONS } = await import("../../src/store/pg/migrations.js");
    const pgByVersion = new Map(PG_MIGRATIONS.map((m) => [m.version, m.description]));
    for (const m of MIGRATIONS) expect([m.version, pgByVersion.get(m.version)]).toEqual([m.version, m.description]);
    expect(PG_MIGRATIONS.map((m) => m.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
  });
});
