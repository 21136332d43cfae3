// The environment the type checker's process (and its snapshot's builder) starts with: no NODE_OPTIONS, and on Linux
// glibc's malloc on transparent huge pages, added to the GLIBC_TUNABLES already set and never over a choice made there.

import { describe, expect, it } from "vitest";
import { snapshotEnv, snapshotFlags } from "../../src/cells/type-check-process.js";

describe.runIf(process.platform === "linux")("the checker process's environment", () => {
  it("turns huge pages on for malloc, leaving NODE_OPTIONS out", () => {
    const env = snapshotEnv({ GLIBC_TUNABLES: undefined, NODE_OPTIONS: "--max-old-space-size=100", KEEP: "1" });
    expect(env.GLIBC_TUNABLES).toBe("glibc.malloc.hugetlb=1");
    expect(env.NODE_OPTIONS).toBeUndefined();
    expect(env.KEEP).toBe("1");
  });

  it("adds to the tunables already set, and keeps a hugetlb setting of the user's", () => {
    expect(snapshotEnv({ GLIBC_TUNABLES: "glibc.malloc.arena_max=2" }).GLIBC_TUNABLES).toBe("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
    expect(snapshotEnv({ GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }).GLIBC_TUNABLES).toBe("glibc.malloc.hugetlb=0");
  });
});

describe("the checker process's V8 flags", () => {
  it("are a hash seed of the blob's own, no rehashing, no pretenuring and a first old-generation limit, the same for the builder and the process (by the blob's name)", () => {
    const flags = snapshotFlags("/cache/typecheck-5.9.3-node-v20-x64-0123456789abcdef.blob");
    expect(flags).toEqual([expect.stringMatching(/^--hash-seed=[1-9]\d*$/), "--no-rehash-snapshot", "--no-allocation-site-pretenuring", "--initial-old-space-size=128"]);
    expect(snapshotFlags("/elsewhere/typecheck-5.9.3-node-v20-x64-0123456789abcdef.blob")).toEqual(flags);
    expect(snapshotFlags("/cache/typecheck-5.9.3-node-v20-x64-fedcba9876543210.blob")[0]).not.toBe(flags[0]);
  });
});
