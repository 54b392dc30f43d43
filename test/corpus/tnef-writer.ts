// Writes winmail.dat (TNEF) the way Outlook does for "Rich Text" mail (MS-OXTNEF): message
// attributes (version, code page, class, a MAPI property block), then per attachment its render
// data, 8.3 title, dates, bytes and a MAPI property block carrying the long file name. For the
// corpus and the TNEF reader's tests; written from the specification, not copied from a library.

export interface TnefFile {
  /** The full name, stored as PR_ATTACH_LONG_FILENAME (UTF-16). */
  longName: string;
  /** The 8.3 name Outlook puts in attAttachTitle. */
  shortName: string;
  content: Uint8Array;
}

const LEVEL_MESSAGE = 1;
const LEVEL_ATTACHMENT = 2;

function attribute(level: number, typeAndId: number, data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt8(level, 0);
  head.writeUInt32LE(typeAndId >>> 0, 1);
  head.writeUInt32LE(data.length, 5);
  let sum = 0;
  for (const byte of data) sum = (sum + byte) & 0xffff;
  const checksum = Buffer.alloc(2);
  checksum.writeUInt16LE(sum, 0);
  return Buffer.concat([head, data, checksum]);
}

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

function pad4(data: Buffer): Buffer {
  const rest = data.length % 4;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(4 - rest)]);
}

type Prop =
  | { type: 0x0003; id: number; value: number }
  | { type: 0x001f | 0x001e; id: number; value: string }
  | { type: 0x0102; id: number; value: Buffer }
  | { type: 0x0040; id: number; value: Date }
  | { type: 0x001f; id: number; value: string; named: { guid: Buffer; name: string } };

function props(list: Prop[]): Buffer {
  const chunks: Buffer[] = [uint32(list.length)];
  for (const prop of list) {
    const tag = Buffer.alloc(4);
    tag.writeUInt16LE(prop.type, 0);
    tag.writeUInt16LE(prop.id, 2);
    chunks.push(tag);
    if ('named' in prop) {
      const name = Buffer.from(`${prop.named.name}\0`, 'utf16le');
      chunks.push(prop.named.guid, uint32(1), uint32(name.length), pad4(name));
    }
    switch (prop.type) {
      case 0x0003:
        chunks.push(uint32(prop.value));
        break;
      case 0x0040: {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(BigInt(prop.value.getTime()) * 10_000n + 116_444_736_000_000_000n, 0);
        chunks.push(b);
        break;
      }
      default: {
        const value =
          prop.type === 0x001f
            ? Buffer.from(`${prop.value}\0`, 'utf16le')
            : prop.type === 0x001e
              ? Buffer.from(`${prop.value}\0`, 'latin1')
              : (prop.value as Buffer);
        chunks.push(uint32(1), uint32(value.length), pad4(value));
      }
    }
  }
  return Buffer.concat(chunks);
}

function dtr(at: Date): Buffer {
  const fields = [
    at.getUTCFullYear(),
    at.getUTCMonth() + 1,
    at.getUTCDate(),
    at.getUTCHours(),
    at.getUTCMinutes(),
    at.getUTCSeconds(),
    at.getUTCDay(),
  ];
  const b = Buffer.alloc(14);
  for (const [i, v] of fields.entries()) b.writeUInt16LE(v, i * 2);
  return b;
}

/** A winmail.dat holding the given files, as Outlook writes it. */
export function tnefOf(files: TnefFile[], at: Date): Buffer {
  const chunks: Buffer[] = [uint32(0x223e9f78), Buffer.from([0x01, 0x00])];
  chunks.push(attribute(LEVEL_MESSAGE, 0x00089006, uint32(0x00010000))); // attTnefVersion
  chunks.push(attribute(LEVEL_MESSAGE, 0x00069007, Buffer.concat([uint32(1252), uint32(0)]))); // attOemCodepage
  chunks.push(attribute(LEVEL_MESSAGE, 0x00078008, Buffer.from('IPM.Microsoft Mail.Note\0', 'latin1')));
  chunks.push(attribute(LEVEL_MESSAGE, 0x00038005, dtr(at))); // attDateSent
  chunks.push(
    attribute(
      LEVEL_MESSAGE,
      0x00069003, // attMsgProps: a few of Outlook's, a named property among them
      props([
        { type: 0x0003, id: 0x0e07, value: 1 }, // PR_MESSAGE_FLAGS
        { type: 0x0040, id: 0x0039, value: at }, // PR_CLIENT_SUBMIT_TIME
        {
          type: 0x001f,
          id: 0x8001,
          value: 'de-DE',
          named: { guid: Buffer.from('0820060000000000c000000000000046', 'hex'), name: 'x-ms-lang' },
        },
        { type: 0x0102, id: 0x1009, value: Buffer.from('LZFu-compressed-rtf-stand-in', 'latin1') }, // PR_RTF_COMPRESSED
      ]),
    ),
  );
  for (const file of files) {
    const rend = Buffer.alloc(14);
    rend.writeUInt16LE(1, 0); // atypFile
    rend.writeUInt32LE(0xffffffff, 2);
    chunks.push(attribute(LEVEL_ATTACHMENT, 0x00069002, rend)); // attAttachRendData
    chunks.push(attribute(LEVEL_ATTACHMENT, 0x00018010, Buffer.from(`${file.shortName}\0`, 'latin1'))); // attAttachTitle
    chunks.push(attribute(LEVEL_ATTACHMENT, 0x00038012, dtr(at))); // attAttachCreateDate
    chunks.push(attribute(LEVEL_ATTACHMENT, 0x00038013, dtr(at))); // attAttachModifyDate
    chunks.push(attribute(LEVEL_ATTACHMENT, 0x0006800f, Buffer.from(file.content))); // attAttachData
    const extension = /\.[^.]*$/.exec(file.longName)?.[0] ?? '';
    chunks.push(
      attribute(
        LEVEL_ATTACHMENT,
        0x00069005, // attAttachment
        props([
          { type: 0x0003, id: 0x0e20, value: file.content.byteLength }, // PR_ATTACH_SIZE
          { type: 0x001f, id: 0x3001, value: file.longName }, // PR_DISPLAY_NAME
          { type: 0x0003, id: 0x3705, value: 1 }, // PR_ATTACH_METHOD: by value
          { type: 0x001f, id: 0x3703, value: extension }, // PR_ATTACH_EXTENSION
          { type: 0x001f, id: 0x3704, value: file.shortName }, // PR_ATTACH_FILENAME
          { type: 0x001f, id: 0x3707, value: file.longName }, // PR_ATTACH_LONG_FILENAME
          { type: 0x0040, id: 0x3007, value: at }, // PR_CREATION_TIME
        ]),
      ),
    );
  }
  return Buffer.concat(chunks);
}
