// Reads and checks a Jupyter connection file, and names the endpoints the kernel binds.

import { readFile } from "node:fs/promises";
import { CellflowError } from "../src/core/errors.js";

/** The contents of a Jupyter connection file (as jupyter_client writes it). */
export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  /** The HMAC key; an empty key means messages are not signed (Jupyter's "no authentication"). */
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

/** The five channels a kernel binds. */
export type ChannelName = "shell" | "iopub" | "stdin" | "control" | "hb";

const PORT_FIELDS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;

function bad(file: string, what: string): CellflowError {
  return new CellflowError("USAGE", `connection file ${file}: ${what}`, "pass the file Jupyter wrote for this kernel ({connection_file})");
}

/** Checks parsed JSON is a usable connection description. */
export function parseConnectionInfo(raw: unknown, file = "<connection>"): ConnectionInfo {
  if (typeof raw !== "object" || raw === null) throw bad(file, "is not a JSON object");
  const data = raw as Record<string, unknown>;
  const transport = data.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") throw bad(file, `transport "${String(transport)}" is not tcp or ipc`);
  if (typeof data.ip !== "string" || data.ip === "") throw bad(file, "has no ip");
  for (const field of PORT_FIELDS) {
    const port = data[field];
    if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw bad(file, `${field} must be a port number, got ${JSON.stringify(port)}`);
    }
  }
  const key = typeof data.key === "string" ? data.key : "";
  const scheme = typeof data.signature_scheme === "string" ? data.signature_scheme : "hmac-sha256";
  if (key !== "" && scheme !== "hmac-sha256") throw bad(file, `signature_scheme "${scheme}" is not supported (only hmac-sha256)`);
  return {
    transport,
    ip: data.ip,
    shell_port: data.shell_port as number,
    iopub_port: data.iopub_port as number,
    stdin_port: data.stdin_port as number,
    control_port: data.control_port as number,
    hb_port: data.hb_port as number,
    key,
    signature_scheme: scheme,
    kernel_name: typeof data.kernel_name === "string" ? data.kernel_name : undefined,
  };
}

/** Reads and checks a connection file. */
export async function readConnectionFile(file: string): Promise<ConnectionInfo> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw bad(file, `cannot be read (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad(file, "is not valid JSON");
  }
  return parseConnectionInfo(raw, file);
}

/** The zeromq endpoint of one channel: exactly the address the connection file names. */
export function endpoint(info: ConnectionInfo, channel: ChannelName): string {
  const port = info[`${channel}_port`];
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
