// `cellflow blocks create|ls|show|rm`: stored, typed configuration; secrets masked when shown.

import fs from "node:fs";
import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { checkDepth } from "../../core/input-bounds.js";
import { table, print } from "../output.js";

/** The store and the blocks layer, loaded when a blocks command runs (zod and SQLite stay out of `--version`). */
async function load() {
  const [{ getEngine }, blocks] = await Promise.all([import("../../engine/engine.js"), import("../../blocks/index.js")]);
  return { store: getEngine().store, ...blocks };
}

function readStdin(): string {
  try {
    return fs.readFileSync(0, "utf8");
  } catch (error) {
    throw new CellflowError("USAGE", `could not read the value from stdin: ${(error as Error).message}`, "pipe it in: echo -n s3cr3t | cellflow blocks create secret NAME --secret-stdin");
  }
}

/** The value from exactly one of --value, --from-file, --secret-stdin; a secret may be given as a bare string. */
function blockInput(type: string, name: string, opts: { value?: string; fromFile?: string; secretStdin?: boolean }): unknown {
  const given = [opts.value !== undefined, opts.fromFile !== undefined, opts.secretStdin === true].filter(Boolean).length;
  if (given !== 1) {
    throw new CellflowError("USAGE", `blocks create ${type} ${name} needs exactly one of --value, --from-file, --secret-stdin`, `e.g. cellflow blocks create ${type} ${name} --value '{…}'`);
  }
  let text: string;
  let where: string;
  if (opts.fromFile !== undefined) {
    try {
      text = fs.readFileSync(opts.fromFile, "utf8");
    } catch (error) {
      throw new CellflowError("USAGE", `cannot read --from-file ${opts.fromFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "give an existing JSON file");
    }
    where = `file ${opts.fromFile}`;
  } else if (opts.secretStdin) {
    text = readStdin();
    // A secret piped in is the raw string: only the newline `echo` adds is dropped.
    if (type === "secret") return { value: text.replace(/\r?\n$/, "") };
    where = "stdin";
  } else {
    text = opts.value!;
    where = "--value";
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    if (type === "secret") return { value: text.replace(/\r?\n$/, "") };
    throw new CellflowError("BLOCK", `${where} for ${type} block '${name}' is not JSON`, `write it like --value '${type === "json" ? '{"retries":3}' : '{"url":"…"}'}'`);
  }
  checkDepth(parsed, `${where} for ${type} block '${name}'`);
  return type === "secret" && typeof parsed === "string" ? { value: parsed } : parsed;
}

export function registerBlocksCommands(program: Command): void {
  const blocks = program.command("blocks").description("stored, typed configuration (secret, json, sql, filesystem, webhook); secrets encrypted at rest");

  blocks
    .command("create <type> <name>")
    .description("create a block (replace an existing one with --overwrite)")
    .option("--value <json>", "the value as JSON (a secret may be a bare string)")
    .option("--from-file <file>", "read the value from a JSON file")
    .option("--secret-stdin", "read the value from stdin (for a secret: the raw string)")
    .option("--overwrite", "replace the block when it exists")
    .action(async (type: string, name: string, opts: { value?: string; fromFile?: string; secretStdin?: boolean; overwrite?: boolean }) => {
      const { store, saveBlock } = await load();
      const refs: typeof import("../../blocks/index.js") = await import("../../blocks/index.js");
      refs.checkBlockRef(type, name);
      const existed = refs.hasBlock(store, type, name);
      if (existed && !opts.overwrite) {
        throw new CellflowError("BLOCK", `block ${type}/${name} already exists; nothing was changed`, `replace it with: cellflow blocks create ${type} ${name} --overwrite …`);
      }
      saveBlock(store, type, name, blockInput(type, name, opts));
      print(`block ${type}/${name} ${existed ? "replaced" : "saved"}${type === "secret" ? " (encrypted)" : ""}\n`);
    });

  blocks
    .command("ls")
    .description("stored blocks (values are not shown)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { store, listBlocks } = await load();
      const list = listBlocks(store);
      if (opts.json) return void process.stdout.write(JSON.stringify(list.map((b) => ({ ...b, createdAt: new Date(b.createdAt).toISOString(), updatedAt: new Date(b.updatedAt).toISOString() })), null, 2) + "\n");
      if (list.length === 0) return void print("no blocks yet (create one: cellflow blocks create json settings --value '{\"retries\":3}')\n");
      print(table(["TYPE", "NAME", "UPDATED"], list.map((b) => [b.type, b.name, new Date(b.updatedAt).toISOString().replace("T", " ").slice(0, 19)])) + "\n");
    });

  blocks
    .command("show <type/name>")
    .description("a block's value, secrets masked")
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { store, parseBlockRef, maskBlockValue, readBlock } = await load();
      const { type, name } = parseBlockRef(ref);
      const value = maskBlockValue(type, readBlock(store, type, name));
      if (opts.json) return void process.stdout.write(JSON.stringify({ type, name, value }, null, 2) + "\n");
      process.stdout.write(`${type}/${name}\n${JSON.stringify(value, null, 2)}\n`);
    });

  blocks
    .command("key")
    .description("print the key that encrypts the blocks (base64), to set as CELLFLOW_SECRET_KEY on the other machines of a shared store")
    .action(async () => {
      const { store } = await load();
      const { loadKey } = await import("../../blocks/crypto.js");
      process.stdout.write(loadKey(store.home).toString("base64") + "\n");
    });

  blocks
    .command("rm <type/name>")
    .description("remove a block")
    .action(async (ref: string) => {
      const { store, parseBlockRef, removeBlock } = await load();
      const { type, name } = parseBlockRef(ref);
      removeBlock(store, type, name);
      print(`block ${type}/${name} removed\n`);
    });
}
