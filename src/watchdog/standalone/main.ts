#!/usr/bin/env node
/**
 * The `sluice` of a container image (`sluice build --shrinkwrap` bundles this file into the bundle's
 * `.sluice/sluice`): only `sluice watchdog [-run-healthcheck]`, without the rest of the CLI and
 * without any native module, so it runs on a plain node image.
 */
import { errors, SluiceError } from '../../api/index.js';
import { exitMessage, watchdogProcess } from './command.js';

const args = process.argv.slice(2).filter((arg) => arg !== 'watchdog');
const unknown = args.filter((arg) => arg !== '-run-healthcheck' && arg !== '--run-healthcheck');
if (unknown.length > 0) {
  process.stderr.write(`Error: unknown argument ${unknown.join(' ')}: usage: sluice watchdog [-run-healthcheck]\n`);
  process.exit(2);
}
const io = { env: process.env, cwd: process.cwd(), stdout: (text: string) => process.stdout.write(text), stderr: (text: string) => process.stderr.write(text) };
// No top-level await: the bundle is CommonJS, so the file needs no extension and no package.json.
const opts = { runHealthcheck: args.length > 0 };
watchdogProcess(opts, io).then(
  (code) => {
    if (code !== 0) process.stderr.write(`Error: ${exitMessage(opts)}\n`);
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    // As the CLI's exit codes: 2 for settings to fix, 1 for anything else (a port in use…).
    process.exitCode = err instanceof SluiceError && err.code === errors.configInvalid.code ? 2 : 1;
  },
);
