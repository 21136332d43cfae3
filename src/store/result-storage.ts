// Result storage: where results too large to inline go when the store is shared by several machines. The
// `result-storage` setting (in the store, so every machine sees it) names a `filesystem` block on a shared mount;
// results are files under <block path>/cellflow-results/, content-addressed and written atomically as under
// CELLFLOW_HOME/results/.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CellflowError } from "../core/errors.js";
import { checkBlockRef, openBlock } from "../blocks/store.js";
import type { Store } from "./store.js";
import { INLINE_RESULT_LIMIT } from "./results.js";

export const RESULT_STORAGE_SETTING = "result-storage";
/** The folder inside the block's folder that holds the results; `cellflow config set` creates it. */
export const RESULT_STORAGE_FOLDER = "cellflow-results";

export interface ResultStorage {
  /** The filesystem block's name. */
  block: string;
  /** The results folder: <block path>/cellflow-results. */
  dir: string;
}

const SET_IT = "cellflow config set result-storage <filesystem block>";

/** `name` or `filesystem/name`; any other type is refused with one line. */
export function parseStorageBlockName(text: string): string {
  const slash = text.indexOf("/");
  if (slash < 0) return text;
  const type = text.slice(0, slash);
  if (type !== "filesystem") {
    throw new CellflowError("USAGE", `result storage must be a filesystem block, not ${type} block '${text.slice(slash + 1)}'`, `create one: cellflow blocks create filesystem shared --value '{"path":"/mnt/shared"}', then ${SET_IT.replace("<filesystem block>", "shared")}`);
  }
  return text.slice(slash + 1);
}

/** Decrypted block values by name and sealed value: a changed block has a new sealed value (a fresh IV). */
const opened = new Map<string, string>();

/** The block's results folder; refuses a block that does not exist (with what exists under that name). */
function storageFor(store: Store, name: string, sealed = store.blocks.sealedValue("filesystem", name)): ResultStorage {
  const cacheKey = `${name}\0${sealed}`;
  const cached = sealed === undefined ? undefined : opened.get(cacheKey);
  if (cached) return { block: name, dir: cached };
  let value: { path: string };
  try {
    if (sealed === undefined) {
      const others = store.blocks.typesNamed(name);
      throw new CellflowError(
        "BLOCK",
        others.length ? `'${name}' is a ${others.join(" and a ")} block, not a filesystem block` : `there is no filesystem block named '${name}'`,
        `create one: cellflow blocks create filesystem ${others.length ? "shared" : name} --value '{"path":"/mnt/shared"}', then ${SET_IT.replace("<filesystem block>", others.length ? "shared" : name)}`,
      );
    }
    value = openBlock(store, "filesystem", name, sealed);
    if (!path.isAbsolute(value.path)) {
      // A relative folder would be a different one for every process's working directory.
      throw new CellflowError("BLOCK", `filesystem block '${name}' has the relative path '${value.path}'`, `give it the shared folder's absolute path: cellflow blocks create filesystem ${name} --overwrite --value '{"path":"/mnt/shared"}'`);
    }
  } catch (error) {
    if (!(error instanceof CellflowError)) throw error;
    throw new CellflowError("STORE", `result storage: ${error.message}`, "", { cause: error });
  }
  const dir = path.join(path.normalize(value.path), RESULT_STORAGE_FOLDER);
  if (opened.size > 100) opened.clear();
  opened.set(cacheKey, dir);
  return { block: name, dir };
}

/** The configured result storage, or null when results over the inline limit stay under CELLFLOW_HOME. One round trip. */
export function configuredResultStorage(store: Store): ResultStorage | null {
  const setting = store.settings.getWithBlock(RESULT_STORAGE_SETTING, "filesystem");
  return setting === undefined ? null : storageFor(store, setting.value, setting.sealed);
}

/**
 * The results folder must exist already: on a machine where the shared folder is not mounted, writing would
 * otherwise create a local folder of the same name and the result would be readable here only.
 */
export function checkStorageFolder(storage: ResultStorage): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(storage.dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new CellflowError("STORE", `result storage '${storage.block}': ${storage.dir} does not exist on ${os.hostname()}`, `mount the shared folder there as on the other machines (\`cellflow config set result-storage ${storage.block}\` creates the folder where it is mounted)`);
    }
    throw storageIoError(storage, "read", error);
  }
  if (!stat.isDirectory()) throw new CellflowError("STORE", `result storage '${storage.block}': ${storage.dir} is not a folder`, "point the filesystem block at a shared folder");
}

/** Throw one STORE line unless the results folder exists and takes a write (before a run's user code). */
export function checkStorageWritable(storage: ResultStorage): void {
  checkStorageFolder(storage);
  const probe = path.join(storage.dir, `.probe-${os.hostname()}-${process.pid}-${Date.now()}.tmp`);
  try {
    fs.writeFileSync(probe, Buffer.alloc(4096));
  } catch (error) {
    throw storageIoError(storage, "write", error);
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

/** Set the result storage: the block must be a filesystem block whose folder exists and takes a write here. */
export function setResultStorage(store: Store, text: string): ResultStorage {
  const name = parseStorageBlockName(text);
  checkBlockRef("filesystem", name);
  const storage = storageFor(store, name);
  const root = path.dirname(storage.dir);
  if (!fs.existsSync(root)) {
    throw new CellflowError("USAGE", `result storage '${storage.block}': its folder ${root} does not exist on ${os.hostname()}`, "mount the shared folder there (or fix the block's path), then set it again");
  }
  try {
    fs.mkdirSync(storage.dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw storageIoError(storage, "write", error);
  }
  checkStorageWritable(storage);
  store.settings.set(RESULT_STORAGE_SETTING, storage.block);
  return storage;
}

/** A failed read or write of the storage folder as one line naming the folder, the machine and the fix. */
export function storageIoError(storage: ResultStorage, doing: string, error: unknown, ref?: string): CellflowError {
  const code = (error as NodeJS.ErrnoException)?.code ?? "";
  const what = ref ? `result ${ref.slice(0, 12)}` : "results";
  const why =
    code === "ENOSPC" || code === "EDQUOT"
      ? "the disk is full"
      : code === "EACCES" || code === "EPERM" || code === "EROFS"
        ? "it is not writable"
        : ((error as Error)?.message ?? String(error));
  const fix =
    code === "ENOSPC" || code === "EDQUOT"
      ? `free space on the disk that holds ${storage.dir}`
      : `make ${storage.dir} readable and writable for this user on ${os.hostname()}, or point result storage at another block: ${SET_IT}`;
  return new CellflowError("STORE", `cannot ${doing} ${what} in result storage '${storage.block}' (${storage.dir}) on ${os.hostname()}: ${why}`, fix, { cause: error });
}

/** A result found nowhere this process can look: which result, where it looked on which machine, and the fix. */
export function resultNotFound(ref: string, searched: string[], onPostgres: boolean, storage: ResultStorage | null): CellflowError {
  const where = `${searched.join(" nor in ")} on ${os.hostname()}`;
  const message = `result ${ref.slice(0, 12)} is neither in the database nor in ${where}`;
  if (storage) {
    return new CellflowError("STORE", message, `check that the folder of filesystem block '${storage.block}' is the shared mount on every machine; a result that was deleted is produced again by running the flow again`);
  }
  if (onPostgres) {
    return new CellflowError(
      "STORE",
      `${message}: results over ${INLINE_RESULT_LIMIT / 1024} KB are written under the CELLFLOW_HOME of the machine that ran the task`,
      `give every machine a shared folder for them: cellflow blocks create filesystem shared --value '{"path":"/mnt/shared"}' && cellflow config set result-storage shared`,
    );
  }
  return new CellflowError("STORE", message, "it was deleted from the results folder; run the flow again to produce it");
}
