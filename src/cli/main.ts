#!/usr/bin/env node
/**
 * The `sluice` executable: the only place that reads process.argv and calls process.exit.
 * Everything else is in program.ts, which tests run without a process.
 */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  isTTY: process.stderr.isTTY === true,
});
// Exit once stdout has taken everything (an invoke body may be large): keep-alive sockets to the
// gateway would otherwise hold the process open for seconds.
process.stdout.write('', () => process.exit(code));
