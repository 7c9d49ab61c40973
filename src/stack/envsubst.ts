/** `${VAR}` or `${VAR:-default}`; the default may be empty and may not contain `}`. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in `text` with values from `env`, as faas-cli's
 * `--envsubst` does: an unset variable becomes the empty string; the default applies when the
 * variable is unset or empty. Any other `$` text is left alone.
 * @example envsubst('image: ${REG:-docker.io}/echo', {}) // 'image: docker.io/echo'
 */
export function envsubst(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (fallback !== undefined && (value === undefined || value === '')) return fallback;
    return value ?? '';
  });
}
