import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { CallSignal } from './call-signal.js';
import type { WatchdogConfig } from './config.js';

/** One call of a function, as the runtime sees it: the `/function/<name>` prefix already removed. */
export interface Invocation {
  readonly method: string;
  /** Path after the function name, always starting with '/'. */
  readonly path: string;
  /** Raw query string without '?', or '' when there is none. */
  readonly query: string;
  /** Request headers, hop-by-hop headers already removed. */
  readonly headers: IncomingHttpHeaders;
  /**
   * The body: a Buffer when small (read whole, so it goes upstream in one write), a stream as it
   * arrives when large, null when the request has none.
   */
  readonly body: Buffer | Readable | null;
  readonly callId: string;
  /**
   * Set on an async call the queue worker runs: it has a call record, and runs again after a crash
   * (a workflow then makes each of its steps a queued call of its own, resumed after a restart).
   */
  readonly queued?: true;
  /**
   * Aborted when the client goes away or a deadline passes (the reason is then the SluiceError to
   * answer with): the mode stops the work either way.
   */
  readonly signal: CallSignal;
}

/** Response headers as a flat list: name, value, name, value… (as node:http and undici use them). */
export type HeaderList = string[];

/**
 * Where a mode writes the function's answer, as it arrives: the gateway's response implements it, so
 * a body streams from the function to the client with no stream or promise in between.
 */
export interface ResponseSink {
  /** Status and the function's headers; called once, before any write. */
  start(status: number, headers: HeaderList): void;
  /** A chunk of body; false means "pause until drained". */
  write(chunk: Buffer): boolean;
  /** Calls `resume` once the client has taken what was written. */
  onDrain(resume: () => void): void;
  end(): void;
}

/** The one interface every runtime mode implements for real (style rule 8). */
export interface ModeHandler {
  /**
   * Runs one call, writing its answer into `sink`. Resolves when the answer is complete. Rejects
   * before `start` with what the caller should answer (SluiceError, ClientGone, ReplicaUnreachable);
   * a failure after `start` rejects too, and the caller can only cut the response.
   */
  invoke(inv: Invocation, sink: ResponseSink): Promise<void>;
  /** Releases pooled connections; does not stop any process. */
  close(): Promise<void>;
}

/** Where a mode sends a function's stderr (and, in fork mode, nothing else). */
export type LogSink = (stream: 'stdout' | 'stderr', line: string, callId?: string) => void;

/** One function as the runtime runs it, resolved once: at deploy (gateway) or at start (standalone). */
export interface FunctionRuntime {
  /** Function name, for messages. */
  readonly name: string;
  /** fprocess resolved to a program and its arguments (no shell); empty in static mode. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The function's environment; per-call processes get their CGI variables on top. */
  readonly env: Readonly<Record<string, string>>;
  /** Mode, timeouts, max_inflight…: the watchdog env vars, parsed once. */
  readonly config: WatchdogConfig;
}
