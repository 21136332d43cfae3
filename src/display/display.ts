// display(), display.html/markdown/svg/png/json/bundle and clearOutput(): front-end agnostic notebook output.

import { randomUUID } from "node:crypto";
import { jsonView, stringifyJson } from "../core/result-json.js";
import { formatDisplay } from "./format.js";
import { htmlToText } from "./html.js";
import { currentDisplaySink, type DisplayOutput, type MimeBundle } from "./sink.js";
import { findTslab, showInTslab, type TslabDisplay } from "./tslab.js";

/** What display() returns: a way to replace that output in place. */
export interface DisplayHandle<T = unknown> {
  /** The Jupyter display id of the output. */
  readonly displayId: string;
  /**
   * Replaces the output with a new value, formatted the same way as the original call.
   * Without a notebook front end (plain stdout) the new value is printed again.
   * @example
   * const progress = display.markdown("**0%**");
   * progress.update("**50%**");
   */
  update(value: T): void;
}

type Formatter<T> = (value: T) => { data: MimeBundle; metadata?: Record<string, unknown> };

// Where one output goes. Decided when it is first shown and kept for its updates, so an update
// lands where the original output is.
type Route = { kind: "sink" } | { kind: "tslab"; target: TslabDisplay } | { kind: "stdout" };

function chooseRoute(): Route {
  if (currentDisplaySink()) return { kind: "sink" };
  const tslab = findTslab();
  if (tslab) return { kind: "tslab", target: tslab.newDisplay() };
  return { kind: "stdout" };
}

function send(route: Route, output: DisplayOutput, isUpdate: boolean): void {
  if (route.kind === "sink") {
    const sink = currentDisplaySink();
    if (sink) {
      if (isUpdate) sink.update(output);
      else sink.display(output);
      return;
    }
    // The kernel that took the original output has gone (e.g. a test harness removed it): print.
  }
  if (route.kind === "tslab") {
    showInTslab(route.target, output);
    return;
  }
  const text = output.data["text/plain"];
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function show<T>(value: T, format: Formatter<T>): DisplayHandle<T> {
  const displayId = randomUUID().replaceAll("-", "");
  const route = chooseRoute();
  const output = (v: T): DisplayOutput => {
    const { data, metadata } = format(v);
    return { data, metadata: metadata ?? {}, displayId };
  };
  send(route, output(value), false);
  const handle: DisplayHandle<T> = {
    displayId,
    update(next: T): void {
      send(route, output(next), true);
    },
  };
  Object.defineProperty(handle, HANDLE_BRAND, { value: true });
  return handle;
}

const HANDLE_BRAND = Symbol.for("cellflow.displayHandle");

/** Whether a value is the handle display() returned: a cell ending in display(...) has shown its output already. */
export function isDisplayHandle(value: unknown): value is DisplayHandle {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[HANDLE_BRAND] === true;
}

function byteLength(bytes: Uint8Array): string {
  return `${bytes.byteLength} byte${bytes.byteLength === 1 ? "" : "s"}`;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function jsonBundle(value: unknown): MimeBundle {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (error) {
    // BigInts are exact integers in the text; a cyclic value is shown as inspect text, saying it is not JSON.
    const view = jsonView(value);
    if (!view.note) return { "text/plain": stringifyJson(value, 2) };
    return { "text/plain": `${String(view.value)}\n[value cannot be shown as JSON: ${(error as Error).message.split("\n")[0]}]` };
  }
  if (text === undefined) return { "text/plain": String(value) };
  // Round-trip so the bundle holds exactly what JSON keeps (no undefined, Dates as strings …).
  return { "text/plain": text, "application/json": JSON.parse(text) as unknown };
}

/** The display() function with its MIME-specific helpers. */
export interface Display {
  /**
   * Shows any value: records and arrays of records as a table (HTML and text), other values as
   * `util.inspect` prints them. Returns a handle whose `update(value)` replaces the output.
   * @example display([{ state: "NY", n: 3 }, { state: "CA", n: 5 }]);
   */
  (value: unknown): DisplayHandle<unknown>;
  /** Shows an HTML fragment (`text/plain` carries its text for plain front ends). @example display.html("<b>done</b>") */
  html(html: string): DisplayHandle<string>;
  /** Shows Markdown. @example display.markdown("## Results") */
  markdown(markdown: string): DisplayHandle<string>;
  /** Shows an SVG image given as markup. @example display.svg('<svg width="10" height="10"/>') */
  svg(svg: string): DisplayHandle<string>;
  /** Shows a PNG image from its bytes. @example display.png(readFileSync("chart.png")) */
  png(bytes: Uint8Array): DisplayHandle<Uint8Array>;
  /** Shows a JSON-serialisable value as an expandable JSON tree. @example display.json({ ok: true }) */
  json(value: unknown): DisplayHandle<unknown>;
  /**
   * Shows a ready-made MIME bundle (must include `text/plain`).
   * @example display.bundle({ "text/plain": "2 rows", "text/html": "<i>2 rows</i>" })
   */
  bundle(data: MimeBundle, metadata?: Record<string, unknown>): DisplayHandle<MimeBundle>;
}

/** Shows values in the notebook (or prints their text when there is no notebook). See {@link Display}. */
export const display: Display = Object.assign((value: unknown) => show(value, (v) => ({ data: formatDisplay(v) })), {
  html: (html: string) => show(html, (s) => ({ data: { "text/plain": htmlToText(s) || "[HTML]", "text/html": s } })),
  markdown: (markdown: string) => show(markdown, (s) => ({ data: { "text/plain": s, "text/markdown": s } })),
  svg: (svg: string) =>
    show(svg, (s) => ({ data: { "text/plain": `[SVG image, ${s.length} characters]`, "image/svg+xml": s } })),
  png: (bytes: Uint8Array) =>
    show(bytes, (b) => ({ data: { "text/plain": `[PNG image, ${byteLength(b)}]`, "image/png": toBase64(b) } })),
  json: (value: unknown) => show(value, (v) => ({ data: jsonBundle(v) })),
  bundle: (data: MimeBundle, metadata: Record<string, unknown> = {}) => show(data, (d) => ({ data: d, metadata })),
});

/**
 * Clears the current cell's output. With `{ wait: true }` the clear happens when the next output
 * arrives, which avoids flicker in loops. Does nothing outside a Cellflow kernel (tslab and plain
 * stdout have no way to clear output).
 * @example
 * for (const step of steps) { clearOutput({ wait: true }); display(step); }
 */
export function clearOutput(options: { wait?: boolean } = {}): void {
  currentDisplaySink()?.clear({ wait: options.wait ?? false });
}
