import { Command } from 'commander';
import { VERSION } from '../api/index.js';
import { exitCodeFor, formatError } from './_errors.js';
import type { CliIo } from './_io.js';
import { registerBuild } from './commands/build.js';
import { registerCalls } from './commands/calls.js';
import { registerCompletion } from './commands/completion.js';
import { registerDeploy } from './commands/deploy.js';
import { registerDescribe } from './commands/describe.js';
import { registerGenerate } from './commands/generate.js';
import { registerInvoke } from './commands/invoke.js';
import { registerList } from './commands/list.js';
import { registerLogin } from './commands/login.js';
import { registerLogs } from './commands/logs.js';
import { registerNew } from './commands/new.js';
import { registerReady } from './commands/ready.js';
import { registerReceiver } from './commands/receiver.js';
import { registerRemove } from './commands/remove.js';
import { registerScale } from './commands/scale.js';
import { registerSecret } from './commands/secret.js';
import { registerServe } from './commands/serve.js';
import { registerStore } from './commands/store.js';
import { registerTemplate } from './commands/template.js';
import { registerUp } from './commands/up.js';
import { registerVersion } from './commands/version.js';
import { registerWatchdog } from './commands/watchdog.js';
import { registerWorker } from './commands/worker.js';

export type { CliIo } from './_io.js';

/*
 * Exit codes (also in src/cli/README.md; constants in _errors.ts):
 *   0  success
 *   1  the gateway or a function answered an error (non-2xx), or an async call failed
 *   2  usage error: unknown command, bad flag or argument (commander's errors included)
 *   3  gateway unreachable
 *   4  invalid stack file, unknown template, or build failure
 *   5  an async call has not finished yet (calls wait timed out, calls result not ready)
 */

/** The commands, in the order `sluice --help` lists them. */
const COMMANDS = [
  registerNew,
  registerTemplate,
  registerBuild,
  registerDeploy,
  registerUp,
  registerList,
  registerDescribe,
  registerReady,
  registerInvoke,
  registerLogs,
  registerCalls,
  registerRemove,
  registerScale,
  registerSecret,
  registerStore,
  registerGenerate,
  registerLogin,
  registerVersion,
  registerCompletion,
  registerServe,
  registerWorker,
  registerReceiver,
  registerWatchdog,
] as const;

/** Go-style flags users bring from the watchdogs and faas-cli, in the spelling commander reads. */
const GO_STYLE_ARGS: Readonly<Record<string, string>> = {
  // Single-dash long flag of the watchdogs' Docker HEALTHCHECK.
  '-run-healthcheck': '--run-healthcheck',
  // faas-cli's `logs --tail=false` (a Go bool flag given a value); commander has `--no-tail`.
  '--tail=false': '--no-tail',
  '--tail=true': '--tail',
  // faas-cli's `secret create --trim=false`.
  '--trim=false': '--no-trim',
  '--trim=true': '--trim',
};

/**
 * Builds the `sluice` program writing to `io`. It never exits the process: commander's exits are
 * turned into thrown CommanderErrors (see runCli).
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('sluice')
    .description('Sluice: serverless functions on one machine, OpenFaaS-compatible')
    .version(VERSION, '-V, --version', 'print the CLI version')
    .option('-g, --gateway <url>', 'gateway URL (default: stack provider.gateway, then $OPENFAAS_URL, then http://127.0.0.1:8080)')
    .option('-f, --yaml <file>', 'stack file (default: stack.yaml if present, else stack.yml)')
    .option('--filter <glob>', "only the stack's functions whose name matches this glob (build, deploy, up, remove)")
    .option('--regex <re>', "only the stack's functions whose name matches this regular expression (not with --filter)")
    // Set before the commands are added: .command() copies these settings to each of them.
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error:/, 'Error:')),
    })
    .showHelpAfterError('(see --help)');
  for (const register of COMMANDS) register(program, io);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and script: `['list', '-v']`) and returns the exit code;
 * errors are printed to `io.stderr` as one `Error: …` line (stack only with SLUICE_DEBUG=1).
 * @example const code = await runCli(['version', '--json'], io)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = argv.map((arg) => GO_STYLE_ARGS[arg] ?? arg);
    await createProgram(io).parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    io.stderr.write(formatError(err, io.env['SLUICE_DEBUG'] === '1'));
    return exitCodeFor(err);
  }
}
