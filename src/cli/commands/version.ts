import type { Command } from 'commander';
import { VERSION } from '../../api/index.js';
import type { GatewayInfo } from '../../api/index.js';
import { clientFor, contextOf } from '../_context.js';
import type { CliContext } from '../_context.js';
import type { CliIo } from '../_io.js';
import { formatFields } from '../_output.js';
import type { Field } from '../_output.js';

/** Flags of `sluice version`. */
export type VersionOptions = {
  json?: boolean;
};

/** The `--json` shape of `sluice version`. */
export interface VersionReport {
  client: { version: string };
  gateway: { url: string; info: GatewayInfo | null; error?: string };
}

/** Registers `sluice version`. */
export function registerVersion(program: Command, io: CliIo): void {
  program
    .command('version')
    .description('print the CLI version and, when reachable, the gateway\'s')
    .option('--json', 'print JSON')
    .action(async (opts: VersionOptions, cmd: Command) => runVersion(opts, contextOf(cmd, io)));
}

/** Runs `sluice version`: never fails because the gateway is down or answers an error. */
export async function runVersion(opts: VersionOptions, ctx: CliContext): Promise<void> {
  const client = await clientFor(ctx);
  const report: VersionReport = { client: { version: VERSION }, gateway: { url: client.url, info: null } };
  try {
    report.gateway.info = await client.info();
  } catch (err) {
    report.gateway.error = err instanceof Error ? err.message : String(err);
  }
  if (opts.json) return ctx.out.json(report);
  ctx.out.text(formatVersion(report));
  if (report.gateway.error) ctx.out.note(`Note: ${report.gateway.error}`);
}

/** The faas-cli `version` layout: CLI, Gateway and Provider sections. */
export function formatVersion(report: VersionReport): string {
  const { url, info } = report.gateway;
  const sections: [string, Field[]][] = [['CLI', [['version', report.client.version]]]];
  const gateway: Field[] = [['uri', url]];
  // OpenFaaS allows null version/provider in GatewayInfo (reference §1.4): tolerate other gateways.
  if (info) gateway.push(['version', info.version?.release ?? ''], ['sha', info.version?.sha ?? '']);
  else gateway.push(['status', 'unavailable']);
  sections.push(['Gateway', gateway]);
  const provider = info?.provider;
  if (provider) {
    sections.push([
      'Provider',
      [['name', provider.provider], ['orchestration', provider.orchestration], ['version', provider.version?.release ?? ''], ['sha', provider.version?.sha ?? '']],
    ]);
  }
  return sections.map(([title, fields]) => `${title}\n${indent(formatFields(fields))}`).join('\n');
}

// --- internal ---

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, ' ');
}
