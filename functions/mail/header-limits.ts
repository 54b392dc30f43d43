// Bounds on a mail's header block, checked before anything parses the mail (issue 11 item 8).
// Reading headers costs time per line and per byte in every step before the trust decision (the
// MIME parser, header repair, the SES block walk); a sender can write 100,000 header lines into
// 780 KB. Real mail has fewer than 200 header lines and less than 100 KB of headers (long
// recipient lists, DKIM and ARC sets, Exchange's X-MS-* lines), so a header block of more than
// 2,000 lines or more than 256 KiB is not mail: it is dropped as unreadable, and this check reads
// at most that much of it, whatever the mail's size.

export const MAX_HEADER_LINES = 2_000;
export const MAX_HEADER_BYTES = 256 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Why the mail's top-level header block (lines up to the first empty one; folded continuation
 * lines count as lines) is over the limits, or undefined when it is within them.
 */
export function headerBlockOverLimits(raw: Uint8Array): string | undefined {
  // Never look further than the limit: a 40 MB mail with no blank line costs as little as a small one.
  const view = raw.subarray(0, Math.min(raw.length, MAX_HEADER_BYTES + 2));
  let at = 0;
  for (let lines = 0; at < view.length; lines++) {
    // An empty line (CRs at most, as the parser reads it) ends the header block.
    let content = at;
    while (content < view.length && view[content] === CR) content++;
    if (content >= view.length || view[content] === LF) return undefined;
    if (lines >= MAX_HEADER_LINES) return `its header block has more than ${MAX_HEADER_LINES} lines`;
    const lf = view.indexOf(LF, content);
    if (lf < 0) break;
    at = lf + 1;
  }
  // No empty line in what was read: the header block is the whole mail, or runs past the limit.
  return view.length < raw.length
    ? `its header block is larger than ${MAX_HEADER_BYTES / 1024} KiB`
    : undefined;
}
