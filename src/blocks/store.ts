// Blocks in the store: every value is encrypted at rest with the home's secret.key, so no credential sits in clear in cellflow.db.

import { CellflowError } from "../core/errors.js";
import type { Store } from "../store/store.js";
import { decryptSecret, encryptSecret, KEY_ENV, keySource, loadKey, loadOrCreateKey } from "./crypto.js";
import { BLOCK_TYPES, isBlockType, validateBlockValue, type BlockType, type BlockValue } from "./types.js";

/** A stored block as listed: its identity and timestamps, never its value. */
export interface BlockInfo {
  type: BlockType;
  name: string;
  createdAt: number;
  updatedAt: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Refuse an unknown type or a name that would not survive a shell or a "type/name" reference. */
export function checkBlockRef(type: string, name: string): asserts type is BlockType {
  if (!isBlockType(type)) throw new CellflowError("BLOCK", `unknown block type '${type}'`, `use one of ${BLOCK_TYPES.join(", ")}`);
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new CellflowError("BLOCK", `block name '${String(name)}' is not allowed`, "use letters, digits, '-', '_' and '.', starting with a letter or digit");
  }
}

const aad = (type: string, name: string): string => `${type}/${name}`;

/** Validate and save a block (replacing one of the same type and name). Returns the parsed value. */
export function saveBlock<T extends BlockType>(store: Store, type: T, name: string, value: unknown): BlockValue<T> {
  checkBlockRef(type, name);
  const parsed = validateBlockValue(type, value);
  // A new key only for a store with no blocks yet, and only the key the stored blocks were sealed with: blocks
  // sealed with a lost (or another machine's) key would be split from new ones.
  const existing = store.blocks.oneSealed();
  const key = existing ? loadKey(store.home) : loadOrCreateKey(store.home);
  if (existing) {
    try {
      decryptSecret(existing.value, key, { associatedData: aad(existing.type, existing.name) });
    } catch (error) {
      throw new CellflowError(
        "BLOCK",
        `block ${type}/${name} was not saved: the key in ${keySource(store.home)} is not the one the stored blocks were sealed with`,
        `set ${KEY_ENV} to what \`cellflow blocks key\` prints on the machine that created them`,
        { cause: error },
      );
    }
  }
  const sealed = encryptSecret(JSON.stringify(parsed), key, { associatedData: aad(type, name) });
  const now = Date.now();
  store.blocks.put(type, name, sealed, now);
  return parsed;
}

/** Read and decrypt a block's value; a missing block is a BLOCK error that lists what exists. */
export function readBlock<T extends BlockType>(store: Store, type: T, name: string): BlockValue<T> {
  checkBlockRef(type, name);
  const sealed = store.blocks.sealedValue(type, name);
  if (sealed === undefined) {
    const others = store.blocks.typesNamed(name);
    const hint = others.length
      ? `'${name}' exists as ${others.map((other) => `${other}/${name}`).join(", ")}; load it with that type`
      : `create it with: cellflow blocks create ${type} ${name} --value '…'`;
    throw new CellflowError("BLOCK", `no ${type} block named '${name}'`, hint);
  }
  return openBlock(store, type, name, sealed);
}

/** Decrypt and validate a block's sealed value as read from the store. */
export function openBlock<T extends BlockType>(store: Store, type: T, name: string, sealed: string): BlockValue<T> {
  const json = decryptSecret(sealed, loadKey(store.home), { associatedData: aad(type, name) });
  return validateBlockValue(type, JSON.parse(json));
}

export function listBlocks(store: Store): BlockInfo[] {
  return store.blocks.list() as BlockInfo[];
}

export function hasBlock(store: Store, type: BlockType, name: string): boolean {
  return store.blocks.has(type, name);
}

/** Remove a block; a missing one is a BLOCK error. */
export function removeBlock(store: Store, type: string, name: string): void {
  checkBlockRef(type, name);
  if (!store.blocks.remove(type, name)) throw new CellflowError("BLOCK", `no ${type} block named '${name}'`, "see them with: cellflow blocks ls");
}

/** Split "type/name" as `blocks show` and `blocks rm` take it. */
export function parseBlockRef(ref: string): { type: BlockType; name: string } {
  const slash = ref.indexOf("/");
  if (slash <= 0) throw new CellflowError("BLOCK", `block reference '${ref}' is not type/name`, "write e.g. secret/db-password");
  const type = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  checkBlockRef(type, name);
  return { type, name };
}
