// Opaque-signed S/MIME (application/pkcs7-mime; smime-type=signed-data, usually smime.p7m): the
// signed MIME entity, attachments and all, sits inside a CMS SignedData structure instead of beside
// a detached signature. Outlook sends it when "clear text signed" is off, and some health and
// government mail systems always do. Only the content is read; the signature is not verified
// (SES's DKIM/SPF/DMARC verdicts decide who sent the mail).
//
// CMS is BER (RFC 5652): Outlook writes indefinite lengths and the content as a constructed OCTET
// STRING in chunks, so both forms are read.

const OID_SIGNED_DATA = Buffer.from('2a864886f70d010702', 'hex'); // 1.2.840.113549.1.7.2
const TAG_SEQUENCE = 0x30;
const TAG_OID = 0x06;
const TAG_OCTET_STRING = 0x04;
const TAG_OCTET_STRING_CONSTRUCTED = 0x24;
const TAG_CONTEXT_0 = 0xa0;
// Nesting and chunk counts far beyond what CMS writers produce: a bound for crafted input.
const MAX_DEPTH = 16;
const MAX_CHUNKS = 100_000;

interface Tlv {
  tag: number;
  /** Content start and end (exclusive), and the end of the whole element. */
  start: number;
  end: number;
  next: number;
}

class BerError extends Error {}

function readTlv(data: Buffer, at: number, limit: number, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new BerError('nested too deeply');
  if (at + 2 > limit) throw new BerError('truncated');
  const tag = data[at] as number;
  if ((tag & 0x1f) === 0x1f) throw new BerError('multi-byte tags are not used by CMS');
  const first = data[at + 1] as number;
  let offset = at + 2;
  if (first === 0x80) {
    // Indefinite length (constructed only): children until the 00 00 end-of-contents marker.
    if ((tag & 0x20) === 0) throw new BerError('indefinite primitive');
    let child = offset;
    for (let i = 0; i < MAX_CHUNKS; i++) {
      if (child + 2 > limit) throw new BerError('truncated');
      if (data[child] === 0 && data[child + 1] === 0)
        return { tag, start: offset, end: child, next: child + 2 };
      child = readTlv(data, child, limit, depth + 1).next;
    }
    throw new BerError('too many elements');
  }
  let length = first;
  if (first & 0x80) {
    const bytes = first & 0x7f;
    if (bytes > 4 || offset + bytes > limit) throw new BerError('bad length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (data[offset + i] as number);
    offset += bytes;
  }
  if (offset + length > limit) throw new BerError('truncated');
  return { tag, start: offset, end: offset + length, next: offset + length };
}

function children(data: Buffer, parent: Tlv, depth: number): Tlv[] {
  const list: Tlv[] = [];
  let at = parent.start;
  while (at < parent.end && list.length < MAX_CHUNKS) {
    const child = readTlv(data, at, parent.end, depth);
    list.push(child);
    at = child.next;
  }
  return list;
}

function octets(data: Buffer, tlv: Tlv, depth: number): Buffer {
  if (tlv.tag === TAG_OCTET_STRING) return data.subarray(tlv.start, tlv.end);
  if (tlv.tag !== TAG_OCTET_STRING_CONSTRUCTED || depth > MAX_DEPTH)
    throw new BerError('not an OCTET STRING');
  return Buffer.concat(children(data, tlv, depth).map((chunk) => octets(data, chunk, depth + 1)));
}

/**
 * The signed content of a CMS SignedData (for S/MIME: a MIME entity), or undefined when the bytes
 * are not SignedData with embedded content (an encrypted .p7m, a detached signature, damage).
 */
export function signedContentOf(bytes: Uint8Array): Buffer | undefined {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const root = readTlv(data, 0, data.length);
    if (root.tag !== TAG_SEQUENCE) return undefined;
    const [type, explicit] = children(data, root, 1);
    if (type?.tag !== TAG_OID || !data.subarray(type.start, type.end).equals(OID_SIGNED_DATA))
      return undefined;
    if (explicit?.tag !== TAG_CONTEXT_0) return undefined;
    const [signedData] = children(data, explicit, 2);
    if (signedData?.tag !== TAG_SEQUENCE) return undefined;
    // version, digestAlgorithms, encapContentInfo, ...
    const encap = children(data, signedData, 3)[2];
    if (encap?.tag !== TAG_SEQUENCE) return undefined;
    const [, content] = children(data, encap, 4);
    if (content?.tag !== TAG_CONTEXT_0) return undefined; // detached: no content here
    const [value] = children(data, content, 5);
    return value ? Buffer.from(octets(data, value, 6)) : undefined;
  } catch (error) {
    if (error instanceof BerError) return undefined;
    throw error;
  }
}
