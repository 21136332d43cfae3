// complete_request and inspect_request, answered by the TypeScript language service over earlier cells' declarations.

import type { Kernel, Respond } from "../kernel.js";
import { createCellLanguageService, type CellLanguageService } from "../language-service.js";
import type { Message } from "../wire.js";

const services = new WeakMap<Kernel, Promise<CellLanguageService>>();

function languageService(kernel: Kernel): Promise<CellLanguageService> {
  let service = services.get(kernel);
  if (!service) {
    service = createCellLanguageService(kernel.cwd);
    services.set(kernel, service);
  }
  return service;
}

function request(message: Message): { code: string; cursor: number } {
  const code = typeof message.content.code === "string" ? message.content.code : "";
  const pos = message.content.cursor_pos;
  const cursor = typeof pos === "number" && pos >= 0 ? pos : Array.from(code).length;
  return { code, cursor };
}

/** Handles complete_request. */
export async function completeRequest(kernel: Kernel, message: Message, respond: Respond): Promise<void> {
  const { code, cursor } = request(message);
  const [service, executor] = await Promise.all([languageService(kernel), kernel.executor()]);
  const result = service.complete(executor.declarations(), code, cursor);
  await respond("complete_reply", {
    status: "ok",
    matches: result.matches,
    cursor_start: result.cursorStart,
    cursor_end: result.cursorEnd,
    metadata: { _jupyter_types_experimental: result.types },
  });
}

/** Handles inspect_request. */
export async function inspectRequest(kernel: Kernel, message: Message, respond: Respond): Promise<void> {
  const { code, cursor } = request(message);
  const [service, executor] = await Promise.all([languageService(kernel), kernel.executor()]);
  const found = service.inspect(executor.declarations(), code, cursor);
  await respond("inspect_reply", {
    status: "ok",
    found: found !== null,
    data: found ? { "text/plain": found.text, "text/markdown": `\`\`\`typescript\n${found.text}\n\`\`\`` } : {},
    metadata: {},
  });
}
