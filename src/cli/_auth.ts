import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { normalizeGatewayUrl } from './_gateway-url.js';

/** Env `user:password`, for scripts and CI: wins over any stored login. */
export const AUTH_ENV = 'SLUICE_BASIC_AUTH';

/** faas-cli's config.yml: one entry per gateway; `token` is base64 of `user:password` for basic auth. */
interface AuthConfig {
  auths?: Array<{ gateway?: string; auth?: string; token?: string }>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Sluice's own store, then faas-cli's (in $OPENFAAS_CONFIG when set, as faas-cli looks): a login made with either works. */
export function configFiles(env: Env): { sluice: string; openfaas: string } {
  const home = env['HOME'] || os.homedir();
  const openfaasDir = env['OPENFAAS_CONFIG'] || path.join(home, '.openfaas');
  return { sluice: path.join(home, '.sluice', 'config.yml'), openfaas: path.join(openfaasDir, 'config.yml') };
}

/**
 * The `Authorization` header for `gateway`: from SLUICE_BASIC_AUTH, else the login stored for it in
 * ~/.sluice/config.yml, else in ~/.openfaas/config.yml (`faas-cli login`); undefined without one.
 */
export async function authorizationFor(gateway: string, env: Env): Promise<string | undefined> {
  const given = env[AUTH_ENV];
  if (given) return basic(given);
  const files = configFiles(env);
  for (const file of [files.sluice, files.openfaas]) {
    const entry = (await readConfig(file)).auths?.find((a) => sameGateway(a.gateway, gateway) && (a.auth ?? 'basic') === 'basic' && a.token);
    if (entry?.token) return `Basic ${entry.token}`;
  }
  return undefined;
}

/** Stores the login for `gateway` in ~/.sluice/config.yml (0600), replacing any earlier one. */
export async function saveLogin(gateway: string, user: string, password: string, env: Env): Promise<string> {
  const file = configFiles(env).sluice;
  const config = await readConfig(file);
  const auths = (config.auths ?? []).filter((a) => !sameGateway(a.gateway, gateway));
  auths.push({ gateway, auth: 'basic', token: Buffer.from(`${user}:${password}`).toString('base64') });
  await writeConfig(file, { ...config, auths });
  return file;
}

/** Forgets the login for `gateway` in ~/.sluice/config.yml; false when there was none. */
export async function removeLogin(gateway: string, env: Env): Promise<boolean> {
  const file = configFiles(env).sluice;
  const config = await readConfig(file);
  const auths = (config.auths ?? []).filter((a) => !sameGateway(a.gateway, gateway));
  if (auths.length === (config.auths ?? []).length) return false;
  await writeConfig(file, { ...config, auths });
  return true;
}

/** `Basic …` of `user:password`. */
export function basic(userPassword: string): string {
  return `Basic ${Buffer.from(userPassword).toString('base64')}`;
}

// --- internal ---

async function readConfig(file: string): Promise<AuthConfig> {
  const text = await readFile(file, 'utf8').catch(() => '');
  try {
    const parsed: unknown = parse(text);
    return parsed && typeof parsed === 'object' && Array.isArray((parsed as AuthConfig).auths) ? (parsed as AuthConfig) : {};
  } catch {
    return {}; // a broken file is as good as none: `sluice login` writes a good one
  }
}

async function writeConfig(file: string, config: AuthConfig): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, stringify(config), { mode: 0o600 });
  await chmod(file, 0o600);
}

function sameGateway(stored: string | undefined, gateway: string): boolean {
  if (!stored) return false;
  try {
    return normalizeGatewayUrl(stored).toLowerCase() === gateway.toLowerCase();
  } catch {
    return false;
  }
}
