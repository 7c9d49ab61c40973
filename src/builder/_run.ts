import { spawn } from 'node:child_process';

/** How a tool the builder ran ended, and what it said on stderr. */
export interface ToolRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs a tool (npm, git) to its end, stdout ignored, stderr kept for the error its caller words.
 * Rejects only when it cannot start (ENOENT: not installed).
 */
export function runTool(program: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr: Buffer.concat(stderr).toString('utf8') }));
  });
}
