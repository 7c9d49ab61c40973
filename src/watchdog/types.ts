import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** One call of a function, as the runtime sees it: the `/function/<name>` prefix already removed. */
export interface Invocation {
  readonly method: string;
  /** Path after the function name, always starting with '/'. */
  readonly path: string;
  /** Raw query string without '?', or '' when there is none. */
  readonly query: string;
  /** Request headers, hop-by-hop headers already removed. */
  readonly headers: IncomingHttpHeaders;
  /** The request body as it arrives (never buffered on the sync path); null when it has none. */
  readonly body: Readable | null;
  readonly callId: string;
  /**
   * Aborted when the client goes away or a deadline passes (the reason is then the SluiceError to
   * answer with): the mode stops the work either way.
   */
  readonly signal: AbortSignal;
}

/** What a function answered. `body` streams for http mode, is a Buffer for fork mode. */
export interface InvocationResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable | Buffer;
}

/** The one interface every runtime mode implements for real (style rule 8). */
export interface ModeHandler {
  invoke(inv: Invocation): Promise<InvocationResult>;
  /** Releases pooled connections; does not stop any process. */
  close(): Promise<void>;
}

/** Where a mode sends a function's stderr (and, in fork mode, nothing else). */
export type LogSink = (stream: 'stdout' | 'stderr', line: string, callId?: string) => void;
