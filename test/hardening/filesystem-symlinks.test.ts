// `filesystem` block helpers are symlink-safe: read, list and write never follow a symlink out of the block's folder.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Block, type FilesystemBlock } from "../../src/blocks/block.js";
import { freshStore } from "../engine/helpers.js";

describe("filesystem block helpers and symlinks", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-fs-symlinks-"));
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  let block: FilesystemBlock;

  beforeAll(async () => {
    freshStore();
    fs.mkdirSync(path.join(root, "inner"), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, "secret.txt"), "outside secret");
    fs.writeFileSync(path.join(root, "inner", "ok.txt"), "inside");
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(root, "leak.txt"));
    fs.symlinkSync(outside, path.join(root, "out-dir"));
    fs.symlinkSync(path.join(outside, "created-through-dangling.txt"), path.join(root, "dangling.txt"));
    fs.symlinkSync(path.join(root, "inner", "ok.txt"), path.join(root, "alias.txt"));
    await Block.save("filesystem", "jail", { path: root });
    block = await Block.load("filesystem", "jail");
  });

  it.each([
    ["read of a symlink", () => block.read("leak.txt")],
    ["readText of a symlink", () => block.readText("leak.txt")],
    ["readText through a symlinked folder", () => block.readText("out-dir/secret.txt")],
    ["list of a symlinked folder", () => block.list("out-dir")],
  ])("%s leading out of the folder is refused", async (_what, call) => {
    await expect(call()).rejects.toThrow(/outside filesystem block 'jail'/);
  });

  it("write through a symlink to a file outside is refused and leaves that file unchanged", async () => {
    await expect(block.write("leak.txt", "overwritten")).rejects.toThrow(/outside filesystem block 'jail'/);
    expect(fs.readFileSync(path.join(outside, "secret.txt"), "utf8")).toBe("outside secret");
  });

  it("write into a symlinked folder outside is refused and creates nothing there", async () => {
    await expect(block.write("out-dir/new/planted.txt", "x")).rejects.toThrow(/outside filesystem block 'jail'/);
    await expect(block.write("out-dir/planted.txt", "x")).rejects.toThrow(/outside filesystem block 'jail'/);
    expect(fs.readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("write through a dangling symlink pointing outside is refused", async () => {
    await expect(block.write("dangling.txt", "x")).rejects.toThrow(/outside filesystem block 'jail'/);
    expect(fs.existsSync(path.join(outside, "created-through-dangling.txt"))).toBe(false);
  });

  it("paths and symlinks that stay inside still work", async () => {
    expect(await block.readText("alias.txt")).toBe("inside");
    expect(await block.list()).toEqual(["alias.txt", "dangling.txt", "inner", "leak.txt", "out-dir"]);
    await block.write("inner/deeper/new.txt", "made");
    expect(await block.readText("inner/deeper/new.txt")).toBe("made");
    await block.write("alias.txt", "rewritten");
    expect(fs.readFileSync(path.join(root, "inner", "ok.txt"), "utf8")).toBe("rewritten");
  });
});
