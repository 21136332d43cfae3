import { describe, expect, test } from "vitest";
import { BLOCK_TYPES, validateBlockValue } from "../../src/blocks/index.js";
import { CellflowError } from "../../src/core/errors.js";

describe("validateBlockValue() accepts", () => {
  test.each([
    { type: "secret", value: { value: "s3cr3t" } },
    { type: "secret", value: { value: "" } },
    { type: "json", value: { retries: 3, tags: ["a"], nested: { ok: true, none: null } } },
    { type: "json", value: [1, "two", false] },
    { type: "json", value: "just a string" },
    { type: "sql", value: { url: "data/app.db" } },
    { type: "sql", value: { url: ":memory:" } },
    { type: "sql", value: { url: "postgres://user:pw@db.example.com:5432/app" } },
    { type: "sql", value: { url: "postgresql://localhost/app" } },
    { type: "filesystem", value: { path: "/data/exports" } },
    { type: "webhook", value: { url: "https://hooks.example.com/x", headers: { Authorization: "Bearer abc" } } },
    { type: "webhook", value: { url: "http://127.0.0.1:8080/hook" } },
  ])("$type $value", ({ type, value }) => {
    expect(validateBlockValue(type, value)).toEqual(value);
  });

  test("trims paths and URLs", () => {
    expect(validateBlockValue("filesystem", { path: "  /data  " })).toEqual({ path: "/data" });
  });

  test("lists its types", () => {
    expect(BLOCK_TYPES).toEqual(["secret", "json", "sql", "filesystem", "webhook"]);
  });
});

describe("validateBlockValue() refuses with a one-line BLOCK error", () => {
  test.each([
    { type: "foo", value: {}, message: "unknown block type 'foo' — use one of secret, json, sql, filesystem, webhook" },
    { type: "secret", value: "s3cr3t", message: 'invalid secret block: value must be an object like {"value":"s3cr3t"}' },
    { type: "secret", value: { value: 42 }, message: "invalid secret block: value must be a string" },
    { type: "secret", value: { value: "x", extra: 1 }, message: "invalid secret block: unexpected field 'extra'" },
    { type: "json", value: { when: new Date(0) }, message: "invalid json block: value must be plain JSON" },
    { type: "json", value: { f: () => 1 }, message: "invalid json block: value must be plain JSON" },
    { type: "json", value: { n: Number.NaN }, message: "invalid json block: value must be plain JSON" },
    { type: "sql", value: { url: "mysql://root:hunter2@db/app" }, message: "invalid sql block: url 'mysql://****@db/app' is neither a SQLite path nor a postgres:// or postgresql:// URL" },
    { type: "sql", value: { url: "" }, message: "invalid sql block: url must not be empty" },
    { type: "sql", value: {}, message: "invalid sql block: url is required" },
    { type: "filesystem", value: { path: "   " }, message: "invalid filesystem block: path must not be empty" },
    { type: "webhook", value: { url: "ftp://files.example.com" }, message: "invalid webhook block: url 'ftp://files.example.com' must be an http:// or https:// URL" },
    { type: "webhook", value: { url: "not a url" }, message: "url 'not a url' must be an http:// or https:// URL" },
    { type: "webhook", value: { url: "https://x.example.com", headers: { "X-Count": 3 } }, message: "invalid webhook block: headers.X-Count: header values must be strings" },
  ])("$type $message", ({ type, value, message }) => {
    let error: unknown;
    try {
      validateBlockValue(type, value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CellflowError);
    expect((error as CellflowError).code).toBe("BLOCK");
    expect((error as CellflowError).message).toContain(message);
    expect((error as CellflowError).message).not.toContain("\n");
    expect((error as CellflowError).message).not.toContain("hunter2");
  });
});
