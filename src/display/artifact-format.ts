// An artifact as text and HTML: the header line (key, version, type) and its content, for runs show, the
// terminal UI, `artifacts show` and the notebook.

import type { ArtifactRecord } from "../core/records.js";
import { escapeHtml } from "./html.js";
import type { MimeBundle } from "./sink.js";
import { isRecord, recordsToHtml, recordsToText, type TableRecord } from "./table.js";

/** A table artifact's rows as records: arrays become records keyed by `columns` (or 0, 1, …). */
export function artifactRecords(rows: unknown[], columns?: string[]): TableRecord[] {
  return rows.map((row) => {
    if (isRecord(row)) return row;
    if (Array.isArray(row)) return Object.fromEntries(row.map((v, i) => [columns?.[i] ?? String(i), v]));
    return { value: row };
  });
}

export function artifactTitle(a: ArtifactRecord): string {
  return `${a.key} v${a.version} (${a.type})${a.description ? ` — ${a.description}` : ""}`;
}

/** The artifact's content as plain text (no title). */
export function artifactText(a: ArtifactRecord): string {
  const d = a.data;
  if ("rows" in d) return d.rows.length ? recordsToText(artifactRecords(d.rows, d.columns)) : "(no rows)";
  if ("markdown" in d) return d.markdown;
  return d.text ? `${d.text}: ${d.url}` : d.url;
}

/** The artifact's content as HTML (no title); every value escaped. */
export function artifactHtml(a: ArtifactRecord): string {
  const d = a.data;
  if ("rows" in d) return d.rows.length ? recordsToHtml(artifactRecords(d.rows, d.columns)) : "<i>no rows</i>";
  // Markdown is shown as its source in a <pre>: rendering user markdown to HTML here would need a sanitizer.
  if ("markdown" in d) return `<pre style="white-space:pre-wrap">${escapeHtml(d.markdown)}</pre>`;
  const safe = /^https?:\/\//i.test(d.url) ? d.url : "#";
  return `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer">${escapeHtml(d.text ?? d.url)}</a>`;
}

/** A MIME bundle for the notebook: text, HTML, and Markdown for markdown artifacts. */
export function artifactBundle(a: ArtifactRecord): MimeBundle {
  const title = artifactTitle(a);
  const bundle: MimeBundle = {
    "text/plain": `artifact ${title}\n${artifactText(a)}`,
    "text/html": `<div class="cellflow-artifact"><div style="font-weight:bold;margin:4px 0">artifact ${escapeHtml(title)}</div>${artifactHtml(a)}</div>`,
  };
  return bundle;
}
