// A CMS SignedData with embedded content, as an opaque-signed S/MIME mail carries it (smime.p7m):
// DER with definite lengths, or BER the way Outlook writes it (indefinite lengths, the content as a
// constructed OCTET STRING in chunks). The signer info is a stand-in; nothing verifies it here.

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : n < 0x10000
          ? Buffer.from([0x82, n >> 8, n & 0xff])
          : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function ber(tag: number, parts: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([tag, 0x80]), ...parts, Buffer.from([0, 0])]);
}

const OID_SIGNED_DATA = Buffer.from('06092a864886f70d010702', 'hex');
const OID_DATA = Buffer.from('06092a864886f70d010701', 'hex');
const SHA256 = Buffer.from('300d06096086480165030402010500', 'hex');

export function signedDataOf(content: Uint8Array, form: 'der' | 'outlook-ber'): Buffer {
  const body = Buffer.from(content);
  const version = Buffer.from('020101', 'hex');
  const digestAlgorithms = der(0x31, SHA256);
  const signerInfos = der(0x31, der(0x30, Buffer.concat([version, der(0x04, Buffer.alloc(20, 7)), SHA256])));
  if (form === 'der') {
    const encap = der(0x30, Buffer.concat([OID_DATA, der(0xa0, der(0x04, body))]));
    const signedData = der(0x30, Buffer.concat([version, digestAlgorithms, encap, signerInfos]));
    return der(0x30, Buffer.concat([OID_SIGNED_DATA, der(0xa0, signedData)]));
  }
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += 1000) chunks.push(der(0x04, body.subarray(i, i + 1000)));
  const encap = ber(0x30, [OID_DATA, ber(0xa0, [ber(0x24, chunks)])]);
  const signedData = ber(0x30, [version, digestAlgorithms, encap, signerInfos]);
  return ber(0x30, [OID_SIGNED_DATA, ber(0xa0, [signedData])]);
}
