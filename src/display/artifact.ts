// artifact.table / markdown / link: Prefect's artifacts. Inside a task or flow each call stores the next version of
// its key, attached to that run; in a notebook (kernel or terminal UI) it is shown under the cell as well.

import { CellflowError } from "../core/errors.js";
import type { ArtifactRecord, ArtifactType } from "../core/records.js";
import { currentContext } from "../engine/context.js";
import { getEngine } from "../engine/engine.js";
import { safeJson } from "../store/rows.js";
import { artifactBundle } from "./artifact-format.js";
import { display } from "./display.js";
import { currentDisplaySink } from "./sink.js";
// A call outside any flow asks a notebook session for its run, which it opens through the engine flow-run.ts provides
// as it loads (context.ts, SessionEngine): loaded with whatever can make that call, however it was imported.
import "../engine/flow-run.js";

const KEY = /^[a-z0-9][a-z0-9_-]*$/;

/** Options every artifact takes. */
export interface ArtifactOptions {
  /**
   * A line saying what the artifact is.
   * @default ""
   * @example { description: "rows per stage of the ETL" }
   */
  description?: string;
}

function checkKey(key: unknown): string {
  if (typeof key !== "string" || !KEY.test(key)) {
    throw new CellflowError("BAD_OPTION", `artifact key ${JSON.stringify(key) ?? String(key)} is not allowed`, "use lowercase letters, digits, '-' and '_', e.g. \"row-counts\"");
  }
  return key;
}

/** Rows as a list: records, arrays (with `columns`), or an object of columns `{ state: [...], n: [...] }`. */
function tableRows(key: string, rows: unknown): { rows: unknown[] } {
  if (Array.isArray(rows)) return { rows };
  if (rows !== null && typeof rows === "object") {
    const columns = Object.entries(rows as Record<string, unknown>);
    if (columns.every(([, v]) => Array.isArray(v))) {
      const length = Math.max(0, ...columns.map(([, v]) => (v as unknown[]).length));
      return { rows: Array.from({ length }, (_, i) => Object.fromEntries(columns.map(([c, v]) => [c, (v as unknown[])[i] ?? null]))) };
    }
  }
  throw new CellflowError("BAD_OPTION", `artifact.table("${key}", …) needs a list of rows`, "give an array of records like [{ stage: \"parsed\", rows: 10 }]");
}

function create(key: unknown, type: ArtifactType, data: object, options: ArtifactOptions = {}): ArtifactRecord {
  const checked = checkKey(key);
  const ctx = currentContext();
  const record = getEngine().store.createArtifact({
    key: checked,
    type,
    description: options.description ?? "",
    // Through JSON, so what is stored is what every front end reads back (bigints as strings, no functions).
    data: safeJson(data),
    flowRunId: ctx?.flow?.record.id ?? null,
    taskRunId: ctx?.task?.record.id ?? null,
  });
  if (currentDisplaySink()) display.bundle(artifactBundle(record));
  return record;
}

/** Create artifacts; each call stores a new version of its key. See {@link ArtifactOptions}. */
export const artifact = {
  /**
   * A table: an array of records (or of arrays with `columns`), or an object of equal-length columns.
   * @example artifact.table("row-counts", [{ stage: "parsed", rows: 10 }])
   */
  table(key: string, rows: unknown[] | Record<string, unknown[]>, options: ArtifactOptions & { columns?: string[] } = {}): ArtifactRecord {
    const data = tableRows(checkKey(key), rows);
    return create(key, "table", options.columns ? { ...data, columns: options.columns } : data, options);
  },
  /**
   * Markdown text.
   * @example artifact.markdown("report", "## 10 complaints\nmost from NY")
   */
  markdown(key: string, markdown: string, options: ArtifactOptions = {}): ArtifactRecord {
    if (typeof markdown !== "string") throw new CellflowError("BAD_OPTION", `artifact.markdown("${String(key)}", …) needs a string`, "give the Markdown text");
    return create(key, "markdown", { markdown }, options);
  },
  /**
   * A link, with an optional text to show instead of the URL.
   * @example artifact.link("dashboard", "https://example.com/d/42", { text: "daily dashboard" })
   */
  link(key: string, url: string, options: ArtifactOptions & { text?: string } = {}): ArtifactRecord {
    if (typeof url !== "string" || url.trim() === "") throw new CellflowError("BAD_OPTION", `artifact.link("${String(key)}", …) needs a URL`, "e.g. artifact.link(\"report\", \"https://example.com/report\")");
    return create(key, "link", options.text ? { url, text: options.text } : { url }, options);
  },
};
