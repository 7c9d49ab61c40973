import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Sluice's release, from package.json (read once at load). */
export const VERSION: string = pkg.version;
