import { Writable } from 'node:stream';

/** Longest log line kept whole by default (of-watchdog's `log_buffer_size`); longer ones are split. */
export const DEFAULT_LINE_LIMIT = 64 * 1024;

/**
 * A writable that calls `onLine` for each complete line (a final partial line is flushed at end). A
 * line longer than `maxLength` bytes is cut into pieces of that size, so a process that never writes
 * a newline cannot grow memory; `maxLength` -1 passes output on as it is read, line breaks or not.
 */
export function lineSplitter(onLine: (line: string) => void, maxLength = DEFAULT_LINE_LIMIT): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      if (maxLength < 0 && partial) {
        onLine(partial);
        partial = '';
      }
      while (maxLength > 0 && partial.length > maxLength) {
        onLine(partial.slice(0, maxLength));
        partial = partial.slice(maxLength);
      }
      done();
    },
    final(done) {
      if (partial) onLine(partial);
      done();
    },
  });
}
