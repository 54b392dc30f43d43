// The job reference a sender and an admin can read out loud: `FG-` and 8 Crockford base32 characters
// of sha256(SES message id), written `FG-XXXX-XXXX`. Deterministic, so a redelivered mail keeps its
// reference and nothing needs storing to compute it; 40 bits make a collision among a gateway's
// mails unlikely, and the index on it returns every holder if one ever happens.

import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function jobReference(messageId: string): string {
  const digest = createHash('sha256').update(messageId, 'utf8').digest();
  // The first 40 bits, five at a time.
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i] ?? 0);
  let chars = '';
  for (let i = 7; i >= 0; i--) chars += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return `FG-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/**
 * A reference as someone typed it (any case, with or without the dashes, O for 0, I or L for 1),
 * written the canonical way; undefined when it cannot be one.
 */
export function parseJobReference(text: string): string | undefined {
  const compact = text
    .trim()
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/^FG/, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(compact)) return undefined;
  return `FG-${compact.slice(0, 4)}-${compact.slice(4)}`;
}
