// The blocks package's public door: block types and validation, secret encryption, the key file, redaction, stored blocks.

export { BLOCK_TYPES, blockSchemas, isBlockType, validateBlockValue } from "./types.js";
export type { BlockType, BlockValue } from "./types.js";
export { encryptSecret, decryptSecret, loadKey, loadOrCreateKey, redact, KEY_FILE_NAME } from "./crypto.js";
export type { SecretCipherOptions } from "./crypto.js";
export { saveBlock, readBlock, listBlocks, hasBlock, removeBlock, parseBlockRef, checkBlockRef } from "./store.js";
export type { BlockInfo } from "./store.js";
export { maskBlockValue, secretParts } from "./mask.js";
export { Block, SecretBlock, JsonBlock, SqlBlock, FilesystemBlock, WebhookBlock } from "./block.js";
export type { BlockOf } from "./block.js";
