import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';

/**
 * The watchdogs' lock file: written once the watchdog serves, removed as it stops; container health
 * checks test for it (`[ -e /tmp/.lock ]`, `sluice watchdog -run-healthcheck`).
 */
export const lockFile = {
  write: (file: string): Promise<void> => writeFile(file, `${process.pid}\n`),
  remove: (file: string): Promise<void> => rm(file, { force: true }),
  exists: (file: string): boolean => existsSync(file),
};
