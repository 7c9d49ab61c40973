import { errors, type SluiceError } from '../../api/index.js';

/** Suffix of the file that holds a saved message's request line and headers, beside its body. */
export const HEADERS_SUFFIX = '.headers.json';

/** The folder (under the receiver's dir) where requests outside `/messages/` are kept. */
export const REQUESTS_FOLDER = 'requests';

/**
 * Checks the `<name>` of `/messages/<name>` (still percent-encoded, as in the URL) and returns it
 * decoded, as a relative path with `/` between folders; a {@link SluiceError} (400) says why not.
 * Plain names (`pi-3`, `map.draft.jpg`) and folders (`run-1/pi-3`) are allowed; nothing that could
 * leave the receiver's dir is: no `..` or `.` segment, no empty segment (so no absolute path), no
 * `\`, NUL or other control character — checked after decoding, so `%2e%2e` is caught too.
 * @example messageName('run-1/map%20draft.jpg') // 'run-1/map draft.jpg'
 */
export function messageName(encoded: string): string | SluiceError {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    return invalid(encoded, 'it is not valid percent-encoding');
  }
  if (name === '') return invalid(encoded, 'it is empty: POST to /messages/<name>');
  if (name.length > MAX_NAME) return invalid(encoded, `it is longer than ${MAX_NAME} characters`);
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return invalid(encoded, 'it contains a control character or a backslash');
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      return invalid(encoded, "a path segment is empty, '.' or '..': names stay inside the receiver's folder");
    }
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return invalid(encoded, `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  if (name.endsWith(HEADERS_SUFFIX)) return invalid(encoded, `names ending in ${HEADERS_SUFFIX} are kept for the saved headers`);
  return name;
}

/**
 * The name a request outside `/messages/` is kept under, request-bin style:
 * `requests/<seq>-<url>`, the URL's path and query reduced to safe characters.
 * @example requestName(7, '/?accuracy=3') // 'requests/000007-accuracy=3'
 */
export function requestName(seq: number, rawUrl: string): string {
  const slug = rawUrl
    .replace(/[^A-Za-z0-9._=-]+/g, '_')
    .replace(/^[_.]+|_+$/g, '')
    .slice(0, MAX_SLUG);
  const number = String(seq).padStart(6, '0');
  return `${REQUESTS_FOLDER}/${slug === '' ? number : `${number}-${slug}`}`;
}

/** The sequence number of a file name {@link requestName} made (`000007-accuracy=3` → 7), else 0. */
export function requestSeq(fileName: string): number {
  const match = /^(\d+)(?:-|$)/.exec(fileName);
  return match ? Number(match[1]) : 0;
}

// --- internal ---

const MAX_NAME = 1024;
/** Leaves room under the usual 255-byte file name limit for `.headers.json` and temp-file suffixes. */
const MAX_SEGMENT_BYTES = 200;
const MAX_SLUG = 80;

function invalid(encoded: string, why: string): SluiceError {
  return errors.badRequest(`message name ${JSON.stringify(encoded)} is not allowed: ${why}`);
}
