import path from 'node:path';
import { build, type Message } from 'esbuild';
import { errors } from '../api/index.js';

/** File the bundled entry is written to; the template's fprocess runs it (`node index.mjs`). */
export const BUNDLED_ENTRY = 'index.mjs';

/** ESM output has no `require`; bundled CommonJS code that calls it for an external package needs one. */
const REQUIRE_SHIM = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Bundles `<bundleDir>/<entry>` and the handler it imports into `<bundleDir>/index.mjs`. npm packages
 * stay external: they are installed next to it. Errors name the user's file (`handlerShown/…`), not
 * the copy in the bundle.
 */
export async function bundleEntry(name: string, bundleDir: string, entry: string, handlerShown: string): Promise<void> {
  try {
    await build({
      absWorkingDir: bundleDir,
      entryPoints: [path.join(bundleDir, entry)],
      outfile: path.join(bundleDir, BUNDLED_ENTRY),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: false,
      banner: { js: REQUIRE_SHIM },
      logLevel: 'silent',
    });
  } catch (err) {
    const messages = (err as { errors?: Message[] }).errors;
    if (!Array.isArray(messages) || messages.length === 0) throw errors.buildFailed(name, (err as Error).message);
    throw errors.buildFailed(name, messages.map((message) => describe(message, handlerShown)).join('\n'));
  }
}

// --- internal ---

/** `echo/handler.ts:3:7: Expected ";" but found "x"`: the path as the user knows it. */
function describe(message: Message, handlerShown: string): string {
  const loc = message.location;
  if (!loc) return message.text;
  const file = loc.file.startsWith('function/') ? path.join(handlerShown, loc.file.slice('function/'.length)) : loc.file;
  return `${file}:${loc.line}:${loc.column + 1}: ${message.text}`;
}
