import { Writable } from 'node:stream';

/** A writable that calls `onLine` for each complete line (a final partial line is flushed at end). */
export function lineSplitter(onLine: (line: string) => void): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      done();
    },
    final(done) {
      if (partial) onLine(partial);
      done();
    },
  });
}
