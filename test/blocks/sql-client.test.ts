// connectSql: one async client for SQLite files and PostgreSQL URLs (what a sql block's connect() returns).

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSql, quoteIdent } from "../../src/blocks/sql-client.js";
import { toPgPlaceholders } from "../../src/store/pg/placeholders.js";
import { tempDir } from "../acceptance/helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";

describe("SQL text", () => {
  it.each([
    ["select ? , ?", "select $1 , $2"],
    ["select '?' as q, ? as a", "select '?' as q, $1 as a"],
    ['select "a?" from t where x = ?', 'select "a?" from t where x = $1'],
    ["select 'it''s ?', ?", "select 'it''s ?', $1"],
    ["select 1", "select 1"],
  ])("the client numbers placeholders with the store's toPgPlaceholders: %j → %j", (sql, expected) => {
    expect(toPgPlaceholders(sql)).toBe(expected);
  });

  it("quoteIdent doubles inner quotes and keeps a schema dot", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteIdent("s.t")).toBe('"s"."t"');
  });
});

describe.each(["sqlite", "postgres"] as const)("connectSql on %s", (dialect) => {
  let pg: TestDatabase | undefined;
  let url = "";

  beforeAll(async () => {
    if (dialect === "postgres") {
      pg = await freshDatabase("sqlclient");
      url = pg.url;
    } else {
      url = path.join(tempDir("sql-client"), "x.db");
    }
  });
  afterAll(async () => pg?.drop());

  it("runs scripts, inserts in batches past the parameter limit, and rolls a failed batch back whole", async () => {
    const db = connectSql(url);
    try {
      expect(db.dialect).toBe(dialect);
      await db.execute("create table t (id int primary key, a text, b double precision); create table u (x int)");
      const rows = Array.from({ length: 12_345 }, (_, i) => ({ id: i, a: `r${i}`, b: i / 2 }));
      expect(await db.insertRows("t", rows)).toBe(12_345);
      await expect(db.insertRows("t", [{ id: 99_999, a: "new", b: 0 }, { id: 1, a: "dup", b: 0 }])).rejects.toThrow(/^database .*(UNIQUE|duplicate key)/);
      expect(await db.query<{ n: number }>("select count(*) as n from t where id <> ?", [-1])).toEqual([{ n: 12_345 }]);
      // PostgreSQL's int8 comes back exact: a number when safe, a BigInt past 2^53 (pg's own default is a string).
      if (dialect === "postgres") expect(await db.query("select 9007199254740993::int8 as big, 7::int8 as small")).toEqual([{ big: 9007199254740993n, small: 7 }]);
      expect(await db.executeMany("update t set a = ? where id = ?", [["x", 0], ["y", 1], ["z", -5]])).toBe(2);
      expect(await db.query("select id, a, b from t where id < ? order by id", [2])).toEqual([{ id: 0, a: "x", b: 0 }, { id: 1, a: "y", b: 0.5 }]);
      expect(await db.execute("delete from t where id >= ?", [12_000])).toBe(345);
    } finally {
      await db.close();
    }
  });
});

it("an unreachable PostgreSQL server is one line naming the database without its password", async () => {
  const db = connectSql("postgres://me:s3cret@127.0.0.1:1/nowhere");
  try {
    const error = await db.query("select 1").catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^database postgres:\/\/me:\*\*\*\*@127\.0\.0\.1:1\/nowhere: connect ECONNREFUSED/);
    expect((error as Error).message).not.toContain("s3cret");
  } finally {
    await db.close();
  }
});
