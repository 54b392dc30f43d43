// Structured header values (Content-Type, Content-Disposition) in the patched postal-mime (issue 11
// item 8): the loop of parseStructuredHeaderInFull takes runs of characters that mean nothing to it
// (in a key, a quoted string or a token) in one slice, where it added a string a character: a file
// name of 150 KB cost a rope of 150,000 pieces, megabytes and milliseconds, before the trust
// decision. Its result must be that of the character loop, kept here as postal-mime 4.0.0 (as
// patched before) wrote it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeParameterValueContinuations } from '../../node_modules/postal-mime/dist/esm/decode-strings.js';
import MimeNode, { MAX_PARAMETERS } from '../../node_modules/postal-mime/dist/esm/mime-node.js';
import { countMethodCalls } from '../support/method-calls.ts';

const node = () => Object.create(MimeNode.prototype) as MimeNode;

type Structured = { value: string; params: Record<string, string> };

/** parseStructuredHeaderInFull as it was: one character at a time. */
function byCharacter(input: string): Structured {
  const str = node().stripComments(input);
  const response: Structured = { value: '', params: {} };
  let key: string | false = false;
  let value = '';
  let stage = 'value';
  let pendingSpace = '';
  let quoteClosed = false;
  let quote: string | false = false;
  let escaped = false;
  const addChr = (c: string) => {
    if (value.length) value += pendingSpace;
    pendingSpace = '';
    value += c;
  };
  const takeValue = () => {
    const result = value;
    value = '';
    pendingSpace = '';
    quoteClosed = false;
    return result;
  };
  const storeParam = (name: string, result: string) => {
    if (!Object.hasOwn(response.params, name)) response.params[name] = result;
  };
  const storeValue = () => {
    const result = takeValue();
    if (key === false) response.value = result;
    else storeParam(key, result);
  };
  const storeEmptyKey = () => {
    const name = takeValue().trim();
    if (name) storeParam(name.toLowerCase(), '');
  };
  for (let i = 0; i < str.length; i++) {
    const chr = str.charAt(i);
    if (stage === 'key') {
      if (chr === '=') {
        key = takeValue().trim().toLowerCase();
        stage = 'value';
      } else if (chr === ';') {
        storeEmptyKey();
      } else {
        value += chr;
      }
      continue;
    }
    if (escaped) {
      addChr(chr);
    } else if (quote && chr === '\\') {
      escaped = true;
      continue;
    } else if (quote && chr === quote) {
      quote = false;
      quoteClosed = true;
    } else if (!quote && chr === '"') {
      quote = chr;
      if (value.length) value += pendingSpace;
      pendingSpace = '';
    } else if (!quote && chr === ';') {
      storeValue();
      stage = 'key';
    } else if (!quote && (chr === ' ' || chr === '\t')) {
      pendingSpace += chr;
    } else if (!quoteClosed) {
      addChr(chr);
    }
    escaped = false;
  }
  if (stage === 'value') storeValue();
  else storeEmptyKey();
  if (response.value) response.value = response.value.toLowerCase();
  decodeParameterValueContinuations(response);
  return response;
}

// The characters the loop treats apart, in every stage, and runs of those it does not.
const PIECES = [
  'attachment',
  'Multipart/Mixed',
  'filename',
  'filename*0*',
  'filename*1',
  "utf-8''%C3%A4",
  'a b.pdf',
  'constructor',
  ';',
  '=',
  ' ',
  '\t',
  '\u00a0',
  '"',
  '\\',
  '(',
  ')',
  'É',
];
const structured = fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }).map((p) => p.join(''));

describe('structured header values', () => {
  it('read in runs give what the character loop gives', () => {
    fc.assert(
      fc.property(structured, (value) => {
        expect(node().parseStructuredHeaderInFull(value)).toEqual(byCharacter(value));
      }),
      { numRuns: 10_000 },
    );
  });

  it(`read the first ${MAX_PARAMETERS} parameters of a value and no more, in either path`, async () => {
    const params = Array.from({ length: 8000 }, (_, i) => `p${i}=v`);
    for (const quoted of [false, true]) {
      const header = `multipart/mixed; ${params.join('; ')}; boundary=${quoted ? '"b"' : 'b'}`;
      const { result, calls } = await countMethodCalls(
        [String],
        (m) => m === 'indexOf' || m === 'charAt',
        () => node().parseStructuredHeader(header),
      );
      expect(result.value).toBe('multipart/mixed');
      expect(Object.keys(result.params)).toHaveLength(MAX_PARAMETERS);
      expect(result.params[`p${MAX_PARAMETERS - 1}`]).toBe('v');
      expect(result.params.boundary).toBeUndefined();
      // What lies past the last parameter read is not looked at.
      expect(calls).toBeLessThan(10 * MAX_PARAMETERS);
    }
  });

  it('take a long quoted file name in a few slices, escapes and closing quote kept', async () => {
    const name = `${'ä'.repeat(50_000)}\\"x\\\\y${'b'.repeat(50_000)}`;
    const header = `attachment; filename="${name}"; size=1`;
    const { result, calls } = await countMethodCalls(
      [String],
      (m) => m === 'charAt',
      () => node().parseStructuredHeaderInFull(header),
    );
    expect(result).toEqual(byCharacter(header));
    expect(result.params.filename).toBe(`${'ä'.repeat(50_000)}"x\\y${'b'.repeat(50_000)}`);
    // A look at each run's first character, not at each character.
    expect(calls).toBeLessThan(50);
  });
});
