// The environment the type checker's process (and its snapshot's builder) starts with: no NODE_OPTIONS, and on Linux
// glibc's malloc on transparent huge pages, added to the GLIBC_TUNABLES already set and never over a choice made there.

import { describe, expect, it } from "vitest";
import { snapshotEnv } from "../../src/cells/type-check-process.js";

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
