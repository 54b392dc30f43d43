// Writes test/corpus/mail/*.eml: a corpus of mail as other mail programs write it (Outlook, Apple
// Mail, Gmail, Thunderbird, scanners, scripts...), each stored the way SES stores it in S3: SES's
// prepended header block, then the sending side's trace lines, then the message byte for byte.
// The shapes follow what those programs really emit (boundaries, folding, parameter encodings,
// X-Mailer/User-Agent), written from scratch, not copied from any other project's files.
//
// Run with `npx tsx test/corpus/make-corpus.ts`. The output is deterministic and committed; the
// SHA-256 of every PDF it writes is printed, for test/corpus/expectations.ts.

import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { quotedPrintable, textPdf } from '../fixtures/encoded-parts.ts';
import { classicPdf, samplePdf } from '../fixtures/mail-builder.ts';
import { appleFileOf } from './apple-file-writer.ts';
import { signedDataOf } from './cms-writer.ts';
import { tnefOf } from './tnef-writer.ts';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'mail');
const FAX = 'fax.localhost';

// ---- Documents ----

/** A small PDF; every page `width` points wide, so a merged fax shows the order of its files. */
function pdf(pages: number, label: string, width: number): Promise<Uint8Array> {
  return samplePdf(pages, label, width);
}

/** One page, trailer names a Standard security handler: an encrypted PDF as Acrobat writes it. */
function encryptedPdf(): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    '<< /Length 16 >>\nstream\n\x9a\x1b\x92\x04\xee\x10\x5c\x3f\x81\x66\x0d\xd2\x47\xb9\x23\x70\nendstream',
    `<< /Filter /Standard /V 2 /R 3 /Length 128 /O <${'6e'.repeat(32)}> /U <${'3a'.repeat(32)}> /P -3904 >>`,
  ];
  return classicPdf('1.6', objects, `/Encrypt 5 0 R /ID [<${'c4'.repeat(16)}> <${'c4'.repeat(16)}>]`);
}

// A real (tiny) PNG: a 1x1 logo, and the "PDF" that is a PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
// The start of a JPEG (SOI, APP0 JFIF) padded: enough for any program to call it a photo.
const JPEG = Buffer.concat([
  Buffer.from('ffd8ffe000104a46494600010101004800480000', 'hex'),
  Buffer.alloc(200, 0x11),
  Buffer.from('ffd9', 'hex'),
]);
// A .docx is a ZIP: local file header magic and a little content.
const DOCX = Buffer.concat([
  Buffer.from('504b0304140006000800', 'hex'),
  Buffer.from('[Content_Types].xml'),
  Buffer.alloc(120, 0x20),
]);
// An S/MIME signature blob: DER of a PKCS#7 SignedData starts like this; the rest is filler.
const P7S = Buffer.concat([
  Buffer.from('308006092a864886f70d010702a0803080020101310f300d06096086480165030402010500', 'hex'),
  Buffer.alloc(300, 0x5a),
]);

function b64(bytes: Uint8Array | string, width = 76): string[] {
  const s = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < s.length; i += width) lines.push(s.slice(i, i + width));
  return lines;
}

function qp(text: string): string[] {
  return qpWrap(qpEncode(Buffer.from(text, 'utf8')), 76).split(/\r?\n/);
}

function encodedWord(text: string, charset = 'utf-8'): string {
  return `=?${charset}?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

// ---- SES's block ----

type SpfResult = 'pass' | 'softfail' | 'fail' | 'neutral' | 'none';

interface SesBlock {
  region: string;
  /** The SES message id: also the S3 key's last part. */
  id: string;
  envelopeFrom: string;
  rcpt: string;
  helo: string;
  ip: string;
  date: string;
  spam?: string;
  virus?: string;
  spf: SpfResult;
  /** Each DKIM clause after `dkim=`, e.g. `pass header.i=@example.com`. */
  dkim: string[];
  /** The DMARC clause after `dmarc=`, e.g. `pass header.from=example.com`. */
  dmarc: string;
}

function spfClause(o: SesBlock): string {
  const domain = o.envelopeFrom.split('@').at(-1) || o.helo;
  const comment: Record<SpfResult, string> = {
    pass: `domain of ${domain} designates ${o.ip} as permitted sender`,
    softfail: `transitioning domain of ${domain} does not designate ${o.ip} as permitted sender`,
    fail: `domain of ${domain} does not designate ${o.ip} as permitted sender`,
    neutral: `${o.ip} is neither permitted nor denied by domain of ${domain}`,
    none: `${o.ip} is neither permitted nor denied by domain of ${domain}`,
  };
  return `${o.spf} (spfCheck: ${comment[o.spf]}) client-ip=${o.ip}; envelope-from=${o.envelopeFrom}; helo=${o.helo};`;
}

function sesLines(o: SesBlock): string[] {
  const receipt = createHash('sha512').update(`receipt ${o.id}`).digest('base64');
  const sig = createHash('sha256').update(`sig ${o.id}`).digest('base64');
  return [
    `Return-Path: <${o.envelopeFrom}>`,
    `Received: from ${o.helo} (${o.helo} [${o.ip}])`,
    ` by inbound-smtp.${o.region}.amazonaws.com with SMTP id ${o.id}`,
    ` for ${o.rcpt};`,
    ` ${o.date} (UTC)`,
    `X-SES-Spam-Verdict: ${o.spam ?? 'PASS'}`,
    `X-SES-Virus-Verdict: ${o.virus ?? 'PASS'}`,
    `Received-SPF: ${spfClause(o)}`,
    'Authentication-Results: amazonses.com;',
    ` spf=${spfClause(o)}`,
    // SES always writes a DKIM clause; an unsigned mail gets `dkim=none header.i=unknown`.
    ...(o.dkim.length > 0 ? o.dkim : ['none header.i=unknown']).map((d) => ` dkim=${d};`),
    ` dmarc=${o.dmarc};`,
    `X-SES-RECEIPT: ${`AEFBQUFBQUFBQUFH${receipt}`.slice(0, 76)}`,
    ` ${receipt.slice(16)}`,
    `X-SES-DKIM-SIGNATURE: a=rsa-sha256; q=dns/txt; b=${sig};`,
    ` c=relaxed/simple; s=224i4yxa5dv7c2xz3womw6peuasteono; d=amazonses.com; t=1795770942;`,
    ' v=1; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; h=From:To:Cc:Subject:Date:Message-ID;',
  ];
}

/** A 40-character SES message id, stable per mail name. */
function sesId(name: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...createHash('sha256').update(name).digest()]
    .concat([...createHash('sha256').update(`${name}#2`).digest()])
    .slice(0, 40)
    .map((b) => alphabet[b % 36])
    .join('');
}

const dkimSig = (d: string, s: string, h: string) => [
  `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${d}; s=${s};`,
  ` h=${h};`,
  ` bh=${createHash('sha256').update(`bh ${d}${h}`).digest('base64')};`,
  ` b=${createHash('sha512').update(`b ${d}${h}`).digest('base64').slice(0, 70)}`,
  `  ${createHash('sha512').update(`b2 ${d}${h}`).digest('base64').slice(0, 60)}`,
];

interface CorpusMail {
  name: string;
  ses: Omit<SesBlock, 'id'>;
  /** The message as the sending side hands it over, trace lines included. */
  message: string[];
  /** LF line ends instead of CRLF (mail saved by tools that write Unix files). */
  lf?: boolean;
  /** Raw bytes that are not UTF-8 (an 8-bit latin-1 header): lines are written as latin1. */
  latin1?: boolean;
}

const digests: Record<string, string> = {};
function note(name: string, bytes: Uint8Array): Uint8Array {
  digests[name] = createHash('sha256').update(bytes).digest('hex');
  return bytes;
}

const D = 'Fri, 27 Nov 2026';

async function corpus(): Promise<CorpusMail[]> {
  const list: CorpusMail[] = [];

  // 1. Outlook for Windows (Microsoft 365): HTML with a signature logo (multipart/related), a PDF.
  {
    const doc = note('outlook-windows-related-logo', await pdf(2, 'Angebot', 595));
    list.push({
      name: 'outlook-windows-related-logo',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'j.schmidt@kanzlei-weber.example',
        rcpt: `+493012345610@${FAX}`,
        helo: 'EUR05-AM6-obe.outbound.protection.outlook.com',
        ip: '40.107.22.91',
        date: `${D} 08:41:13 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@kanzlei-weber.example'],
        dmarc: 'pass header.from=kanzlei-weber.example',
      },
      message: [
        'Received: from AM9PR08MB6100.eurprd08.prod.outlook.example (2603:10a6:20b:3c4::12) by',
        ' AM9PR08MB6100.eurprd08.prod.outlook.example with HTTPS; Fri, 27 Nov 2026',
        ' 08:41:12 +0000',
        ...dkimSig(
          'kanzlei-weber.example',
          'selector1',
          'From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck',
        ),
        'From: "Schmidt, Julia" <j.schmidt@kanzlei-weber.example>',
        `To: "+493012345610@${FAX}" <+493012345610@${FAX}>`,
        'Subject: Angebot 2026-114',
        'Thread-Topic: Angebot 2026-114',
        'Thread-Index: AdtA1b2C3d4E5f6G7h8I9j0KLmNoPQ==',
        `Date: ${D} 08:41:11 +0000`,
        'Message-ID:',
        ' <AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0@AM9PR08MB6100.eurprd08.prod.outlook.example>',
        'Accept-Language: de-DE, en-US',
        'Content-Language: de-DE',
        'X-MS-Has-Attach: yes',
        'X-MS-TNEF-Correlator:',
        'x-ms-exchange-senderadcheck: 1',
        'Content-Type: multipart/mixed;',
        '\tboundary="_005_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_"',
        'MIME-Version: 1.0',
        '',
        '--_005_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_',
        'Content-Type: multipart/related;',
        '\tboundary="_004_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_";',
        '\ttype="multipart/alternative"',
        '',
        '--_004_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_',
        'Content-Type: multipart/alternative;',
        '\tboundary="_000_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_"',
        '',
        '--_000_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_',
        'Content-Type: text/plain; charset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Sehr geehrte Damen und Herren,',
        '',
        'anbei unser Angebot. Mit freundlichen Gr=FC=DFen',
        'Julia Schmidt',
        '',
        '[cid:image001.png@01DB40A1.2B3C4D50]',
        '',
        '--_000_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_',
        'Content-Type: text/html; charset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<html xmlns:v=3D"urn:schemas-microsoft-com:vml" xmlns:o=3D"urn:schemas-micr=',
        'osoft-com:office:office"><head><meta http-equiv=3D"Content-Type" content=3D=',
        '"text/html; charset=3Diso-8859-1"></head><body lang=3D"DE"><p>Sehr geehrte D=',
        'amen und Herren,</p><p>anbei unser Angebot. Mit freundlichen Gr=FC=DFen<br>J=',
        'ulia Schmidt</p><p><img width=3D"120" height=3D"40" id=3D"Grafik_x0020_1" s=',
        'rc=3D"cid:image001.png@01DB40A1.2B3C4D50"></p></body></html>',
        '',
        '--_000_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_--',
        '',
        '--_004_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_',
        'Content-Type: image/png; name="image001.png"',
        'Content-Description: image001.png',
        'Content-Disposition: inline; filename="image001.png"; size=70;',
        '\tcreation-date="Fri, 27 Nov 2026 08:41:11 GMT";',
        '\tmodification-date="Fri, 27 Nov 2026 08:41:11 GMT"',
        'Content-ID: <image001.png@01DB40A1.2B3C4D50>',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(PNG),
        '',
        '--_004_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_--',
        '',
        '--_005_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_',
        'Content-Type: application/pdf; name="Angebot 2026-114.pdf"',
        'Content-Description: Angebot 2026-114.pdf',
        `Content-Disposition: attachment; filename="Angebot 2026-114.pdf"; size=${doc.length};`,
        '\tcreation-date="Fri, 27 Nov 2026 08:40:58 GMT";',
        '\tmodification-date="Fri, 27 Nov 2026 08:41:11 GMT"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '--_005_AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0AM9PR08MB6100eurp_--',
        '',
      ],
    });
  }

  // 2. Outlook for Windows: a non-ASCII file name as RFC 2047 inside the quotes (Outlook's habit), Cc.
  {
    const doc = note('outlook-windows-rfc2047-filename', await pdf(1, 'Kündigung', 595));
    const fileName = encodedWord('Kündigung Mietvertrag – Müller.pdf');
    list.push({
      name: 'outlook-windows-rfc2047-filename',
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'k.mueller@kanzlei-weber.example',
        rcpt: `+493012345611@${FAX}`,
        helo: 'EUR03-DBA-obe.outbound.protection.outlook.com',
        ip: '40.107.104.52',
        date: `${D} 09:02:44 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@kanzlei-weber.example', 'pass header.i=@kanzleiweber.onmicrosoft.example'],
        dmarc: 'pass header.from=kanzlei-weber.example',
      },
      message: [
        ...dkimSig(
          'kanzlei-weber.example',
          'selector2',
          'From:Date:Subject:Message-ID:Content-Type:MIME-Version',
        ),
        // "Last, First" with an umlaut: the comma is inside the encoded word, not a list separator.
        `From: =?iso-8859-1?Q?M=FCller=2C_Klaus?= <k.mueller@kanzlei-weber.example>`,
        `To: "'+493012345611@${FAX}'" <+493012345611@${FAX}>`,
        'CC: "Schmidt, Julia" <j.schmidt@kanzlei-weber.example>',
        // Outlook splits UTF-8 subjects into encoded words by bytes, here inside the ü (C3 | BC).
        `Subject: =?utf-8?B?${Buffer.from([0x4b, 0xc3]).toString('base64')}?=`,
        ` =?utf-8?B?${Buffer.from('\u00fcndigung Mietvertrag', 'utf8').subarray(1).toString('base64')}?=`,
        `Date: ${D} 09:02:43 +0000`,
        'Message-ID: <DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2D@DB9PR03MB7200.eurprd03.prod.outlook.example>',
        'Accept-Language: de-DE',
        'Content-Language: de-DE',
        'X-MS-Has-Attach: yes',
        'Content-Type: multipart/mixed;',
        '\tboundary="_002_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_"',
        'MIME-Version: 1.0',
        '',
        '--_002_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_',
        'Content-Type: multipart/alternative;',
        '\tboundary="_000_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_"',
        '',
        '--_000_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_',
        'Content-Type: text/plain; charset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Bitte an den Vermieter faxen. Danke, K. M=FCller',
        '',
        '--_000_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_',
        'Content-Type: text/html; charset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<html><body><p>Bitte an den Vermieter faxen. Danke, K. M=FCller</p></body></h=',
        'tml>',
        '',
        '--_000_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_--',
        '',
        '--_002_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_',
        `Content-Type: application/pdf;`,
        `\tname="${fileName}"`,
        `Content-Description: ${fileName}`,
        `Content-Disposition: attachment;`,
        `\tfilename="${fileName}"; size=${doc.length};`,
        '\tcreation-date="Fri, 27 Nov 2026 09:01:30 GMT";',
        '\tmodification-date="Fri, 27 Nov 2026 09:02:43 GMT"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '--_002_DB9PR03MB7200A1B2C3D4E5F6071829A0B1C2DDB9PR03MB7200eurp_--',
        '',
      ],
    });
  }

  // 3. Outlook for Mac: QP text and HTML alternative, PDF with size and dates, Content-ID on it too.
  {
    const doc = note('outlook-mac', await pdf(1, 'Outlook Mac', 612));
    list.push({
      name: 'outlook-mac',
      ses: {
        region: 'us-east-1',
        envelopeFrom: 'dana@brightline-dental.example',
        rcpt: `+12125550123@${FAX}`,
        helo: 'NAM12-DM6-obe.outbound.protection.outlook.com',
        ip: '40.107.92.78',
        date: `${D} 14:20:05 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@brightline-dental.example'],
        dmarc: 'pass header.from=brightline-dental.example',
      },
      message: [
        ...dkimSig(
          'brightline-dental.example',
          'selector1',
          'From:Date:Subject:Message-ID:Content-Type:MIME-Version',
        ),
        'From: Dana Ortiz <dana@brightline-dental.example>',
        `To: "Dr. Lee (fax)" <+1-212-555-0123@${FAX}>`,
        'Subject: Referral for patient #2291',
        'Thread-Topic: Referral for patient #2291',
        'Thread-Index: AQHbQM1x2y3z4A5B6C7D8E9F0G1H2I==',
        `Date: ${D} 14:20:03 +0000`,
        'Message-ID: <BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8D@BN8PR12MB3361.namprd12.prod.outlook.example>',
        'User-Agent: Microsoft-MacOutlook/16.91.24111020',
        'Content-Type: multipart/mixed;',
        '\tboundary="_003_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_"',
        'MIME-Version: 1.0',
        '',
        '--_003_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_',
        'Content-Type: multipart/alternative;',
        '\tboundary="_000_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_"',
        '',
        '--_000_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_',
        'Content-Type: text/plain; charset="utf-8"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64('Hi, referral attached – please fax to Dr. Lee.\r\nThanks, Dana\r\n'),
        '',
        '--_000_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_',
        'Content-Type: text/html; charset="utf-8"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(
          '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div>Hi, referral attached – please fax to Dr. Lee.</div><div>Thanks, Dana</div></body></html>',
        ),
        '',
        '--_000_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_--',
        '',
        '--_003_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_',
        'Content-Type: application/pdf; name="Referral_2291.pdf"',
        'Content-Description: Referral_2291.pdf',
        `Content-Disposition: attachment; filename="Referral_2291.pdf"; size=${doc.length};`,
        '\tcreation-date="Fri, 27 Nov 2026 14:19:40 GMT";',
        '\tmodification-date="Fri, 27 Nov 2026 14:20:03 GMT"',
        'Content-ID: <F2A1B3C4D5E6F708@namprd12.prod.outlook.example>',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '--_003_BN8PR12MB33618B2E0D3F4A5B6C7D8E9FAB8DBN8PR12MB3361namp_--',
        '',
      ],
    });
  }

  // 4. Gmail web: multipart/alternative then the PDF with name=, filename=, X-Attachment-Id; a
  //    second fax number in Cc; the sender's colleague (not a fax address) in Cc too.
  {
    const doc = note('gmail-web-cc', await pdf(3, 'Gmail invoice', 595));
    list.push({
      name: 'gmail-web-cc',
      ses: {
        region: 'us-east-1',
        envelopeFrom: 'max.mustermann.fax@gmail.com',
        rcpt: `+493012345612@${FAX}`,
        helo: 'mail-wm1-f41.google.com',
        ip: '209.85.128.41',
        date: `${D} 10:12:55 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@gmail.com'],
        dmarc: 'pass header.from=gmail.com',
      },
      message: [
        'Received: by mail-wm1-f41.google.com with SMTP id 5b1f17b1804b1-43168d9c6c9so2761955e9.3',
        `        for <+493012345612@${FAX}>; ${D} 02:12:55 -0800 (PST)`,
        ...dkimSig('gmail.com', '20230601', 'mime-version:from:date:message-id:subject:to:cc'),
        'X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=1e100.net; s=20230601;',
        ' h=to:subject:message-id:date:from:mime-version; bh=aGVsbG8=; b=d29ybGQ=',
        'X-Gm-Message-State: AOJu0Yw1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R9s0T1u2V3w4X5',
        'X-Google-Smtp-Source: AGHT+IF1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7q8r9s0t1u2v3w4x5y6z7',
        'X-Received: by 2002:a05:600c:4f4e:b0:431:5c3d:1f0a with SMTP id m14mr1234567wmq.5.1795774375;',
        `        ${D} 02:12:55 -0800 (PST)`,
        'MIME-Version: 1.0',
        'From: Max Mustermann <max.mustermann.fax@gmail.com>',
        `Date: ${D} 11:12:41 +0100`,
        'Message-ID: <CAF3k9xQ7b2m+1nX0pZ8aR5t_vW4yU6cD2eF8gH0iJ1kL3mN4o@mail.gmail.com>',
        'Subject: Rechnung 4711',
        `To: +493012345612@${FAX}`,
        `Cc: +4940123456@${FAX}, Erika Mustermann <erika.mustermann@gmail.com>`,
        'Content-Type: multipart/mixed; boundary="0000000000004e7a1b0622f3b9c1"',
        '',
        '--0000000000004e7a1b0622f3b9c1',
        'Content-Type: multipart/alternative; boundary="0000000000004e7a190622f3b9bf"',
        '',
        '--0000000000004e7a190622f3b9bf',
        'Content-Type: text/plain; charset="UTF-8"',
        '',
        'Hallo, anbei die Rechnung. Gruß Max',
        '',
        '--0000000000004e7a190622f3b9bf',
        'Content-Type: text/html; charset="UTF-8"',
        '',
        '<div dir="ltr">Hallo, anbei die Rechnung. Gruß Max</div>',
        '',
        '--0000000000004e7a190622f3b9bf--',
        '--0000000000004e7a1b0622f3b9c1',
        'Content-Type: application/pdf; name="Rechnung_4711.pdf"',
        'Content-Disposition: attachment; filename="Rechnung_4711.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-ID: <f_m3x1k2q70>',
        'X-Attachment-Id: f_m3x1k2q70',
        '',
        ...b64(doc),
        '--0000000000004e7a1b0622f3b9c1--',
      ],
    });
  }

  // 5. Gmail for Android: a non-ASCII name as RFC 2047 (Gmail's form), no text alternative, a
  //    national number (DE) and a Reply-To that must not receive the answer.
  {
    const doc = note('gmail-android-national-number', await pdf(1, 'Überweisung', 595));
    const name = encodedWord('Überweisungsträger.pdf', 'UTF-8');
    list.push({
      name: 'gmail-android-national-number',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'max.mustermann.fax@gmail.com',
        rcpt: `03012345613@${FAX}`,
        helo: 'mail-ej1-f49.google.com',
        ip: '209.85.218.49',
        date: `${D} 10:30:02 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@gmail.com'],
        dmarc: 'pass header.from=gmail.com',
      },
      message: [
        ...dkimSig('gmail.com', '20230601', 'mime-version:from:date:message-id:subject:to'),
        'MIME-Version: 1.0',
        'From: Max Mustermann <max.mustermann.fax@gmail.com>',
        'Reply-To: Buchhaltung <buchhaltung@mustermann-gmbh.example>',
        `Date: ${D} 11:29:58 +0100`,
        'Message-ID: <CAF3k9xR2v8n+Qw1Y7kD0sT5mB9cL4xJ6hP3aZ2eU8gN1oW5iF7@mail.gmail.com>',
        'Subject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?=',
        `To: 030 1234 5613 <03012345613@${FAX}>`,
        'Content-Type: multipart/mixed; boundary="000000000000b3c8a40622f3fa11"',
        '',
        '--000000000000b3c8a40622f3fa11',
        'Content-Type: multipart/alternative; boundary="000000000000b3c8a20622f3fa0f"',
        '',
        '--000000000000b3c8a20622f3fa0f',
        'Content-Type: text/plain; charset="UTF-8"',
        '',
        '',
        '',
        '--000000000000b3c8a20622f3fa0f',
        'Content-Type: text/html; charset="UTF-8"',
        '',
        '<div dir="auto"></div>',
        '',
        '--000000000000b3c8a20622f3fa0f--',
        '--000000000000b3c8a40622f3fa11',
        `Content-Type: application/pdf; name="${name}"`,
        `Content-Disposition: attachment; filename="${name}"`,
        'Content-Transfer-Encoding: base64',
        'Content-ID: <18f3c2a1b0d9e8f7_0.1>',
        'X-Attachment-Id: 18f3c2a1b0d9e8f7_0.1',
        '',
        ...b64(doc),
        '--000000000000b3c8a40622f3fa11--',
      ],
    });
  }

  // 6. Apple Mail (macOS): multipart/alternative whose HTML branch is multipart/mixed with the PDF
  //    inline between two HTML parts; x-unix-mode; QP text.
  {
    const doc = note('apple-mail-macos-inline', await pdf(2, 'Apple Vertrag', 595));
    list.push({
      name: 'apple-mail-macos-inline',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'lena.vogel@icloud.example',
        rcpt: `+493012345614@${FAX}`,
        helo: 'qs51p00im-qukt01071902.me.com',
        ip: '17.57.155.9',
        date: `${D} 11:05:19 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@icloud.example'],
        dmarc: 'pass header.from=icloud.example',
      },
      message: [
        'Received: from smtpclient.apple (qs51p00im-dlb-asmtp-mailmevip.me.com [17.57.155.28])',
        '\tby qs51p00im-qukt01071902.me.com (Postfix) with ESMTPSA id 4B1C2D3E4F5',
        `\tfor <+493012345614@${FAX}>; ${D} 11:05:18 +0000 (UTC)`,
        ...dkimSig('icloud.example', '1a1hai', 'Content-Type:Mime-Version:Subject:From:Date:Message-Id:To'),
        'Content-Type: multipart/alternative;',
        '\tboundary="Apple-Mail=_8A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"',
        'Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.200.121\\))',
        'Subject: Vertrag unterschrieben',
        'From: Lena Vogel <lena.vogel@icloud.example>',
        `Date: ${D} 12:05:14 +0100`,
        'Message-Id: <4C5D6E7F-8091-4A2B-B3C4-D5E6F708192A@icloud.example>',
        `To: +493012345614@${FAX}`,
        'X-Mailer: Apple Mail (2.3826.200.121)',
        '',
        '',
        '--Apple-Mail=_8A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9',
        'Content-Transfer-Encoding: quoted-printable',
        'Content-Type: text/plain;',
        '\tcharset=utf-8',
        '',
        'Hallo,',
        '',
        'hier der unterschriebene Vertrag.',
        '',
        '',
        '',
        'Viele Gr=C3=BC=C3=9Fe',
        'Lena',
        '',
        '--Apple-Mail=_8A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9',
        'Content-Type: multipart/mixed;',
        '\tboundary="Apple-Mail=_9B2C3D4E-5F60-7182-93A4-B5C6D7E8F90A"',
        '',
        '',
        '--Apple-Mail=_9B2C3D4E-5F60-7182-93A4-B5C6D7E8F90A',
        'Content-Transfer-Encoding: 7bit',
        'Content-Type: text/html;',
        '\tcharset=us-ascii',
        '',
        '<html><head><meta http-equiv="content-type" content="text/html; charset=us-ascii"></head><body style="overflow-wrap: break-word;">Hallo,<div><br></div><div>hier der unterschriebene Vertrag.</div><div><br></div><div></div></body></html>',
        '--Apple-Mail=_9B2C3D4E-5F60-7182-93A4-B5C6D7E8F90A',
        'Content-Disposition: inline;',
        '\tfilename="Vertrag unterschrieben.pdf"',
        'Content-Type: application/pdf;',
        '\tx-unix-mode=0644;',
        '\tname="Vertrag unterschrieben.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '--Apple-Mail=_9B2C3D4E-5F60-7182-93A4-B5C6D7E8F90A',
        'Content-Transfer-Encoding: quoted-printable',
        'Content-Type: text/html;',
        '\tcharset=utf-8',
        '',
        '<html><head><meta http-equiv=3D"content-type" content=3D"text/html; charset=',
        '=3Dutf-8"></head><body style=3D"overflow-wrap: break-word;"><div></div><div>=',
        '<br></div><div>Viele Gr=C3=BC=C3=9Fe</div><div>Lena</div></body></html>=',
        '',
        '--Apple-Mail=_9B2C3D4E-5F60-7182-93A4-B5C6D7E8F90A--',
        '',
        '--Apple-Mail=_8A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9--',
        '',
      ],
    });
  }

  // 7. iOS Mail: plain text, PDF inline with x-unix-mode, "Sent from my iPhone" after it.
  {
    const doc = note('ios-mail', await pdf(1, 'iPhone scan', 595));
    list.push({
      name: 'ios-mail',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'lena.vogel@icloud.example',
        rcpt: `+493012345615@${FAX}`,
        helo: 'st43p00im-ztfb10071701.me.com',
        ip: '17.58.63.177',
        date: `${D} 11:40:51 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@icloud.example'],
        dmarc: 'pass header.from=icloud.example',
      },
      message: [
        ...dkimSig('icloud.example', '1a1hai', 'From:Content-Type:Mime-Version:Subject:Message-Id:Date:To'),
        'From: Lena Vogel <lena.vogel@icloud.example>',
        'Content-Type: multipart/mixed; boundary=Apple-Mail-5E6F7A8B-9C0D-4E1F-A2B3-C4D5E6F70819',
        'Content-Transfer-Encoding: 7bit',
        'Mime-Version: 1.0 (1.0)',
        'Subject: Scan',
        'Message-Id: <A1B2C3D4-E5F6-4789-9ABC-DEF012345678@icloud.example>',
        `Date: ${D} 12:40:47 +0100`,
        `To: +493012345615@${FAX}`,
        'X-Mailer: iPhone Mail (22B83)',
        '',
        '',
        '--Apple-Mail-5E6F7A8B-9C0D-4E1F-A2B3-C4D5E6F70819',
        'Content-Type: application/pdf;',
        '\tname=Scan.pdf;',
        '\tx-unix-mode=0666',
        'Content-Disposition: inline;',
        '\tfilename=Scan.pdf',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '--Apple-Mail-5E6F7A8B-9C0D-4E1F-A2B3-C4D5E6F70819',
        'Content-Type: text/plain;',
        '\tcharset=us-ascii',
        'Content-Transfer-Encoding: 7bit',
        '',
        '',
        '',
        'Sent from my iPhone',
        '--Apple-Mail-5E6F7A8B-9C0D-4E1F-A2B3-C4D5E6F70819--',
      ],
    });
  }

  // 8. Thunderbird: RFC 2231 name with continuations (filename*0*=, filename*1*=), base64 at 72
  //    columns, 8bit text body, a quoted local part with spaces.
  {
    const doc = note('thunderbird-rfc2231-continuation', await pdf(1, 'Thunderbird', 595));
    list.push({
      name: 'thunderbird-rfc2231-continuation',
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'bounce+7f3a2b@mailbox.posteo.example',
        rcpt: `+493012345616@${FAX}`,
        helo: 'mout02.posteo.example',
        ip: '185.67.36.66',
        date: `${D} 12:01:09 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@posteo.example'],
        dmarc: 'pass header.from=posteo.example',
      },
      message: [
        'Received: from submission (posteo.example [185.67.36.169])',
        '\tby mout02.posteo.example (Postfix) with ESMTPS id 4YmpQ41x2Nz9rxL',
        `\tfor <+493012345616@${FAX}>; ${D} 13:01:08 +0100 (CET)`,
        ...dkimSig(
          'posteo.example',
          '2017',
          'Message-ID:Date:MIME-Version:To:From:Subject:Content-Type:From',
        ),
        'Content-Type: multipart/mixed; boundary="------------Gq8bNn3vT1RwlUu0sXyZ2A4c"',
        'Message-ID: <7a1c2e3f-9b8d-4c6e-a5f4-3b2a1c0d9e8f@posteo.example>',
        `Date: ${D} 13:01:07 +0100`,
        'MIME-Version: 1.0',
        'User-Agent: Mozilla Thunderbird',
        'Content-Language: de-DE',
        `To: "+49 30 1234 5616"@${FAX}`,
        'From: Jonas Becker <jonas.becker@posteo.example>',
        'Subject: =?UTF-8?Q?Widerspruch_gegen_den_Bescheid_vom_3=2E_November_?=',
        ' =?UTF-8?Q?=E2=80=93_Aktenzeichen_4711/26?=',
        '',
        'This is a multi-part message in MIME format.',
        '--------------Gq8bNn3vT1RwlUu0sXyZ2A4c',
        'Content-Type: text/plain; charset=UTF-8; format=flowed',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Sehr geehrte Damen und Herren, ',
        '',
        'anbei mein Widerspruch. Bitte bestätigen Sie den Eingang.',
        '',
        'Mit freundlichen Grüßen',
        'Jonas Becker',
        '',
        '--------------Gq8bNn3vT1RwlUu0sXyZ2A4c',
        "Content-Type: application/pdf; name*0*=UTF-8''Widerspruch%20gegen%20den%20Bescheid%20vom%203.%20No;",
        ' name*1*=vember%20%E2%80%93%20Aktenzeichen%204711%2F26%20%28unterschrieben;',
        ' name*2*=%29.pdf',
        'Content-Disposition: attachment;',
        " filename*0*=UTF-8''Widerspruch%20gegen%20den%20Bescheid%20vom%203.%20No;",
        ' filename*1*=vember%20%E2%80%93%20Aktenzeichen%204711%2F26%20%28unterschrieben;',
        ' filename*2*=%29.pdf',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc, 72),
        '',
        '--------------Gq8bNn3vT1RwlUu0sXyZ2A4c--',
        '',
      ],
    });
  }

  // 9. Thunderbird: two PDFs (merged, in mail order) and a single-parameter RFC 2231 name.
  {
    const first = await pdf(2, 'Anschreiben', 420);
    const second = await pdf(3, 'Anlage', 595);
    list.push({
      name: 'thunderbird-two-pdfs-merged',
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'jonas.becker@posteo.example',
        rcpt: `+493012345617@${FAX}`,
        helo: 'mout01.posteo.example',
        ip: '185.67.36.65',
        date: `${D} 12:15:40 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@posteo.example'],
        dmarc: 'pass header.from=posteo.example',
      },
      message: [
        ...dkimSig(
          'posteo.example',
          '2017',
          'Message-ID:Date:MIME-Version:To:From:Subject:Content-Type:From',
        ),
        'Content-Type: multipart/mixed; boundary="------------0XkJ7cW2pq1r8tV9mN3bB5Ay"',
        'Message-ID: <c0ffee11-2233-4455-6677-8899aabbccdd@posteo.example>',
        `Date: ${D} 13:15:39 +0100`,
        'MIME-Version: 1.0',
        'User-Agent: Mozilla Thunderbird',
        `To: +493012345617@${FAX}`,
        'From: Jonas Becker <jonas.becker@posteo.example>',
        'Subject: Antrag mit Anlage',
        '',
        'This is a multi-part message in MIME format.',
        '--------------0XkJ7cW2pq1r8tV9mN3bB5Ay',
        'Content-Type: text/plain; charset=UTF-8; format=flowed',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Antrag und Anlage.',
        '',
        '--------------0XkJ7cW2pq1r8tV9mN3bB5Ay',
        'Content-Type: application/pdf; name="Anschreiben.pdf"',
        'Content-Disposition: attachment; filename="Anschreiben.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(first, 72),
        '--------------0XkJ7cW2pq1r8tV9mN3bB5Ay',
        "Content-Type: application/pdf; name*=UTF-8''Anlage%20%C2%A7%2012.pdf",
        "Content-Disposition: attachment; filename*=UTF-8''Anlage%20%C2%A7%2012.pdf",
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(second, 72),
        '',
        '--------------0XkJ7cW2pq1r8tV9mN3bB5Ay--',
        '',
      ],
    });
  }

  // 10. Evolution (GNOME): =-boundary, 8bit body, PDF with name and filename, dmarc=none, DKIM aligned.
  {
    const doc = note('evolution', await pdf(1, 'Evolution', 595));
    list.push({
      name: 'evolution',
      ses: {
        region: 'us-west-2',
        envelopeFrom: 'peter@linuxhaus.example',
        rcpt: `+493012345618@${FAX}`,
        helo: 'mail.linuxhaus.example',
        ip: '203.0.113.45',
        date: `${D} 12:33:00 +0000`,
        spf: 'neutral',
        dkim: ['pass header.i=@linuxhaus.example'],
        dmarc: 'none header.from=linuxhaus.example',
      },
      message: [
        'Received: from [192.168.1.33] (dslb-084-060-112-034.pools.arcor-ip.example [84.60.112.34])',
        '\tby mail.linuxhaus.example (Postfix) with ESMTPSA id 4Ymq1Z2b3Cz1xyZ',
        `\tfor <+493012345618@${FAX}>; ${D} 13:32:59 +0100 (CET)`,
        ...dkimSig('linuxhaus.example', 'mail', 'Subject:From:To:Date:Content-Type:MIME-Version:Message-ID'),
        'Message-ID: <8f1d7c2a9b3e4f5a6b7c8d9e0f1a2b3c4d5e6f70.camel@linuxhaus.example>',
        'Subject: Vollmacht',
        'From: Peter Kruse <peter@linuxhaus.example>',
        `To: +493012345618@${FAX}`,
        `Date: ${D} 13:32:58 +0100`,
        'Content-Type: multipart/mixed; boundary="=-Xy3Zq7WbR2mN5pL8sT1v"',
        'User-Agent: Evolution 3.52.3-0ubuntu1',
        'MIME-Version: 1.0',
        '',
        '--=-Xy3Zq7WbR2mN5pL8sT1v',
        'Content-Type: text/plain; charset="UTF-8"',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Hier die Vollmacht, unterschrieben. Grüße, Peter',
        '',
        '--=-Xy3Zq7WbR2mN5pL8sT1v',
        'Content-Disposition: attachment; filename="Vollmacht.pdf"',
        'Content-Type: application/pdf; name="Vollmacht.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '',
        '--=-Xy3Zq7WbR2mN5pL8sT1v--',
        '',
      ],
    });
  }

  // 11. K-9 Mail (Android): ----boundary, unquoted name parameters, a `00` international number.
  {
    const doc = note('k9-mail-00-number', await pdf(1, 'K-9', 595));
    list.push({
      name: 'k9-mail-00-number',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'sabine@familie-hartmann.example',
        rcpt: `0041446681800@${FAX}`,
        helo: 'mx.familie-hartmann.example',
        ip: '198.51.100.77',
        date: `${D} 13:00:21 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@familie-hartmann.example'],
        dmarc: 'pass header.from=familie-hartmann.example',
      },
      message: [
        ...dkimSig(
          'familie-hartmann.example',
          'k9',
          'Date:From:Subject:To:Message-ID:MIME-Version:Content-Type',
        ),
        `Date: ${D} 14:00:17 +0100`,
        'From: Sabine Hartmann <sabine@familie-hartmann.example>',
        'Subject: Anmeldung',
        `To: 0041446681800@${FAX}`,
        'Message-ID: <7Q2WZ8X1-4JK0-PL3M-9N8B-V6C5X4Z3A2S1@familie-hartmann.example>',
        'User-Agent: K-9 Mail for Android',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed;',
        ' boundary="----LRJ3SJ5ZK0Q6MGW2Z8XJ4V0ER1PQ2C"',
        'Content-Transfer-Encoding: 7bit',
        '',
        '------LRJ3SJ5ZK0Q6MGW2Z8XJ4V0ER1PQ2C',
        'Content-Type: text/plain;',
        ' charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Anmeldung anbei.=20',
        '--=20',
        'Diese Nachricht wurde von meinem Android-Ger=C3=A4t mit K-9 Mail gesendet.',
        '------LRJ3SJ5ZK0Q6MGW2Z8XJ4V0ER1PQ2C',
        'Content-Type: application/pdf;',
        ' name=Anmeldung.pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        ' filename=Anmeldung.pdf;',
        ` size=${doc.length}`,
        '',
        ...b64(doc),
        '------LRJ3SJ5ZK0Q6MGW2Z8XJ4V0ER1PQ2C--',
      ],
    });
  }

  // 12. FairEmail: a quoted local part with spaces and parentheses, a number without + (read as
  //     international), and DKIM from the mailbox provider only (parent-domain aligned).
  {
    const doc = note('fairemail-quoted-local-part', await pdf(1, 'FairEmail', 595));
    list.push({
      name: 'fairemail-quoted-local-part',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'tom@team.mustermann-gmbh.example',
        rcpt: `"+49 (0)30 1234-5619"@${FAX}`,
        helo: 'smtp.mustermann-gmbh.example',
        ip: '198.51.100.140',
        date: `${D} 13:10:40 +0000`,
        spf: 'softfail',
        dkim: ['pass header.i=@mustermann-gmbh.example'],
        dmarc: 'none header.from=team.mustermann-gmbh.example',
      },
      message: [
        ...dkimSig(
          'mustermann-gmbh.example',
          'fe',
          'Date:From:To:Message-ID:Subject:MIME-Version:Content-Type',
        ),
        `Date: ${D} 14:10:38 +0100`,
        'From: Tom Berger <tom@team.mustermann-gmbh.example>',
        `To: "+49 (0)30 1234-5619"@${FAX}, 4989123456@${FAX}`,
        'Message-ID: <8d1c3a2b-7f6e-4d5c-9b8a-0f1e2d3c4b5a@team.mustermann-gmbh.example>',
        'Subject: Lieferschein',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; ',
        '\tboundary="----=_Part_12_48193920.1795777838000"',
        'User-Agent: FairEmail/1.2250',
        '',
        '------=_Part_12_48193920.1795777838000',
        'Content-Type: multipart/alternative; ',
        '\tboundary="----=_Part_11_1720456912.1795777838000"',
        '',
        '------=_Part_11_1720456912.1795777838000',
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Siehe Anhang',
        '------=_Part_11_1720456912.1795777838000',
        'Content-Type: text/html; charset=UTF-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        '<!DOCTYPE html><html><head></head><body><p>Siehe Anhang</p></body></html>',
        '------=_Part_11_1720456912.1795777838000--',
        '',
        '------=_Part_12_48193920.1795777838000',
        'Content-Type: application/pdf; name=Lieferschein.pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename=Lieferschein.pdf',
        '',
        ...b64(doc),
        '------=_Part_12_48193920.1795777838000--',
      ],
    });
  }

  // 13. Lotus/HCL Notes: lower-case header names, 0__= boundary, PDF as application/octet-stream.
  {
    const doc = note('lotus-notes-octet-stream', await pdf(1, 'Notes', 595));
    list.push({
      name: 'lotus-notes-octet-stream',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'Hans.Meier@stahlbau-nord.example',
        rcpt: `+493012345620@${FAX}`,
        helo: 'smtp.stahlbau-nord.example',
        ip: '198.51.100.201',
        date: `${D} 13:25:11 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'none header.from=stahlbau-nord.example',
      },
      message: [
        'Received: from notes01.stahlbau-nord.example ([10.1.2.3])',
        '          by smtp.stahlbau-nord.example (HCL Domino Release 12.0.2FP4)',
        '          with ESMTP id 2026112714251034-1234 ;',
        `          ${D} 14:25:10 +0100 `,
        `To: +493012345620@${FAX}`,
        'MIME-Version: 1.0',
        'Subject: Auftragsbestaetigung 26-0815',
        'X-KeepSent: 5B7A3C2D:9E8F7A6B-00C1258B:004A1B2C;',
        ' type=4; name=$KeepSent',
        'X-Mailer: HCL Notes Release 12.0.2FP4 September 26, 2023',
        'Message-ID: <OF5B7A3C2D.9E8F7A6B-ONC1258B.004A1B2C-C1258B.004A1B3D@stahlbau-nord.example>',
        'From: Hans.Meier@stahlbau-nord.example',
        `Date: ${D} 14:25:09 +0100`,
        'X-MIMETrack: Serialize by Router on smtp/StahlbauNord(Release 12.0.2FP4|September 26, 2023) at',
        ` 27.11.2026 14:25:10`,
        'Content-type: multipart/mixed; ',
        '\tBoundary="0__=4EBB0F2ADFF9E4738f9e8a93df938690918c4EBB0F2ADFF9E473"',
        'Content-Disposition: inline',
        '',
        '--0__=4EBB0F2ADFF9E4738f9e8a93df938690918c4EBB0F2ADFF9E473',
        'Content-type: text/plain; charset=US-ASCII',
        '',
        'Sehr geehrte Damen und Herren,',
        '',
        'anbei die Auftragsbestaetigung.',
        '',
        'Mit freundlichen Gruessen',
        'Hans Meier',
        '--0__=4EBB0F2ADFF9E4738f9e8a93df938690918c4EBB0F2ADFF9E473',
        'Content-type: application/octet-stream; ',
        '\tname="AB_26-0815.pdf"',
        'Content-Disposition: attachment; filename="AB_26-0815.pdf"',
        'Content-transfer-encoding: base64',
        '',
        ...b64(doc, 72),
        '',
        '--0__=4EBB0F2ADFF9E4738f9e8a93df938690918c4EBB0F2ADFF9E473--',
        '',
      ],
    });
  }

  // 14. Exchange / OWA: PDF declared application/octet-stream with an upper-case .PDF name, TNEF
  //     correlator empty, two DKIM results (the tenant's and the custom domain's).
  {
    const doc = note('exchange-owa-octet-stream', await pdf(2, 'OWA', 595));
    list.push({
      name: 'exchange-owa-octet-stream',
      ses: {
        region: 'us-east-1',
        envelopeFrom: 'r.adams@contoso-legal.example',
        rcpt: `+33142685300@${FAX}`,
        helo: 'NAM10-BN7-obe.outbound.protection.outlook.com',
        ip: '40.107.212.63',
        date: `${D} 15:45:30 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@contosolegal.onmicrosoft.example', 'pass header.i=@contoso-legal.example'],
        dmarc: 'pass header.from=contoso-legal.example',
      },
      message: [
        ...dkimSig(
          'contoso-legal.example',
          'selector1',
          'From:Date:Subject:Message-ID:Content-Type:MIME-Version',
        ),
        'From: Rachel Adams <r.adams@contoso-legal.example>',
        `To: "+33142685300@${FAX}" <+33142685300@${FAX}>`,
        'Subject: Signed NDA',
        'Thread-Topic: Signed NDA',
        'Thread-Index: AQHbQQ1a2b3c4d5e6f7g8h9i0j1k2l==',
        `Date: ${D} 15:45:28 +0000`,
        'Message-ID: <SJ0PR10MB5693E1D2C3B4A5968778695A4B3C@SJ0PR10MB5693.namprd10.prod.outlook.example>',
        'Accept-Language: en-US',
        'Content-Language: en-US',
        'X-MS-Has-Attach: yes',
        'X-MS-TNEF-Correlator:',
        'X-MS-Exchange-Organization-SCL: 1',
        'Content-Type: multipart/mixed;',
        '\tboundary="_002_SJ0PR10MB5693E1D2C3B4A5968778695A4B3CSJ0PR10MB5693namp_"',
        'MIME-Version: 1.0',
        '',
        '--_002_SJ0PR10MB5693E1D2C3B4A5968778695A4B3CSJ0PR10MB5693namp_',
        'Content-Type: text/html; charset="us-ascii"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=',
        '=3Dus-ascii"></head><body><div>Please fax the signed NDA.</div></body></html>',
        '',
        '--_002_SJ0PR10MB5693E1D2C3B4A5968778695A4B3CSJ0PR10MB5693namp_',
        'Content-Type: application/octet-stream; name="NDA_SIGNED.PDF"',
        'Content-Description: NDA_SIGNED.PDF',
        `Content-Disposition: attachment; filename="NDA_SIGNED.PDF"; size=${doc.length};`,
        '\tcreation-date="Fri, 27 Nov 2026 15:45:00 GMT";',
        '\tmodification-date="Fri, 27 Nov 2026 15:45:28 GMT"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '--_002_SJ0PR10MB5693E1D2C3B4A5968778695A4B3CSJ0PR10MB5693namp_--',
        '',
      ],
    });
  }

  // 15. Ricoh MFP scan-to-email: no DKIM, SPF only (aligned), dmarc=none, no body text at all.
  {
    const doc = note('ricoh-scanner-spf-only', await pdf(4, 'Ricoh scan', 595));
    list.push({
      name: 'ricoh-scanner-spf-only',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'scanner@buero-lang.example',
        rcpt: `+493012345621@${FAX}`,
        helo: 'RNP5C1A2B',
        ip: '198.51.100.12',
        date: `${D} 07:58:02 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'none header.from=buero-lang.example',
      },
      message: [
        `To: +493012345621@${FAX}`,
        'From: scanner@buero-lang.example',
        'Subject: Scan Data from RNP5C1A2B',
        `Date: ${D} 08:58:00 +0100`,
        'Message-Id: <20261127085800.00001.RNP5C1A2B@buero-lang.example>',
        'MIME-Version: 1.0',
        'X-Mailer: RICOH IM C3000',
        'Content-Type: multipart/mixed; boundary="RICOH_20261127085800_0001"',
        '',
        '--RICOH_20261127085800_0001',
        'Content-Type: text/plain; charset=us-ascii',
        'Content-Transfer-Encoding: 7bit',
        '',
        '',
        '--RICOH_20261127085800_0001',
        'Content-Type: application/pdf; name="20261127085800404.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="20261127085800404.pdf"',
        '',
        ...b64(doc),
        '',
        '--RICOH_20261127085800_0001--',
      ],
    });
  }

  // 16. Canon imageRUNNER: SCAN0001.PDF, application/pdf with a name and no Content-Disposition.
  {
    const doc = note('canon-scanner-no-disposition', await pdf(1, 'Canon', 595));
    list.push({
      name: 'canon-scanner-no-disposition',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'canon-ir@buero-lang.example',
        rcpt: `+493012345622@${FAX}`,
        helo: 'iR-ADV-C5535',
        ip: '198.51.100.12',
        date: `${D} 08:03:15 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'none header.from=buero-lang.example',
      },
      message: [
        'Message-ID: <1795780995.3821.canon-ir@buero-lang.example>',
        `Date: ${D} 09:03:15 +0100`,
        'From: "Canon iR-ADV C5535" <canon-ir@buero-lang.example>',
        `To: <+493012345622@${FAX}>`,
        'Subject: Attached Image',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="CanonBoundary_1795780995_3821"',
        'X-Mailer: Canon iR-ADV C5535/5540',
        '',
        'This is a multi-part message in MIME format.',
        '',
        '--CanonBoundary_1795780995_3821',
        'Content-Type: text/plain; charset=us-ascii',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Attached Image',
        '',
        '--CanonBoundary_1795780995_3821',
        'Content-Type: application/pdf; name="SCAN0001.PDF"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '--CanonBoundary_1795780995_3821--',
        '',
      ],
    });
  }

  // 17. Xerox WorkCentre: Auto-Submitted: auto-generated, application/PDF in upper case, a file name
  //     with spaces. Faxed, and never answered.
  {
    const doc = note('xerox-scanner-auto-submitted', await pdf(1, 'Xerox', 595));
    list.push({
      name: 'xerox-scanner-auto-submitted',
      ses: {
        region: 'us-east-1',
        envelopeFrom: 'xerox@buero-lang.example',
        rcpt: `+493012345623@${FAX}`,
        helo: 'XRX9C934E1A2B3C',
        ip: '198.51.100.12',
        date: `${D} 08:10:44 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'none header.from=buero-lang.example',
      },
      message: [
        'From: "Xerox WorkCentre 7855" <xerox@buero-lang.example>',
        `To: +493012345623@${FAX}`,
        'Subject: Scan from a Xerox WorkCentre',
        `Date: ${D} 09:10:43 +0100`,
        'Message-ID: <XRX9C934E1A2B3C1795781443@buero-lang.example>',
        'Auto-Submitted: auto-generated',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="--XRXBoundary9C934E1A2B3C"',
        '',
        '----XRXBoundary9C934E1A2B3C',
        'Content-Type: text/plain; charset=US-ASCII',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Please open the attached document. It was scanned and sent to you using a Xerox Multifunction Printer.',
        '',
        '----XRXBoundary9C934E1A2B3C',
        'Content-Type: application/PDF; name="Scanned from a Xerox Multifunction Printer.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="Scanned from a Xerox Multifunction Printer.pdf"',
        '',
        ...b64(doc),
        '----XRXBoundary9C934E1A2B3C--',
      ],
    });
  }

  // 18. HP LaserJet MFP: a single-part message whose whole body is the PDF.
  {
    const doc = note('hp-scanner-single-part', await pdf(2, 'HP', 595));
    list.push({
      name: 'hp-scanner-single-part',
      ses: {
        region: 'us-west-2',
        envelopeFrom: 'hp-mfp@buero-lang.example',
        rcpt: `+493012345624@${FAX}`,
        helo: 'NPI8A2B3C',
        ip: '198.51.100.12',
        date: `${D} 08:20:02 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'none header.from=buero-lang.example',
      },
      message: [
        'From: HP MFP <hp-mfp@buero-lang.example>',
        `To: +493012345624@${FAX}`,
        'Subject: Scanned document',
        `Date: ${D} 09:20:01 +0100`,
        'Message-ID: <20261127092001.NPI8A2B3C.7@buero-lang.example>',
        'X-Mailer: HP LaserJet MFP M430',
        'MIME-Version: 1.0',
        'Content-Type: application/pdf; name="DOC271126-27112026092001.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="DOC271126-27112026092001.pdf"',
        '',
        ...b64(doc),
      ],
    });
  }

  // 19. Konica Minolta bizhub: LF line ends (saved by a Unix tool), upper-case sender and fax
  //     domain, SKMBT file name, no text part.
  {
    const doc = note('konica-scanner-lf-uppercase', await pdf(1, 'Konica', 595));
    list.push({
      name: 'konica-scanner-lf-uppercase',
      lf: true,
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'BIZHUB@BUERO-LANG.EXAMPLE',
        rcpt: `+493012345625@FAX.LOCALHOST`,
        helo: 'KMBT-C224E',
        ip: '198.51.100.12',
        date: `${D} 08:31:17 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'none header.from=BUERO-LANG.EXAMPLE',
      },
      message: [
        'From: BIZHUB@BUERO-LANG.EXAMPLE',
        'To: +493012345625@FAX.LOCALHOST',
        'Subject: Message from KMBT_C224e',
        `Date: ${D} 09:31:16 +0100`,
        'Message-ID: <000a01d99c3f$ab12cd34$01020304@KMBT-C224E>',
        'MIME-Version: 1.0',
        'X-Mailer: bizhub C224e',
        'Content-Type: multipart/mixed; boundary="KONICA_MINOLTA_Internet_Fax_Boundary"',
        '',
        '--KONICA_MINOLTA_Internet_Fax_Boundary',
        'Content-Type: application/pdf; name="SKMBT_C224e26112709311.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '--KONICA_MINOLTA_Internet_Fax_Boundary--',
      ],
    });
  }

  // 20. PHPMailer from a web shop: b1_ boundary, unquoted names, a Reply-To for the customer.
  {
    const doc = note('phpmailer-reply-to', await pdf(1, 'PHPMailer', 595));
    list.push({
      name: 'phpmailer-reply-to',
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'www-data@web01.shop-moebel.example',
        rcpt: `+493012345626@${FAX}`,
        helo: 'web01.shop-moebel.example',
        ip: '203.0.113.80',
        date: `${D} 16:01:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@shop-moebel.example'],
        dmarc: 'pass header.from=shop-moebel.example',
      },
      message: [
        ...dkimSig(
          'shop-moebel.example',
          'phpmailer',
          'Date:To:From:Reply-To:Subject:Message-ID:MIME-Version:Content-Type',
        ),
        `Date: ${D} 17:00:59 +0100`,
        `To: +493012345626@${FAX}`,
        'From: Shop Moebel <bestellung@shop-moebel.example>',
        'Reply-To: Kunde <kunde@irgendwo.example>',
        'Subject: Bestellung 100234',
        'Message-ID: <Yk3o1Qm8wz2Lr6tV9bX4cN7hJ0aF5sE1pD8gU3iK@web01.shop-moebel.example>',
        'X-Mailer: PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed;',
        ' boundary="b1=_Yk3o1Qm8wz2Lr6tV9bX4cN7hJ0aF5sE1pD8gU3iK"',
        'Content-Transfer-Encoding: 8bit',
        '',
        'This is a multi-part message in MIME format.',
        '',
        '--b1=_Yk3o1Qm8wz2Lr6tV9bX4cN7hJ0aF5sE1pD8gU3iK',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Neue Bestellung 100234, Lieferschein anbei.',
        '',
        '--b1=_Yk3o1Qm8wz2Lr6tV9bX4cN7hJ0aF5sE1pD8gU3iK',
        'Content-Type: application/pdf; name=lieferschein-100234.pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename=lieferschein-100234.pdf',
        '',
        ...b64(doc),
        '',
        '--b1=_Yk3o1Qm8wz2Lr6tV9bX4cN7hJ0aF5sE1pD8gU3iK--',
        '',
      ],
    });
  }

  // 21. Python's email package (EmailMessage + smtplib): ===== boundary, PDF with filename only.
  {
    const doc = note('python-email-filename-only', await pdf(1, 'Python report', 595));
    list.push({
      name: 'python-email-filename-only',
      ses: {
        region: 'us-west-2',
        envelopeFrom: 'reports@ops.datawerk.example',
        rcpt: `+43158858@${FAX}`,
        helo: 'ip-10-0-3-17.ec2.internal',
        ip: '54.200.1.17',
        date: `${D} 05:00:03 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'pass header.from=datawerk.example',
      },
      message: [
        'Content-Type: multipart/mixed; boundary="===============4327906521538457160=="',
        'MIME-Version: 1.0',
        'Subject: Daily report 2026-11-27',
        'From: reports@datawerk.example',
        `To: +43158858@${FAX}`,
        `Date: ${D} 05:00:02 -0000`,
        'Message-ID: <179575560212.4172.11837466318262118934@ip-10-0-3-17.ec2.internal>',
        '',
        '--===============4327906521538457160==',
        'Content-Type: text/plain; charset="utf-8"',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Report attached.',
        '',
        '--===============4327906521538457160==',
        'Content-Type: application/pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="report-2026-11-27.pdf"',
        'MIME-Version: 1.0',
        '',
        ...b64(doc),
        '',
        '--===============4327906521538457160==--',
      ],
    });
  }

  // 22. JavaMail (a CRM's batch job): twelve fax numbers (two /send calls), _Part_ boundary.
  {
    const doc = note('javamail-twelve-numbers', await pdf(1, 'Rundschreiben', 595));
    const numbers = Array.from({ length: 12 }, (_, i) => `+4930123457${String(10 + i)}`);
    list.push({
      name: 'javamail-twelve-numbers',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'crm@vertrieb-sued.example',
        rcpt: `${numbers[0]}@${FAX}`,
        helo: 'crm-app-02.vertrieb-sued.example',
        ip: '198.51.100.90',
        date: `${D} 06:30:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@vertrieb-sued.example'],
        dmarc: 'pass header.from=vertrieb-sued.example',
      },
      message: [
        ...dkimSig(
          'vertrieb-sued.example',
          'crm',
          'Date:From:To:Message-ID:Subject:MIME-Version:Content-Type',
        ),
        `Date: Fri, 27 Nov 2026 07:29:59 +0100 (CET)`,
        'From: CRM Vertrieb Sued <crm@vertrieb-sued.example>',
        `To: ${numbers
          .slice(0, 6)
          .map((n) => `${n}@${FAX}`)
          .join(', ')},`,
        ` ${numbers
          .slice(6)
          .map((n) => `${n}@${FAX}`)
          .join(', ')}`,
        'Message-ID: <1283928317.11.1795753799812@crm-app-02>',
        'Subject: Rundschreiben Preisanpassung 2027',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; ',
        '\tboundary="----=_Part_10_1472634051.1795753799801"',
        '',
        '------=_Part_10_1472634051.1795753799801',
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Sehr geehrte Kunden, anbei unser Rundschreiben.',
        '------=_Part_10_1472634051.1795753799801',
        'Content-Type: application/pdf; name=Rundschreiben_2027.pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename=Rundschreiben_2027.pdf',
        '',
        ...b64(doc),
        '------=_Part_10_1472634051.1795753799801--',
      ],
    });
  }

  // 23. Thunderbird "Forward as Attachment": message/rfc822 carrying the PDF.
  {
    const doc = note('forwarded-as-attachment', await pdf(1, 'Forwarded', 595));
    list.push({
      name: 'forwarded-as-attachment',
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'jonas.becker@posteo.example',
        rcpt: `+493012345627@${FAX}`,
        helo: 'mout01.posteo.example',
        ip: '185.67.36.65',
        date: `${D} 12:45:12 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@posteo.example'],
        dmarc: 'pass header.from=posteo.example',
      },
      message: [
        ...dkimSig(
          'posteo.example',
          '2017',
          'Message-ID:Date:MIME-Version:To:From:Subject:Content-Type:From',
        ),
        'Content-Type: multipart/mixed; boundary="------------7RkT2p9vLm4Qc8Xw1Zb6NyA3"',
        'Message-ID: <0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d@posteo.example>',
        `Date: ${D} 13:45:11 +0100`,
        'MIME-Version: 1.0',
        'User-Agent: Mozilla Thunderbird',
        `To: +493012345627@${FAX}`,
        'From: Jonas Becker <jonas.becker@posteo.example>',
        'Subject: Fwd: Ihre Rechnung',
        '',
        'This is a multi-part message in MIME format.',
        '--------------7RkT2p9vLm4Qc8Xw1Zb6NyA3',
        'Content-Type: text/plain; charset=UTF-8; format=flowed',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Bitte weiterfaxen.',
        '',
        '--------------7RkT2p9vLm4Qc8Xw1Zb6NyA3',
        'Content-Type: message/rfc822; name="Ihre Rechnung.eml"',
        'Content-Disposition: attachment; filename="Ihre Rechnung.eml"',
        '',
        'Return-Path: <rechnung@stadtwerke.example>',
        'From: Stadtwerke <rechnung@stadtwerke.example>',
        'To: jonas.becker@posteo.example',
        'Subject: Ihre Rechnung',
        `Date: ${D} 06:00:00 +0100`,
        'Message-ID: <rechnung-88112@stadtwerke.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="inner-sw-88112"',
        '',
        '--inner-sw-88112',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Ihre Rechnung im Anhang.',
        '--inner-sw-88112',
        'Content-Type: application/pdf; name="Rechnung-88112.pdf"',
        'Content-Disposition: attachment; filename="Rechnung-88112.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '--inner-sw-88112--',
        '',
        '--------------7RkT2p9vLm4Qc8Xw1Zb6NyA3--',
        '',
      ],
    });
  }

  // 24. S/MIME signed (Outlook): multipart/signed around multipart/mixed; the smime.p7s is a seal.
  {
    const doc = note('smime-signed', await pdf(1, 'Signed', 595));
    list.push({
      name: 'smime-signed',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'notariat@notar-kurz.example',
        rcpt: `+493012345628@${FAX}`,
        helo: 'mail.notar-kurz.example',
        ip: '198.51.100.160',
        date: `${D} 10:00:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@notar-kurz.example'],
        dmarc: 'pass header.from=notar-kurz.example',
      },
      message: [
        ...dkimSig('notar-kurz.example', 'sel1', 'From:To:Subject:Date:Message-ID:Content-Type:MIME-Version'),
        'From: Notariat Kurz <notariat@notar-kurz.example>',
        `To: +493012345628@${FAX}`,
        'Subject: Entwurf Kaufvertrag',
        `Date: ${D} 10:59:58 +0100`,
        'Message-ID: <000001db40b1$2c3d4e50$85b7eaf0$@notar-kurz.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/signed;',
        '\tprotocol="application/x-pkcs7-signature";',
        '\tmicalg=SHA1;',
        '\tboundary="----=_NextPart_000_0007_01DB40B9.8E1A5B60"',
        'X-Mailer: Microsoft Outlook 16.0',
        'Thread-Index: AdtAsSs9TlCFt+rwQ7mP1a2b3c4d5e==',
        'Content-Language: de',
        '',
        'This is a multipart message in MIME format.',
        '',
        '------=_NextPart_000_0007_01DB40B9.8E1A5B60',
        'Content-Type: multipart/mixed;',
        '\tboundary="----=_NextPart_001_0008_01DB40B9.8E1A5B60"',
        '',
        '',
        '------=_NextPart_001_0008_01DB40B9.8E1A5B60',
        'Content-Type: text/plain;',
        '\tcharset="us-ascii"',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Anbei der Entwurf.',
        '',
        '------=_NextPart_001_0008_01DB40B9.8E1A5B60',
        'Content-Type: application/pdf;',
        '\tname="Entwurf Kaufvertrag.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        '\tfilename="Entwurf Kaufvertrag.pdf"',
        '',
        ...b64(doc),
        '',
        '------=_NextPart_001_0008_01DB40B9.8E1A5B60--',
        '',
        '------=_NextPart_000_0007_01DB40B9.8E1A5B60',
        'Content-Type: application/x-pkcs7-signature;',
        '\tname="smime.p7s"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        '\tfilename="smime.p7s"',
        '',
        ...b64(P7S),
        '',
        '------=_NextPart_000_0007_01DB40B9.8E1A5B60--',
        '',
      ],
    });
  }

  // 25. Outlook (classic, NextPart): three PDFs merged in order and a .docx that is not faxed.
  {
    const a = await pdf(1, 'Deckblatt', 300);
    const b = await pdf(2, 'Hauptteil', 595);
    const c = await pdf(1, 'Anhang', 842);
    list.push({
      name: 'outlook-three-pdfs-and-docx',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'j.schmidt@kanzlei-weber.example',
        rcpt: `+493012345629@${FAX}`,
        helo: 'mail.kanzlei-weber.example',
        ip: '198.51.100.30',
        date: `${D} 11:11:11 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@kanzlei-weber.example'],
        dmarc: 'pass header.from=kanzlei-weber.example',
      },
      message: [
        'From: "Schmidt, Julia" <j.schmidt@kanzlei-weber.example>',
        `To: <+493012345629@${FAX}>`,
        'Subject: Schriftsatz mit Anlagen',
        `Date: ${D} 12:11:10 +0100`,
        'Message-ID: <002201db40b3$4d5e6f70$e81b4c50$@kanzlei-weber.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed;',
        '\tboundary="----=_NextPart_000_0023_01DB40BB.AF22D370"',
        'X-Mailer: Microsoft Outlook 16.0',
        'Content-Language: de',
        '',
        'This is a multipart message in MIME format.',
        '',
        '------=_NextPart_000_0023_01DB40BB.AF22D370',
        'Content-Type: text/plain;',
        '\tcharset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Schriftsatz, Anlagen und der Entwurf zur Ansicht (nicht zu faxen).',
        '',
        '------=_NextPart_000_0023_01DB40BB.AF22D370',
        'Content-Type: application/pdf;',
        '\tname="01 Deckblatt.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        '\tfilename="01 Deckblatt.pdf"',
        '',
        ...b64(a),
        '',
        '------=_NextPart_000_0023_01DB40BB.AF22D370',
        'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;',
        '\tname="Entwurf.docx"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        '\tfilename="Entwurf.docx"',
        '',
        ...b64(DOCX),
        '',
        '------=_NextPart_000_0023_01DB40BB.AF22D370',
        'Content-Type: application/pdf;',
        '\tname="02 Schriftsatz.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        '\tfilename="02 Schriftsatz.pdf"',
        '',
        ...b64(b),
        '',
        '------=_NextPart_000_0023_01DB40BB.AF22D370',
        'Content-Type: application/pdf;',
        '\tname="03 Anlage K1.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        '\tfilename="03 Anlage K1.pdf"',
        '',
        ...b64(c),
        '',
        '------=_NextPart_000_0023_01DB40BB.AF22D370--',
        '',
      ],
    });
  }

  // 26. Mixed recipients: a person and a fax in To, the same fax number again in Cc written as
  //     0049 with spaces (one fax), another number in Cc, a group syntax, and a Bcc-less envelope.
  {
    const doc = note('mixed-recipients-dedupe', await pdf(1, 'Mixed', 595));
    list.push({
      name: 'mixed-recipients-dedupe',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'max.mustermann.fax@gmail.com',
        rcpt: `+493012345630@${FAX}`,
        helo: 'mail-lf1-f50.google.com',
        ip: '209.85.167.50',
        date: `${D} 14:44:44 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@gmail.com'],
        dmarc: 'pass header.from=gmail.com',
      },
      message: [
        ...dkimSig('gmail.com', '20230601', 'mime-version:from:date:message-id:subject:to:cc'),
        'MIME-Version: 1.0',
        'From: Max Mustermann <max.mustermann.fax@gmail.com>',
        `Date: ${D} 15:44:40 +0100`,
        'Message-ID: <CAF3k9xS1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R9s0@mail.gmail.com>',
        'Subject: Mahnung',
        `To: Erika Mustermann <erika.mustermann@gmail.com>, "Fax Amt" <+493012345630@${FAX}>`,
        `Cc: "0049 30 1234 5630"@${FAX}, Steuerberater: +4921112345678@FAX.localhost;`,
        'Content-Type: multipart/mixed; boundary="000000000000c1d2e30622f40a77"',
        '',
        '--000000000000c1d2e30622f40a77',
        'Content-Type: multipart/alternative; boundary="000000000000c1d2e10622f40a75"',
        '',
        '--000000000000c1d2e10622f40a75',
        'Content-Type: text/plain; charset="UTF-8"',
        '',
        'Mahnung anbei.',
        '',
        '--000000000000c1d2e10622f40a75',
        'Content-Type: text/html; charset="UTF-8"',
        '',
        '<div dir="ltr">Mahnung anbei.</div>',
        '',
        '--000000000000c1d2e10622f40a75--',
        '--000000000000c1d2e30622f40a77',
        'Content-Type: application/pdf; name="Mahnung.pdf"',
        'Content-Disposition: attachment; filename="Mahnung.pdf"',
        'Content-Transfer-Encoding: base64',
        'X-Attachment-Id: f_m3x2aa1b0',
        'Content-ID: <f_m3x2aa1b0>',
        '',
        ...b64(doc),
        '--000000000000c1d2e30622f40a77--',
      ],
    });
  }

  // 27. An old Windows mailer (The Bat!): raw 8-bit ISO-8859-1 in Subject and display name, no
  //     encoded words; latin-1 text body; LF line ends.
  {
    const doc = note('latin1-8bit-headers', await pdf(1, 'Latin-1', 595));
    list.push({
      name: 'latin1-8bit-headers',
      lf: true,
      latin1: true,
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'gerd@baeckerei-schaefer.example',
        rcpt: `+493012345631@${FAX}`,
        helo: 'mail.baeckerei-schaefer.example',
        ip: '198.51.100.222',
        date: `${D} 06:06:06 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@baeckerei-schaefer.example'],
        dmarc: 'pass header.from=baeckerei-schaefer.example',
      },
      message: [
        `Date: ${D} 07:06:05 +0100`,
        'From: Gerd Schäfer <gerd@baeckerei-schaefer.example>',
        'X-Mailer: The Bat! (v10.5.3) Professional',
        'Reply-To: Gerd Schäfer <gerd@baeckerei-schaefer.example>',
        'Message-ID: <1728394056.20261127070605@baeckerei-schaefer.example>',
        `To: +493012345631@${FAX}`,
        'Subject: Bestellbestätigung Brötchen',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed;',
        ' boundary="----------0A1B2C3D4E5F6071"',
        '',
        '------------0A1B2C3D4E5F6071',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Grüße aus der Backstube.',
        '',
        '------------0A1B2C3D4E5F6071',
        'Content-Type: application/pdf;',
        ' name="Bestätigung.pdf"',
        'Content-transfer-encoding: base64',
        'Content-Disposition: attachment;',
        ' filename="Bestätigung.pdf"',
        '',
        ...b64(doc),
        '------------0A1B2C3D4E5F6071--',
        '',
      ],
    });
  }

  // 28. Very long folded headers: a References chain, a long encoded Subject, a folded To.
  {
    const doc = note('long-folded-headers', await pdf(1, 'Folded', 595));
    const refs = Array.from({ length: 14 }, (_, i) => `<thread-${i}-a8f3c2d1e0b9@mustermann-gmbh.example>`);
    const subject =
      'AW: AW: WG: AW: Rückfrage zur Rechnung 2026-11-0042 – bitte dringend per Fax an die Buchhaltung weiterleiten, Frist läuft am Montag ab';
    const words = subject.match(/.{1,30}/gu) ?? [];
    list.push({
      name: 'long-folded-headers',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'buchhaltung@mustermann-gmbh.example',
        rcpt: `+493012345632@${FAX}`,
        helo: 'smtp.mustermann-gmbh.example',
        ip: '198.51.100.140',
        date: `${D} 15:15:15 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@mustermann-gmbh.example'],
        dmarc: 'pass header.from=mustermann-gmbh.example',
      },
      message: [
        ...dkimSig(
          'mustermann-gmbh.example',
          'fe',
          'Date:From:To:Message-ID:Subject:MIME-Version:Content-Type:References:In-Reply-To',
        ),
        `Date: ${D} 16:15:14 +0100`,
        'From: "Buchhaltung der Mustermann GmbH & Co. KG, Niederlassung Berlin-Charlottenburg"',
        ' <buchhaltung@mustermann-gmbh.example>',
        `To: "Finanzamt Charlottenburg, Veranlagungsstelle 3, z. Hd. Frau Dr. Sabine Weiss-Mueller"`,
        `\t<+493012345632@${FAX}>`,
        `Subject: ${words.map((w) => encodedWord(w, 'UTF-8')).join('\r\n ')}`,
        `In-Reply-To: ${refs.at(-1)}`,
        `References: ${refs.join('\r\n ')}`,
        'Message-ID: <f00dfeed-1234-4abc-9def-0123456789ab@mustermann-gmbh.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="----=_Part_77_1234567890.1795785314000"',
        '',
        '------=_Part_77_1234567890.1795785314000',
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        ...qp('Bitte faxen. Danke – Buchhaltung'),
        '------=_Part_77_1234567890.1795785314000',
        'Content-Type: application/pdf; name=Rechnung_2026-11-0042.pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename=Rechnung_2026-11-0042.pdf',
        '',
        ...b64(doc),
        '------=_Part_77_1234567890.1795785314000--',
      ],
    });
  }

  // 29. SPF softfail and DMARC fail (p=none), but an aligned DKIM pass: authenticated by DKIM.
  {
    const doc = note('dkim-aligned-spf-softfail', await pdf(1, 'Softfail', 595));
    list.push({
      name: 'dkim-aligned-spf-softfail',
      ses: {
        region: 'us-east-1',
        envelopeFrom: 'bounces+2981@em.newsmail.example',
        rcpt: `+493012345633@${FAX}`,
        helo: 'o1.em.newsmail.example',
        ip: '167.89.1.1',
        date: `${D} 09:09:09 +0000`,
        spf: 'softfail',
        dkim: ['pass header.i=@em.newsmail.example', 'pass header.i=@brightline-dental.example'],
        // The aligned DKIM pass makes DMARC pass: SPF's softfail alone does not fail DMARC.
        dmarc: 'pass (p=NONE sp=NONE pct=100) action=none header.from=brightline-dental.example',
      },
      message: [
        ...dkimSig(
          'brightline-dental.example',
          's1',
          'from:to:subject:date:message-id:mime-version:content-type',
        ),
        'From: Dana Ortiz <dana@brightline-dental.example>',
        `To: +493012345633@${FAX}`,
        'Subject: Records request',
        `Date: ${D} 09:09:08 +0000`,
        'Message-ID: <xy7Q2aBcDeFgHiJkLmNo@geopod-ismtpd-3>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c"',
        '',
        '--3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c',
        'Content-Type: text/plain; charset=us-ascii',
        'Content-Transfer-Encoding: 7bit',
        'Mime-Version: 1.0',
        '',
        'Records request attached.',
        '--3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c',
        'Content-Type: application/pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="records-request.pdf"',
        '',
        ...b64(doc),
        '--3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c--',
      ],
    });
  }

  // 39. Outlook set to Rich Text (or Exchange's "Always use RTF" for the domain): the PDF and a
  //     spreadsheet travel inside winmail.dat (application/ms-tnef).
  {
    const doc = note('outlook-rtf-winmail-dat', await pdf(2, 'Winmail', 595));
    const winmail = tnefOf(
      [
        { longName: 'Bestellung Müller 2026-11.pdf', shortName: 'BESTEL~1.PDF', content: doc },
        {
          longName: 'Preisliste.xlsx',
          shortName: 'PREISL~1.XLS',
          content: Buffer.from('PK\x03\x04 xlsx stand-in', 'latin1'),
        },
      ],
      new Date('2026-11-27T10:30:00Z'),
    );
    list.push({
      name: 'outlook-rtf-winmail-dat',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'einkauf@stahlbau-nord.example',
        rcpt: `+493012345634@${FAX}`,
        helo: 'mail.stahlbau-nord.example',
        ip: '198.51.100.201',
        date: `${D} 10:30:05 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@stahlbau-nord.example'],
        dmarc: 'pass header.from=stahlbau-nord.example',
      },
      message: [
        ...dkimSig(
          'stahlbau-nord.example',
          'ex2019',
          'From:To:Subject:Date:Message-ID:Content-Type:MIME-Version',
        ),
        'From: Einkauf Stahlbau Nord <einkauf@stahlbau-nord.example>',
        `To: "+493012345634@${FAX}" <+493012345634@${FAX}>`,
        'Subject: Bestellung November',
        'Thread-Topic: Bestellung November',
        'Thread-Index: AdtAxYz1a2b3c4d5e6f7g8h9i0j1kA==',
        `Date: ${D} 10:30:03 +0000`,
        'Message-ID: <4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091@EX01.stahlbau-nord.example>',
        'Accept-Language: de-DE',
        'Content-Language: de-DE',
        'X-MS-Has-Attach: yes',
        'X-MS-TNEF-Correlator: <4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091@EX01.stahlbau-nord.example>',
        'Content-Type: multipart/mixed;',
        '\tboundary="_000_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091EX01stahlbaunordexample_"',
        'MIME-Version: 1.0',
        '',
        '--_000_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091EX01stahlbaunordexample_',
        'Content-Type: text/plain; charset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Sehr geehrte Damen und Herren, anbei unsere Bestellung. Mit freundlichen Gr=',
        '=FC=DFen, Einkauf',
        '',
        '--_000_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091EX01stahlbaunordexample_',
        'Content-Type: application/ms-tnef; name="winmail.dat"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="winmail.dat"',
        '',
        ...b64(winmail),
        '',
        '--_000_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091EX01stahlbaunordexample_--',
        '',
      ],
    });
  }

  // 40. Brother MFP: no Message-ID and no Date (the relay added neither), a file name with spaces
  //     and no quotes, and the closing boundary missing (the scanner stops after the last part).
  {
    const doc = note('brother-scanner-no-message-id', await pdf(1, 'Brother', 595));
    list.push({
      name: 'brother-scanner-no-message-id',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'brother@buero-lang.example',
        rcpt: `+493012345635@${FAX}`,
        helo: 'BRN3C2AF4A1B2C3',
        ip: '198.51.100.12',
        date: `${D} 08:45:00 +0000`,
        spf: 'pass',
        dkim: [],
        dmarc: 'none header.from=buero-lang.example',
      },
      message: [
        'From: brother@buero-lang.example',
        `To: +493012345635@${FAX}`,
        'Subject: Brother MFC-L2750DW',
        'X-Mailer: E-Mail Client',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="BROTHER_BOUNDARY_0001"',
        '',
        '--BROTHER_BOUNDARY_0001',
        'Content-Type: text/plain; charset=US-ASCII',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Sent from Brother MFC-L2750DW',
        '',
        '--BROTHER_BOUNDARY_0001',
        'Content-Type: application/pdf; name=Scan 2026-11-27 094500.pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename=Scan 2026-11-27 094500.pdf',
        '',
        ...b64(doc),
        '',
      ],
    });
  }

  // 41. The fax address only in Bcc (To: the sender herself): SES received it for the fax number,
  //     but PRODUCT.md section 3 reads the numbers from To and Cc only.
  list.push({
    name: 'reject-fax-number-only-in-bcc',
    ses: {
      region: 'eu-west-1',
      envelopeFrom: 'lena.vogel@icloud.example',
      rcpt: `+493012345648@${FAX}`,
      helo: 'qs51p00im-qukt01071902.me.com',
      ip: '17.57.155.9',
      date: `${D} 17:45:00 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@icloud.example'],
      dmarc: 'pass header.from=icloud.example',
    },
    message: [
      'Content-Type: multipart/mixed;',
      '\tboundary="Apple-Mail=_2A3B4C5D-6E7F-4819-9A0B-1C2D3E4F5061"',
      'Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.200.121\\))',
      'Subject: Kopie an mich, Fax in Bcc',
      'From: Lena Vogel <lena.vogel@icloud.example>',
      `Date: ${D} 18:44:58 +0100`,
      'Message-Id: <2A3B4C5D-6E7F-4819-9A0B-1C2D3E4F5061@icloud.example>',
      'To: Lena Vogel <lena.vogel@icloud.example>',
      'X-Mailer: Apple Mail (2.3826.200.121)',
      '',
      '',
      '--Apple-Mail=_2A3B4C5D-6E7F-4819-9A0B-1C2D3E4F5061',
      'Content-Disposition: attachment;',
      '\tfilename=Antrag.pdf',
      'Content-Type: application/pdf;',
      '\tx-unix-mode=0644;',
      '\tname="Antrag.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...b64(await pdf(1, 'Bcc', 595)),
      '--Apple-Mail=_2A3B4C5D-6E7F-4819-9A0B-1C2D3E4F5061--',
      '',
    ],
  });

  // 42. Outlook 2011 for Mac (and Mail with "Windows-friendly attachments" off): the PDF as
  //     multipart/appledouble, an application/applefile half with the same name, then the file.
  {
    const doc = note('mac-outlook-2011-appledouble', await pdf(1, 'AppleDouble', 595));
    list.push({
      name: 'mac-outlook-2011-appledouble',
      ses: {
        region: 'us-east-1',
        envelopeFrom: 'dana@brightline-dental.example',
        rcpt: `+12025550147@${FAX}`,
        helo: 'mail.brightline-dental.example',
        ip: '203.0.113.99',
        date: `${D} 15:30:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@brightline-dental.example'],
        dmarc: 'pass header.from=brightline-dental.example',
      },
      message: [
        'User-Agent: Microsoft-MacOutlook/14.7.7.170905',
        `Date: Fri, 27 Nov 2026 10:29:58 -0500`,
        'Subject: Insurance form',
        'From: Dana Ortiz <dana@brightline-dental.example>',
        `To: <+12025550147@${FAX}>`,
        'Message-ID: <D4E5F6A7.1B2C3%dana@brightline-dental.example>',
        'Thread-Topic: Insurance form',
        'Mime-version: 1.0',
        'Content-type: multipart/mixed;',
        '\tboundary="B_3815213398_1284735"',
        '',
        '> This message is in MIME format. Since your mail reader does not understand',
        'this format, some or all of this message may not be legible.',
        '',
        '--B_3815213398_1284735',
        'Content-type: text/plain;',
        '\tcharset="US-ASCII"',
        'Content-transfer-encoding: 7bit',
        '',
        'Form attached.',
        '',
        '--B_3815213398_1284735',
        'Content-type: multipart/appledouble;',
        '\tboundary="B_3815213398_1279351"',
        '',
        '',
        '--B_3815213398_1279351',
        'Content-type: application/applefile; name="Insurance form.pdf"',
        'Content-disposition: attachment;',
        '\tfilename="Insurance form.pdf"',
        'Content-transfer-encoding: base64',
        '',
        ...b64(appleFileOf('double', 'Insurance form.pdf')),
        '',
        '--B_3815213398_1279351',
        'Content-type: application/pdf; name="Insurance form.pdf";',
        ' x-mac-creator="4341524F";',
        ' x-mac-type="50444620"',
        'Content-disposition: attachment;',
        '\tfilename="Insurance form.pdf"',
        'Content-transfer-encoding: base64',
        '',
        ...b64(doc),
        '',
        '--B_3815213398_1279351--',
        '',
        '',
        '--B_3815213398_1284735--',
        '',
      ],
    });
  }

  // 45. Outlook with "Send clear text signed message" off: opaque-signed S/MIME, the whole message
  //     (text and PDF) inside smime.p7m as BER with indefinite lengths and a chunked content.
  {
    const doc = note('outlook-opaque-signed-p7m', await pdf(1, 'Opaque signed', 595));
    const entity = [
      'Content-Type: multipart/mixed;',
      '\tboundary="----=_NextPart_000_0011_01DB40C5.1A2B3C40"',
      '',
      'This is a multipart message in MIME format.',
      '',
      '------=_NextPart_000_0011_01DB40C5.1A2B3C40',
      'Content-Type: text/plain;',
      '\tcharset="iso-8859-1"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Anbei der Bescheid zur Weiterleitung.',
      '',
      '------=_NextPart_000_0011_01DB40C5.1A2B3C40',
      'Content-Type: application/pdf;',
      '\tname="Bescheid 2026-118.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment;',
      '\tfilename="Bescheid 2026-118.pdf"',
      '',
      ...b64(doc),
      '',
      '------=_NextPart_000_0011_01DB40C5.1A2B3C40--',
      '',
    ].join('\r\n');
    list.push({
      name: 'outlook-opaque-signed-p7m',
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'notariat@notar-kurz.example',
        rcpt: `+493012345636@${FAX}`,
        helo: 'mail.notar-kurz.example',
        ip: '198.51.100.160',
        date: `${D} 11:20:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@notar-kurz.example'],
        dmarc: 'pass header.from=notar-kurz.example',
      },
      message: [
        ...dkimSig('notar-kurz.example', 'sel1', 'From:To:Subject:Date:Message-ID:Content-Type:MIME-Version'),
        'From: Notariat Kurz <notariat@notar-kurz.example>',
        `To: +493012345636@${FAX}`,
        'Subject: Bescheid 2026-118',
        `Date: ${D} 12:19:58 +0100`,
        'Message-ID: <001101db40c5$1a2b3c40$4e5f6070$@notar-kurz.example>',
        'MIME-Version: 1.0',
        'Content-Type: application/pkcs7-mime;',
        '\tsmime-type=signed-data;',
        '\tname="smime.p7m"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        '\tfilename="smime.p7m"',
        'X-Mailer: Microsoft Outlook 16.0',
        'Content-Language: de',
        'Thread-Index: AdtAxRorPEBOX2BwTl9gcA==',
        '',
        ...b64(signedDataOf(Buffer.from(entity), 'outlook-ber')),
        '',
      ],
    });
  }

  // 46. Google Workspace without its own DKIM key: signed only by the gappssmtp.com domain (not
  //     aligned), no DMARC record; SPF passes for the sender's own domain, which aligns.
  {
    const doc = note('google-workspace-gappssmtp-dkim', await pdf(1, 'Workspace', 595));
    list.push({
      name: 'google-workspace-gappssmtp-dkim',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'anna@praxis-lindner.example',
        rcpt: `+493012345637@${FAX}`,
        helo: 'mail-ed1-f46.google.com',
        ip: '209.85.208.46',
        date: `${D} 09:40:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@praxis-lindner-example.20230601.gappssmtp.com'],
        dmarc: 'none header.from=praxis-lindner.example',
      },
      message: [
        ...dkimSig(
          'praxis-lindner-example.20230601.gappssmtp.com',
          '20230601',
          'mime-version:from:date:message-id:subject:to',
        ),
        'MIME-Version: 1.0',
        'From: Anna Lindner <anna@praxis-lindner.example>',
        `Date: ${D} 10:39:58 +0100`,
        'Message-ID: <CAHx3p9Ld2m4n6P8r0T2v4X6z8B0d2F4h6J8l0N2p4R6t8V0x2Z@mail.gmail.com>',
        'Subject: =?UTF-8?Q?=C3=9Cberweisung_an_Facharzt?=',
        `To: +493012345637@${FAX}`,
        'Content-Type: multipart/mixed; boundary="000000000000d4e5f60622f4bb11"',
        '',
        '--000000000000d4e5f60622f4bb11',
        'Content-Type: multipart/alternative; boundary="000000000000d4e5f50622f4bb0f"',
        '',
        '--000000000000d4e5f50622f4bb0f',
        'Content-Type: text/plain; charset="UTF-8"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Mit freundlichen Gr=C3=BC=C3=9Fen',
        '',
        '--000000000000d4e5f50622f4bb0f',
        'Content-Type: text/html; charset="UTF-8"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<div dir=3D"ltr">Mit freundlichen Gr=C3=BC=C3=9Fen</div>',
        '',
        '--000000000000d4e5f50622f4bb0f--',
        '--000000000000d4e5f60622f4bb11',
        'Content-Type: application/pdf; name="Ueberweisung.pdf"',
        'Content-Disposition: attachment; filename="Ueberweisung.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-ID: <f_m3y0ab1c0>',
        'X-Attachment-Id: f_m3y0ab1c0',
        '',
        ...b64(doc),
        '--000000000000d4e5f60622f4bb11--',
      ],
    });
  }

  // 47. Microsoft 365 without custom DKIM: signed by the onmicrosoft tenant only, DMARC none; SPF
  //     for the sender's domain passes (Exchange Online sends with the user's address as MAIL FROM).
  {
    const doc = note('m365-tenant-dkim-only', await pdf(3, 'M365', 595));
    list.push({
      name: 'm365-tenant-dkim-only',
      ses: {
        region: 'us-east-1',
        envelopeFrom: 'office@handwerk-ziegler.example',
        rcpt: `+493012345638@${FAX}`,
        helo: 'EUR02-DB5-obe.outbound.protection.outlook.com',
        ip: '40.107.249.41',
        date: `${D} 09:50:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@handwerkziegler.onmicrosoft.example'],
        dmarc: 'none header.from=handwerk-ziegler.example',
      },
      message: [
        ...dkimSig(
          'handwerkziegler.onmicrosoft.example',
          'selector1-handwerkziegler-example',
          'From:Date:Subject:Message-ID:Content-Type:MIME-Version',
        ),
        'From: Handwerk Ziegler <office@handwerk-ziegler.example>',
        `To: "+493012345638@${FAX}" <+493012345638@${FAX}>`,
        'Subject: Kostenvoranschlag',
        'Thread-Topic: Kostenvoranschlag',
        'Thread-Index: AdtAzZ1a2b3c4d5e6f7g8h9i0j1k2w==',
        `Date: ${D} 09:49:58 +0000`,
        'Message-ID: <AS8PR02MB9123A1B2C3D4E5F60718293A4B5C6@AS8PR02MB9123.eurprd02.prod.outlook.example>',
        'Accept-Language: de-DE',
        'Content-Language: de-DE',
        'X-MS-Has-Attach: yes',
        'X-MS-TNEF-Correlator:',
        'Content-Type: multipart/mixed;',
        '\tboundary="_004_AS8PR02MB9123A1B2C3D4E5F60718293A4B5C6AS8PR02MB9123eurp_"',
        'MIME-Version: 1.0',
        '',
        '--_004_AS8PR02MB9123A1B2C3D4E5F60718293A4B5C6AS8PR02MB9123eurp_',
        'Content-Type: text/plain; charset="us-ascii"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Anbei der Kostenvoranschlag.',
        '',
        '--_004_AS8PR02MB9123A1B2C3D4E5F60718293A4B5C6AS8PR02MB9123eurp_',
        'Content-Type: application/pdf; name="KVA_2026_311.pdf"',
        'Content-Description: KVA_2026_311.pdf',
        `Content-Disposition: attachment; filename="KVA_2026_311.pdf"; size=${doc.length};`,
        '\tcreation-date="Fri, 27 Nov 2026 09:49:40 GMT";',
        '\tmodification-date="Fri, 27 Nov 2026 09:49:58 GMT"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(doc),
        '',
        '--_004_AS8PR02MB9123A1B2C3D4E5F60718293A4B5C6AS8PR02MB9123eurp_--',
        '',
      ],
    });
  }

  // 48. Proton Mail: PGP/MIME signed (multipart/signed around the message), the sender's public key
  //     attached automatically, parameters without spaces after ';'.
  {
    const doc = note('proton-pgp-signed-public-key', await pdf(1, 'Proton', 595));
    const key = [
      '-----BEGIN PGP PUBLIC KEY BLOCK-----',
      'Version: ProtonMail',
      '',
      `${createHash('sha512').update('public key').digest('base64')}`,
      '=Ab12',
      '-----END PGP PUBLIC KEY BLOCK-----',
      '',
    ].join('\r\n');
    list.push({
      name: 'proton-pgp-signed-public-key',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'mara.weiss@proton.example',
        rcpt: `+493012345639@${FAX}`,
        helo: 'mail-40131.protonmail.ch',
        ip: '185.70.40.131',
        date: `${D} 13:33:33 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@proton.example'],
        dmarc: 'pass header.from=proton.example',
      },
      message: [
        ...dkimSig(
          'proton.example',
          'protonmail3',
          'Date:To:From:Subject:Message-ID:MIME-Version:Content-Type',
        ),
        `Date: ${D} 13:33:31 +0000`,
        `To: "+493012345639@${FAX}" <+493012345639@${FAX}>`,
        'From: Mara Weiss <mara.weiss@proton.example>',
        'Subject: Antrag Elternzeit',
        'Message-ID: <Xy1z2A3b4C5d6E7f8G9h0I1j2K3l4M5n6O7p8Q9r0S1t2U3v4W5x6Y7z8A9b0C1d2E3f4G5h6I7j8K9l0M1n2O3p4Q==@proton.example>',
        'X-Pm-Message-ID: 4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b',
        'X-Pm-Spamscore: 0',
        'MIME-Version: 1.0',
        'Content-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary="------8e1a2b3c4d5e6f70a1b2c3d4e5f60718"; charset=utf-8',
        '',
        'This is an OpenPGP/MIME signed message (RFC 4880 and 3156)',
        '--------8e1a2b3c4d5e6f70a1b2c3d4e5f60718',
        'Content-Type: multipart/mixed;boundary=---------------------5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f',
        '',
        '-----------------------5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f',
        'Content-Type: text/html;charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64('<div style="font-family: Arial, sans-serif; font-size: 14px;">Anbei der Antrag.</div>'),
        '-----------------------5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f',
        'Content-Type: application/pdf; filename="Antrag Elternzeit.pdf"; name="Antrag Elternzeit.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="Antrag Elternzeit.pdf"; name="Antrag Elternzeit.pdf"',
        '',
        ...b64(doc),
        '-----------------------5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f',
        'Content-Type: application/pgp-keys; filename="publickey - mara.weiss@proton.example - 0x1A2B3C4D.asc"; name="publickey - mara.weiss@proton.example - 0x1A2B3C4D.asc"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="publickey - mara.weiss@proton.example - 0x1A2B3C4D.asc"; name="publickey - mara.weiss@proton.example - 0x1A2B3C4D.asc"',
        '',
        ...b64(key),
        '-----------------------5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f--',
        '',
        '--------8e1a2b3c4d5e6f70a1b2c3d4e5f60718',
        'Content-Type: application/pgp-signature; name="signature.asc"',
        'Content-Description: OpenPGP digital signature',
        'Content-Disposition: attachment; filename="signature.asc"',
        '',
        '-----BEGIN PGP SIGNATURE-----',
        'Version: ProtonMail',
        '',
        `${createHash('sha512').update('signature').digest('base64')}`,
        '=Zx9y',
        '-----END PGP SIGNATURE-----',
        '',
        '--------8e1a2b3c4d5e6f70a1b2c3d4e5f60718--',
        '',
      ],
    });
  }

  // ---- Mail that is answered with a rejection, or dropped ----

  // 43. Exchange's out-of-office answer to a faxgate reply, sent back to fax@<fax domain>: an
  //     allowed sender, but Auto-Submitted, so nothing is faxed and nothing is answered.
  list.push({
    name: 'exchange-out-of-office-to-reply',
    ses: {
      region: 'eu-west-1',
      envelopeFrom: 'j.schmidt@kanzlei-weber.example',
      rcpt: `fax@${FAX}`,
      helo: 'EUR05-AM6-obe.outbound.protection.outlook.com',
      ip: '40.107.22.92',
      date: `${D} 08:41:20 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@kanzlei-weber.example'],
      dmarc: 'pass header.from=kanzlei-weber.example',
    },
    message: [
      ...dkimSig(
        'kanzlei-weber.example',
        'selector1',
        'From:Date:Subject:Message-ID:Content-Type:MIME-Version',
      ),
      'From: "Schmidt, Julia" <j.schmidt@kanzlei-weber.example>',
      `To: fax@${FAX}`,
      'Subject: Automatische Antwort: Fax queued to +493012345610: Angebot 2026-114',
      'Thread-Topic: Fax queued to +493012345610: Angebot 2026-114',
      `Date: ${D} 08:41:19 +0000`,
      'Message-ID: <AM9PR08MB6100OOF0123456789ABCDEF@AM9PR08MB6100.eurprd08.prod.outlook.example>',
      'In-Reply-To: <0a1b2c3d-reply@fax.localhost>',
      'References: <AM9PR08MB6100F1E2D3C4B5A6978812ABCDEF0@AM9PR08MB6100.eurprd08.prod.outlook.example>',
      ' <0a1b2c3d-reply@fax.localhost>',
      'Auto-Submitted: auto-generated',
      'X-MS-Exchange-Inbox-Rules-Loop: j.schmidt@kanzlei-weber.example',
      'X-Auto-Response-Suppress: All',
      'Content-Language: de-DE',
      'X-MS-Has-Attach:',
      'Content-Type: text/plain; charset="iso-8859-1"',
      'Content-Transfer-Encoding: quoted-printable',
      'MIME-Version: 1.0',
      '',
      'Ich bin bis 4. Dezember nicht im B=FCro.',
      '',
    ],
  });

  // 44. A bounce (DSN) from the firm's own Postfix, whose domain is on the allowlist, to a fax
  //     address, with the returned message and its PDF inside. Bounces carry Auto-Submitted (RFC
  //     3834); it must be dropped as a loop risk, never faxed.
  list.push({
    name: 'drop-bounce-from-mailer-daemon',
    ses: {
      region: 'eu-west-1',
      envelopeFrom: '',
      rcpt: `+493012345649@${FAX}`,
      helo: 'mail.kanzlei-weber.example',
      ip: '198.51.100.30',
      date: `${D} 18:00:00 +0000`,
      spf: 'none',
      dkim: ['pass header.i=@kanzlei-weber.example'],
      dmarc: 'pass header.from=kanzlei-weber.example',
    },
    message: [
      ...dkimSig(
        'kanzlei-weber.example',
        'mail',
        'From:To:Subject:Date:Message-Id:Auto-Submitted:Content-Type',
      ),
      'Received: by mail.kanzlei-weber.example (Postfix)',
      `\tid 4YmzQ1Kx2Pz9sTT; ${D} 19:00:00 +0100 (CET)`,
      `Date: ${D} 19:00:00 +0100 (CET)`,
      'From: MAILER-DAEMON@kanzlei-weber.example (Mail Delivery System)',
      'Subject: Undelivered Mail Returned to Sender',
      `To: +493012345649@${FAX}`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status;',
      '\tboundary="4YmzQ1Kx2Pz9sTT.1795802400/mail.kanzlei-weber.example"',
      'Content-Transfer-Encoding: 8bit',
      'Message-Id: <20261127180000.4YmzQ1Kx2Pz9sTT@mail.kanzlei-weber.example>',
      '',
      'This is a MIME-encapsulated message.',
      '',
      '--4YmzQ1Kx2Pz9sTT.1795802400/mail.kanzlei-weber.example',
      'Content-Description: Notification',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mail.kanzlei-weber.example.',
      '',
      "I'm sorry to have to inform you that your message could not",
      'be delivered to one or more recipients.',
      '',
      '--4YmzQ1Kx2Pz9sTT.1795802400/mail.kanzlei-weber.example',
      'Content-Description: Delivery report',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mail.kanzlei-weber.example',
      '',
      'Final-Recipient: rfc822; akte@gericht.example',
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--4YmzQ1Kx2Pz9sTT.1795802400/mail.kanzlei-weber.example',
      'Content-Description: Undelivered Message',
      'Content-Type: message/rfc822',
      'Content-Transfer-Encoding: 8bit',
      '',
      'From: "Schmidt, Julia" <j.schmidt@kanzlei-weber.example>',
      'To: akte@gericht.example',
      'Subject: Schriftsatz',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="inner-b"',
      '',
      '--inner-b',
      'Content-Type: application/pdf; name="Schriftsatz.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...b64(await pdf(1, 'Bounced', 595)),
      '--inner-b--',
      '',
      '--4YmzQ1Kx2Pz9sTT.1795802400/mail.kanzlei-weber.example--',
    ],
  });

  // 30. Gmail for iOS: a photo and a Word file, no PDF.
  list.push({
    name: 'reject-no-pdf-photo-and-docx',
    ses: {
      region: 'us-east-1',
      envelopeFrom: 'max.mustermann.fax@gmail.com',
      rcpt: `+493012345640@${FAX}`,
      helo: 'mail-pj1-f44.google.com',
      ip: '209.85.216.44',
      date: `${D} 17:00:00 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@gmail.com'],
      dmarc: 'pass header.from=gmail.com',
    },
    message: [
      ...dkimSig('gmail.com', '20230601', 'to:subject:message-id:date:from:mime-version'),
      'MIME-Version: 1.0',
      'From: Max Mustermann <max.mustermann.fax@gmail.com>',
      `Date: ${D} 18:00:00 +0100`,
      'Message-ID: <CAF3k9xT9z8Y7x6W5v4U3t2S1r0Q9p8O7n6M5l4K3j2I1h0@mail.gmail.com>',
      'Subject: Foto vom Formular',
      `To: +493012345640@${FAX}`,
      'Content-Type: multipart/mixed; boundary="000000000000e5f6a70622f45b21"',
      '',
      '--000000000000e5f6a70622f45b21',
      'Content-Type: text/plain; charset="UTF-8"',
      '',
      'Gesendet von Gmail Mobile',
      '',
      '--000000000000e5f6a70622f45b21',
      'Content-Type: image/jpeg; name="IMG_4021.jpeg"',
      'Content-Disposition: attachment; filename="IMG_4021.jpeg"',
      'Content-Transfer-Encoding: base64',
      'X-Attachment-Id: 18f3c2a1b0d9e8f7_0.2',
      'Content-ID: <18f3c2a1b0d9e8f7_0.2>',
      '',
      ...b64(JPEG),
      '--000000000000e5f6a70622f45b21',
      'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; ',
      '\tname="Formular.docx"',
      'Content-Disposition: attachment; filename="Formular.docx"',
      'Content-Transfer-Encoding: base64',
      'X-Attachment-Id: 18f3c2a1b0d9e8f7_0.3',
      'Content-ID: <18f3c2a1b0d9e8f7_0.3>',
      '',
      ...b64(DOCX),
      '--000000000000e5f6a70622f45b21--',
    ],
  });

  // 31. A password-protected PDF from Acrobat, sent from Apple Mail.
  list.push({
    name: 'reject-encrypted-pdf',
    ses: {
      region: 'eu-west-1',
      envelopeFrom: 'lena.vogel@icloud.example',
      rcpt: `+493012345641@${FAX}`,
      helo: 'qs51p00im-qukt01071902.me.com',
      ip: '17.57.155.9',
      date: `${D} 17:05:00 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@icloud.example'],
      dmarc: 'pass header.from=icloud.example',
    },
    message: [
      'Content-Type: multipart/mixed;',
      '\tboundary="Apple-Mail=_1F2E3D4C-5B6A-4798-8A7B-6C5D4E3F2A1B"',
      'Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.200.121\\))',
      'Subject: Gehaltsabrechnung',
      'From: Lena Vogel <lena.vogel@icloud.example>',
      `Date: ${D} 18:04:58 +0100`,
      'Message-Id: <9F8E7D6C-5B4A-4392-8170-6F5E4D3C2B1A@icloud.example>',
      `To: +493012345641@${FAX}`,
      'X-Mailer: Apple Mail (2.3826.200.121)',
      '',
      '',
      '--Apple-Mail=_1F2E3D4C-5B6A-4798-8A7B-6C5D4E3F2A1B',
      'Content-Transfer-Encoding: 7bit',
      'Content-Type: text/plain;',
      '\tcharset=us-ascii',
      '',
      'Anbei.',
      '',
      '--Apple-Mail=_1F2E3D4C-5B6A-4798-8A7B-6C5D4E3F2A1B',
      'Content-Disposition: attachment;',
      '\tfilename=Gehaltsabrechnung_11_2026.pdf',
      'Content-Type: application/pdf;',
      '\tx-unix-mode=0644;',
      '\tname="Gehaltsabrechnung_11_2026.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...b64(encryptedPdf()),
      '--Apple-Mail=_1F2E3D4C-5B6A-4798-8A7B-6C5D4E3F2A1B--',
      '',
    ],
  });

  // 32. A PDF cut off half way (an interrupted download), sent with Thunderbird.
  {
    const whole = await pdf(3, 'Cut off', 595);
    list.push({
      name: 'reject-damaged-pdf',
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'jonas.becker@posteo.example',
        rcpt: `+493012345642@${FAX}`,
        helo: 'mout02.posteo.example',
        ip: '185.67.36.66',
        date: `${D} 17:10:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@posteo.example'],
        dmarc: 'pass header.from=posteo.example',
      },
      message: [
        'Content-Type: multipart/mixed; boundary="------------b2C3d4E5f6G7h8I9j0K1l2M3"',
        'Message-ID: <deadbeef-0000-4111-8222-333344445555@posteo.example>',
        `Date: ${D} 18:09:59 +0100`,
        'MIME-Version: 1.0',
        'User-Agent: Mozilla Thunderbird',
        `To: +493012345642@${FAX}`,
        'From: Jonas Becker <jonas.becker@posteo.example>',
        'Subject: Kontoauszug',
        '',
        'This is a multi-part message in MIME format.',
        '--------------b2C3d4E5f6G7h8I9j0K1l2M3',
        'Content-Type: application/pdf; name="Kontoauszug.pdf"',
        'Content-Disposition: attachment; filename="Kontoauszug.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...b64(whole.slice(0, Math.floor(whole.length * 0.4)), 72),
        '',
        '--------------b2C3d4E5f6G7h8I9j0K1l2M3--',
        '',
      ],
    });
  }

  // 33. iOS "Share": a photo saved under a .pdf name.
  list.push({
    name: 'reject-png-named-pdf',
    ses: {
      region: 'eu-west-1',
      envelopeFrom: 'lena.vogel@icloud.example',
      rcpt: `+493012345643@${FAX}`,
      helo: 'st43p00im-ztfb10071701.me.com',
      ip: '17.58.63.177',
      date: `${D} 17:15:00 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@icloud.example'],
      dmarc: 'pass header.from=icloud.example',
    },
    message: [
      'From: Lena Vogel <lena.vogel@icloud.example>',
      'Content-Type: multipart/mixed; boundary=Apple-Mail-0A9B8C7D-6E5F-4A3B-8C2D-1E0F9A8B7C6D',
      'Content-Transfer-Encoding: 7bit',
      'Mime-Version: 1.0 (1.0)',
      'Subject: Beleg',
      'Message-Id: <0A9B8C7D-6E5F-4A3B-8C2D-1E0F9A8B7C6D@icloud.example>',
      `Date: ${D} 18:14:58 +0100`,
      `To: +493012345643@${FAX}`,
      'X-Mailer: iPhone Mail (22B83)',
      '',
      '',
      '--Apple-Mail-0A9B8C7D-6E5F-4A3B-8C2D-1E0F9A8B7C6D',
      'Content-Type: application/pdf;',
      '\tname=Beleg.pdf;',
      '\tx-unix-mode=0666',
      'Content-Disposition: inline;',
      '\tfilename=Beleg.pdf',
      'Content-Transfer-Encoding: base64',
      '',
      ...b64(PNG),
      '--Apple-Mail-0A9B8C7D-6E5F-4A3B-8C2D-1E0F9A8B7C6D--',
    ],
  });

  // 34. One valid and two invalid numbers: the valid one is faxed, the reply names the others.
  {
    const doc = note('invalid-number-among-valid', await pdf(1, 'Partly', 595));
    list.push({
      name: 'invalid-number-among-valid',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'sabine@familie-hartmann.example',
        rcpt: `+493012345644@${FAX}`,
        helo: 'mx.familie-hartmann.example',
        ip: '198.51.100.77',
        date: `${D} 17:20:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@familie-hartmann.example'],
        dmarc: 'pass header.from=familie-hartmann.example',
      },
      message: [
        `Date: ${D} 18:19:58 +0100`,
        'From: Sabine Hartmann <sabine@familie-hartmann.example>',
        'Subject: Kuendigung',
        `To: +493012345644@${FAX}, +49123@${FAX}, fax-buero@${FAX}`,
        'Message-ID: <2B3C4D5E-6F70-4819-A2B3-C4D5E6F70812@familie-hartmann.example>',
        'User-Agent: K-9 Mail for Android',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed;',
        ' boundary="----Q8W7E6R5T4Y3U2I1O0P9A8S7D6F5G4"',
        'Content-Transfer-Encoding: 7bit',
        '',
        '------Q8W7E6R5T4Y3U2I1O0P9A8S7D6F5G4',
        'Content-Type: text/plain;',
        ' charset=utf-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Kuendigung anbei.',
        '------Q8W7E6R5T4Y3U2I1O0P9A8S7D6F5G4',
        'Content-Type: application/pdf;',
        ' name=Kuendigung.pdf',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment;',
        ' filename=Kuendigung.pdf',
        '',
        ...b64(doc),
        '------Q8W7E6R5T4Y3U2I1O0P9A8S7D6F5G4--',
      ],
    });
  }

  // 35. Only invalid numbers (a typo'd number and a name): rejected, nothing faxed.
  list.push({
    name: 'reject-only-invalid-numbers',
    ses: {
      region: 'eu-west-1',
      envelopeFrom: 'sabine@familie-hartmann.example',
      rcpt: `+4930@${FAX}`,
      helo: 'mx.familie-hartmann.example',
      ip: '198.51.100.77',
      date: `${D} 17:25:00 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@familie-hartmann.example'],
      dmarc: 'pass header.from=familie-hartmann.example',
    },
    message: [
      `Date: ${D} 18:24:58 +0100`,
      'From: Sabine Hartmann <sabine@familie-hartmann.example>',
      'Subject: Test',
      `To: +4930@${FAX}, Praxis Dr. Wolf <praxis.wolf@${FAX}>`,
      'Message-ID: <3C4D5E6F-7081-4923-B4C5-D6E7F8091A2B@familie-hartmann.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="----Z1X2C3V4B5N6M7"',
      '',
      '------Z1X2C3V4B5N6M7',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Test',
      '------Z1X2C3V4B5N6M7',
      'Content-Type: application/pdf; name=Test.pdf',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename=Test.pdf',
      '',
      ...b64(await pdf(1, 'Never sent', 595)),
      '------Z1X2C3V4B5N6M7--',
    ],
  });

  // 36. Authenticated, but not on the allowlist: rejected with a reply that says how to get on it.
  list.push({
    name: 'reject-not-allowlisted',
    ses: {
      region: 'us-east-1',
      envelopeFrom: 'someone.else@gmail.com',
      rcpt: `+493012345645@${FAX}`,
      helo: 'mail-yw1-f172.google.com',
      ip: '209.85.128.172',
      date: `${D} 17:30:00 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@gmail.com'],
      dmarc: 'pass header.from=gmail.com',
    },
    message: [
      'MIME-Version: 1.0',
      'From: Someone Else <someone.else@gmail.com>',
      `Date: ${D} 18:30:00 +0100`,
      'Message-ID: <CAB1c2D3e4F5g6H7i8J9k0L1m2N3o4P5q6R7s8T9u0V1w2@mail.gmail.com>',
      'Subject: Fax please',
      `To: +493012345645@${FAX}`,
      'Content-Type: multipart/mixed; boundary="000000000000f6a7b80622f46c32"',
      '',
      '--000000000000f6a7b80622f46c32',
      'Content-Type: text/plain; charset="UTF-8"',
      '',
      'Please fax.',
      '',
      '--000000000000f6a7b80622f46c32',
      'Content-Type: application/pdf; name="letter.pdf"',
      'Content-Disposition: attachment; filename="letter.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...b64(await pdf(1, 'Not allowed', 595)),
      '--000000000000f6a7b80622f46c32--',
    ],
  });

  // 37. SES judged it spam: dropped, no reply, even though the sender is on the list.
  list.push({
    name: 'drop-spam-verdict-fail',
    ses: {
      region: 'eu-west-1',
      envelopeFrom: 'max.mustermann.fax@gmail.com',
      rcpt: `+493012345646@${FAX}`,
      helo: 'mail-wm1-f41.google.com',
      ip: '209.85.128.41',
      date: `${D} 17:35:00 +0000`,
      spam: 'FAIL',
      spf: 'pass',
      dkim: ['pass header.i=@gmail.com'],
      dmarc: 'pass header.from=gmail.com',
    },
    message: [
      'MIME-Version: 1.0',
      'From: Max Mustermann <max.mustermann.fax@gmail.com>',
      `Date: ${D} 18:35:00 +0100`,
      'Message-ID: <CAF3k9xU0spam0000000000000000000000000000@mail.gmail.com>',
      'Subject: Gewinnspiel',
      `To: +493012345646@${FAX}`,
      'X-SES-Spam-Verdict: PASS',
      'Content-Type: multipart/mixed; boundary="000000000000a1a1a10622f47d43"',
      '',
      '--000000000000a1a1a10622f47d43',
      'Content-Type: application/pdf; name="gewinn.pdf"',
      'Content-Disposition: attachment; filename="gewinn.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...b64(await pdf(1, 'Spam', 595)),
      '--000000000000a1a1a10622f47d43--',
    ],
  });

  // 38. A From domain on the list, but signed only by a bulk sender's domain and SPF for another:
  //     not authenticated, dropped without a reply (it may be forged).
  list.push({
    name: 'drop-unaligned-dkim',
    ses: {
      region: 'us-east-1',
      envelopeFrom: 'bounce-7731@mailer.bulkpost.example',
      rcpt: `+493012345647@${FAX}`,
      helo: 'out-12.mailer.bulkpost.example',
      ip: '192.0.2.212',
      date: `${D} 17:40:00 +0000`,
      spf: 'pass',
      dkim: ['pass header.i=@bulkpost.example'],
      dmarc: 'fail (p=QUARANTINE sp=QUARANTINE pct=100) action=quarantine header.from=kanzlei-weber.example',
    },
    message: [
      ...dkimSig('bulkpost.example', 'bp1', 'From:To:Subject:Date:Message-ID:MIME-Version:Content-Type'),
      'From: "Schmidt, Julia" <j.schmidt@kanzlei-weber.example>',
      `To: +493012345647@${FAX}`,
      'Subject: Dringend',
      `Date: ${D} 18:40:00 +0100`,
      'Message-ID: <bp.7731.1795797600@mailer.bulkpost.example>',
      'Authentication-Results: amazonses.com; dkim=pass header.i=@kanzlei-weber.example; dmarc=pass header.from=kanzlei-weber.example;',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="bp-7731"',
      '',
      '--bp-7731',
      'Content-Type: application/pdf; name="dringend.pdf"',
      'Content-Disposition: attachment; filename="dringend.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...b64(await pdf(1, 'Forged', 595)),
      '--bp-7731--',
    ],
  });

  // Mutt on Linux: a PDF that is mostly text goes quoted-printable (mutt picks the shorter of QP and
  // base64), every CR and LF of it escaped, soft breaks only; the MTA makes the line ends CRLF.
  {
    const doc = note('mutt-quoted-printable-pdf', textPdf('\n', 'Mutt quoted-printable', true));
    list.push({
      name: 'mutt-quoted-printable-pdf',
      ses: {
        region: 'eu-west-1',
        envelopeFrom: 'peter@linuxhaus.example',
        rcpt: `+493012345660@${FAX}`,
        helo: 'mail.linuxhaus.example',
        ip: '203.0.113.45',
        date: `${D} 14:02:10 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@linuxhaus.example'],
        dmarc: 'pass header.from=linuxhaus.example',
      },
      message: [
        'Received: by mail.linuxhaus.example (Postfix, from userid 1000)',
        `	id 4Ymq7C0d1Fz1abc; ${D} 15:02:09 +0100 (CET)`,
        ...dkimSig('linuxhaus.example', 'mail', 'Date:From:To:Subject:Message-ID:MIME-Version:Content-Type'),
        `Date: ${D} 15:02:09 +0100`,
        'From: Peter Kruse <peter@linuxhaus.example>',
        `To: +493012345660@${FAX}`,
        'Subject: Antrag',
        'Message-ID: <Z0c3mT9qLx2Ab7Rk@linuxhaus.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="4Zq8kS1oGxUv3yXb"',
        'Content-Disposition: inline',
        'User-Agent: Mutt/2.2.12 (2023-09-09)',
        '',
        '',
        '--4Zq8kS1oGxUv3yXb',
        'Content-Type: text/plain; charset=us-ascii',
        'Content-Disposition: inline',
        '',
        'Bitte faxen.',
        '',
        '--4Zq8kS1oGxUv3yXb',
        'Content-Type: application/pdf',
        'Content-Disposition: attachment; filename="antrag.pdf"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        // mutt writes `\n--boundary` right after the encoded body: no blank line, no hard break.
        quotedPrintable(doc, '\r\n', 'binary'),
        '--4Zq8kS1oGxUv3yXb--',
      ],
    });
  }

  // A shop's own PHP script: the PDF written raw with Content-Transfer-Encoding 8bit, the mail
  // saved with Unix line ends (its LF line breaks are the PDF's own).
  {
    const doc = note('php-script-8bit-pdf-lf', textPdf('\n', 'PHP 8bit', true));
    list.push({
      name: 'php-script-8bit-pdf-lf',
      lf: true,
      latin1: true,
      ses: {
        region: 'eu-central-1',
        envelopeFrom: 'www-data@web01.shop-moebel.example',
        rcpt: `+493012345661@${FAX}`,
        helo: 'web01.shop-moebel.example',
        ip: '203.0.113.80',
        date: `${D} 16:20:00 +0000`,
        spf: 'pass',
        dkim: ['pass header.i=@shop-moebel.example'],
        dmarc: 'pass header.from=shop-moebel.example',
      },
      message: [
        ...dkimSig(
          'shop-moebel.example',
          'phpmailer',
          'Date:To:From:Subject:Message-ID:MIME-Version:Content-Type',
        ),
        `Date: ${D} 17:19:59 +0100`,
        `To: +493012345661@${FAX}`,
        'From: Shop Moebel <rechnung@shop-moebel.example>',
        'Subject: Rechnung 100240',
        'Message-ID: <5f1e2d3c4b5a@web01.shop-moebel.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="shop-100240"',
        '',
        '--shop-100240',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Rechnung anbei.',
        '--shop-100240',
        'Content-Type: application/pdf; name="Rechnung-100240.pdf"',
        'Content-Disposition: attachment; filename="Rechnung-100240.pdf"',
        'Content-Transfer-Encoding: 8bit',
        '',
        Buffer.from(doc).toString('latin1'),
        '--shop-100240--',
      ],
    });
  }

  return list;
}

async function main(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const mails = await corpus();
  for (const mail of mails) {
    const lines = [...sesLines({ ...mail.ses, id: sesId(mail.name) }), ...mail.message];
    const eol = mail.lf ? '\n' : '\r\n';
    // A multi-line entry (a folded header built in one string) follows the file's line ends too.
    const text = lines.join('\n').replace(/\r?\n/g, eol);
    writeFileSync(join(outDir, `${mail.name}.eml`), Buffer.from(text, mail.latin1 ? 'latin1' : 'utf8'));
  }
  console.log(`${mails.length} mails written to ${outDir}`);
  for (const [name, digest] of Object.entries(digests)) console.log(`${name}: '${digest}',`);
}

await main();
