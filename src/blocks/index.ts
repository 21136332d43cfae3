// The blocks package's public door: block types and validation, secret encryption, the key file and redaction.

export { BLOCK_TYPES, BLOCK_SCHEMAS, isBlockType, validateBlockValue } from "./types.js";
export type { BlockType, BlockValue } from "./types.js";
export { encryptSecret, decryptSecret, loadOrCreateKey, redact, KEY_FILE_NAME } from "./crypto.js";
export type { SecretCipherOptions } from "./crypto.js";
