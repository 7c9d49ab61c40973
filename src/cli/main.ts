#!/usr/bin/env node
/**
 * The `sluice` executable: the only place that reads process.argv and calls process.exit.
 * Everything else is in program.ts, which tests run without a process.
 */
const argv = process.argv.slice(2);

// `sluice watchdog` serves (and forks) for a container's lifetime: it loads only the watchdog, not
// the whole CLI. A smaller process forks faster — Node's spawn() copies the caller's page tables.
if (argv[0] === 'watchdog' && argv.slice(1).every((arg) => /^--?run-healthcheck$/.test(arg))) {
  await import('../watchdog/standalone/main.js');
} else {
  const { runCli } = await import('./program.js');
  const code = await runCli(argv, {
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
}
