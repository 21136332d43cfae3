// Handlers awaited when a flow run ends (alerts register here), so the engine needs no import of what reacts to it.

import type { FlowRunRecord } from "../core/records.js";
import { globalSingleton } from "./global.js";
import type { FlowOptions } from "./options.js";

/** Called once per flow run that ends, with its final record and its flow's options. Must not throw. */
export type FlowEndHandler = (run: FlowRunRecord, options: Readonly<FlowOptions<any>>) => Promise<void>;

const handlers = globalSingleton("flowEndHandlers", () => new Set<FlowEndHandler>());

/** Register a handler; returns a function that removes it. */
export function onFlowRunEnd(handler: FlowEndHandler): () => void {
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}

/** Await every handler; a handler that throws is reported on stderr and never changes the run. */
export async function runFlowEndHandlers(run: FlowRunRecord, options: Readonly<FlowOptions<any>>): Promise<void> {
  for (const handler of handlers) {
    try {
      await handler(run, options);
    } catch (error) {
      process.stderr.write(`cellflow: a flow-end handler threw: ${(error as Error).message}\n`);
    }
  }
}
