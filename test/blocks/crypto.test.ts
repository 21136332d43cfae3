import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { decryptSecret, encryptSecret, loadOrCreateKey, redact } from "../../src/blocks/index.js";
import { CellflowError } from "../../src/core/errors.js";

const homes: string[] = [];
function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "cellflow-crypto-"));
  homes.push(home);
  return home;
}
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const key = Buffer.alloc(32, 7);

describe("encryptSecret() / decryptSecret()", () => {
  test.each(["hunter2", "", "päßwörd ✓ 🔑", "x".repeat(10_000)])("round-trips %j", (value) => {
    expect(decryptSecret(encryptSecret(value, key), key)).toBe(value);
  });

  test("each encryption uses a fresh IV, so equal secrets give different ciphertexts", () => {
    const a = encryptSecret("same", key);
    const b = encryptSecret("same", key);
    expect(a).not.toBe(b);
    expect(a.split(":")[1]).not.toBe(b.split(":")[1]);
    expect(Buffer.from(a.split(":")[1], "base64")).toHaveLength(12);
    expect(a).not.toContain("same");
  });

  test.each([
    { name: "a flipped ciphertext byte", tamper: (parts: string[]) => { const d = Buffer.from(parts[3], "base64"); d[0] ^= 1; parts[3] = d.toString("base64"); } },
    { name: "a flipped auth tag byte", tamper: (parts: string[]) => { const t = Buffer.from(parts[2], "base64"); t[5] ^= 0x80; parts[2] = t.toString("base64"); } },
    { name: "a different IV", tamper: (parts: string[]) => { parts[1] = Buffer.alloc(12, 1).toString("base64"); } },
  ])("refuses $name", ({ tamper }) => {
    const parts = encryptSecret("top secret value", key).split(":");
    tamper(parts);
    expect(() => decryptSecret(parts.join(":"), key)).toThrow(/could not be decrypted \(wrong secret.key or the data was altered\)/);
  });

  test("refuses the wrong key and other associated data", () => {
    const payload = encryptSecret("v", key, { associatedData: "secret/a" });
    expect(decryptSecret(payload, key, { associatedData: "secret/a" })).toBe("v");
    expect(() => decryptSecret(payload, Buffer.alloc(32, 8), { associatedData: "secret/a" })).toThrow(CellflowError);
    expect(() => decryptSecret(payload, key, { associatedData: "secret/b" })).toThrow(/could not be decrypted/);
  });

  test("refuses text that is not the encrypted format, and a key of the wrong size", () => {
    expect(() => decryptSecret("plain text", key)).toThrow(/not in Cellflow's encrypted format/);
    expect(() => encryptSecret("v", Buffer.alloc(16))).toThrow(/encryption key must be 32 bytes, got 16/);
  });
});

describe("loadOrCreateKey()", () => {
  test("creates <home>/secret.key with 32 bytes and mode 0600, and leaves no temp file", () => {
    const home = join(newHome(), "nested", ".cellflow");
    const created = loadOrCreateKey(home);
    const path = join(home, "secret.key");
    expect(created).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path).equals(created)).toBe(true);
    expect(readdirSync(home)).toEqual(["secret.key"]);
  });

  test("returns the same key on the next call, so secrets written earlier still decrypt", () => {
    const home = newHome();
    const payload = encryptSecret("db-password", loadOrCreateKey(home));
    expect(decryptSecret(payload, loadOrCreateKey(home))).toBe("db-password");
  });

  test("two homes get different keys", () => {
    expect(loadOrCreateKey(newHome()).equals(loadOrCreateKey(newHome()))).toBe(false);
  });

  test("a key file of the wrong length is refused, not replaced", () => {
    const home = newHome();
    writeFileSync(join(home, "secret.key"), Buffer.alloc(10), { mode: 0o600 });
    expect(() => loadOrCreateKey(home)).toThrow(/holds 10 bytes, expected 32/);
    expect(readFileSync(join(home, "secret.key"))).toHaveLength(10);
  });
});

describe("redact()", () => {
  test.each([
    { text: "token=abcd1234 and again abcd1234", secrets: ["abcd1234"], expected: "token=**** and again ****" },
    { text: "short abc stays", secrets: ["abc"], expected: "short abc stays" },
    { text: "pass: hunter2hunter2", secrets: ["hunter2", "hunter2hunter2"], expected: "pass: ****" },
    { text: "a.b*c (x) a.b*c", secrets: ["a.b*c"], expected: "**** (x) ****" },
    { text: "url https://u:p4ss@host", secrets: ["p4ss", ""], expected: "url https://u:****@host" },
    { text: "nothing to hide", secrets: [], expected: "nothing to hide" },
    { text: "first second", secrets: ["first", "second"], expected: "**** ****" },
  ])("redact($text) → $expected", ({ text, secrets, expected }) => {
    expect(redact(text, secrets)).toBe(expected);
  });
});
