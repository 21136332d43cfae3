// Captures process.stdout / process.stderr writes and hands them to the kernel as iopub `stream` text.

import { StringDecoder } from "node:string_decoder";

export type StreamName = "stdout" | "stderr";

type Write = typeof process.stdout.write;

/**
 * Replaces `process.stdout.write` and `process.stderr.write` so console.log and direct writes from
 * cells become stream messages. Writes are coalesced until `flush()` or the next macrotask, so a
 * loop of console.log calls becomes a few messages, and output keeps its order relative to results.
 */
export class StreamCapture {
  private readonly pending: { name: StreamName; text: string }[] = [];
  private readonly decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  private readonly originals: { stdout: Write; stderr: Write };
  private scheduled: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly emit: (name: StreamName, text: string) => void) {
    this.originals = { stdout: process.stdout.write, stderr: process.stderr.write };
    process.stdout.write = this.writer("stdout");
    process.stderr.write = this.writer("stderr");
  }

  private writer(name: StreamName): Write {
    return ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
      const text =
        typeof chunk === "string"
          ? chunk
          : this.decoders[name].write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.push(name, text);
      const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
      if (typeof done === "function") queueMicrotask(() => (done as (e?: Error | null) => void)(null));
      return true;
    }) as Write;
  }

  private push(name: StreamName, text: string): void {
    if (text === "") return;
    const last = this.pending[this.pending.length - 1];
    if (last && last.name === name) last.text += text;
    else this.pending.push({ name, text });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Emits everything captured so far, in order. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const { name, text } of this.pending.splice(0)) this.emit(name, text);
  }

  /** Puts the original writers back (after a final flush). */
  restore(): void {
    this.flush();
    process.stdout.write = this.originals.stdout;
    process.stderr.write = this.originals.stderr;
  }
}
