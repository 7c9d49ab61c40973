import { errors } from '../../api/index.js';

/** decodeURIComponent that answers a malformed escape with a 400 instead of throwing URIError. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw errors.badRequest(`malformed percent-encoding in path segment "${segment}"`);
  }
}
