// Secrets at rest: AES-256-GCM with a per-home key file (or the key in CELLFLOW_SECRET_KEY, for machines that share
// one store), and redaction of secret values from text.

import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CellflowError } from "../core/errors.js";

// node:crypto loads when a secret is sealed or opened, not with the store (~4 ms of every command line).
const crypto = () => process.getBuiltinModule("node:crypto");

const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Stored secrets start with this, so a future format can be told apart. */
const FORMAT = "v1";

export const KEY_FILE_NAME = "secret.key";
/** The key as base64 (what `cellflow blocks key` prints): wins over secret.key, so every machine on a shared store can use one key. */
export const KEY_ENV = "CELLFLOW_SECRET_KEY";
const SHARE_KEY = `on a machine sharing the store, set ${KEY_ENV} to what \`cellflow blocks key\` prints on the machine that created the blocks`;

/** Options for `encryptSecret` and `decryptSecret`. */
export interface SecretCipherOptions {
  /**
   * Authenticated but unencrypted context, e.g. the block's name: a ciphertext copied onto another
   * block then fails to decrypt instead of silently moving a secret.
   * @default ""
   * @example { associatedData: "secret/db-password" }
   */
  associatedData?: string;
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new CellflowError("BLOCK", `encryption key must be ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`, "load it with loadOrCreateKey(home)");
  }
}

/**
 * Encrypt a secret value with a fresh random 12-byte IV. Returns "v1:<iv>:<tag>:<ciphertext>" in base64.
 * @example encryptSecret("hunter2", loadOrCreateKey(home))
 */
export function encryptSecret(plaintext: string, key: Buffer, options: SecretCipherOptions = {}): string {
  checkKey(key);
  const iv = crypto().randomBytes(IV_BYTES);
  const cipher = crypto().createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(options.associatedData ?? "", "utf8"));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, iv.toString("base64"), tag.toString("base64"), data.toString("base64")].join(":");
}

/** Decrypt what `encryptSecret` produced; a wrong key, other associated data or any tampering is refused. */
export function decryptSecret(payload: string, key: Buffer, options: SecretCipherOptions = {}): string {
  checkKey(key);
  const parts = typeof payload === "string" ? payload.split(":") : [];
  const [format, ivText, tagText, dataText] = parts;
  const iv = Buffer.from(ivText ?? "", "base64");
  const tag = Buffer.from(tagText ?? "", "base64");
  if (parts.length !== 4 || format !== FORMAT || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new CellflowError("BLOCK", "stored secret is not in Cellflow's encrypted format", "create the block again with `cellflow blocks create`");
  }
  try {
    const decipher = crypto().createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(options.associatedData ?? "", "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(dataText, "base64")), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new CellflowError(
      "BLOCK",
      "stored secret could not be decrypted (wrong secret.key or the data was altered)",
      `use the key it was written with (${SHARE_KEY}, or restore that secret.key), or create the block again`,
      { cause: error },
    );
  }
}

function readKey(path: string): Buffer {
  const key = readFileSync(path);
  if (key.length !== KEY_BYTES) {
    throw new CellflowError("BLOCK", `${path} holds ${key.length} bytes, expected ${KEY_BYTES}`, "restore it from a backup; secrets written with another key cannot be read");
  }
  return key;
}

/** The key from CELLFLOW_SECRET_KEY, or undefined when it is unset; a value that is not 32 bytes of base64 is refused. */
function keyFromEnv(): Buffer | undefined {
  const text = process.env[KEY_ENV]?.trim();
  if (!text) return undefined;
  const key = Buffer.from(text, "base64");
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new CellflowError("BLOCK", `${KEY_ENV} is not a ${KEY_BYTES}-byte key in base64 (${text.length} characters)`, `set it to what \`cellflow blocks key\` prints on the machine that created the blocks`);
  }
  return key;
}

/** Where this process takes its key from, for messages. */
export function keySource(homeDir: string): string {
  return process.env[KEY_ENV]?.trim() ? KEY_ENV : join(homeDir, KEY_FILE_NAME);
}

/**
 * Read `<home>/secret.key` for a read (showing or loading a block): a missing key is an error with a hint,
 * never a new key, which would silently split the store's blocks between two keys.
 */
export function loadKey(homeDir: string): Buffer {
  const fromEnv = keyFromEnv();
  if (fromEnv) return fromEnv;
  const path = join(homeDir, KEY_FILE_NAME);
  try {
    return readKey(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new CellflowError(
      "BLOCK",
      `${path} is missing, so the stored blocks cannot be decrypted`,
      `restore secret.key from a backup of this store (${SHARE_KEY}); without it, remove the blocks and create them again`,
    );
  }
}

/**
 * Read `<home>/secret.key` (or CELLFLOW_SECRET_KEY when set), creating the file (32 random bytes, mode 0600) when missing.
 * The key is written to a temporary file, synced, then hard-linked into place: like rename it is atomic,
 * so no reader sees a half-written key, and unlike rename it never replaces a key another process made first.
 * @example const key = loadOrCreateKey(process.env.CELLFLOW_HOME ?? ".cellflow")
 */
export function loadOrCreateKey(homeDir: string): Buffer {
  const fromEnv = keyFromEnv();
  if (fromEnv) return fromEnv;
  const path = join(homeDir, KEY_FILE_NAME);
  try {
    return readKey(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(homeDir, { recursive: true });
  const temp = join(homeDir, `.${KEY_FILE_NAME}.${process.pid}.${crypto().randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, crypto().randomBytes(KEY_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EEXIST: another process won the race; use its key. Filesystems without hard links fall back to rename.
    if (code === "EPERM" || code === "ENOTSUP" || code === "EXDEV") {
      renameSync(temp, path);
      return readKey(path);
    }
    if (code !== "EEXIST") {
      unlinkSync(temp);
      throw error;
    }
  }
  unlinkSync(temp);
  return readKey(path);
}

const MIN_SECRET_LENGTH = 4;
const MASK = "****";

/**
 * Replace every occurrence of any secret (of 4 characters or more) with "****". Longer secrets win
 * where they overlap, so a secret that contains another is masked whole.
 * @example redact("token=abcd1234", ["abcd1234"]) // "token=****"
 */
export function redact(text: string, secrets: readonly string[]): string {
  const values = [...new Set(secrets.filter((s) => typeof s === "string" && s.length >= MIN_SECRET_LENGTH))];
  if (values.length === 0 || text === "") return text;
  values.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return text.replace(pattern, MASK);
}
