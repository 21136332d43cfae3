// display(), its MIME helpers, handles and clearOutput() against a fake sink and against stdout.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearOutput, display } from "../../src/display/display.js";
import { currentDisplaySink, installDisplaySink, type DisplayOutput, type DisplaySink } from "../../src/display/sink.js";

type Event = { kind: "display" | "update"; output: DisplayOutput } | { kind: "clear"; wait: boolean };

function fakeSink(): DisplaySink & { events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    display: (output) => events.push({ kind: "display", output }),
    update: (output) => events.push({ kind: "update", output }),
    clear: ({ wait }) => events.push({ kind: "clear", wait }),
  };
}

describe("display() with a sink installed", () => {
  let sink: ReturnType<typeof fakeSink>;
  let previous: DisplaySink | undefined;
  beforeEach(() => {
    sink = fakeSink();
    previous = installDisplaySink(sink);
  });
  afterEach(() => installDisplaySink(previous));

  it("display(records) publishes a text table and an HTML table with escaped values", () => {
    display([
      { state: "NY", n: 3 },
      { state: "<CA>", n: 12 },
    ]);
    expect(sink.events).toHaveLength(1);
    const event = sink.events[0];
    if (event.kind !== "display") throw new Error("expected a display event");
    expect(event.output.data["text/plain"]).toBe(["state   n", "─────  ──", "NY      3", "<CA>   12"].join("\n"));
    const html = event.output.data["text/html"] as string;
    expect(html).toContain("<th");
    expect(html).toContain("&lt;CA&gt;");
    expect(html).not.toContain("<CA>");
    expect(event.output.displayId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("display(value) of a non-record uses util.inspect text only", () => {
    display(new Map([["a", 1]]));
    const event = sink.events[0] as { output: DisplayOutput };
    expect(event.output.data).toEqual({ "text/plain": "Map(1) { 'a' => 1 }" });
  });

  it("handle.update() replaces the same output (same displayId) with the new value", () => {
    const handle = display.markdown("**0%**");
    handle.update("**100%**");
    expect(sink.events.map((e) => e.kind)).toEqual(["display", "update"]);
    const [first, second] = sink.events as { output: DisplayOutput }[];
    expect(second.output.displayId).toBe(first.output.displayId);
    expect(second.output.displayId).toBe(handle.displayId);
    expect(second.output.data).toEqual({ "text/plain": "**100%**", "text/markdown": "**100%**" });
  });

  it("every display() call gets its own displayId", () => {
    const a = display(1);
    const b = display(1);
    expect(a.displayId).not.toBe(b.displayId);
  });

  it("display.html keeps the HTML and gives a text reading of it", () => {
    display.html("<p>Tom &amp; Jerry</p><script>x()</script>");
    const { data } = (sink.events[0] as { output: DisplayOutput }).output;
    expect(data["text/html"]).toBe("<p>Tom &amp; Jerry</p><script>x()</script>");
    expect(data["text/plain"]).toBe("Tom & Jerry");
  });

  it("display.svg, display.png and display.json publish their MIME types", () => {
    display.svg('<svg xmlns="http://www.w3.org/2000/svg"/>');
    display.png(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    display.json({ a: [1, 2], when: new Date(0) });
    const data = sink.events.map((e) => (e as { output: DisplayOutput }).output.data);
    expect(data[0]["image/svg+xml"]).toBe('<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect(data[1]["image/png"]).toBe(Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString("base64"));
    expect(data[1]["text/plain"]).toBe("[PNG image, 4 bytes]");
    expect(data[2]["application/json"]).toEqual({ a: [1, 2], when: "1970-01-01T00:00:00.000Z" });
    expect(data[2]["text/plain"]).toContain('"when": "1970-01-01T00:00:00.000Z"');
  });

  it("display.json of a cyclic value shows why instead of throwing", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    display.json(cyclic);
    const { data } = (sink.events[0] as { output: DisplayOutput }).output;
    expect(data["application/json"]).toBeUndefined();
    expect(data["text/plain"]).toMatch(/cannot be shown as JSON/);
  });

  it("display.bundle passes a bundle and its metadata through", () => {
    const handle = display.bundle({ "text/plain": "a", "text/html": "<b>a</b>" }, { "text/html": { isolated: true } });
    handle.update({ "text/plain": "b", "text/html": "<b>b</b>" });
    const [shown, updated] = sink.events as { output: DisplayOutput }[];
    expect(shown.output.metadata).toEqual({ "text/html": { isolated: true } });
    expect(updated.output.data["text/html"]).toBe("<b>b</b>");
  });

  it("clearOutput() sends a clear with its wait flag", () => {
    clearOutput();
    clearOutput({ wait: true });
    expect(sink.events).toEqual([
      { kind: "clear", wait: false },
      { kind: "clear", wait: true },
    ]);
  });

  it("the sink lives on globalThis under Symbol.for('cellflow.display'), shared by every copy of the package", () => {
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("cellflow.display")]).toBe(sink);
    expect(currentDisplaySink()).toBe(sink);
  });
});

describe("display() without a sink", () => {
  it("prints text/plain to stdout, and prints again on update", () => {
    const previous = installDisplaySink(undefined);
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const handle = display([{ a: 1 }]);
      handle.update([{ a: 2 }]);
      clearOutput();
      expect(write.mock.calls.map((c) => c[0])).toEqual(["a\n─\n1\n", "a\n─\n2\n"]);
    } finally {
      write.mockRestore();
      installDisplaySink(previous);
    }
  });
});
