// The searches that read a mail's structure before it is parsed (header-limits.ts,
// large-mime-bodies.ts) look at the first bytes in JavaScript and call Buffer's native search only
// past them (byte-search.ts): a mail of 4,990 one-line parts made about six native calls a part.
// They must find what Buffer.indexOf finds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexOfByte, indexOfSequence, sequenceAt } from '../../functions/mail/byte-search.ts';
import { partsOverLimits } from '../../functions/mail/header-limits.ts';
import { setAsideLargeBodies } from '../../functions/mail/large-mime-bodies.ts';
import { countMethodCalls } from '../support/method-calls.ts';

// Few distinct bytes, so that needles are found, near and far.
const bytes = (maxLength: number) =>
  fc
    .uint8Array({ min: 0x2d, max: 0x2f, maxLength })
    .map((a) => Buffer.from(a.buffer, a.byteOffset, a.length));

describe('byte searches find what Buffer.indexOf finds', () => {
  it('a byte, from any start, in buffers shorter and longer than the part read in JavaScript', () => {
    fc.assert(
      fc.property(bytes(600), fc.integer({ min: 0x2d, max: 0x2f }), fc.nat(700), (raw, byte, from) => {
        expect(indexOfByte(raw, byte, from)).toBe(raw.indexOf(byte, from));
      }),
      { numRuns: 3_000 },
    );
  });

  it('a sequence, from any start', () => {
    fc.assert(
      fc.property(
        bytes(600),
        bytes(6).filter((n) => n.length > 0),
        fc.nat(700),
        (raw, needle, from) => {
          expect(indexOfSequence(raw, needle, from)).toBe(raw.indexOf(needle, from));
          const at = raw.indexOf(needle, from);
          if (at >= 0) expect(sequenceAt(raw, needle, at)).toBe(true);
          expect(sequenceAt(raw, needle, from)).toBe(raw.subarray(from, from + needle.length).equals(needle));
        },
      ),
      { numRuns: 3_000 },
    );
  });
});

describe('a mail of many small parts is read before parsing without a native search per part', () => {
  const parts = Array.from(
    { length: 2_000 },
    (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\nline ${i}\r\n`,
  );
  const mail = Buffer.from(
    `From: a@example.com\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n${parts.join('')}--p--\r\n`,
    'latin1',
  );

  it('counts the parts and walks them in a few native calls', async () => {
    const { result, calls } = await countMethodCalls(
      [Buffer],
      (name) => name === 'indexOf' || name === 'compare',
      () => ({ over: partsOverLimits(mail), aside: setAsideLargeBodies(mail).count }),
    );
    expect(result).toEqual({ over: undefined, aside: 0 });
    // 12,013 before (six a part), 4 now
    expect(calls).toBeLessThan(100);
  });
});
