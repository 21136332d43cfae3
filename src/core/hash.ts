// sha256 as hex, through crypto.hash() (Node ≥ 20.12) when present: a one-shot digest is much cheaper than
// a Hash object for the small inputs the engine hashes per task. node:crypto loads on the first hash, not with
// this module (~4 ms of a command line that hashes nothing).

type OneShot = (algorithm: string, data: string | Buffer, encoding: "hex") => string;
let digest: ((data: string | Buffer) => string) | undefined;

export function sha256(data: string | Buffer): string {
  if (!digest) {
    const crypto = process.getBuiltinModule("node:crypto");
    const oneShot = (crypto as unknown as { hash?: OneShot }).hash;
    digest = oneShot ? (input) => oneShot("sha256", input, "hex") : (input) => crypto.createHash("sha256").update(input).digest("hex");
  }
  return digest(data);
}

/**
 * The first 32 hex characters of sha256(data), in a string of their own: `.slice(0, 32)` of the digest would keep
 * all 64 characters alive behind it (112 bytes against 48), and a live DAG keeps two such hashes per task run.
 * The copy is made by changing the case there and back (hex digits come back the same), which costs less than half
 * what parsing the slice as a JSON string did (~200 ns, twice per task run).
 */
export function sha256Prefix(data: string | Buffer): string {
  return sha256(data).slice(0, 32).toUpperCase().toLowerCase();
}
