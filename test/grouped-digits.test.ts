import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupedDigits } from '../functions/grouped-digits.ts';

describe('groupedDigits', () => {
  it('writes counts as en-US does', () => {
    for (const [count, text] of [
      [0, '0'],
      [7, '7'],
      [999, '999'],
      [1000, '1,000'],
      [5000, '5,000'],
      [20_000, '20,000'],
      [123_456, '123,456'],
      [1_234_567, '1,234,567'],
      [-4321, '-4,321'],
    ] as const) {
      expect(groupedDigits(count)).toBe(text);
    }
  });

  it('agrees with Intl for any safe integer', () => {
    const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    fc.assert(
      fc.property(fc.maxSafeInteger(), (count) => {
        expect(groupedDigits(count)).toBe(intl.format(count));
      }),
      { numRuns: 2000 },
    );
  });
});
