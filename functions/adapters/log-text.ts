// Sender-controlled text in log lines (file names, subjects, addresses). JSON escapes the control
// characters, but not the bidi controls or the Unicode line and paragraph separators: a file name
// "\u202Efdp.exe" would read "exe.pdf" in a log viewer. Both loggers write those as \uXXXX text,
// as a reply shows them (shownText).

import { BIDI_CONTROLS, unicodeEscape } from '../domain/replies/shown-text.ts';

const INVISIBLE = new RegExp(`[${BIDI_CONTROLS}\\u2028\\u2029]`, 'gu');

/** A JSON.stringify replacer: strings with those characters written as escapes, all else as it is. */
export function visibleInLogs(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? value.replace(INVISIBLE, unicodeEscape) : value;
}
