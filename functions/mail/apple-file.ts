// Mac attachments in AppleSingle / AppleDouble form (RFC 1740, application/applefile). Older Mac
// mail programs (Mail with "Windows-friendly attachments" off, Entourage, Outlook 2011 for Mac)
// send a file as multipart/appledouble: an application/applefile part with the Finder data and
// resource fork, then the file itself as an ordinary part. The applefile half carries the file's
// name but never its content, so it is not an attachment of its own. AppleSingle puts both forks
// into one application/applefile part; its data fork is the file.

const APPLE_SINGLE = 0x00051600;
const APPLE_DOUBLE = 0x00051607;
const ENTRY_DATA_FORK = 1;
const ENTRY_REAL_NAME = 3;
const HEADER_BYTES = 26;
const ENTRY_BYTES = 12;

export type AppleFile =
  /** AppleDouble's header half: metadata only. */
  | { kind: 'metadata' }
  /** AppleSingle: the data fork, and the file's real name when it is given. */
  | { kind: 'file'; content: Buffer; filename?: string }
  /** Not a readable AppleSingle/AppleDouble header. */
  | { kind: 'unknown' };

export function readAppleFile(bytes: Uint8Array): AppleFile {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < HEADER_BYTES) return { kind: 'unknown' };
  const magic = data.readUInt32BE(0);
  if (magic !== APPLE_SINGLE && magic !== APPLE_DOUBLE) return { kind: 'unknown' };
  const count = data.readUInt16BE(24);
  // Views while reading, copied and decoded once after: a header may hold 65,535 entries that all
  // point at the same fork.
  let fork: Buffer | undefined;
  let realName: Buffer | undefined;
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    if (at + ENTRY_BYTES > data.length) break;
    const id = data.readUInt32BE(at);
    const offset = data.readUInt32BE(at + 4);
    const length = data.readUInt32BE(at + 8);
    if (offset + length > data.length) continue;
    const entry = data.subarray(offset, offset + length);
    if (id === ENTRY_DATA_FORK) fork = entry;
    if (id === ENTRY_REAL_NAME) realName = entry;
  }
  if (magic === APPLE_DOUBLE || !fork) return { kind: 'metadata' };
  const content = Buffer.from(fork);
  // The real name is Mac Roman; its ASCII part reads the same in latin1.
  const filename = realName?.toString('latin1').trim();
  return filename ? { kind: 'file', content, filename } : { kind: 'file', content };
}
