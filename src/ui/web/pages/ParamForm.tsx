// A form built from a flow's parameter schema (JSON Schema from zod): text, number, checkbox, choice, or JSON
// for anything richer. The server validates with the flow's own zod schema; its message is shown as is.

import { useState, type FormEvent } from "react";
import type { JsonSchema } from "../../shared/api-types.js";

type Kind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

function kindOf(s: JsonSchema): Kind {
  if (s.enum) return "enum";
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  if (type === "string" || type === "number" || type === "integer" || type === "boolean") return type;
  return "json";
}

function initial(kind: Kind, value: unknown): string {
  if (value === undefined) return "";
  if (kind === "json") return JSON.stringify(value);
  if (kind === "boolean") return value ? "true" : "false";
  return String(value);
}

export function ParamForm(props: { schema: JsonSchema | null; defaults: Record<string, unknown>; busy: boolean; onSubmit: (parameters: Record<string, unknown>) => void; onInvalid: (message: string) => void }) {
  const properties = props.schema?.properties ?? Object.fromEntries(Object.keys(props.defaults).map((k) => [k, {} as JsonSchema]));
  const required = new Set(props.schema?.required ?? []);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, initial(kindOf(s), props.defaults[name] ?? s.default)])),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const out: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(properties)) {
      const text = values[name] ?? "";
      const kind = kindOf(s);
      if (text === "" && kind !== "boolean") continue;
      if (kind === "number" || kind === "integer") out[name] = Number(text);
      else if (kind === "boolean") out[name] = text === "true";
      else if (kind === "json") {
        try {
          out[name] = JSON.parse(text);
        } catch {
          // Not JSON: sent as a string, as `-p key=value` does; the flow's schema decides.
          out[name] = text;
        }
      } else if (kind === "enum") out[name] = s.enum!.find((v) => String(v) === text) ?? text;
      else out[name] = text;
      if (typeof out[name] === "number" && Number.isNaN(out[name])) return props.onInvalid(`parameter \`${name}\` is not a number: '${text}'`);
    }
    props.onSubmit(out);
  };
  const names = Object.keys(properties);
  return (
    <form className="form" onSubmit={submit} data-testid="param-form">
      {names.length === 0 && <div className="muted">This flow takes no parameters.</div>}
      {names.map((name) => {
        const s = properties[name];
        const kind = kindOf(s);
        const set = (v: string) => setValues((m) => ({ ...m, [name]: v }));
        return (
          <label key={name} className="field">
            <span className="field-name">
              {name}
              {required.has(name) && <span className="req">*</span>}
              <span className="muted small"> {kind === "json" ? "JSON" : kind}</span>
            </span>
            {kind === "boolean" ? (
              <input type="checkbox" name={name} checked={values[name] === "true"} onChange={(e) => set(e.target.checked ? "true" : "false")} />
            ) : kind === "enum" ? (
              <select name={name} value={values[name]} onChange={(e) => set(e.target.value)}>
                <option value="">—</option>
                {s.enum!.map((v) => (
                  <option key={String(v)}>{String(v)}</option>
                ))}
              </select>
            ) : (
              <input name={name} value={values[name]} inputMode={kind === "number" || kind === "integer" ? "decimal" : undefined} placeholder={kind === "json" ? "[1, 2, 3]" : ""} onChange={(e) => set(e.target.value)} />
            )}
            {s.description && <span className="muted small">{s.description}</span>}
          </label>
        );
      })}
      <div>
        <button className="primary" type="submit" disabled={props.busy} data-testid="run-deployment">
          ▶ Run now
        </button>
      </div>
    </form>
  );
}
