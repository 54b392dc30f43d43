// @cantoo/pdf-lib 2.11.1's own byte-by-byte scans (end of stream, endobj, jibberish, blanks and
// comments, literal strings) and its object parsing (objects, arrays, numbers or references), as
// they were before patches/@cantoo+pdf-lib replaced them: the oracle the patched parser must agree
// with on every PDF, and a way to count the bytes a parse reads.

import {
  PDFArray,
  PDFBool,
  type PDFContext,
  PDFInvalidObject,
  PDFNull,
  PDFNumber,
  type PDFObject,
  PDFObjectParsingError,
  PDFParser,
  PDFRef,
  PDFStreamParsingError,
  PDFString,
  UnbalancedParenthesisError,
} from '@cantoo/pdf-lib';

const codes = (text: string) => [...text].map((c) => c.charCodeAt(0));
const STREAM = codes('stream');
const ENDSTREAM = codes('endstream');
const ENDSTREAM_AFTER_EOL = [codes('\r\n'), codes('\r'), codes('\n')].map((eol) => [...eol, ...ENDSTREAM]);
const ENDOBJ = codes('endobj');
const SECTION_KEYWORDS = [codes('xref'), codes('trailer'), codes('startxref')];

interface Position {
  line: number;
  column: number;
  offset: number;
}

/** The parts of pdf-lib's parser the upstream scans use (private in its types, there at run time). */
interface ParserInside {
  bytes: {
    done(): boolean;
    next(): number;
    peek(): number;
    peekAhead(steps: number): number;
    offset(): number;
    position(): Position;
    moveTo(offset: number): void;
    slice(start: number, end: number): Uint8Array;
  };
  context: PDFContext;
  throwOnInvalidObject: boolean;
  warnOnInvalidObjects: boolean;
  matchKeyword(keyword: number[]): boolean;
  skipWhitespaceAndComments(): void;
  parseIndirectObjectHeader(): PDFRef;
  matchIndirectObjectHeader(): boolean;
  skipJibberish(): void;
  skipWhitespace(): void;
  skipComment(): boolean;
  parseString(): PDFString;
  findEndOfStreamFallback(startPos: Position): number;
  tryToParseInvalidIndirectObject(): PDFRef | undefined;
  parseObject(ref?: PDFRef): PDFObject;
  parseNumberOrRef(): PDFObject;
  parseArray(ref?: PDFRef): PDFArray;
  parseRawNumber(): number;
  parseDictOrStream(ref?: PDFRef): PDFObject;
  parseHexString(ref?: PDFRef): PDFObject;
  parseName(): PDFObject;
}

function upstreamFindEndOfStreamFallback(this: ParserInside, startPos: Position): number {
  // Move to end of stream, while handling nested streams
  let nestingLvl = 1;
  let end = this.bytes.offset();
  while (!this.bytes.done()) {
    end = this.bytes.offset();
    if (this.matchKeyword(STREAM)) {
      nestingLvl += 1;
    } else if (ENDSTREAM_AFTER_EOL.some((k) => this.matchKeyword(k)) || this.matchKeyword(ENDSTREAM)) {
      nestingLvl -= 1;
    } else {
      this.bytes.next();
    }
    if (nestingLvl === 0) break;
  }
  if (nestingLvl !== 0) throw new PDFStreamParsingError(startPos);
  return end;
}

function upstreamTryToParseInvalidIndirectObject(this: ParserInside): PDFRef | undefined {
  const startPos = this.bytes.position();
  const msg = `Trying to parse invalid object: ${JSON.stringify(startPos)})`;
  if (this.throwOnInvalidObject) throw new Error(msg);
  const ref = this.parseIndirectObjectHeader();
  this.skipWhitespaceAndComments();
  const start = this.bytes.offset();
  let failed = true;
  while (!this.bytes.done()) {
    if (this.matchKeyword(ENDOBJ)) failed = false;
    if (!failed) break;
    this.bytes.next();
  }
  if (failed) {
    this.bytes.moveTo(start);
    return undefined;
  }
  const end = this.bytes.offset() - ENDOBJ.length;
  this.context.assign(ref, PDFInvalidObject.of(this.bytes.slice(start, end)));
  return ref;
}

function upstreamSkipJibberish(this: ParserInside): void {
  this.skipWhitespaceAndComments();
  while (!this.bytes.done()) {
    const initialOffset = this.bytes.offset();
    const byte = this.bytes.peek();
    const isAlphaNumeric = byte >= 0x20 && byte <= 0x7e;
    if (isAlphaNumeric) {
      if (SECTION_KEYWORDS.some((k) => this.matchKeyword(k)) || this.matchIndirectObjectHeader()) {
        this.bytes.moveTo(initialOffset);
        break;
      }
    }
    this.bytes.next();
  }
}

const WHITESPACE = new Set([0, 9, 10, 12, 13, 32]);

function upstreamSkipWhitespace(this: ParserInside): void {
  while (!this.bytes.done() && WHITESPACE.has(this.bytes.peek())) this.bytes.next();
}

function upstreamSkipComment(this: ParserInside): boolean {
  if (this.bytes.peek() !== 0x25) return false;
  while (!this.bytes.done()) {
    const byte = this.bytes.peek();
    if (byte === 0x0a || byte === 0x0d) return true;
    this.bytes.next();
  }
  return true;
}

// Upstream's, for PDFs without encryption (these tests have none).
function upstreamParseString(this: ParserInside): PDFString {
  let nestingLvl = 0;
  let isEscaped = false;
  let value = '';
  while (!this.bytes.done()) {
    const byte = this.bytes.next();
    value += String.fromCharCode(byte);
    if (!isEscaped) {
      if (byte === 0x28) nestingLvl += 1;
      if (byte === 0x29) nestingLvl -= 1;
    }
    if (byte === 0x5c) isEscaped = !isEscaped;
    else if (isEscaped) isEscaped = false;
    if (nestingLvl === 0) return PDFString.of(value.substring(1, value.length - 1));
  }
  throw new UnbalancedParenthesisError(this.bytes.position());
}

const TRUE = codes('true');
const FALSE = codes('false');
const NULL = codes('null');
const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;
const isNumeric = (byte: number) => isDigit(byte) || byte === 0x2e || byte === 0x2b || byte === 0x2d;

function upstreamParseObject(this: ParserInside, ref?: PDFRef): PDFObject {
  this.skipWhitespaceAndComments();
  if (this.matchKeyword(TRUE)) return PDFBool.True;
  if (this.matchKeyword(FALSE)) return PDFBool.False;
  if (this.matchKeyword(NULL)) return PDFNull;
  const byte = this.bytes.peek();
  if (byte === 0x3c && this.bytes.peekAhead(1) === 0x3c) return this.parseDictOrStream(ref);
  if (byte === 0x3c) return this.parseHexString(ref);
  if (byte === 0x28) return this.parseString();
  if (byte === 0x2f) return this.parseName();
  if (byte === 0x5b) return this.parseArray(ref);
  if (isNumeric(byte)) return this.parseNumberOrRef();
  throw new PDFObjectParsingError(this.bytes.position(), byte);
}

function upstreamParseNumberOrRef(this: ParserInside): PDFObject {
  const firstNum = this.parseRawNumber();
  this.skipWhitespaceAndComments();
  const lookaheadStart = this.bytes.offset();
  if (isDigit(this.bytes.peek())) {
    const secondNum = this.parseRawNumber();
    this.skipWhitespaceAndComments();
    if (this.bytes.peek() === 0x52) {
      this.bytes.next();
      return PDFRef.of(firstNum, secondNum);
    }
  }
  this.bytes.moveTo(lookaheadStart);
  return PDFNumber.of(firstNum);
}

function upstreamParseArray(this: ParserInside, ref?: PDFRef): PDFArray {
  this.bytes.next();
  this.skipWhitespaceAndComments();
  const pdfArray = PDFArray.withContext(this.context);
  while (this.bytes.peek() !== 0x5d) {
    pdfArray.push(this.parseObject(ref));
    this.skipWhitespaceAndComments();
  }
  this.bytes.next();
  return pdfArray;
}

/** `parser` reading objects, arrays and numbers or references as upstream did. */
export function withUpstreamObjects<P extends object>(parser: P): P {
  const inside = parser as unknown as ParserInside;
  inside.parseObject = upstreamParseObject;
  inside.parseNumberOrRef = upstreamParseNumberOrRef;
  inside.parseArray = upstreamParseArray;
  return parser;
}

/** `parser` (any of pdf-lib's parsers) skipping blanks and comments as upstream did. */
export function withUpstreamBlanks<P extends object>(parser: P): P {
  const inside = parser as unknown as ParserInside;
  inside.skipWhitespace = upstreamSkipWhitespace;
  inside.skipComment = upstreamSkipComment;
  return parser;
}

/** A parser of `bytes`, with the upstream scans when `upstream` is set. */
export function pdfParser(bytes: Uint8Array, upstream: boolean): PDFParser {
  const parser = PDFParser.forBytesWithOptions(bytes);
  if (upstream) {
    const inside = parser as unknown as ParserInside;
    inside.findEndOfStreamFallback = upstreamFindEndOfStreamFallback;
    inside.tryToParseInvalidIndirectObject = upstreamTryToParseInvalidIndirectObject;
    inside.skipJibberish = upstreamSkipJibberish;
    withUpstreamBlanks(parser);
    inside.parseString = upstreamParseString;
    withUpstreamObjects(parser);
  }
  return parser;
}

/**
 * `bytes` seen through a proxy that counts every byte read from it, by index or by copying
 * (slice, subarray): what a parse of it costs, counted rather than timed.
 */
export function countingReads(bytes: Uint8Array): {
  bytes: Uint8Array;
  reads: () => number;
  /** Of those, the bytes read one at a time (by index). */
  indexReads: () => number;
} {
  let reads = 0;
  let indexReads = 0;
  const proxy = new Proxy(bytes, {
    get(target, key) {
      if (
        typeof key === 'string' &&
        key.length > 0 &&
        key.charCodeAt(0) <= 0x39 &&
        key.charCodeAt(0) >= 0x30
      ) {
        reads += 1;
        indexReads += 1;
        return target[Number(key)];
      }
      const value = Reflect.get(target, key, target);
      if (key === 'slice' || key === 'subarray') {
        return (start?: number, end?: number) => {
          const part = (value as (s?: number, e?: number) => Uint8Array).call(target, start, end);
          reads += part.length;
          return part;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { bytes: proxy, reads: () => reads, indexReads: () => indexReads };
}
