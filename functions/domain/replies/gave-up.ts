// The reply to a mail faxgate gave up on (faxrocks throttled it or could not be reached for longer
// than GIVE_UP_AFTER_MINUTES): nothing was faxed, why, and that sending it again is safe. It is only
// ever sent when no number of the mail was handed to faxrocks, so "nothing was faxed" is true.

import { shownText } from './shown-text.ts';
import { type ReplyText, replySubject, withSignature } from './style.ts';

export interface GaveUp {
  originalSubject: string | undefined;
  /** The mail's job reference (jobReference of its SES message id). */
  reference: string;
  /** What kept it from going out, in plain words: `faxrocks answered 429 ... for 2 hours`. */
  cause: string;
}

export function gaveUpReply(gaveUp: GaveUp): ReplyText {
  return {
    subject: replySubject('not sent', gaveUp.originalSubject),
    text: withSignature([
      'Nothing was faxed for your email.',
      '',
      'faxgate kept trying to hand it to faxrocks, the fax service, but could not.',
      '',
      // Behind a label, like every text a reply quotes: a cause never stands as a line of its own.
      `  Why: ${shownText(gaveUp.cause, 500)}`,
      '',
      'It is safe to send the email again: none of it was sent, so nothing will be faxed twice.',
      'If this keeps happening, tell your administrator.',
      '',
      `Reference: ${gaveUp.reference} (quote it when you ask about this fax)`,
    ]),
  };
}
