// Blocks: stored configuration by type; create and edit through a form per type. Secret fields are write-only:
// the server never sends them back, and leaving one blank on edit keeps the stored value.

import { useState, type FormEvent } from "react";
import type { BlockDetail, BlockFieldView, BlocksPage as BlocksData } from "../../shared/api-types.js";
import { ApiFailure, getJson, sendJson } from "../api.js";
import { Card, Empty, ErrorBox, Loading, PageHeader } from "../components.js";
import { ago } from "../format.js";
import { useFetch } from "../use-fetch.js";

interface Draft {
  type: string;
  name: string;
  editing: boolean;
  fields: Record<string, string>;
  headers: Array<{ key: string; value: string; stored: boolean }>;
  secretFields: string[];
}

function emptyDraft(type: string): Draft {
  return { type, name: "", editing: false, fields: {}, headers: [], secretFields: [] };
}

function draftFrom(detail: BlockDetail, fields: BlockFieldView[]): Draft {
  const value = (detail.value ?? {}) as Record<string, unknown>;
  const draft: Draft = { type: detail.type, name: detail.name, editing: true, fields: {}, headers: [], secretFields: detail.secretFields };
  for (const f of fields) {
    if (f.kind === "headers") draft.headers = Object.keys((value[f.name] as Record<string, unknown>) ?? {}).map((key) => ({ key, value: "", stored: true }));
    else if (f.kind === "json") draft.fields[f.name] = JSON.stringify(detail.type === "json" ? detail.value : value[f.name], null, 2);
    else draft.fields[f.name] = f.secret ? "" : String(value[f.name] ?? "");
  }
  return draft;
}

function valueOf(draft: Draft, fields: BlockFieldView[]): unknown {
  if (draft.type === "json") return JSON.parse(draft.fields.value || "null");
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.kind === "headers") {
      if (draft.headers.length) out.headers = Object.fromEntries(draft.headers.filter((h) => h.key).map((h) => [h.key, h.value === "" && h.stored ? null : h.value]));
    } else if (f.secret) out[f.name] = draft.fields[f.name] === "" && draft.editing ? null : draft.fields[f.name] ?? "";
    else out[f.name] = draft.fields[f.name] ?? "";
  }
  return out;
}

export function BlocksPage() {
  const page = useFetch<BlocksData>("/api/blocks");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<ApiFailure | { message: string; hint: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  if (page.error) return <ErrorBox error={page.error} />;
  if (!page.data) return <Loading />;
  const types = page.data.types;
  const fieldsOf = (type: string) => types.find((t) => t.type === type)?.fields ?? [];

  const edit = async (type: string, name: string) => {
    setError(null);
    setSaved(null);
    try {
      setDraft(draftFrom(await getJson<BlockDetail>(`/api/blocks/${type}/${encodeURIComponent(name)}`), fieldsOf(type)));
    } catch (e) {
      setError(e as ApiFailure);
    }
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    setError(null);
    let value: unknown;
    try {
      value = valueOf(draft, fieldsOf(draft.type));
    } catch {
      return setError({ message: "the value is not valid JSON", hint: 'write it like {"retries": 3}' });
    }
    try {
      await sendJson("PUT", `/api/blocks/${draft.type}/${encodeURIComponent(draft.name)}`, { value });
      setSaved(`${draft.type}/${draft.name}`);
      setDraft(null);
      page.reload();
    } catch (err) {
      setError(err as ApiFailure);
    }
  };
  const remove = async (type: string, name: string) => {
    if (!confirm(`Remove block ${type}/${name}?`)) return;
    await sendJson("DELETE", `/api/blocks/${type}/${encodeURIComponent(name)}`).catch((e: ApiFailure) => setError(e));
    page.reload();
  };

  return (
    <div className="page">
      <PageHeader
        title="Blocks"
        subtitle="Stored, typed configuration; encrypted at rest, secrets never sent to this page"
        actions={
          <select value="" data-testid="new-block" onChange={(e) => e.target.value && (setDraft(emptyDraft(e.target.value)), setSaved(null), setError(null))}>
            <option value="">+ New block…</option>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        }
      />
      {saved && <div className="note" data-testid="block-saved">Saved {saved}. Load it in a flow with <code>{`await Block.load("${saved}")`}</code></div>}
      {error && <ErrorBox error={error} />}
      {draft && (
        <Card title={draft.editing ? `Edit ${draft.type}/${draft.name}` : `New ${draft.type} block`}>
          <form className="form" onSubmit={(e) => void save(e)} data-testid="block-form">
            <label className="field">
              <span className="field-name">name</span>
              <input name="name" value={draft.name} disabled={draft.editing} placeholder="db-password" onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
            </label>
            {fieldsOf(draft.type).map((f) =>
              f.kind === "headers" ? (
                <div key={f.name} className="field">
                  <span className="field-name">headers <span className="muted small">values are secret</span></span>
                  {draft.headers.map((h, i) => (
                    <div key={i} className="header-row">
                      <input placeholder="Header" value={h.key} onChange={(e) => setDraft({ ...draft, headers: draft.headers.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)) })} />
                      <input type="password" autoComplete="new-password" placeholder={h.stored ? "unchanged (stored, never shown)" : "value"} value={h.value} onChange={(e) => setDraft({ ...draft, headers: draft.headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })} />
                      <button type="button" className="icon" onClick={() => setDraft({ ...draft, headers: draft.headers.filter((_, j) => j !== i) })}>×</button>
                    </div>
                  ))}
                  <button type="button" onClick={() => setDraft({ ...draft, headers: [...draft.headers, { key: "", value: "", stored: false }] })}>+ header</button>
                </div>
              ) : (
                <label key={f.name} className="field">
                  <span className="field-name">
                    {f.name}
                    {f.secret && <span className="muted small"> secret · write-only</span>}
                  </span>
                  {f.kind === "json" ? (
                    <textarea name={f.name} rows={6} className="mono" placeholder={f.placeholder} value={draft.fields[f.name] ?? ""} onChange={(e) => setDraft({ ...draft, fields: { ...draft.fields, [f.name]: e.target.value } })} />
                  ) : (
                    <input
                      name={f.name}
                      type={f.secret ? "password" : "text"}
                      autoComplete={f.secret ? "new-password" : "off"}
                      placeholder={f.secret && draft.editing ? "unchanged (stored, never shown)" : f.placeholder}
                      value={draft.fields[f.name] ?? ""}
                      onChange={(e) => setDraft({ ...draft, fields: { ...draft.fields, [f.name]: e.target.value } })}
                    />
                  )}
                </label>
              ),
            )}
            <div className="row-actions">
              <button className="primary" type="submit" data-testid="save-block">Save</button>
              <button type="button" onClick={() => setDraft(null)}>Cancel</button>
            </div>
          </form>
        </Card>
      )}
      {page.data.blocks.length === 0 ? (
        !draft && (
          <Empty title="No blocks yet" command={"cellflow blocks create secret db-password --secret-stdin"}>
            Blocks hold credentials and settings your flows load with <code>Block.load()</code>. Pick "+ New block" above, or:
          </Empty>
        )
      ) : (
        <Card>
          <div className="table">
            <div className="thead block-grid">
              <span>Type</span>
              <span>Name</span>
              <span>Updated</span>
              <span />
            </div>
            {page.data.blocks.map((b) => (
              <div key={`${b.type}/${b.name}`} className="trow block-grid">
                <span className="pill">{b.type}</span>
                <span className="mono">{b.name}</span>
                <span className="muted">{ago(b.updatedAt)}</span>
                <span className="row-actions">
                  <button onClick={() => void edit(b.type, b.name)}>Edit</button>
                  <button className="danger" onClick={() => void remove(b.type, b.name)}>Remove</button>
                </span>
              </div>
            ))}
          </div>
        </Card>
      )}
    </div>
  );
}
