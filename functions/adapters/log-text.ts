// Sender-controlled text in log lines (file names, subjects, addresses). JSON escapes the control
// characters, but not the bidi controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069) or the
// Unicode line and paragraph separators: a file name "\u202Efdp.exe" would read "exe.pdf" in a log
// viewer. Both loggers write those as \uXXXX text (what a reply shows, see shownText).

const INVISIBLE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/g;

/** A JSON.stringify replacer: strings with those characters written as escapes, all else as it is. */
export function visibleInLogs(_key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
