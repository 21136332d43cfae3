// The last guard before a byte leaves the server: every secret part of every stored block is masked in each
// response body and event, whatever path the value took (a log line, a parameter, a result preview).

import { listBlocks, readBlock, redact, secretParts } from "../../blocks/index.js";
import type { Store } from "../../store/store.js";

export class Redactor {
  private key = "";
  private secrets: string[] = [];

  constructor(private readonly store: () => Store) {}

  /** The secret strings, reloaded when a block was added, changed or removed. */
  private current(): string[] {
    const store = this.store();
    const blocks = listBlocks(store);
    const key = blocks.map((b) => `${b.type}/${b.name}@${b.updatedAt}`).join("|");
    if (key !== this.key) {
      const secrets: string[] = [];
      for (const b of blocks) {
        try {
          secrets.push(...secretParts(b.type, readBlock(store, b.type, b.name)));
        } catch {
          // A block that no longer decrypts (key replaced) holds nothing this server could leak.
        }
      }
      this.secrets = secrets;
      this.key = key;
    }
    return this.secrets;
  }

  /** JSON text of `data` with secrets masked. */
  json(data: unknown): string {
    return redact(JSON.stringify(data), this.current().flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]));
  }
}
