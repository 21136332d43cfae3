// sha256 as hex, through crypto.hash() (Node ≥ 20.12) when present: a one-shot digest is much cheaper than
// a Hash object for the small inputs the engine hashes per task.

import crypto from "node:crypto";

const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string | Buffer, encoding: "hex") => string }).hash;

export function sha256(data: string | Buffer): string {
  return oneShot ? oneShot("sha256", data, "hex") : crypto.createHash("sha256").update(data).digest("hex");
}
