// Sender-controlled text (subjects, file names, addresses, the provider's words) as a reply may
// show it. A sender chooses these freely (RFC 2047 and RFC 2231 let a file name or subject hold
// CR LF, any control character and bidi overrides), so echoed verbatim they could forge lines in
// the gateway's own reply or make a name read backwards. Everything a reply echoes goes through here.
//
// Shown escaped, C style, so what was sent stays recognisable: `\r`, `\n`, `\t`, and `\uXXXX` for
// the other control characters (C0, DEL, C1), the Unicode line and paragraph separators, the bidi
// controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069), invisible format characters and lone
// surrogates. The output holds none of them, so escaping twice changes nothing. Long texts are
// shortened with an ellipsis; a file name keeps its extension.

/** The bidi controls, as a regular expression's character class body (log lines escape them too). */
export const BIDI_CONTROLS = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';

// Beyond those: the invisible format characters (zero-width space, word joiner, soft hyphen, BOM,
// tag characters, interlinear annotations; not the joiners, which belong to the text they join: an
// emoji sequence, a Persian word) and the Hangul fillers, which draw nothing.
const HIDDEN = new RegExp(
  `[\\p{Cc}\\p{Zl}\\p{Zp}\\p{Cs}${BIDI_CONTROLS}\\u115F\\u1160\\u3164\\uFFA0]|(?![\\u200C\\u200D])\\p{Cf}`,
  'u',
);

const NAMED: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };

const ELLIPSIS = '\u2026';

/** How many characters an echoed text may take, escapes included. */
export const SHOWN_LIMITS = { text: 300, subject: 200, fileName: 120 } as const;

/** A code point written as `\uXXXX` text (`\u{XXXXX}` beyond U+FFFF). */
export function unicodeEscape(char: string): string {
  const code = (char.codePointAt(0) ?? 0).toString(16).toUpperCase();
  return code.length > 4 ? `\\u{${code}}` : `\\u${code.padStart(4, '0')}`;
}

/** One code point as shown: itself, or its escape. */
function shownCodePoint(char: string): string {
  if (!HIDDEN.test(char)) return char;
  return NAMED[char] ?? unicodeEscape(char);
}

/**
 * The shown tokens of `value`, one per code point, until they exceed `limit` characters: a
 * megabyte subject costs no more than a short one. Iterating a string goes by code point, so a
 * surrogate pair is never cut in half and a lone surrogate comes out on its own.
 */
function tokens(value: string, limit: number): { parts: string[]; whole: boolean } {
  const parts: string[] = [];
  let length = 0;
  for (const char of value) {
    const part = shownCodePoint(char);
    parts.push(part);
    length += part.length;
    if (length > limit) return { parts, whole: false };
  }
  return { parts, whole: true };
}

/** The leading tokens that fit in `budget` characters (an escape is never cut). */
function fitting(parts: string[], budget: number): string {
  let out = '';
  for (const part of parts) {
    if (out.length + part.length > budget) break;
    out += part;
  }
  return out;
}

/** Any echoed text: one line, escaped, at most `limit` characters. */
export function shownText(value: string, limit: number = SHOWN_LIMITS.text): string {
  // Most texts hold nothing to escape and fit: one search instead of a test per code point.
  if (value.length <= limit && !HIDDEN.test(value)) return value;
  const { parts, whole } = tokens(value, limit);
  if (whole) return parts.join('');
  return `${fitting(parts, limit - 1).trimEnd()}${ELLIPSIS}`;
}

/** A subject as echoed in a reply's subject or body: trimmed, escaped, shortened. */
export function shownSubject(subject: string | undefined): string {
  return shownText((subject ?? '').trim(), SHOWN_LIMITS.subject);
}

/** A file name: escaped and, when long, shortened in the middle so its extension still shows. */
export function shownFileName(name: string, limit: number = SHOWN_LIMITS.fileName): string {
  if (name.length <= limit && !HIDDEN.test(name)) return name;
  const { parts, whole } = tokens(name, limit);
  if (whole) return parts.join('');
  const dot = name.lastIndexOf('.');
  // The extension: from the last dot on, when it is short enough to be one.
  const extension = dot > 0 && name.length - dot <= 12 ? tokens(name.slice(dot), 12) : undefined;
  if (!extension?.whole || extension.parts.length < 2) return shownText(name, limit);
  const shownExtension = extension.parts.join('');
  const head = tokens(name.slice(0, dot), limit).parts;
  return `${fitting(head, limit - 1 - shownExtension.length).trimEnd()}${ELLIPSIS}${shownExtension}`;
}
