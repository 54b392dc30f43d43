// The short job reference a sender reads in the replies and an admin types into the CLI:
// `FG-` and 8 Crockford base32 characters (40 bits) of sha256(SES message id), written
// `FG-XXXX-XXXX`. Deterministic, so every run of a mail names it alike without storing it first;
// Crockford's alphabet has no I, L, O or U, so it reads aloud and types back without mix-ups.

import { hash } from 'node:crypto';
import { base32crockford } from '@scure/base';

const PREFIX = 'FG';

export function jobReference(messageId: string): string {
  // The one-shot hash: no Hash object for a digest of a few bytes, made once for every reply.
  const digest = hash('sha256', messageId, 'buffer');
  const code = base32crockford.encode(digest.subarray(0, 5));
  return `${PREFIX}-${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * A reference as someone typed it (`fg-7k3q-9x2m`, `FG7K3Q9X2M`, `7k3q 9x2m`, with Crockford's
 * O for 0 and I/L for 1) in its written form, or undefined when it cannot be one.
 */
export function parseJobReference(input: string): string | undefined {
  let compact = input.trim().toUpperCase().replace(/[\s-]/g, '');
  if (compact.startsWith(PREFIX) && compact.length === PREFIX.length + 8) {
    compact = compact.slice(PREFIX.length);
  }
  if (compact.length !== 8) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = base32crockford.decode(compact);
  } catch {
    return undefined;
  }
  const code = base32crockford.encode(bytes);
  return `${PREFIX}-${code.slice(0, 4)}-${code.slice(4)}`;
}
