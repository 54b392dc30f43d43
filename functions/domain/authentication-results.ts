// Authentication-Results (RFC 8601) read by its grammar: comments nest and may hold `;`, `=` and
// quoted strings; each result keeps its own reason and properties, so nothing one result says can
// be read as another's. No npm package parses this header on its own (the mail authentication
// libraries verify mail and carry DNS and crypto with them), so the tokenizer lives here.
//
// One dialect is accepted beyond the RFC, because SES writes it: its SPF result is followed by
// `client-ip=...; envelope-from=...; helo=...;` as if they were results of their own. Those pieces
// are folded into the SPF result before them (as properties named `client-ip`, `envelope-from`,
// `helo`), and are never results themselves.

export interface AuthResult {
  /** Lower-case method name (`dkim`, `spf`, `dmarc`, or any other). */
  method: string;
  /** Lower-case result keyword (`pass`, `fail`, `none`, ...). */
  result: string;
  reason?: string;
  /**
   * `ptype.property` (lower-case) to its value, unquoted: `header.d` -> `example.com`. A property
   * named twice in one result with different values is ambiguous and listed in `conflicting`.
   */
  props: ReadonlyMap<string, string>;
  conflicting: readonly string[];
}

export interface AuthenticationResults {
  /** Lower-case authserv-id. */
  authservId: string;
  version?: number;
  results: AuthResult[];
}

export type ParsedAuthenticationResults = AuthenticationResults | { error: string };

/**
 * Results one header may hold, and properties one result: SES writes a result a method and DKIM
 * signature, with a handful of properties each. A header past them is not read (the mail is not
 * authenticated by it): 5,000 results in 173 KB, within the header limits, cost five times an
 * ordinary mail before the trust decision.
 */
export const MAX_RESULTS = 100;
export const MAX_RESULT_PROPERTIES = 100;

/** SES's pseudo-results after an `spf=` result (see the file comment). */
const SES_SPF_CONTINUATIONS = new Set(['client-ip', 'envelope-from', 'helo']);
/** Methods whose result must be a keyword; anything else there is a syntax error, not a result. */
const KNOWN_METHODS = new Set(['spf', 'dkim', 'dmarc']);
const KEYWORD = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/i;

// The scanner takes runs of characters with sticky expressions rather than one character at a
// time: a mail's header is read once, before its code is compiled, and each step of a character
// loop costs there what one expression costs for the whole run.
const WSP_RUN = /[ \t\r\n]+/y;
const KEYWORD_RUN = /[A-Za-z0-9_-]+/y;
/** What a value holds between quoted strings: anything but white space, `(`, `)`, `;`, `\\` and `"`. */
const VALUE_RUN = /[^\s();\\"]+/y;
const QUOTED_RUN = /[^"\\]+/y;
const COMMENT_RUN = /[^()\\]+/y;

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  /** The run `run` matches here ('' when none), stepped over. */
  private take(run: RegExp): string {
    run.lastIndex = this.pos;
    const match = run.exec(this.text);
    if (!match) return '';
    this.pos = run.lastIndex;
    return match[0];
  }

  /** Skips folding white space and comments (nested, with quoted-pairs). */
  skipCfws(): void {
    for (;;) {
      this.take(WSP_RUN);
      if (this.peek() !== '(') return;
      this.skipComment();
    }
  }

  private skipComment(): void {
    let depth = 0;
    while (!this.done) {
      this.take(COMMENT_RUN);
      const c = this.text[this.pos++];
      if (c === '\\') this.pos++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return;
    }
    throw new SyntaxError('unterminated comment');
  }

  /** A keyword (RFC 5321 Ldh-str, with `_` as real headers use it), or '' when none is here. */
  keyword(): string {
    return this.take(KEYWORD_RUN);
  }

  quotedString(): string {
    let out = '';
    this.pos++; // the opening quote
    while (!this.done) {
      out += this.take(QUOTED_RUN);
      if (this.done) break;
      const c = this.text[this.pos++];
      if (c === '"') return out;
      // A backslash: the next character stands for itself.
      if (this.done) break;
      out += this.text[this.pos++];
    }
    throw new SyntaxError('unterminated quoted string');
  }

  /**
   * A value: tokens and quoted strings with nothing between them (`"a;b"@example.com`), unquoted.
   * Ends at white space, a comment or `;`. May be empty: SES writes `envelope-from=;` for the null
   * sender, and an empty value names no domain.
   */
  value(): string {
    let out = this.take(VALUE_RUN);
    while (this.peek() === '"') out += this.quotedString() + this.take(VALUE_RUN);
    const c = this.peek();
    if (c === ')' || c === '\\') throw new SyntaxError(`unexpected "${c}"`);
    return out;
  }

  expect(c: string): void {
    if (this.peek() !== c) throw new SyntaxError(`expected "${c}" at ${this.pos}`);
    this.pos++;
  }
}

interface RawResult {
  method: string;
  result: string;
  reason?: string;
  props: Map<string, string>;
  conflicting: string[];
}

function setProp(target: RawResult, name: string, value: string): void {
  const previous = target.props.get(name);
  if (previous === undefined) target.props.set(name, value);
  else if (previous.toLowerCase() !== value.toLowerCase() && !target.conflicting.includes(name)) {
    target.conflicting.push(name);
  }
}

function resinfo(s: Scanner): RawResult {
  const method = s.keyword().toLowerCase();
  if (!method) throw new SyntaxError(`a method is missing at ${s.pos}`);
  s.skipCfws();
  if (s.peek() === '/') {
    s.pos++;
    s.skipCfws();
    if (!/^\d+$/.test(s.keyword())) throw new SyntaxError('a method version is not a number');
    s.skipCfws();
  }
  s.expect('=');
  s.skipCfws();
  const result = s.value().toLowerCase();
  if (KNOWN_METHODS.has(method) && !KEYWORD.test(result)) {
    throw new SyntaxError(`${method} has no result keyword`);
  }
  const raw: RawResult = { method, result, props: new Map(), conflicting: [] };
  for (let properties = 0; ; properties++) {
    s.skipCfws();
    if (s.done || s.peek() === ';') return raw;
    if (properties >= MAX_RESULT_PROPERTIES) {
      throw new SyntaxError(`a result has more than ${MAX_RESULT_PROPERTIES} properties`);
    }
    const name = s.keyword().toLowerCase();
    if (!name) throw new SyntaxError(`unexpected "${s.peek()}" at ${s.pos}`);
    s.skipCfws();
    let property = name;
    if (s.peek() === '.') {
      s.pos++;
      s.skipCfws();
      const sub = s.keyword().toLowerCase();
      if (!sub) throw new SyntaxError(`a property name is missing after "${name}."`);
      property = `${name}.${sub}`;
      s.skipCfws();
    }
    s.expect('=');
    s.skipCfws();
    const value = s.value();
    if (property === 'reason') {
      if (raw.reason === undefined) raw.reason = value;
    } else {
      // A bare `name=value` is not RFC 8601; SES writes `client-ip=` inside its SPF result.
      setProp(raw, property, value);
    }
  }
}

/** Parses an Authentication-Results value (the part after the colon, folded or not). */
export function parseAuthenticationResults(value: string): ParsedAuthenticationResults {
  const s = new Scanner(value);
  try {
    s.skipCfws();
    const authservId = (s.peek() === '"' ? s.quotedString() : s.value()).toLowerCase();
    s.skipCfws();
    let version: number | undefined;
    if (/\d/.test(s.peek())) {
      const digits = s.keyword();
      if (!/^\d+$/.test(digits)) throw new SyntaxError('the version is not a number');
      version = Number(digits);
      s.skipCfws();
    }
    const results: AuthResult[] = [];
    let lastSpf: RawResult | undefined;
    let first = true;
    let read = 0;
    while (!s.done) {
      s.expect(';');
      s.skipCfws();
      if (s.done) break; // SES ends with a `;`
      if (s.peek() === ';') continue;
      const start = s.pos;
      if (first && s.keyword().toLowerCase() === 'none') {
        s.skipCfws();
        if (s.done) return { authservId, version, results: [] };
      }
      s.pos = start;
      first = false;
      // SES's pseudo-results count as results: each is read as one.
      if (++read > MAX_RESULTS) throw new SyntaxError(`more than ${MAX_RESULTS} results`);
      const raw = resinfo(s);
      if (SES_SPF_CONTINUATIONS.has(raw.method) && lastSpf) {
        setProp(lastSpf, raw.method, raw.result);
        continue;
      }
      lastSpf = raw.method === 'spf' ? raw : undefined;
      results.push(raw);
    }
    return { authservId, ...(version === undefined ? {} : { version }), results };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
