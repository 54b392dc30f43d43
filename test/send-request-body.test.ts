// The POST /send body the faxrocks client writes without JSON.stringify: it must be the same JSON.

import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sendRequestBody } from '../functions/adapters/faxrocks/client.ts';

function asJson(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'));
}

describe('sendRequestBody', () => {
  it('reads back as the JSON the API page documents, for one number and for several', () => {
    const document = Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0xff, 0x00]);
    expect(asJson(sendRequestBody({ numbers: ['+4930123456'], document }))).toEqual({
      number: '+4930123456',
      data: Buffer.from(document).toString('base64'),
    });
    expect(
      asJson(
        sendRequestBody({
          numbers: ['+4930123456', '+4930654321'],
          document,
          scheduledAt: '2026-12-01 09:00:00',
          timezone: 'Europe/Berlin',
        }),
      ),
    ).toEqual({
      numbers: ['+4930123456', '+4930654321'],
      data: Buffer.from(document).toString('base64'),
      scheduled_at: '2026-12-01 09:00:00',
      timezone: 'Europe/Berlin',
    });
  });

  it('carries any document byte for byte, also a view into a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(16), (bytes, offset) => {
        const backing = new Uint8Array(offset + bytes.length + 7);
        backing.set(bytes, offset);
        const document = backing.subarray(offset, offset + bytes.length);
        const body = asJson(sendRequestBody({ numbers: ['+4930123456'], document })) as { data: string };
        expect(Buffer.from(body.data, 'base64').equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('carries a large document whole, whatever its length modulo 3, written in pieces or not', () => {
    // Around the sizes whose base64 is written a piece at a time (string-pieces.ts): 64 KiB to 1 MB.
    const lengths = [49_152, 49_153, 200_000, 200_001, 200_002, 749_999, 750_000, 750_001, 1_100_000];
    for (const length of lengths) {
      // A view into a larger buffer, as a part decoded from a mail is.
      const document = randomBytes(length + 5).subarray(3, length + 3);
      const body = sendRequestBody({ numbers: ['+4930123456'], document });
      const { data } = asJson(body) as { data: string };
      expect(data).toBe(document.toString('base64'));
    }
  });
});
