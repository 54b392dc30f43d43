// The words of the immediate replies: "queued" and every kind of rejection. Plain text, plain
// words: what happened, and for a rejection what to change before sending again. Everything the
// sender chose (subject, file names, addresses) is echoed through shown-text.ts.

import { groupedDigits } from '../../grouped-digits.ts';
import { MAIL_OPTIONS_HELP, type OptionProblem } from '../mail-options.ts';
import { type ScheduledSend, shownSendTime } from '../send-time.ts';
import { shownFileName, shownText } from './shown-text.ts';
import {
  DEFAULT_REPLY_STYLE,
  money,
  type ReplyStyle,
  type ReplyText,
  replySubject,
  withSignature,
} from './style.ts';

export type { ReplyText };

export type NumberReport =
  | { number: string; status: 'queued'; pages: number; estimatedCost?: number }
  | { number: string; status: 'unconfirmed'; pages: number }
  | { number: string; status: 'refused'; reason: string }
  | { number: string; status: 'already-sent'; state: string };

export interface RejectedRecipient {
  recipient: string;
  detail: string;
}

export interface QueuedSummary {
  originalSubject: string;
  /** The mail's job reference (jobReference of its SES message id). */
  reference: string;
  numbers: NumberReport[];
  rejectedRecipients: RejectedRecipient[];
  documents: string[];
  /** Each faxed file with its pages, in fax order; without it only the names are listed. */
  files?: { filename: string; pages: number }[];
  pages: number;
  ignoredAttachments: string[];
  /** The fax is for later (`/at`). */
  schedule?: ScheduledSend;
  /** The time had passed before the fax could be sent, so it went out at once. */
  scheduleMissed?: boolean;
  /** Whether a cover page was added (`/cover`) or left out (`/nocover`); absent when not asked. */
  coverPage?: boolean;
  /** What is re-dialled automatically and for how long (redialPromise of the configured schedule). */
  redialPromise?: string;
}

export type RejectionReason =
  | { kind: 'not-allowlisted'; sender: string }
  | {
      kind: 'no-fax-recipients';
      faxDomain: string;
      rejectedRecipients: RejectedRecipient[];
      /** Fax addresses the mail was delivered to that To and Cc do not show (a Bcc). */
      blindCopies?: string[];
    }
  | {
      kind: 'too-many-numbers';
      count: number;
      limit: number;
      /** Set when the numbers were read only up to one past the limit: the fax addresses in all. */
      faxAddresses?: number;
      faxDomain?: string;
    }
  | { kind: 'document'; problem: string; detail: string; files: string[] }
  | { kind: 'cost-guard'; guard: string; detail: string }
  | { kind: 'send-refused'; detail: string }
  /** The mail below its header block was not read (too many parts, nested too deeply). */
  | { kind: 'unreadable'; detail: string }
  /** The options at the end of the subject could not be read (or not be followed). */
  | { kind: 'options'; problems: OptionProblem[]; defaultTimeZone: string };

/** Names or lines a reply lists at most; a mail with 3,000 attachments gets a count for the rest. */
const LISTED_IN_REPLY = 20;

/** The first entries of a list, and what to say about the rest. */
function firstOf<T>(items: readonly T[]): { shown: T[]; rest: string | undefined } {
  if (items.length <= LISTED_IN_REPLY) return { shown: [...items], rest: undefined };
  const shown = items.slice(0, LISTED_IN_REPLY - 1);
  return { shown, rest: `and ${groupedDigits(items.length - shown.length)} more` };
}

function names(files: string[]): string {
  const { shown, rest } = firstOf(files);
  return [...shown.map((file) => shownFileName(file)), ...(rest ? [rest] : [])].join(', ');
}

function recipientLine(r: RejectedRecipient): string {
  return `  ${shownText(r.recipient)}: ${shownText(r.detail)}`;
}

function recipientLines(recipients: RejectedRecipient[]): string[] {
  const { shown, rest } = firstOf(recipients);
  return [...shown.map(recipientLine), ...(rest ? [`  ${rest}`] : [])];
}

export function queuedReply(summary: QueuedSummary, style: ReplyStyle = DEFAULT_REPLY_STYLE): ReplyText {
  const queued = summary.numbers.filter((n) => n.status === 'queued');
  const lines: string[] = [];
  const totalCost = queued.reduce((sum, n) => sum + (n.estimatedCost ?? 0), 0);

  if (queued.length > 0) {
    lines.push(
      `Your fax has been queued for ${queued.length === 1 ? '1 number' : `${queued.length} numbers`}:`,
      '',
    );
    for (const n of queued) {
      lines.push(
        `  ${n.number}   ${n.pages} ${n.pages === 1 ? 'page' : 'pages'}   estimated cost ${money(n.estimatedCost, style)}`,
      );
    }
    if (queued.length > 1) lines.push('', `Estimated cost in all: ${money(totalCost, style)}`);
    if (summary.schedule && !summary.scheduleMissed) {
      lines.push(
        '',
        `faxrocks holds the fax until ${scheduledText(summary.schedule)} and sends it then.`,
        'faxrocks offers no way to cancel a scheduled fax: once queued, it goes out at that time.',
      );
    } else if (summary.schedule) {
      lines.push(
        '',
        `The time asked for, ${scheduledText(summary.schedule)}, had passed before faxgate could send`,
        'the fax, so it was sent at once.',
      );
    }
    lines.push(
      '',
      'You will get one more email once faxrocks reports how the fax ended for every number.',
      summary.redialPromise ??
        'A busy line, an unanswered call or a transmission broken off is re-dialled automatically first.',
    );
  }

  const unconfirmed = summary.numbers.filter((n) => n.status === 'unconfirmed');
  if (unconfirmed.length > 0) {
    lines.push(
      '',
      'Sent, but faxrocks did not confirm it in time, so it is not yet certain whether these went out:',
      '',
      ...unconfirmed.map((n) => `  ${n.number}`),
      '',
      'Do not send them again yet: faxgate checks with faxrocks and emails you the result.',
    );
  }

  const refused = summary.numbers.filter((n) => n.status === 'refused');
  if (refused.length > 0) {
    lines.push('', 'faxrocks refused these numbers, so they were not faxed:', '');
    for (const n of refused) lines.push(`  ${n.number}: ${shownText(n.reason)}`);
  }

  const already = summary.numbers.filter((n) => n.status === 'already-sent');
  if (already.length > 0) {
    lines.push('', 'These numbers were already handled for this email and were not faxed again:', '');
    for (const n of already) lines.push(`  ${n.number} (${n.state.toLowerCase()})`);
  }

  if (summary.rejectedRecipients.length > 0) {
    lines.push('', 'These recipients are not fax numbers faxgate can dial, so nothing was sent to them:', '');
    lines.push(...recipientLines(summary.rejectedRecipients));
  }

  const pagesOf = (n: number) => `${n} ${n === 1 ? 'page' : 'pages'}`;
  const files = summary.files ?? [];
  lines.push(
    '',
    files.length > 1
      ? `Documents (${pagesOf(summary.pages)} in all): ${files.map((f) => `${shownFileName(f.filename)} (${pagesOf(f.pages)})`).join(', ')}`
      : `Document: ${names(summary.documents)} (${pagesOf(summary.pages)})`,
  );
  if (summary.documents.length > 1)
    lines.push('The files were merged into one fax in the order they were attached.');
  if (summary.ignoredAttachments.length > 0) {
    lines.push(
      `Not faxed (only PDF, JPEG, PNG and TIFF files are faxed): ${names(summary.ignoredAttachments)}`,
    );
  }
  const options = optionsEcho(summary);
  if (options) lines.push(`Options: ${options}`);
  lines.push('', `Reference: ${summary.reference} (quote it when you ask about this fax)`);

  return {
    subject: replySubject(queuedWhat(summary.numbers), summary.originalSubject),
    text: withSignature(lines),
  };
}

/** `24 Dec 2026 09:00 Europe/Berlin (the gateway's time zone)` */
function scheduledText(schedule: ScheduledSend): string {
  const shown = shownSendTime(schedule.at, schedule.timeZone);
  return schedule.zoneGiven ? shown : `${shown} (the gateway's time zone)`;
}

/** The options the sender asked for, as followed: `cover page; send at 24 Dec 2026 09:00 UTC`. */
function optionsEcho(summary: QueuedSummary): string {
  const options: string[] = [];
  if (summary.coverPage !== undefined) {
    // A /cover this gateway does not follow (COVER_PAGE=never) shows as no cover page.
    options.push(summary.coverPage ? 'cover page' : 'no cover page');
  }
  if (summary.schedule)
    options.push(`send at ${shownSendTime(summary.schedule.at, summary.schedule.timeZone)}`);
  return options.join('; ');
}

/** The subject's word for what became of the numbers; it never lists them. */
function queuedWhat(numbers: NumberReport[]): string {
  if (numbers.some((n) => n.status === 'queued')) return 'queued';
  if (numbers.some((n) => n.status === 'unconfirmed')) return 'not confirmed';
  if (numbers.length > 0 && numbers.every((n) => n.status === 'already-sent')) return 'already sent';
  return 'not sent';
}

export function rejectionReply(reason: RejectionReason, originalSubject: string): ReplyText {
  return {
    subject: replySubject('not sent', originalSubject),
    text: withSignature(['Your email was not faxed.', '', rejectionBody(reason)]),
  };
}

/** What was wrong, in the reply's own first words, for the audit record (no document bytes). */
export function rejectionSummary(reason: RejectionReason): string {
  return rejectionBody(reason).split('\n').slice(0, 2).join(' ').trim();
}

function rejectionBody(reason: RejectionReason): string {
  switch (reason.kind) {
    case 'not-allowlisted':
      // An outsider reads this: plain words, no admin command.
      return [
        `The address ${shownText(reason.sender)} is not allowed to send faxes through this gateway.`,
        '',
        'If you should be able to send faxes, ask your administrator to add your address to the',
        "gateway's list of allowed senders, then send the email again.",
      ].join('\n');
    case 'no-fax-recipients': {
      const blind = reason.blindCopies ?? [];
      if (blind.length > 0 && reason.rejectedRecipients.length === 0) {
        return [
          `${blind.map((b) => shownText(b)).join(', ')} received this email as a blind copy (Bcc).`,
          'faxgate faxes only to the fax addresses in To or Cc, so that everyone who reads the email',
          'can see where it was faxed.',
          '',
          'Put the fax address in To or Cc and send the email again.',
        ].join('\n');
      }
      const lines = [
        'None of the recipients is a fax number this gateway can dial.',
        '',
        `Write the fax number in international form as the address, for example +4930123456@${reason.faxDomain}`,
      ];
      if (reason.rejectedRecipients.length > 0) {
        lines.push('', 'What was wrong:', ...recipientLines(reason.rejectedRecipients));
      }
      return lines.join('\n');
    }
    case 'too-many-numbers':
      return [
        reason.faxAddresses === undefined
          ? `The email is addressed to ${groupedDigits(reason.count)} fax numbers; at most ${groupedDigits(reason.limit)} are allowed in one email.`
          : `The email is addressed to more than ${groupedDigits(reason.limit)} fax numbers (${groupedDigits(reason.faxAddresses)} addresses at ${reason.faxDomain}); at most ${groupedDigits(reason.limit)} are allowed in one email.`,
        '',
        'Split the recipients over several emails.',
      ].join('\n');
    case 'document':
      return documentAdvice(reason.problem, documentDetail(reason.detail, reason.files));
    case 'cost-guard':
      return [`The ${reason.guard} would be exceeded.`, '', reason.detail].join('\n');
    case 'send-refused':
      // Behind a label, like every text a reply quotes: faxrocks' words never stand as a line of their own.
      return ['faxrocks refused the fax.', '', `  faxrocks said: ${shownText(reason.detail)}`].join('\n');
    case 'unreadable':
      return [
        `The email could not be read: ${shownText(reason.detail)}.`,
        '',
        'No mail program writes email like this. Send the document again in a new email, attached as',
        'a PDF file.',
      ].join('\n');
    case 'options':
      return optionsAdvice(reason.problems, reason.defaultTimeZone);
  }
}

/** What was wrong with each option, then every option there is. */
function optionsAdvice(problems: OptionProblem[], defaultTimeZone: string): string {
  const width = Math.max(...MAIL_OPTIONS_HELP.map((o) => o.form.length)) + 3;
  const { shown, rest } = firstOf(problems);
  return [
    `The subject ends with ${problems.length === 1 ? 'an option' : 'options'} faxgate cannot follow:`,
    ...shown.map((p) => `  ${shownText(p.written, 80)}: ${shownText(p.problem, 500)}`),
    ...(rest ? [`  ${rest}`] : []),
    '',
    'Options go at the end of the subject, each starting with a slash:',
    '',
    ...MAIL_OPTIONS_HELP.map(
      (o) =>
        `  ${o.form.padEnd(width)}${o.meaning}${o.form === '/at 2026-12-24 09:00' ? ` (${defaultTimeZone})` : ''}`,
    ),
    '',
    'Correct the subject and send the email again. A word such as /final is read as an option only',
    'at the very end of the subject; followed by another word it stays part of the subject.',
  ].join('\n');
}

/** The document check's words, with the file names it quotes shortened and everything escaped. */
function documentDetail(detail: string, files: string[]): string {
  let shown = detail;
  for (const file of [...files].sort((a, b) => b.length - a.length)) {
    if (file) shown = shown.split(file).join(shownFileName(file));
  }
  return shownText(shown, 1000);
}

function documentAdvice(problem: string, detail: string): string {
  const advice: Record<string, string> = {
    'no-pdf':
      'Attach the document to fax as a PDF file ("Print to PDF" works), or scans and photos as PDF, JPEG, PNG or TIFF, then send the email again.',
    'not-a-pdf':
      'The file is named or labelled as a PDF but is something else. Export or print the document as a real PDF, then send again.',
    damaged: 'Save or export the document as a PDF again, then send the email again.',
    encrypted:
      'Remove the password protection (open it and save a copy without a password), then send again.',
    'no-pages': 'The PDF has no pages to fax. Attach the right file and send again.',
    'too-many-pages': 'Split the document into several emails, or fax fewer pages.',
    'too-complex':
      'Print the document to a new PDF ("Print to PDF", or scan the paper again) and send that instead.',
    'image-too-large':
      'Send the picture at a smaller size (most phones and scanners can: 200 dpi is enough for a fax), or as a PDF.',
    'unsupported-picture':
      'Save or export the picture as PDF, JPEG or PNG, or scan the paper again (black-and-white, grey or colour), then send the email again.',
    'too-large':
      'Reduce the file size (scan at 200 dpi in black and white, or compress the PDF) and send again.',
  };
  return [detail, '', advice[problem] ?? 'Fix the attachment and send again.'].join('\n');
}
