import type { WatchdogConfig } from '../config.js';
import type { LogSink } from '../types.js';

/** Where the standalone watchdog writes: its own stdout and stderr (a container's log). */
export interface LogOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * The function's output lines as of-watchdog logs them: stdout to stdout and stderr to stderr, with
 * `prefix_logs` the date, time and stream name first (`2026/11/27 10:00:00 stderr: …`), with
 * `log_callid` the call id of fork-mode lines.
 */
export function functionLog(config: WatchdogConfig, out: LogOutput): LogSink {
  return (stream, line, callId) => {
    const prefix = config.prefixLogs ? `${goTime()} ${stream}: ` : '';
    const id = config.logCallId && callId ? `[${callId}] ` : '';
    out[stream](`${prefix}${id}${line}\n`);
  };
}

/** The watchdog's own lines (Go's log format), on stderr. */
export function watchdogLog(out: LogOutput): (message: string) => void {
  return (message) => out.stderr(`${goTime()} ${message}\n`);
}

/** Go's `log.LstdFlags` time: `2026/11/27 10:00:00`, local time. */
function goTime(): string {
  const now = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}/${two(now.getMonth() + 1)}/${two(now.getDate())} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
}
