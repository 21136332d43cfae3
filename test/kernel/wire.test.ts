// Wire format, signing and verification; connection files; history; kernelspec install; cursor offsets; send queue.

import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { endpoint, parseConnectionInfo } from "../../kernel/connection.js";
import { globToRegExp, History } from "../../kernel/history.js";
import { installKernelspec, userDataDir } from "../../kernel/install.js";
import { codePointToIndex, indexToCodePoint } from "../../kernel/language-service.js";
import { SendQueue } from "../../kernel/sockets.js";
import { decode, encode, makeHeader, refused, replyTo, Signer, type Message } from "../../kernel/wire.js";

const KEY = "a0436f6c-1916-498b-8eb9-e81ab9368e84";

function frames(key: string, content: object, signature?: string): Buffer[] {
  const parts = [makeHeader("execute_request", "s1", "me"), {}, {}, content].map((p) => Buffer.from(JSON.stringify(p)));
  const hmac = createHmac("sha256", key);
  for (const p of parts) hmac.update(p);
  return [Buffer.from("client-id"), Buffer.from("<IDS|MSG>"), Buffer.from(signature ?? hmac.digest("hex")), ...parts];
}

describe("wire", () => {
  it("decode() accepts a correctly signed message and keeps its routing identity", () => {
    const message = decode(frames(KEY, { code: "1" }), new Signer(KEY)) as Message;
    expect(refused(message)).toBe(false);
    expect(message.identities.map(String)).toEqual(["client-id"]);
    expect(message.header.msg_type).toBe("execute_request");
    expect(message.content).toEqual({ code: "1" });
  });

  it.each([
    ["a wrong key", frames("other-key", { code: "1" }), "bad signature"],
    ["no signature", frames(KEY, { code: "1" }, ""), "missing signature"],
    ["a tampered signature", frames(KEY, { code: "1" }, "0".repeat(64)), "bad signature"],
    ["no delimiter", [Buffer.from("x"), Buffer.from("y")], "no <IDS|MSG> delimiter"],
  ])("decode() refuses a message with %s", (_what, raw, reason) => {
    expect(decode(raw, new Signer(KEY))).toEqual({ refused: reason });
  });

  it("decode() refuses the same signed message twice (replay)", () => {
    const signer = new Signer(KEY);
    const raw = frames(KEY, { code: "1" });
    expect(refused(decode(raw, signer))).toBe(false);
    expect(decode(raw, signer)).toEqual({ refused: "replayed signature" });
  });

  it("encode() signs what it sends so the peer can verify it", () => {
    const request = decode(frames(KEY, { code: "1" }), new Signer(KEY)) as Message;
    const out = encode(replyTo(request, "execute_reply", { status: "ok" }, "kernel-session"), new Signer(KEY));
    const back = decode(out, new Signer(KEY)) as Message;
    expect(back.header.msg_type).toBe("execute_reply");
    expect(back.header.version).toBe("5.3");
    expect(back.parent_header.msg_id).toBe(request.header.msg_id);
    expect(back.identities.map(String)).toEqual(["client-id"]);
  });
});

describe("connection file", () => {
  const base = { ip: "127.0.0.1", transport: "tcp", shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key: "k", signature_scheme: "hmac-sha256" };

  it("endpoints are exactly the addresses the file names", () => {
    const info = parseConnectionInfo(base);
    expect(endpoint(info, "shell")).toBe("tcp://127.0.0.1:1");
    expect(endpoint(info, "hb")).toBe("tcp://127.0.0.1:5");
    expect(endpoint(parseConnectionInfo({ ...base, transport: "ipc", ip: "/tmp/k" }), "iopub")).toBe("ipc:///tmp/k-2");
  });

  it.each([
    [{ ...base, shell_port: "1" }, /shell_port must be a port number/],
    [{ ...base, signature_scheme: "hmac-md5" }, /signature_scheme "hmac-md5" is not supported/],
    [{ ...base, transport: "udp" }, /transport "udp"/],
  ])("refuses %o with a message naming the field", (raw, message) => {
    expect(() => parseConnectionInfo(raw, "conn.json")).toThrow(message);
  });
});

describe("history", () => {
  const history = new History();
  ["6 * 7", "const x = 1", "6 * 7", "x + 1"].forEach((code, i) => history.add(i + 1, code));
  history.setOutput(4, "2");

  it("tail, range and search follow IPython's semantics", () => {
    expect(History.rows(history.tail(2), false)).toEqual([
      [1, 3, "6 * 7"],
      [1, 4, "x + 1"],
    ]);
    expect(History.rows(history.tail(1), true)).toEqual([[1, 4, ["x + 1", "2"]]]);
    expect(history.range(1, 2, 3).map((e) => e.line)).toEqual([2]);
    expect(history.range(0, 3).map((e) => e.line)).toEqual([3, 4]);
    expect(history.range(7, 1)).toEqual([]);
    expect(history.search("6 ? 7").map((e) => e.line)).toEqual([1, 3]);
    expect(history.search("6 ? 7", undefined, true).map((e) => e.line)).toEqual([3]);
    expect(history.search("*", 1).map((e) => e.line)).toEqual([4]);
  });

  it("globToRegExp matches the whole input", () => {
    expect(globToRegExp("co?st*").test("const x")).toBe(true);
    expect(globToRegExp("const").test("const x")).toBe(false);
    expect(globToRegExp("[cd]onst*").test("donst")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });
});

describe("installKernelspec", () => {
  it("writes kernel.json under <prefix>/share/jupyter/kernels/<name> with message-mode interrupts", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "cellflow-spec-"));
    try {
      const installed = await installKernelspec({ prefix, name: "Cellflow-Dev" });
      expect(installed.dir).toBe(join(prefix, "share", "jupyter", "kernels", "cellflow-dev"));
      const spec = JSON.parse(readFileSync(join(installed.dir, "kernel.json"), "utf8"));
      expect(spec.display_name).toBe("TypeScript (Cellflow)");
      expect(spec.language).toBe("typescript");
      expect(spec.interrupt_mode).toBe("message");
      expect(spec.argv[0]).toBe(process.execPath);
      expect(spec.argv[1]).toMatch(/[\\/]dist[\\/]src[\\/]cli[\\/]main\.js$/);
      expect(spec.argv.slice(2)).toEqual(["kernel", "start", "{connection_file}"]);
      // Jupyter shows these as the kernel's logo: PNGs of the size their names say.
      for (const size of [32, 64]) {
        const png = readFileSync(join(installed.dir, `logo-${size}x${size}.png`));
        expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
      }
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("refuses a kernel name Jupyter cannot use", async () => {
    await expect(installKernelspec({ prefix: tmpdir(), name: "bad name/.." })).rejects.toThrow(/may only contain/);
  });

  it("the user directory honours JUPYTER_DATA_DIR", () => {
    expect(userDataDir({ JUPYTER_DATA_DIR: "/x/y" }, "linux")).toBe("/x/y");
    expect(userDataDir({ XDG_DATA_HOME: "/d" }, "linux")).toBe(join("/d", "jupyter"));
  });
});

describe("cursor offsets", () => {
  it("Jupyter's code-point cursor maps to UTF-16 indexes and back across astral characters", () => {
    const text = "const 😀 = x.ab";
    const cursor = Array.from(text).length;
    expect(codePointToIndex(text, cursor)).toBe(text.length);
    expect(indexToCodePoint(text, text.length)).toBe(cursor);
    expect(codePointToIndex(text, 7)).toBe(8);
  });
});

describe("SendQueue", () => {
  it("keeps order, and a send that fails (at once or later) goes to onError without stopping the ones after it", async () => {
    const sent: string[] = [];
    const errors: string[] = [];
    const socket = {
      send(frames: Buffer[]): Promise<void> {
        const text = frames.map(String).join("");
        if (text === "closed") throw new Error("Socket is closed");
        if (text === "refused") return Promise.reject(new Error("refused later"));
        return new Promise((resolve) => setTimeout(() => resolve(void sent.push(text)), 1));
      },
    };
    const queue = new SendQueue(socket, (error) => errors.push((error as Error).message));
    const results = ["a", "closed", "b", "refused", "c"].map((text) => queue.send([Buffer.from(text)]));
    await expect(Promise.all(results)).resolves.toBeDefined();
    await queue.drain();
    expect(sent).toEqual(["a", "b", "c"]);
    expect(errors).toEqual(["Socket is closed", "refused later"]);
  });
});
