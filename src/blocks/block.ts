// Blocks in code: `await Block.load("sql", "warehouse")` returns a typed block with helpers for its kind.
// Loading a block registers its secret parts with the run logger, so no log line shows them.

import fs from "node:fs";
import path from "node:path";
import { CellflowError } from "../core/errors.js";
import { getEngine } from "../engine/engine.js";
import { addSecret } from "../core/redaction.js";
import { postWebhook, type WebhookOptions, type WebhookResult } from "../alerts/webhook.js";
import { secretParts } from "./mask.js";
import { connectSql, type SqlClient } from "./sql-client.js";
import { readBlock, saveBlock } from "./store.js";
import type { BlockType, BlockValue } from "./types.js";

/** A stored block: its type, name and validated value. */
export class Block<T extends BlockType = BlockType> {
  constructor(
    readonly type: T,
    readonly name: string,
    readonly value: BlockValue<T>,
  ) {}

  /**
   * Load a stored block by type and name. Secret values it holds are redacted from every log line from then on.
   * @example const db = (await Block.load("sql", "warehouse")).connect();
   */
  static async load<K extends BlockType>(type: K, name: string): Promise<BlockOf<K>> {
    const value = readBlock(getEngine().store, type, name);
    for (const secret of secretParts(type, value)) addSecret(secret);
    return makeBlock(type, name, value);
  }

  /**
   * Save (or replace) a block from code, validated like `cellflow blocks create`.
   * @example await Block.save("json", "settings", { retries: 3 })
   */
  static async save<K extends BlockType>(type: K, name: string, value: BlockValue<K>): Promise<BlockOf<K>> {
    const parsed = saveBlock(getEngine().store, type, name, value);
    return makeBlock(type, name, parsed);
  }
}

/** A `secret` block: `get()` returns the decrypted string. */
export class SecretBlock extends Block<"secret"> {
  get(): string {
    return this.value.value;
  }
}

/** A `json` block: `get()` returns its JSON value. */
export class JsonBlock extends Block<"json"> {
  get<V = BlockValue<"json">>(): V {
    return this.value as V;
  }
}

/** A `sql` block: a SQLite path or a PostgreSQL URL. */
export class SqlBlock extends Block<"sql"> {
  get url(): string {
    return this.value.url;
  }

  get isPostgres(): boolean {
    return /^postgres(ql)?:\/\//i.test(this.value.url);
  }

  /**
   * Open a connection to the block's database, a SQLite file (relative to the current directory) or a PostgreSQL
   * server: one async client with `?` placeholders on both (`query`, `execute`, `executeMany`, `insertRows`, `close`).
   * @example const db = (await Block.load("sql", "warehouse")).connect(); const rows = await db.query("select 1 as one");
   */
  connect(): SqlClient {
    return connectSql(this.value.url, `sql block '${this.name}'`);
  }
}

/**
 * A `filesystem` block: a local folder, with read and write helpers that stay inside it. Paths are checked
 * lexically and then by their real path, so a symlink inside the folder that points out of it is refused.
 */
export class FilesystemBlock extends Block<"filesystem"> {
  get root(): string {
    return path.resolve(this.value.path);
  }

  /** The absolute path of `relative` inside the folder; a path that escapes it is refused. */
  resolve(relative: string): string {
    const full = path.resolve(this.root, relative);
    if (!isInside(this.root, full)) throw this.outside(relative);
    return full;
  }

  async read(relative: string): Promise<Buffer> {
    return fs.promises.readFile(await this.resolveReal(relative));
  }

  async readText(relative: string): Promise<string> {
    return fs.promises.readFile(await this.resolveReal(relative), "utf8");
  }

  /** Write a file, creating its folders. Writing through a symlink that points out of the folder is refused. */
  async write(relative: string, data: string | Uint8Array): Promise<string> {
    const full = this.resolve(relative);
    await fs.promises.mkdir(this.root, { recursive: true });
    const realRoot = await this.realRoot();
    // The nearest existing ancestor decides where new folders land; it must be inside the folder's real path.
    const existing = await nearestExisting(path.dirname(full));
    if (!isInside(realRoot, await fs.promises.realpath(existing))) throw this.outside(relative);
    await fs.promises.mkdir(path.dirname(full), { recursive: true });
    const target = path.join(await fs.promises.realpath(path.dirname(full)), path.basename(full));
    if (!isInside(realRoot, target)) throw this.outside(relative);
    let real = target;
    try {
      real = await fs.promises.realpath(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // A dangling symlink: realpath fails, but writing would create the file it points at.
      if ((await fs.promises.lstat(target).catch(() => null))?.isSymbolicLink()) throw this.outside(relative);
    }
    if (!isInside(realRoot, real)) throw this.outside(relative);
    // O_NOFOLLOW: a symlink swapped in after the check is not followed.
    const handle = await fs.promises.open(real, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    return full;
  }

  /** Names in a folder of the block (default: its root). */
  async list(relative = "."): Promise<string[]> {
    return (await fs.promises.readdir(await this.resolveReal(relative))).sort();
  }

  /** The real path of an existing `relative`, refused when a symlink on the way leads out of the folder. */
  private async resolveReal(relative: string): Promise<string> {
    const full = this.resolve(relative);
    const real = await fs.promises.realpath(full);
    if (!isInside(await this.realRoot(), real)) throw this.outside(relative);
    return real;
  }

  private async realRoot(): Promise<string> {
    return fs.promises.realpath(this.root);
  }

  private outside(relative: string): CellflowError {
    return new CellflowError("BLOCK", `path '${relative}' is outside filesystem block '${this.name}' (${this.root})`, "use a path relative to the block's folder, with no symlink leading out of it");
  }
}

function isInside(root: string, full: string): boolean {
  return full === root || full.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

async function nearestExisting(dir: string): Promise<string> {
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      await fs.promises.lstat(at);
      return at;
    } catch {
      if (path.dirname(at) === at) return at;
    }
  }
}

/** A `webhook` block: `post(body)` sends JSON with the block's headers, retried; it never throws. */
export class WebhookBlock extends Block<"webhook"> {
  post(body: unknown, options: Omit<WebhookOptions, "headers"> = {}): Promise<WebhookResult> {
    return postWebhook(this.value.url, body, { ...options, headers: this.value.headers ?? {} });
  }
}

const CLASSES = { secret: SecretBlock, json: JsonBlock, sql: SqlBlock, filesystem: FilesystemBlock, webhook: WebhookBlock } as const;

/** The block class `Block.load(type, …)` returns for each type. */
export type BlockOf<K extends BlockType> = InstanceType<(typeof CLASSES)[K]>;

function makeBlock<K extends BlockType>(type: K, name: string, value: BlockValue<K>): BlockOf<K> {
  const Class = CLASSES[type] as unknown as new (type: K, name: string, value: BlockValue<K>) => BlockOf<K>;
  return new Class(type, name, value);
}
