// The type checker as a process started from its V8 startup snapshot (built from type-check-snapshot.ts): it begins
// with the compiler loaded and the libraries parsed, so the first check answers ~1 s sooner, for a third of the CPU,
// than on a thread that loads them. The blob is kept beside the compiler's code cache, one per Node version,
// TypeScript version and checker bundle; the first process without one builds it in the background (~3.5 s of CPU,
// niced, in a detached process so a kernel stopped meanwhile does not leave it half-built) and checks on a thread.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { cacheFolder } from "../core/cache-folder.js";

const BUNDLE = fileURLToPath(new URL("./type-check-snapshot.cjs", import.meta.url));
const BUILDER = fileURLToPath(new URL("./type-check-snapshot-build.js", import.meta.url));
/** A build that has held the lock this long is taken to have died. */
const STALE_LOCK_MS = 120_000;

/** Where the blob for this Node, TypeScript and checker bundle lives; undefined when snapshots are off or cannot be. */
export interface CheckerSnapshot {
  blob: string;
  /** The compiler's file, which the snapshot's builder evaluates. */
  typescript: string;
}

/** The blob's place (built or not), or undefined: CELLFLOW_CODE_CACHE=off, or no bundle (sources run under a test runner). */
export function checkerSnapshot(): CheckerSnapshot | undefined {
  const dir = cacheFolder();
  if (dir === null || !existsSync(BUNDLE)) return undefined;
  const typescript = createRequire(import.meta.url).resolve("typescript");
  const version = (JSON.parse(readFileSync(join(dirname(typescript), "..", "package.json"), "utf8")) as { version: string }).version;
  // The bundle names this package's folder (where the cellflow declarations are), so two copies get two blobs; two
  // Node binaries of one version get two as well (each would refuse, then rebuild, the other's).
  // Blobs built with V8's own hash seed (before snapshotFlags) keep their names, never taken for one of these.
  const key = createHash("sha256").update(readFileSync(BUNDLE)).update(BUNDLE).update(typescript).update(process.execPath).update("fixed-hash-seed").update(CHECKER_FLAGS.join(" ")).digest("hex").slice(0, 16);
  return { blob: join(dir, `typecheck-${version}-node-${process.version}-${process.arch}-${key}.blob`), typescript };
}

/**
 * The V8 flags `blob` is built and started with (V8 refuses a blob started with other flags): a hash seed of its own,
 * fixed, so the heap it starts from is not rehashed. V8 otherwise rehashes every hash table of a startup snapshot with
 * a fresh random seed, the string table and the compiler's symbol tables included: 15% of the checker's start here
 * (its first answer: CPU median 585 against 685 ms, six alternating pairs, load 6-10). The seed comes from the blob's
 * name (so from this Node, TypeScript and checker), not from a secret: the checker hashes the user's own cells and
 * declarations, which no one hostile chooses to make its tables collide.
 */
export function snapshotFlags(blob: string): string[] {
  const seed = Number.parseInt(createHash("sha256").update(basename(blob)).digest("hex").slice(0, 12), 16) || 1;
  return [`--hash-seed=${seed}`, "--no-rehash-snapshot", ...CHECKER_FLAGS];
}

/**
 * The V8 flags of the checker's process (part of the blob's name: V8 refuses a blob started with other flags).
 *
 * Without allocation-site pretenuring: once V8 sees the objects an allocation site makes outlive a young-generation
 * collection (a type checker's do, while its check runs), optimized code allocates that site's objects in the old
 * generation at once; each check then leaves old objects pointing into its checker, and V8's young-generation
 * collector keeps whatever old objects point to, dead or alive, until a full collection: every check's checker
 * (~0.4 MB) was copied and promoted, a 10–16 ms pause every ten checks. With this flag, the compiler edits of
 * compiler-patches.ts and the checker's one library resolution cache (type-check.ts), twenty trivial checks promote
 * 40–60 KB each (~500 KB before); with the edits but not this flag, ~400 KB.
 *
 * A first old-generation limit of 128 MB: the process starts with the ~80 MB heap of its blob, and V8 set its first
 * limit just above that, so the first few MB promoted started a full collection of all 80 MB during the process's
 * first ten or so checks (--trace-gc: marking in 120–130 steps, 15–21 ms in all, then a 6–7 ms pause; those checks
 * took 4–12 ms instead of 2). With this flag the first full collection comes after ~48 MB promoted: hundreds of
 * cells later, once V8 has compiled the checker's code.
 */
const CHECKER_FLAGS = ["--no-allocation-site-pretenuring", "--initial-old-space-size=128"];

/** The checker process prestartChecker started, until startCheckerProcess takes it. */
let prestarted: { blob: string; cwd: string; child: ChildProcess; failed: boolean } | undefined;

/**
 * Starts the checker process for `cwd` now, when its snapshot is built: `cellflow kernel start` calls it first thing,
 * so the process's start (~0.6 s of CPU) overlaps the loading of the kernel's own modules; the kernel's
 * TypeCheckThread then takes it over through startCheckerProcess. Does nothing (undefined) without a built snapshot.
 */
export function prestartChecker(cwd: string): ChildProcess | undefined {
  const snapshot = prestarted ? undefined : checkerSnapshot();
  if (!snapshot || !existsSync(snapshot.blob)) return undefined;
  const child = spawnChecker(snapshot.blob, cwd);
  const started = { blob: snapshot.blob, cwd, child, failed: false };
  // Until it is taken over: a failure to spawn must not be an unhandled 'error' event.
  child.once("error", () => (started.failed = true));
  prestarted = started;
  return child;
}

/**
 * Starts the checker process from `blob` in `cwd` (or takes the one prestartChecker started for them, unless it has
 * failed or exited already: its listeners would never hear of that); it answers CheckRequests over IPC and exits
 * when disconnected.
 */
export function startCheckerProcess(blob: string, cwd: string): ChildProcess {
  const early = prestarted;
  prestarted = undefined;
  if (early && early.blob === blob && early.cwd === cwd && !early.failed && early.child.exitCode === null && early.child.signalCode === null) return early.child;
  if (early && early.child.exitCode === null && early.child.signalCode === null) early.child.kill();
  return spawnChecker(blob, cwd);
}

function spawnChecker(blob: string, cwd: string): ChildProcess {
  // Marked as used: a builder removes blobs no kernel has started from for a week (see type-check-snapshot-build.ts).
  try {
    const now = new Date();
    utimesSync(blob, now, now);
  } catch {}
  // stdout is the kernel's own business; stderr is kept for the reason of a failure (TypeCheckThread logs it).
  return spawn(process.execPath, [...snapshotFlags(blob), "--snapshot-blob", blob], { cwd, env: snapshotEnv(), stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
}

/** glibc's malloc backs its large blocks with transparent huge pages (glibc 2.35+; others ignore the tunable). */
const HUGE_PAGES = "glibc.malloc.hugetlb=1";

/**
 * The environment of the snapshot's builder and of the process started from it: without NODE_OPTIONS, whose V8
 * flags (a heap size, say) make Node refuse a blob built without them, and whose --require/--import hooks are the
 * kernel's business, not the checker's. On Linux, with malloc on transparent huge pages: Node reads the 45 MB blob
 * into malloc'd buffers and copies it once more before V8 deserializes it, and faulting those in 4 KB pages was a
 * third of the process's start (53,000 page faults, half of them gone with huge pages): its first answer took
 * 1.33 s of CPU without, 0.94 s with (six alternating pairs, load ~12).
 */
export function snapshotEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  if (process.platform === "linux" && !env.GLIBC_TUNABLES?.includes("glibc.malloc.hugetlb")) {
    env.GLIBC_TUNABLES = env.GLIBC_TUNABLES ? `${env.GLIBC_TUNABLES}:${HUGE_PAGES}` : HUGE_PAGES;
  }
  return env;
}

/** Whether an exit before any answer says the blob is unusable (a crash or a refusal), not that it was stopped. */
export function blobFailed(code: number | null, signal: NodeJS.Signals | null): boolean {
  return signal === null ? code !== 0 : signal === "SIGSEGV" || signal === "SIGABRT" || signal === "SIGBUS" || signal === "SIGILL";
}

/** Deletes a blob that could not start a checker, so the next start builds it again. */
export function discardBlob(blob: string): void {
  try {
    unlinkSync(blob);
  } catch {}
}

/**
 * Builds the blob in a detached, niced process unless one is being built; resolves when that process ends (or at
 * once when another is building). Never throws.
 */
export function buildCheckerSnapshot(snapshot: CheckerSnapshot): Promise<void> {
  const lock = `${snapshot.blob}.lock`;
  try {
    mkdirSync(dirname(lock), { recursive: true });
    if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
    closeSync(openSync(lock, "wx"));
  } catch {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUILDER, BUNDLE, snapshot.blob, snapshot.typescript, lock], { detached: true, stdio: "ignore" });
    child.on("error", () => {
      discardBlob(lock);
      resolve();
    });
    child.on("exit", () => resolve());
    child.unref();
  });
}
