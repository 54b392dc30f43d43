// Searches over a mail's bytes that look at the first bytes in JavaScript and leave the rest to
// Buffer's native search. A native search costs a call into C++, a fixed cost that dwarfs reading
// the few bytes of a header line or of a small part; over a large body it is much the faster. A
// mail of 4,990 one-line parts made about six such calls a part before it was parsed. Both give
// what Buffer.indexOf gives, for a start position from 0 on.

/** Bytes read in JavaScript before the native search takes over. */
const NEAR = 128;

/** Where `byte` next stands in `raw` from `from` on, or -1. */
export function indexOfByte(raw: Uint8Array, byte: number, from: number): number {
  const near = Math.min(raw.length, from + NEAR);
  for (let i = from; i < near; i++) if (raw[i] === byte) return i;
  return near < raw.length ? raw.indexOf(byte, near) : -1;
}

/** Whether `needle` stands in `raw` at `at` (within its bounds). */
export function sequenceAt(raw: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at < 0 || at + needle.length > raw.length) return false;
  for (let i = 0; i < needle.length; i++) if (raw[at + i] !== needle[i]) return false;
  return true;
}

/** Where `needle` (not empty) next starts in `raw` from `from` on, or -1. */
export function indexOfSequence(raw: Buffer, needle: Uint8Array, from: number): number {
  const last = raw.length - needle.length; // the last position it can start at
  const near = Math.min(last + 1, from + NEAR);
  const first = needle[0];
  for (let at = from; at < near; at++) if (raw[at] === first && sequenceAt(raw, needle, at)) return at;
  return near <= last ? raw.indexOf(needle, near) : -1;
}
