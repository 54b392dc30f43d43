import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobReference, parseJobReference } from '../../functions/domain/job-reference.ts';

describe('jobReference', () => {
  it('is FG- and 8 Crockford base32 characters of sha256(message id), the same every time', () => {
    const reference = jobReference('ses-1');
    expect(reference).toMatch(/^FG-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(jobReference('ses-1')).toBe(reference);
    expect(jobReference('ses-2')).not.toBe(reference);
    // Worked out apart from the code: Python's base32 of sha256(...)[:5], mapped to Crockford's alphabet.
    expect(jobReference('0000000000000000-0000000000000000')).toBe('FG-EW0T-B6V6');
  });

  it('reads back what an admin types: any case, without dashes or prefix, O for 0, I and L for 1', () => {
    const reference = jobReference('ses-1');
    expect(parseJobReference(reference)).toBe(reference);
    expect(parseJobReference(reference.toLowerCase())).toBe(reference);
    expect(parseJobReference(reference.replace(/-/g, ''))).toBe(reference);
    expect(parseJobReference(reference.slice(3))).toBe(reference);
    expect(parseJobReference(' fg-0011-abcd ')).toBe('FG-0011-ABCD');
    expect(parseJobReference('FG-OOIL-ABCD')).toBe('FG-0011-ABCD');
    for (const bad of ['', 'FG-', 'FG-1234-567', 'FG-1234-56789', 'FG-UUUU-UUUU', 'FG-12*4-5678']) {
      expect(parseJobReference(bad), bad).toBeUndefined();
    }
  });

  it('parses every reference it makes', () => {
    fc.assert(fc.property(fc.string(), (id) => parseJobReference(jobReference(id)) === jobReference(id)));
  });
});
