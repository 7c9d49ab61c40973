import { Writable } from 'node:stream';

/** Longest log line kept whole by default (of-watchdog's `log_buffer_size`); longer ones are split. */
export const DEFAULT_LINE_LIMIT = 64 * 1024;

const NEWLINE = 0x0a;

/**
 * A writable that calls `onLine` for each complete line (a final partial line is flushed at end).
 * Lines are cut on bytes, then decoded, so a character split across two reads stays whole. A line
 * longer than `maxBytes` is cut into pieces of that size, so a process that never writes a newline
 * cannot grow memory; `maxBytes` -1 passes output on as it is read, line breaks or not.
 */
export function lineSplitter(onLine: (line: string) => void, maxBytes = DEFAULT_LINE_LIMIT): Writable {
  let partial: Buffer = Buffer.alloc(0);
  /** Emits the full-size pieces of `data` and returns the rest (shorter than maxBytes). */
  const cut = (data: Buffer): Buffer => {
    let rest = data;
    for (; maxBytes > 0 && rest.length > maxBytes; rest = rest.subarray(maxBytes)) onLine(rest.subarray(0, maxBytes).toString('utf8'));
    return rest;
  };
  const emit = (line: Buffer): void => onLine(cut(line).toString('utf8'));
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      let data = partial.length ? Buffer.concat([partial, chunk]) : chunk;
      for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE)) {
        emit(data.subarray(0, end));
        data = data.subarray(end + 1);
      }
      if (maxBytes < 0 && data.length) {
        onLine(data.toString('utf8'));
        data = Buffer.alloc(0);
      }
      // A copy: the rest must not keep the whole chunk alive.
      partial = Buffer.from(cut(data));
      done();
    },
    final(done) {
      if (partial.length) emit(partial);
      done();
    },
  });
}
