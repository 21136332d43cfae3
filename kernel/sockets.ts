// zeromq sockets for the kernel: binding to the connection file's endpoints and one-at-a-time sending.

import type { Socket } from "zeromq";
import { CellflowError } from "../src/core/errors.js";
import { endpoint, type ChannelName, type ConnectionInfo } from "./connection.js";

/** A socket that can send multipart messages (Router, Publisher, Reply …). */
export interface Sendable {
  send(frames: Buffer[]): Promise<void>;
}

/**
 * zeromq@6 allows one send in flight per socket; this queues sends so callers can fire and forget
 * while order is kept. `drain()` resolves once everything queued so far has been handed to zeromq.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Sendable,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Queues frames; resolves when they are handed to zeromq. Never rejects, and a failed send does not stop the ones
   * after it: errors go to onError, a socket that throws at once (closed, say) included.
   */
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(() => this.socket.send(frames)).catch(this.onError);
    return this.tail;
  }

  /** Resolves when all frames queued so far are sent. */
  drain(): Promise<void> {
    return this.tail;
  }
}

/** Binds a socket to exactly the endpoint the connection file names for the channel. */
export async function bindChannel(socket: Socket, info: ConnectionInfo, channel: ChannelName): Promise<void> {
  const address = endpoint(info, channel);
  try {
    await socket.bind(address);
  } catch (error) {
    // A bad address in the connection file (not of this machine, port taken) is the user's input: one line, exit 2.
    throw new CellflowError(
      "KERNEL",
      `cannot bind the ${channel} channel to ${address}: ${(error as Error).message}`,
      "use an address of this machine (e.g. 127.0.0.1) and free ports in the connection file",
      { cause: error },
    );
  }
}
