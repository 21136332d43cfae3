// The Jupyter wire protocol: splitting frames into a message, HMAC-SHA256 signing and verification, replies.

import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** The protocol version this kernel speaks. */
export const PROTOCOL_VERSION = "5.3";
const DELIMITER = "<IDS|MSG>";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export type Content = Record<string, unknown>;

/** A decoded, verified message. */
export interface Message<C extends Content = Content> {
  /** Routing identities (prefix frames before the delimiter); replies go back through them. */
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Content;
  content: C;
  buffers: Buffer[];
}

/** A message about to be sent. */
export interface Outgoing {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Content;
  content: Content;
}

/** Why an incoming message was refused. */
export type Refusal = { refused: string };

/** How far a message's header date may be from the kernel's clock (CELLFLOW_KERNEL_REPLAY_WINDOW). @default 5 min */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;
/** How many signatures inside the window are remembered. @default 65536 */
export const DEFAULT_REPLAY_HISTORY = 65_536;

export interface SignerOptions {
  /** Messages dated further than this from now (either way) are refused. @default DEFAULT_REPLAY_WINDOW_MS */
  windowMs?: number;
  /** Signatures remembered at most; when full, the oldest are forgotten and older dates are refused. @default 65536 */
  historySize?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

function windowFromEnv(): number {
  const raw = Number(process.env.CELLFLOW_KERNEL_REPLAY_WINDOW_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_REPLAY_WINDOW_MS;
}

/**
 * Signs and verifies messages with the connection key, and refuses replays without a window that rolls over:
 * a message must be dated within ±windowMs of now, and its signature must not be among those seen within that
 * window. When more than historySize signatures fall inside it, the oldest are forgotten and the accepted dates
 * move past theirs, so a forgotten signature's message is refused as too old rather than accepted again.
 */
export class Signer {
  private readonly key: string;
  /** Signature → the header date (ms) of the message that carried it, in arrival order. */
  private readonly seen = new Map<string, number>();
  /** Messages dated at or before this are refused: the newest date among signatures forgotten for space. */
  private floor = -Infinity;
  private readonly windowMs: number;
  private readonly historySize: number;
  private readonly now: () => number;

  constructor(key: string, options: SignerOptions = {}) {
    this.key = key;
    this.windowMs = options.windowMs ?? windowFromEnv();
    this.historySize = options.historySize ?? DEFAULT_REPLAY_HISTORY;
    this.now = options.now ?? Date.now;
  }

  /** True when the connection file gave a key (Jupyter treats an empty key as "not signed"). */
  get enabled(): boolean {
    return this.key !== "";
  }

  /** The hex HMAC-SHA256 over header, parent header, metadata and content frames ("" without a key). */
  sign(parts: readonly (string | Buffer)[]): string {
    if (!this.enabled) return "";
    const hmac = createHmac("sha256", this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }

  /** Checks a signature in constant time, then the header's date and that the signature was not seen before. */
  verify(signature: string, parts: readonly Buffer[]): string | null {
    if (!this.enabled) return null;
    if (signature === "") return "missing signature";
    const expected = Buffer.from(this.sign(parts), "utf8");
    const given = Buffer.from(signature, "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "bad signature";
    const date = headerDate(parts[0]);
    if (date === null) return "header without a date";
    const now = this.now();
    if (Math.abs(date - now) > this.windowMs) return `message dated outside the replay window (±${Math.round(this.windowMs / 1000)}s)`;
    if (date <= this.floor) return "message older than the remembered signatures";
    if (this.seen.has(signature)) return "replayed signature";
    this.remember(signature, date, now);
    return null;
  }

  private remember(signature: string, date: number, now: number): void {
    this.seen.set(signature, date);
    if (this.seen.size <= this.historySize) return;
    // Signatures dated outside the window need no memory: the date check refuses their messages.
    for (const [sig, at] of this.seen) if (at < now - this.windowMs) this.seen.delete(sig);
    for (const [sig, at] of this.seen) {
      if (this.seen.size <= this.historySize) break;
      this.seen.delete(sig);
      if (at > this.floor) this.floor = at;
    }
  }
}

/** The header's date in ms, or null when it has none that parses. */
function headerDate(frame: Buffer | undefined): number | null {
  if (!frame) return null;
  try {
    const header = JSON.parse(frame.toString("utf8")) as { date?: unknown };
    if (typeof header?.date !== "string") return null;
    const ms = Date.parse(header.date);
    return Number.isNaN(ms) ? null : ms;
  } catch {
    return null;
  }
}

function parseJson(frame: Buffer | undefined, what: string): Content | Refusal {
  if (!frame) return { refused: `missing ${what} frame` };
  try {
    const value: unknown = JSON.parse(frame.toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { refused: `${what} is not an object` };
    return value as Content;
  } catch {
    return { refused: `${what} is not JSON` };
  }
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && "refused" in value;
}

/** Splits raw frames into a message, verifying its signature first; returns a refusal instead of throwing. */
export function decode(frames: readonly Buffer[], signer: Signer): Message | Refusal {
  const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (at < 0) return { refused: "no <IDS|MSG> delimiter" };
  const signature = frames[at + 1]?.toString("utf8") ?? "";
  const body = frames.slice(at + 2, at + 6);
  if (body.length < 4) return { refused: "too few frames" };
  const problem = signer.verify(signature, body);
  if (problem) return { refused: problem };
  const [header, parent, metadata, content] = [
    parseJson(body[0], "header"),
    parseJson(body[1], "parent header"),
    parseJson(body[2], "metadata"),
    parseJson(body[3], "content"),
  ];
  for (const part of [header, parent, metadata, content]) if (isRefusal(part)) return part;
  const h = header as Partial<Header>;
  if (typeof h.msg_type !== "string" || typeof h.msg_id !== "string") return { refused: "header without msg_type or msg_id" };
  return {
    identities: frames.slice(0, at),
    header: header as unknown as Header,
    parent_header: parent as Partial<Header>,
    metadata: metadata as Content,
    content: content as Content,
    buffers: frames.slice(at + 6),
  };
}

/** True when decode() refused the frames. */
export function refused(value: Message | Refusal): value is Refusal {
  return isRefusal(value);
}

/** Turns a message into signed frames. */
export function encode(message: Outgoing, signer: Signer): Buffer[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((p) =>
    Buffer.from(JSON.stringify(p), "utf8"),
  );
  return [...message.identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts];
}

/** A fresh header for a message this kernel sends. */
export function makeHeader(msgType: string, session: string, username = "kernel"): Header {
  return { msg_id: randomUUID(), session, username, date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}

/** A message in answer to (or caused by) `parent`, routed back through its identities. */
export function replyTo(parent: Message, msgType: string, content: Content, session: string, identities = parent.identities): Outgoing {
  return {
    identities,
    header: makeHeader(msgType, session, parent.header.username),
    parent_header: parent.header,
    metadata: {},
    content,
  };
}
