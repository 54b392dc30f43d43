// Sender-controlled text in log lines (file names, subjects, addresses): JSON escapes control
// characters but not the bidi controls or the Unicode line and paragraph separators, so a file
// name such as "\u202Efdp.exe" would be shown reversed in a log viewer ("exe.pdf"). Both loggers,
// the deployed one (Powertools Logger, JSON on stdout) and the one-machine one, write those
// characters as \uXXXX text.

import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/adapters/telemetry.ts';
import { consoleLog } from '../../local/console-log.ts';

const HOSTILE = [
  '\u202Efdp.exe',
  'a\u2066b\u2069c',
  'line\u2028break',
  'para\u2029graph',
  'arabic\u061Cmark',
];
const SHOWN = [
  '\\u202Efdp.exe',
  'a\\u2066b\\u2069c',
  'line\\u2028break',
  'para\\u2029graph',
  'arabic\\u061Cmark',
];
const INVISIBLE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/;

const realWrite = process.stdout.write.bind(process.stdout);
afterEach(() => {
  process.stdout.write = realWrite;
});

/** What `run` writes to stdout, line by line. */
function stdoutOf(run: () => void): string[] {
  const lines: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = realWrite;
  }
  return lines.join('').split('\n').filter(Boolean);
}

describe('log lines show invisible characters as escapes', () => {
  it('in the deployed logger', () => {
    const lines = stdoutOf(() =>
      createLogger('faxgate-test').info('Mail accepted', {
        documents: HOSTILE,
        sender: 'alice@example.com',
        nested: { subject: '\u202Ethe subject' },
      }),
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).not.toMatch(INVISIBLE);
    const entry = JSON.parse(line) as { documents: string[]; sender: string; nested: { subject: string } };
    expect(entry.documents).toEqual(SHOWN);
    expect(entry.sender).toBe('alice@example.com');
    expect(entry.nested.subject).toBe('\\u202Ethe subject');
  });

  it('in the one-machine logger', () => {
    const lines: string[] = [];
    consoleLog('info', (line) => lines.push(line)).info('Mail accepted', { documents: HOSTILE });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(INVISIBLE);
    const json = (lines[0] as string).slice((lines[0] as string).indexOf('{'));
    expect((JSON.parse(json) as { documents: string[] }).documents).toEqual(SHOWN);
  });

  it('leaves other text as it is, emoji with joiners included', () => {
    const lines: string[] = [];
    const text = 'Müller 👩‍💻 Ελένη, tab\there';
    consoleLog('info', (line) => lines.push(line)).info('x', { text });
    expect(JSON.parse((lines[0] as string).slice((lines[0] as string).indexOf('{')))).toEqual({ text });
  });
});
