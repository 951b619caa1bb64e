/** The streams a command talks to, injectable for tests; and JSONL line reading. */
import type { Readable, Writable } from 'node:stream';

/** The standard streams of a command. `isTTY` is true on a terminal. */
export interface CliIO {
  readonly stdin: Readable;
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number };
}

/** The process's own standard streams. */
export function processIO(): CliIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/**
 * The lines of a text stream, pulled chunk by chunk (so a slow consumer slows
 * the reading). A final line terminator does not start another line; a `\r`
 * before `\n` is dropped. `onBytes` receives the size of every chunk read.
 */
export async function* lines(
  input: Readable,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<string> {
  input.setEncoding('utf8');
  let carry = '';
  for await (const chunk of input as AsyncIterable<string>) {
    onBytes?.(Buffer.byteLength(chunk));
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      carry += chunk;
      continue;
    }
    let head = carry + chunk.slice(0, nl);
    carry = '';
    for (;;) {
      yield head.endsWith('\r') ? head.slice(0, -1) : head;
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
      if (nl === -1) break;
      head = chunk.slice(start, nl);
    }
    carry = chunk.slice(start);
  }
  if (carry.length > 0) yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
}

/** Writes `text`, waiting for `drain` when the stream's buffer is full (backpressure). */
export async function write(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', done);
      stream.off('close', onDrain);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    stream.once('drain', onDrain);
    stream.once('close', onDrain);
    stream.once('error', done);
  });
}
