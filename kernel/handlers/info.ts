// Small requests: kernel_info, comm_info, connect, is_complete and shutdown on the shell channel.

import type { Kernel, Respond } from "../kernel.js";
import type { Message } from "../wire.js";

/** Handles kernel_info_request. */
export async function kernelInfoRequest(kernel: Kernel, _message: Message, respond: Respond): Promise<void> {
  await respond("kernel_info_reply", kernel.kernelInfo);
}

/** Handles comm_info_request: this kernel opens no comms. */
export async function commInfoRequest(_kernel: Kernel, _message: Message, respond: Respond): Promise<void> {
  await respond("comm_info_reply", { status: "ok", comms: {} });
}

/** Handles the deprecated connect_request with the ports in use. */
export async function connectRequest(kernel: Kernel, _message: Message, respond: Respond): Promise<void> {
  const c = kernel.connection;
  await respond("connect_reply", {
    status: "ok",
    shell_port: c.shell_port,
    iopub_port: c.iopub_port,
    stdin_port: c.stdin_port,
    control_port: c.control_port,
    hb_port: c.hb_port,
  });
}

/** Handles is_complete_request through the cell runtime's parser. */
export async function isCompleteRequest(kernel: Kernel, message: Message, respond: Respond): Promise<void> {
  const code = typeof message.content.code === "string" ? message.content.code : "";
  const status = (await kernel.executor()).isComplete(code);
  await respond("is_complete_reply", status === "incomplete" ? { status, indent: "  " } : { status });
}

/** Handles shutdown_request sent on the shell channel (older clients); control's is answered by the worker. */
export async function shutdownRequest(kernel: Kernel, message: Message, respond: Respond): Promise<void> {
  const restart = message.content.restart === true;
  await respond("shutdown_reply", { status: "ok", restart });
  await kernel.shutdown(restart);
}
