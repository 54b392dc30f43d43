// Outlook's TNEF container (winmail.dat, application/ms-tnef). When Outlook or Exchange sends a mail
// in "Rich Text" format, every attachment travels inside this one part instead of as MIME parts, so
// a PDF attached in Outlook arrives as winmail.dat. This reads the attachments back out; nothing
// else of TNEF (the RTF body, meeting data) matters for faxing.
//
// Layout (MS-OXTNEF): a signature, a key, then attributes: level (1 message, 2 attachment), id
// (low 16 bits) and type (high 16 bits), length, data, checksum. An attachment starts with
// attAttachRendData; its bytes are in attAttachData, its name in attAttachTitle and, in full, in
// the MAPI property PR_ATTACH_LONG_FILENAME inside attAttachment.

export const TNEF_SIGNATURE = 0x223e9f78;

export interface TnefAttachment {
  filename?: string;
  content: Buffer;
}

const LEVEL_ATTACHMENT = 2;
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_REND_DATA = 0x9002;
const ATT_ATTACHMENT = 0x9005;
const ATT_OEM_CODEPAGE = 0x9007;

const PR_DISPLAY_NAME = 0x3001;
const PR_ATTACH_DATA_BIN = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_LONG_FILENAME = 0x3707;

// Attachments in one winmail.dat; far more than Outlook allows, and a bound on a crafted file.
const MAX_ATTACHMENTS = 500;

/** True when the bytes start with the TNEF signature. */
export function isTnef(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 6 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) === TNEF_SIGNATURE
  );
}

/**
 * The file attachments inside a TNEF container, in order. A truncated or damaged container yields
 * the attachments read before the damage; bytes that are not TNEF yield none.
 */
export function tnefAttachments(bytes: Uint8Array): TnefAttachment[] {
  if (!isTnef(bytes)) return [];
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: { title?: string; longName?: string; content?: Buffer }[] = [];
  let codepage = 1252;
  let offset = 6;
  while (offset + 9 <= data.length && found.length <= MAX_ATTACHMENTS) {
    const level = data.readUInt8(offset);
    const id = data.readUInt16LE(offset + 1);
    const length = data.readUInt32LE(offset + 5);
    const start = offset + 9;
    const end = start + length;
    if (end + 2 > data.length) break; // truncated: keep what was read
    const value = data.subarray(start, end);
    offset = end + 2; // the checksum is not checked: a wrong one is no reason to lose a document
    if (id === ATT_OEM_CODEPAGE && length >= 4) codepage = value.readUInt32LE(0);
    if (level !== LEVEL_ATTACHMENT) continue;
    if (id === ATT_ATTACH_REND_DATA) {
      found.push({});
      continue;
    }
    const current = found.at(-1);
    if (!current) continue;
    if (id === ATT_ATTACH_DATA) current.content = Buffer.from(value);
    else if (id === ATT_ATTACH_TITLE) current.title = eightBitString(value, codepage);
    else if (id === ATT_ATTACHMENT) {
      const props = mapiStrings(value, codepage);
      current.longName =
        props.get(PR_ATTACH_LONG_FILENAME) ?? props.get(PR_ATTACH_FILENAME) ?? props.get(PR_DISPLAY_NAME);
      const binary = props.binary;
      if (!current.content && binary) current.content = binary;
    }
  }
  return found
    .filter((a): a is typeof a & { content: Buffer } => a.content !== undefined)
    .map((a) => {
      const filename = (a.longName || a.title)?.trim();
      return filename ? { filename, content: a.content } : { content: a.content };
    });
}

/** A null-terminated string in the message's code page (1252 and ASCII are what Outlook writes). */
function eightBitString(value: Buffer, codepage: number): string {
  const zero = value.indexOf(0);
  const bytes = zero < 0 ? value : value.subarray(0, zero);
  return codepage === 65001 ? bytes.toString('utf8') : bytes.toString('latin1');
}

const FIXED_SIZES: Record<number, number> = {
  2: 4, // PT_SHORT, padded
  3: 4, // PT_LONG
  4: 4, // PT_FLOAT
  5: 8, // PT_DOUBLE
  6: 8, // PT_CURRENCY
  7: 8, // PT_APPTIME
  10: 4, // PT_ERROR
  11: 4, // PT_BOOLEAN, padded
  20: 8, // PT_I8
  64: 8, // PT_SYSTIME
  72: 16, // PT_CLSID
};
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MV_FLAG = 0x1000;

/**
 * The string properties of a MAPI property block (and the attachment's binary data), read until the
 * block ends or a type this reader does not know appears.
 */
function mapiStrings(block: Buffer, codepage: number): Map<number, string> & { binary?: Buffer } {
  const strings: Map<number, string> & { binary?: Buffer } = new Map();
  let offset = 0;
  const need = (n: number) => offset + n <= block.length;
  if (!need(4)) return strings;
  const count = block.readUInt32LE(offset);
  offset += 4;
  for (let i = 0; i < count && need(4); i++) {
    const type = block.readUInt16LE(offset);
    const id = block.readUInt16LE(offset + 2);
    offset += 4;
    if (id >= 0x8000) {
      // A named property: its GUID, then a number or a name.
      if (!need(20)) return strings;
      const kind = block.readUInt32LE(offset + 16);
      offset += 20;
      if (kind === 0) offset += 4;
      else {
        if (!need(4)) return strings;
        const nameLength = block.readUInt32LE(offset);
        offset += 4 + padded(nameLength);
      }
    }
    const base = type & ~MV_FLAG;
    const variable = base === PT_STRING8 || base === PT_UNICODE || base === PT_BINARY || base === PT_OBJECT;
    let values = 1;
    if (type & MV_FLAG || variable) {
      if (!need(4)) return strings;
      values = block.readUInt32LE(offset);
      offset += 4;
    }
    for (let v = 0; v < values; v++) {
      if (variable) {
        if (!need(4)) return strings;
        const length = block.readUInt32LE(offset);
        offset += 4;
        if (!need(length)) return strings;
        const value = block.subarray(offset, offset + length);
        offset += padded(length);
        if (v > 0) continue;
        if (base === PT_UNICODE) strings.set(id, value.toString('utf16le').replace(/\0+$/, ''));
        else if (base === PT_STRING8) strings.set(id, eightBitString(value, codepage));
        else if (base === PT_BINARY && id === PR_ATTACH_DATA_BIN) strings.binary = Buffer.from(value);
      } else {
        const size = FIXED_SIZES[base];
        if (size === undefined) return strings; // unknown type: its length is unknown, stop here
        // Read from the block like any other value: a count of four billion ends with the block.
        if (!need(size)) return strings;
        offset += size;
      }
    }
  }
  return strings;
}

function padded(length: number): number {
  return Math.ceil(length / 4) * 4;
}
