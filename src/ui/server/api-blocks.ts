// /api routes for blocks: list, read (secret parts never sent), create or edit (a secret left blank keeps its
// stored value), remove — through the same blocks module as `cellflow blocks`.

import type { Hono } from "hono";
import { CellflowError } from "../../core/errors.js";
import { BLOCK_TYPES, checkBlockRef, hasBlock, listBlocks, maskBlockValue, readBlock, removeBlock, saveBlock, type BlockType, type BlockValue } from "../../blocks/index.js";
import type { BlockDetail, BlockFieldView, BlocksPage } from "../shared/api-types.js";
import { reply, type UiContext } from "./context.js";

const FIELDS: Record<BlockType, BlockFieldView[]> = {
  secret: [{ name: "value", kind: "string", secret: true, required: true, placeholder: "s3cr3t" }],
  json: [{ name: "value", kind: "json", secret: false, required: true, placeholder: '{"retries": 3}' }],
  sql: [{ name: "url", kind: "string", secret: false, required: true, placeholder: "data/app.db or postgres://user:password@host/db" }],
  filesystem: [{ name: "path", kind: "string", secret: false, required: true, placeholder: "/data/exports" }],
  webhook: [
    { name: "url", kind: "string", secret: false, required: true, placeholder: "https://hooks.example.com/x" },
    { name: "headers", kind: "headers", secret: true, required: false, placeholder: "Authorization" },
  ],
};

const MASK = "****";

/** What the browser may see of a stored value: secret strings become null (sql: the password is masked). */
function visible(type: BlockType, value: BlockValue): { value: unknown; secretFields: string[] } {
  switch (type) {
    case "secret":
      return { value: { value: null }, secretFields: ["value"] };
    case "webhook": {
      const hook = value as BlockValue<"webhook">;
      const headers = hook.headers ? Object.fromEntries(Object.keys(hook.headers).map((k) => [k, null])) : undefined;
      return { value: { url: hook.url, ...(headers ? { headers } : {}) }, secretFields: hook.headers ? ["headers"] : [] };
    }
    case "sql":
      return { value: maskBlockValue(type, value), secretFields: [] };
    case "json":
    case "filesystem":
      return { value, secretFields: [] };
  }
}

/** Fill in what the form left blank (or masked) from the stored value, so editing never requires re-typing a secret. */
function merge(type: BlockType, incoming: unknown, stored: BlockValue | null): unknown {
  if (!stored || incoming === null || typeof incoming !== "object" || Array.isArray(incoming)) return incoming;
  const given = incoming as Record<string, unknown>;
  switch (type) {
    case "secret":
      return given.value === null || given.value === "" ? { value: (stored as BlockValue<"secret">).value } : incoming;
    case "webhook": {
      const old = (stored as BlockValue<"webhook">).headers ?? {};
      const headers = given.headers as Record<string, unknown> | undefined;
      if (!headers || typeof headers !== "object") return incoming;
      const filled = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, (v === null || v === "") && k in old ? old[k] : v]));
      return { ...given, headers: filled };
    }
    case "sql": {
      const url = given.url;
      if (typeof url !== "string" || !url.includes(`:${MASK}@`)) return incoming;
      const password = /\/\/[^:/@]*:([^@]*)@/.exec((stored as BlockValue<"sql">).url)?.[1];
      return password === undefined ? incoming : { ...given, url: url.replace(`:${MASK}@`, `:${password}@`) };
    }
    case "json":
    case "filesystem":
      return incoming;
  }
}

function detail(ui: UiContext, type: BlockType, name: string): BlockDetail {
  const store = ui.store();
  const info = listBlocks(store).find((b) => b.type === type && b.name === name)!;
  const shown = visible(type, readBlock(store, type, name));
  return { type, name, ...shown, createdAt: info.createdAt, updatedAt: info.updatedAt };
}

export function registerBlockRoutes(app: Hono, ui: UiContext): void {
  app.get("/api/blocks", (c) => {
    const page: BlocksPage = {
      types: BLOCK_TYPES.map((type) => ({ type, fields: FIELDS[type] })),
      blocks: listBlocks(ui.store()),
    };
    return reply(ui, c, page);
  });

  app.get("/api/blocks/:type/:name", (c) => {
    const type = c.req.param("type");
    const name = c.req.param("name");
    checkBlockRef(type, name);
    return reply(ui, c, detail(ui, type, name));
  });

  app.put("/api/blocks/:type/:name", async (c) => {
    const type = c.req.param("type");
    const name = c.req.param("name");
    checkBlockRef(type, name);
    const payload = (await c.req.json().catch(() => undefined)) as { value?: unknown } | undefined;
    if (!payload || typeof payload !== "object" || !("value" in payload)) {
      throw new CellflowError("BLOCK", `the request for ${type}/${name} has no value`, 'send {"value": …}');
    }
    const store = ui.store();
    const stored = hasBlock(store, type, name) ? readBlock(store, type, name) : null;
    saveBlock(store, type, name, merge(type, payload.value, stored));
    return reply(ui, c, detail(ui, type, name), stored ? 200 : 201);
  });

  app.delete("/api/blocks/:type/:name", (c) => {
    removeBlock(ui.store(), c.req.param("type"), c.req.param("name"));
    return reply(ui, c, { removed: `${c.req.param("type")}/${c.req.param("name")}` });
  });
}
