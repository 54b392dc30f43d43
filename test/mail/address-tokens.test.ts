// The address header tokenizer of the patched postal-mime (issue 11 item 8): it takes the text
// between operators in slices instead of one method call and one string concatenation per
// character, which cost about 1 µs a character (a 256 KiB Cc of group openers, parsed once per
// nesting level and again by the recipient rules, took hundreds of milliseconds). Its tokens must
// be those of the character loop it replaced, kept here as postal-mime 4.0.0 (as patched) wrote it.

import fc from 'fast-check';
import { addressParser } from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { type AddressToken, Tokenizer } from '../../node_modules/postal-mime/dist/esm/address-parser.js';
import { countMethodCalls } from '../support/method-calls.ts';

const OPERATORS: Record<string, string> = { '"': '"', '(': ')', '<': '>', ',': '', ':': ';', ';': '' };

/** The character loop (Tokenizer.checkChar) the patched tokenizer replaces. */
function referenceTokens(str: string): AddressToken[] {
  const list: AddressToken[] = [];
  let expecting = '';
  let node: AddressToken | null = null;
  let escaped = false;
  for (let i = 0; i < str.length; i++) {
    let chr = str.charAt(i);
    const nextChr = i < str.length - 1 ? str.charAt(i + 1) : null;
    if (escaped) {
      // the character after a backslash is text
    } else if (chr === expecting) {
      node = { type: 'operator', value: chr };
      if (nextChr && ![' ', '\t', '\r', '\n', ',', ';'].includes(nextChr)) node.noBreak = true;
      list.push(node);
      node = null;
      expecting = '';
      continue;
    } else if (!expecting && chr in OPERATORS) {
      list.push({ type: 'operator', value: chr });
      node = null;
      expecting = OPERATORS[chr] as string;
      continue;
    } else if (expecting === '"' && chr === '\\') {
      escaped = true;
      continue;
    }
    if (!node) {
      node = { type: 'text', value: '' };
      list.push(node);
    }
    if (chr === '\n') chr = ' ';
    if (chr.charCodeAt(0) >= 0x21 || chr === ' ' || chr === '\t') node.value += chr;
    escaped = false;
  }
  return list.map((n) => ({ ...n, value: n.value.trim() })).filter((n) => n.value);
}

const PIECES = [
  'a',
  'b@c.example',
  ' ',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\x00',
  '\x7f',
  '\u00a0',
  '\ufeff',
  'é',
  '😀',
  '"',
  '\\',
  '(',
  ')',
  '<',
  '>',
  ',',
  ':',
  ';',
  '@',
  '=?utf-8?Q?x?=',
  'g:',
  '<x@y.example>',
];
const header = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((p) => p.join(''));

describe('address header tokens', () => {
  it('random headers of operators, escapes, control and Unicode white space: the tokens of the character loop', () => {
    fc.assert(
      fc.property(header, (str) => {
        expect(new Tokenizer(str).tokenize()).toEqual(referenceTokens(str));
      }),
      { numRuns: 2_000 },
    );
  });

  it('a Cc of 100,000 nested group openers is read in a few steps, not one call per character', async () => {
    const value = `${'g:'.repeat(100_000)} a@example.org`;
    const { result, calls } = await countMethodCalls(
      [Tokenizer],
      () => true,
      () => addressParser(value),
    );
    // groups nested deeper than one level are not read (see docs/mail-reading.md)
    expect(result).toEqual([{ name: 'g', group: [] }]);
    // one tokenize a nesting level (three), where there was one call a character
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(6);
  });
});
