// Turns whatever a failed import threw into one line naming the file, line and column.

import { readFile } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where a JavaScript file fails to parse. Node does not put the place of an ES module's parse
 * error in its stack, so ask esbuild (loaded only on this failure path).
 */
export async function javaScriptSyntaxLocation(file: string): Promise<string | undefined> {
  const { transform } = await import("esbuild");
  try {
    await transform(await readFile(file, "utf8"), { loader: "js", format: "esm", sourcefile: file });
    return undefined;
  } catch (error) {
    const location = (error as { errors?: { location?: { line: number; column: number } | null }[] }).errors?.[0]?.location;
    return location ? `${displayPath(file)}:${location.line}:${location.column + 1}` : undefined;
  }
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function displayPath(absPath: string): string {
  const rel = relative(process.cwd(), absPath);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : absPath;
}

const FRAME = /(?:\(|at |^)((?:file:\/\/)?\/[^\s()]+?|[A-Za-z]:\\[^\s()]+?):(\d+):(\d+)\)?$/;

/**
 * The reason an import failed, with `file:line:col` of the user's code where one is known: the
 * first stack frame outside Node's internals (source-mapped to the .ts), or the location Node
 * prints above a SyntaxError.
 */
export function loadFailureReason(error: unknown, ownDir: string): string {
  if (!(error instanceof Error)) return String(error);
  const text = relativizeUrls(error.message);
  const located = /^(\S+:\d+:\d+): ([\s\S]*)$/.exec(text); // a transpile error carries its place
  if (located) return `${located[1]}: ${error.name}: ${located[2]}`;
  const message = `${error.name || "Error"}: ${text}`;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_")) return message; // a resolution error: no user frame
  const where = syntaxLocation(error.stack ?? "") ?? firstUserFrame(error.stack ?? "", ownDir);
  return where ? `${where}: ${message}` : message;
}

/** Node prints `file:///x.mjs:3` then the source line and a caret above an ESM SyntaxError. */
function syntaxLocation(stack: string): string | undefined {
  const lines = stack.split("\n");
  const match = /^((?:file:\/\/)?\/\S+|[A-Za-z]:\\\S+):(\d+)$/.exec(lines[0] ?? "");
  if (!match) return undefined;
  const caret = (lines[2] ?? "").indexOf("^");
  const column = caret >= 0 ? `:${caret + 1}` : "";
  return `${toDisplay(match[1])}:${match[2]}${column}`;
}

function firstUserFrame(stack: string, ownDir: string): string | undefined {
  for (const line of stack.split("\n").slice(1)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("at ") || trimmed.includes("node:") || trimmed.includes("/node_modules/")) continue;
    const match = FRAME.exec(trimmed);
    if (!match) continue;
    const path = match[1].startsWith("file:") ? fileURLToPath(match[1]) : match[1];
    if (path.startsWith(ownDir)) continue; // the loader's own frames
    return `${displayPath(path)}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

function toDisplay(location: string): string {
  const path = location.startsWith("file:") ? fileURLToPath(location) : location;
  return displayPath(path);
}

function relativizeUrls(text: string): string {
  return text.replace(/file:\/\/\/[^\s'"]+/g, (url) => {
    try {
      return displayPath(fileURLToPath(url));
    } catch {
      return url;
    }
  }).replace(/(^|[\s'"])(\/[^\s'":]+)/g, (_m, pre: string, path: string) => pre + displayPath(path));
}
