// RFC 2047 encoded words in the patched postal-mime (issue 11 item 8): decoded in one pass, where
// postal-mime split the text into a token list and then rendered it, and a base64 join check that
// flattened the joined text each time made a Subject of 12,000 words cost the square of that. The
// result must be postal-mime 4.0.0's, whose token list and rendering are kept here as written.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWord, decodeWords } from '../../node_modules/postal-mime/dist/esm/decode-strings.js';

type Token = { text: string } | { charset: string; encoding: string; encodedText: string };
type Word = Extract<Token, { charset: string }>;

const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=/g;

function referenceTokens(str: string): Token[] {
  const tokens: Token[] = [];
  ENCODED_WORD.lastIndex = 0;
  let pos = 0;
  for (let match = ENCODED_WORD.exec(str); match; match = ENCODED_WORD.exec(str)) {
    if (match.index > pos) tokens.push({ text: str.substring(pos, match.index) });
    tokens.push({
      charset: match[1] as string,
      encoding: match[2] as string,
      encodedText: match[3] as string,
    });
    pos = match.index + match[0].length;
  }
  if (pos < str.length) tokens.push({ text: str.substring(pos) });
  return tokens;
}

function canJoin(left: Word, right: Word): boolean {
  const encoding = left.encoding.toUpperCase();
  if (left.charset !== right.charset || encoding !== right.encoding.toUpperCase()) return false;
  return encoding === 'B' ? left.encodedText.length % 4 === 0 && !/=$/.test(left.encodedText) : true;
}

function referenceRender(tokens: Token[], joinWords: boolean): string {
  let result = '';
  let pending: Word | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if ('text' in token) {
      const next = tokens[i + 1];
      if (pending && next && !('text' in next) && /^[ \t\r\n]+$/.test(token.text)) continue;
      if (pending) {
        result += decodeWord(pending.charset, pending.encoding, pending.encodedText);
        pending = null;
      }
      result += token.text;
      continue;
    }
    if (pending && joinWords && canJoin(pending, token)) {
      pending.encodedText += token.encodedText;
      continue;
    }
    if (pending) result += decodeWord(pending.charset, pending.encoding, pending.encodedText);
    pending = { ...token };
  }
  if (pending) result += decodeWord(pending.charset, pending.encoding, pending.encodedText);
  return result;
}

function referenceDecodeWords(str: string): string {
  const tokens = referenceTokens(str);
  const result = referenceRender(tokens, true);
  return result.indexOf('\ufffd') < 0 ? result : referenceRender(tokens, false);
}

const payload = (encoding: string) =>
  encoding.toUpperCase() === 'B'
    ? fc.uint8Array({ maxLength: 9 }).map((b) => {
        const text = Buffer.from(b).toString('base64');
        return text.slice(0, Math.max(0, text.length - (b.length % 5 === 0 ? 0 : b.length % 3)));
      })
    : fc
        .array(fc.constantFrom('=C3', '=A4', '=e4', '=F6', 'a', 'Z', '_', '=', '=4'), { maxLength: 6 })
        .map((pieces) => pieces.join(''));

const word = fc
  .record({
    charset: fc.constantFrom('UTF-8', 'utf-8', 'ISO-8859-1', 'windows-1252', 'utf-8*de'),
    encoding: fc.constantFrom('B', 'b', 'Q', 'q'),
  })
  .chain(({ charset, encoding }) => payload(encoding).map((text) => `=?${charset}?${encoding}?${text}?=`));

const text = fc.array(
  fc.oneof(word, fc.constantFrom(' ', '  ', '\t', '\r\n ', 'x', ' a ', '=?', '?=', '=?x?Z?y?=', '')),
  { maxLength: 12 },
);

describe('encoded words', () => {
  it('decode as postal-mime 4.0.0 decodes them, joined, split, folded and malformed', () => {
    fc.assert(
      fc.property(text, (parts) => {
        const str = parts.join('');
        expect(decodeWords(str)).toBe(referenceDecodeWords(str));
      }),
      { numRuns: 3000 },
    );
  });

  it('joins the bytes of a character split over two words, and keeps words apart that do not join', () => {
    expect(decodeWords('=?UTF-8?Q?=C3?= =?UTF-8?Q?=A4?=')).toBe('ä');
    expect(decodeWords('=?UTF-8?B?w6TD?= =?UTF-8?B?tg==?=')).toBe('äö');
    expect(decodeWords('a =?UTF-8?B?w6Q=?=\r\n =?ISO-8859-1?Q?=F6?= b')).toBe('a äö b');
    const many = Array(12_000).fill('=?UTF-8?B?w6TDtsO8?=').join(' ');
    expect(decodeWords(`Re: ${many}`)).toBe(`Re: ${'äöü'.repeat(12_000)}`);
  });
});
