// Routes a request to its handler by msg_type.

import type { Kernel, Respond } from "../kernel.js";
import type { Message } from "../wire.js";
import { executeRequest } from "./execute.js";
import { historyRequest } from "./history.js";
import { commInfoRequest, connectRequest, isCompleteRequest, kernelInfoRequest, shutdownRequest } from "./info.js";
import { completeRequest, inspectRequest } from "./introspection.js";

type Handler = (kernel: Kernel, message: Message, respond: Respond) => Promise<void>;

const HANDLERS: Record<string, Handler> = {
  execute_request: executeRequest,
  kernel_info_request: kernelInfoRequest,
  is_complete_request: isCompleteRequest,
  complete_request: completeRequest,
  inspect_request: inspectRequest,
  history_request: historyRequest,
  comm_info_request: commInfoRequest,
  connect_request: connectRequest,
  shutdown_request: shutdownRequest,
};

/** Runs the handler for the message's type; false when there is none. */
export async function dispatch(kernel: Kernel, message: Message, respond: Respond): Promise<boolean> {
  const handler = Object.hasOwn(HANDLERS, message.header.msg_type) ? HANDLERS[message.header.msg_type] : undefined;
  if (!handler) return false;
  await handler(kernel, message, respond);
  return true;
}
