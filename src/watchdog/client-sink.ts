import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatSeconds } from '../config/index.js';
import type { HeaderList, ResponseSink } from './types.js';
import { downstreamHeaders, type CallIdentity } from './headers.js';

/** The client's response as a ResponseSink: the function's answer streams straight into it. */
export class ClientSink implements ResponseSink {
  constructor(
    readonly res: ServerResponse,
    readonly req: IncomingMessage,
    readonly id: CallIdentity,
    readonly started: number,
    readonly servedBy: string,
  ) {}

  start(status: number, headers: HeaderList): void {
    const own = ['x-call-id', this.id.callId, 'x-start-time', this.id.startTime, 'x-duration-seconds', formatSeconds(performance.now() - this.started), 'x-served-by', this.servedBy];
    this.res.writeHead(status, downstreamHeaders(headers, this.req.headers['content-type'], own));
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onDrain(resume: () => void): void {
    this.res.on('drain', resume);
  }

  end(): void {
    this.res.end();
  }
}
