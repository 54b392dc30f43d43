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

/** Lines of one MIME part's header block: real parts have a handful, Outlook's up to a few dozen. */
export const MAX_PART_HEADER_LINES = 500;
/** Boundaries looked at: real mail nests a few multiparts; a mail declaring more is read as is. */
const MAX_BOUNDARIES = 64;

const BOUNDARY_PARAMETER = /boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi;

/** The boundaries declared anywhere in the mail (found natively, by indexOf, not line by line). */
function declaredBoundaries(raw: Buffer): string[] {
  const found = new Set<string>();
  const needle = Buffer.from('oundary', 'latin1');
  for (
    let at = raw.indexOf(needle);
    at >= 0 && found.size < MAX_BOUNDARIES;
    at = raw.indexOf(needle, at + 1)
  ) {
    const around = raw.toString('latin1', Math.max(0, at - 1), Math.min(raw.length, at + 240));
    BOUNDARY_PARAMETER.lastIndex = 0;
    const match = BOUNDARY_PARAMETER.exec(around);
    const boundary = match && match.index === 0 ? (match[1] ?? match[2]) : undefined;
    if (boundary) found.add(boundary);
  }
  return [...found];
}

/**
 * Why a MIME part's header block (the lines after a delimiter line of a declared boundary, up to
 * the first empty one) is over the limit, or undefined. The MIME parser costs time per header
 * line wherever it stands (100,000 lines in one part took seconds), so a part header longer than
 * any real one makes the mail unreadable. Each byte is looked at once per boundary, natively.
 */
export function partHeadersOverLimits(raw: Buffer): string | undefined {
  for (const boundary of declaredBoundaries(raw)) {
    const delimiter = Buffer.from(`\n--${boundary}`, 'latin1');
    let scannedTo = 0;
    for (let at = raw.indexOf(delimiter); at >= 0; at = raw.indexOf(delimiter, Math.max(at + 1, scannedTo))) {
      const after = at + delimiter.length;
      // The closing delimiter (`--boundary--`): what follows is the epilogue, not a header block.
      if (raw[after] === 0x2d && raw[after + 1] === 0x2d) {
        scannedTo = after;
        continue;
      }
      let line = raw.indexOf(LF, at + 1);
      for (let lines = 0; line >= 0; lines++) {
        let content = line + 1;
        while (content < raw.length && raw[content] === CR) content++;
        if (content >= raw.length || raw[content] === LF) break;
        if (lines >= MAX_PART_HEADER_LINES) {
          return `a part's header block has more than ${MAX_PART_HEADER_LINES} lines`;
        }
        line = raw.indexOf(LF, content);
      }
      scannedTo = line < 0 ? raw.length : line;
    }
  }
  return undefined;
}
