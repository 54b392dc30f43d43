// What each mail of the corpus must produce when it is written into the bucket of `npm start`:
// the numbers that reach faxrocks (E.164, once each), the document they get (one PDF byte for byte,
// or several merged), the ledger's outcome, and what the reply in the outbox says, or that there
// is none. Written by hand from what the mail is, not from what faxgate does.

export type ExpectedDocument =
  /** One PDF, sent as it came: its SHA-256 (as make-corpus.ts printed it) and page count. */
  | { kind: 'identical'; sha256: string; pages: number }
  /** Several PDFs merged in mail order: every page's width, in order (each file has its own). */
  | { kind: 'merged'; pageWidths: number[] };

export interface ExpectedReply {
  /** The authenticated From address (never Reply-To). */
  to: string;
  subject: RegExp;
  /** Each must appear in the reply text. */
  says: (string | RegExp)[];
  /** None may appear in the reply text. */
  neverSays?: (string | RegExp)[];
}

export interface CorpusExpectation {
  /** The file in test/corpus/mail, without `.eml`. */
  mail: string;
  outcome: 'ACCEPTED' | 'REJECTED' | 'DROPPED';
  /** The ledger's reason for a rejection or drop. */
  reason?: string;
  /** Numbers that must reach faxrocks, each exactly once. */
  numbers: string[];
  document?: ExpectedDocument;
  /** `none`: no reply at all (dropped, or an automatic sender that must not be answered). */
  reply: ExpectedReply | 'none';
}

/** Allowlist entries, added through the admin CLI's code path: exact addresses and whole domains. */
export const corpusAllowlist = [
  '@kanzlei-weber.example',
  'dana@brightline-dental.example',
  'max.mustermann.fax@gmail.com',
  'lena.vogel@icloud.example',
  'jonas.becker@posteo.example',
  '@linuxhaus.example',
  'sabine@familie-hartmann.example',
  'tom@team.mustermann-gmbh.example',
  '@Stahlbau-Nord.example',
  'R.Adams@Contoso-Legal.example',
  '@buero-lang.example',
  '@shop-moebel.example',
  'reports@datawerk.example',
  '@vertrieb-sued.example',
  'notariat@notar-kurz.example',
  'gerd@baeckerei-schaefer.example',
  'buchhaltung@mustermann-gmbh.example',
  'anna@praxis-lindner.example',
  '@handwerk-ziegler.example',
  'mara.weiss@proton.example',
];

/** The sandbox's price per page: the queued reply's estimated cost is pages times this. */
const PRICE_PER_PAGE = 0.09;

/** The queued reply's line for a number: number, pages, estimated cost. */
export function queuedLine(number: string, pages: number): RegExp {
  const cost = (Math.round(pages * PRICE_PER_PAGE * 100) / 100).toFixed(2);
  const escaped = number.replace('+', '\\+');
  return new RegExp(`${escaped}\\s+${pages} pages?\\s+estimated cost ${cost.replace('.', '\\.')}`);
}

function queued(
  mail: string,
  to: string,
  numbers: string[],
  document: ExpectedDocument,
  extra: Partial<ExpectedReply> & { ignored?: string[] } = {},
): CorpusExpectation {
  const pages = document.kind === 'identical' ? document.pages : document.pageWidths.length;
  const ignored = extra.ignored
    ? {
        says: [`Not faxed (only PDF, JPEG, PNG and TIFF files are faxed): ${extra.ignored.join(', ')}`],
        neverSays: [],
      }
    : { says: [], neverSays: [/Not faxed/] };
  return {
    mail,
    outcome: 'ACCEPTED',
    numbers,
    document,
    reply: {
      to,
      subject: extra.subject ?? /^Fax queued(: |$)/,
      says: [...numbers.map((n) => queuedLine(n, pages)), ...ignored.says, ...(extra.says ?? [])],
      neverSays: [...ignored.neverSays, ...(extra.neverSays ?? [])],
    },
  };
}

function rejected(mail: string, to: string, reason: string, says: (string | RegExp)[]): CorpusExpectation {
  return {
    mail,
    outcome: 'REJECTED',
    reason,
    numbers: [],
    reply: { to, subject: /^Fax not sent/, says: ['Your email was not faxed.', ...says] },
  };
}

export const corpusExpectations: CorpusExpectation[] = [
  queued(
    'outlook-windows-related-logo',
    'j.schmidt@kanzlei-weber.example',
    ['+493012345610'],
    {
      kind: 'identical',
      sha256: '3445ed7164b6918eb4b0a7a03ca0edf70cc5ba3ec870b8964ae4173d8a5beadf',
      pages: 2,
    },
    // The signature logo is part of the HTML, not an attachment the sender chose.
    { subject: /^Fax queued: Angebot 2026-114$/, says: ['Angebot 2026-114.pdf'] },
  ),
  queued(
    'outlook-windows-rfc2047-filename',
    'k.mueller@kanzlei-weber.example',
    ['+493012345611'],
    {
      kind: 'identical',
      sha256: '87efd9dd689df446db2aa87efa3c33887b4e2e2fd4859cea29989e660ca9ac48',
      pages: 1,
    },
    { subject: /: Kündigung Mietvertrag$/, says: ['Kündigung Mietvertrag – Müller.pdf'] },
  ),
  queued(
    'outlook-mac',
    'dana@brightline-dental.example',
    ['+12125550123'],
    {
      kind: 'identical',
      sha256: '1ade180ab1e10dae721f29c292fd46be514037da2de1dad0393991d693de9e0b',
      pages: 1,
    },
    { says: ['Referral_2291.pdf'] },
  ),
  queued(
    'gmail-web-cc',
    'max.mustermann.fax@gmail.com',
    ['+493012345612', '+4940123456'],
    {
      kind: 'identical',
      sha256: 'cfdeedc82f0d4bf072884cc4aaee85b7d24702282c9d4a93727e9435a813b8ec',
      pages: 3,
    },
    { says: ['Estimated cost in all: 0.54'], neverSays: ['erika'] },
  ),
  queued(
    'gmail-android-national-number',
    'max.mustermann.fax@gmail.com',
    ['+493012345613'],
    {
      kind: 'identical',
      sha256: '6e4641d677e68f1e9890823ebf3bcc6b4447f85cbaabec6327b30c286ef2c064',
      pages: 1,
    },
    { subject: /: Überweisung$/, says: ['Überweisungsträger.pdf'] },
  ),
  queued(
    'apple-mail-macos-inline',
    'lena.vogel@icloud.example',
    ['+493012345614'],
    {
      kind: 'identical',
      sha256: 'd583c969a747e1ed8d94de7193cff34bbb646680779577e064638de2ca1aece3',
      pages: 2,
    },
    { says: ['Vertrag unterschrieben.pdf'] },
  ),
  queued(
    'ios-mail',
    'lena.vogel@icloud.example',
    ['+493012345615'],
    {
      kind: 'identical',
      sha256: '077edde568eaef91a880ed3b02fecbc63f456786e630b1ec1f4c5769d29f8811',
      pages: 1,
    },
    { says: ['Scan.pdf'] },
  ),
  queued(
    'thunderbird-rfc2231-continuation',
    'jonas.becker@posteo.example',
    ['+493012345616'],
    {
      kind: 'identical',
      sha256: '6ed1c84e394fca01a14565e6ace2bd89c4fc12e56c97ff1bfdf5ab4cb5cd4516',
      pages: 1,
    },
    {
      subject: /: Widerspruch gegen den Bescheid vom 3\. November – Aktenzeichen 4711\/26$/,
      says: ['Widerspruch gegen den Bescheid vom 3. November – Aktenzeichen 4711/26 (unterschrieben).pdf'],
    },
  ),
  queued(
    'thunderbird-two-pdfs-merged',
    'jonas.becker@posteo.example',
    ['+493012345617'],
    { kind: 'merged', pageWidths: [420, 420, 595, 595, 595] },
    { says: ['Anschreiben.pdf (2 pages), Anlage § 12.pdf (3 pages)', 'merged into one fax'] },
  ),
  queued('evolution', 'peter@linuxhaus.example', ['+493012345618'], {
    kind: 'identical',
    sha256: '0f845fa8b0b7b1cd4d01df350c801b01337fc97499f710de010042d3a2b755fe',
    pages: 1,
  }),
  queued('k9-mail-00-number', 'sabine@familie-hartmann.example', ['+41446681800'], {
    kind: 'identical',
    sha256: 'f6fe8630b8918d3204922182d7421c1e9b03c1748708d3032d4653c4e19de34a',
    pages: 1,
  }),
  queued(
    'fairemail-quoted-local-part',
    'tom@team.mustermann-gmbh.example',
    ['+493012345619', '+4989123456'],
    {
      kind: 'identical',
      sha256: 'cfabcb931f3667734449fd8a81636ab32a7884cc24490c0d5436b05d7092028d',
      pages: 1,
    },
  ),
  queued(
    'lotus-notes-octet-stream',
    'hans.meier@stahlbau-nord.example',
    ['+493012345620'],
    {
      kind: 'identical',
      sha256: '266b894c978c7147a3811f368204ee468a0e1865dc82f08e67f0332e7a4fff17',
      pages: 1,
    },
    { says: ['AB_26-0815.pdf'] },
  ),
  queued(
    'exchange-owa-octet-stream',
    'r.adams@contoso-legal.example',
    ['+33142685300'],
    {
      kind: 'identical',
      sha256: 'c74af487e2da47aea16c373c6f2a45f9377438dd97d7dde5710ae8d5724feea3',
      pages: 2,
    },
    { says: ['NDA_SIGNED.PDF'] },
  ),
  queued('ricoh-scanner-spf-only', 'scanner@buero-lang.example', ['+493012345621'], {
    kind: 'identical',
    sha256: 'f96e2f269717fc085f4f4a0146c39d0da7e7bb12e0b7f553446e5bd38293c5f9',
    pages: 4,
  }),
  queued(
    'canon-scanner-no-disposition',
    'canon-ir@buero-lang.example',
    ['+493012345622'],
    {
      kind: 'identical',
      sha256: 'd42d96787a9fc9836e93303538e6867e4a003cc1149f90d8752cb1b55bb20eb9',
      pages: 1,
    },
    { says: ['SCAN0001.PDF'] },
  ),
  {
    // A scanner's Auto-Submitted mail is faxed but never answered (RFC 3834).
    mail: 'xerox-scanner-auto-submitted',
    outcome: 'ACCEPTED',
    numbers: ['+493012345623'],
    document: {
      kind: 'identical',
      sha256: 'c08cb03874b4ee6c16999427d1a9536472d7aa24a49e9d4d08d122cb77676d46',
      pages: 1,
    },
    reply: 'none',
  },
  queued('hp-scanner-single-part', 'hp-mfp@buero-lang.example', ['+493012345624'], {
    kind: 'identical',
    sha256: 'ff48df0c3739d898c31855bc1150d701945349843a3fcdc3ffc1b248006ca9ab',
    pages: 2,
  }),
  queued('konica-scanner-lf-uppercase', 'bizhub@buero-lang.example', ['+493012345625'], {
    kind: 'identical',
    sha256: '627a33b78bf31e02b97067f080e18c8ad9c71ecc997131603b7b0cf9a1e5637f',
    pages: 1,
  }),
  queued('phpmailer-reply-to', 'bestellung@shop-moebel.example', ['+493012345626'], {
    kind: 'identical',
    sha256: '7b247ca4c4f06189657f78d3689d4d4f51e295b2a45510024718a4295a3bfffc',
    pages: 1,
  }),
  // Sent quoted-printable and 8bit: the PDF reaches faxrocks with the bytes that were attached.
  queued('mutt-quoted-printable-pdf', 'peter@linuxhaus.example', ['+493012345660'], {
    kind: 'identical',
    sha256: '59d0353c0b7221fb71ccc9416f9005cd6f508919a6a513afc8a18d55f64f7b58',
    pages: 1,
  }),
  queued('php-script-8bit-pdf-lf', 'rechnung@shop-moebel.example', ['+493012345661'], {
    kind: 'identical',
    sha256: 'b93864e1ee57f1b44287f0685ba52761112d43e5e850d8037af39426f2e2dfca',
    pages: 1,
  }),
  queued('python-email-filename-only', 'reports@datawerk.example', ['+43158858'], {
    kind: 'identical',
    sha256: '77a513233d00c8b72a9dd0dbaf1de8c1fa48b83c72955d3b6e1d0d432bf26290',
    pages: 1,
  }),
  queued(
    'javamail-twelve-numbers',
    'crm@vertrieb-sued.example',
    Array.from({ length: 12 }, (_, i) => `+4930123457${10 + i}`),
    {
      kind: 'identical',
      sha256: '2f9dcfe6c92d3a3084699696193e5ef8ddf999448365994650b0fb7cf3aa78cf',
      pages: 1,
    },
    { says: ['Estimated cost in all: 1.08'] },
  ),
  queued(
    'forwarded-as-attachment',
    'jonas.becker@posteo.example',
    ['+493012345627'],
    {
      kind: 'identical',
      sha256: '2c47e60a94059372c5b36968b2ebc3d3bb16c89d4f8648521ff09acc973d663f',
      pages: 1,
    },
    { says: ['Rechnung-88112.pdf'] },
  ),
  queued(
    'smime-signed',
    'notariat@notar-kurz.example',
    ['+493012345628'],
    {
      kind: 'identical',
      sha256: '854fc598a4d226177710bf2e8f3a216713a9bde36f3fefa5984234f6937bd534',
      pages: 1,
    },
    { neverSays: ['smime.p7s'] },
  ),
  {
    ...queued('outlook-three-pdfs-and-docx', 'j.schmidt@kanzlei-weber.example', ['+493012345629'], {
      kind: 'merged',
      pageWidths: [300, 595, 595, 842],
    }),
    reply: {
      to: 'j.schmidt@kanzlei-weber.example',
      subject: /^Fax queued(: |$)/,
      says: [
        queuedLine('+493012345629', 4),
        'Documents (4 pages in all): 01 Deckblatt.pdf (1 page), 02 Schriftsatz.pdf (2 pages), 03 Anlage K1.pdf (1 page)',
        'Not faxed (only PDF, JPEG, PNG and TIFF files are faxed): Entwurf.docx',
      ],
    },
  },
  queued(
    'mixed-recipients-dedupe',
    'max.mustermann.fax@gmail.com',
    ['+493012345630', '+4921112345678'],
    {
      kind: 'identical',
      sha256: '2049963678d7ca5b3f935262aa47b349b5863f8f35307128afc42c87b882305c',
      pages: 1,
    },
    { neverSays: ['erika', 'not fax numbers'] },
  ),
  queued(
    'latin1-8bit-headers',
    'gerd@baeckerei-schaefer.example',
    ['+493012345631'],
    {
      kind: 'identical',
      sha256: '1c3ac33806c9beda29e597b184de9a39afbfe309e13a036989de6d6fcd496de9',
      pages: 1,
    },
    { subject: /: Bestellbestätigung Brötchen$/, says: ['Bestätigung.pdf'] },
  ),
  queued(
    'long-folded-headers',
    'buchhaltung@mustermann-gmbh.example',
    ['+493012345632'],
    {
      kind: 'identical',
      sha256: '8918d528695e3054bfdfefe25bb8d95defe24fdb407437c680017c3de8207822',
      pages: 1,
    },
    { subject: /: AW: AW: WG: AW: Rückfrage zur Rechnung 2026-11-0042 – bitte dringend .* am Montag ab$/ },
  ),
  queued('dkim-aligned-spf-softfail', 'dana@brightline-dental.example', ['+493012345633'], {
    kind: 'identical',
    sha256: '275107b3572981a7b49ce64a07f1d5e1a88014f21e15374da8b043a8057bddb5',
    pages: 1,
  }),
  {
    ...queued('invalid-number-among-valid', 'sabine@familie-hartmann.example', ['+493012345644'], {
      kind: 'identical',
      sha256: 'eaf9374bdd3de6749f90625af5a2076f50893a4b8c796717e0017972e99aedce',
      pages: 1,
    }),
    reply: {
      to: 'sabine@familie-hartmann.example',
      subject: /^Fax queued: Kuendigung$/,
      says: [
        queuedLine('+493012345644', 1),
        'nothing was sent to them',
        /\+49123@fax\.localhost: .*not a valid fax number/,
        /fax-buero@fax\.localhost: .*is not a fax number/,
      ],
    },
  },

  queued(
    'outlook-rtf-winmail-dat',
    'einkauf@stahlbau-nord.example',
    ['+493012345634'],
    {
      kind: 'identical',
      sha256: 'b400b9ddfa289a56eac570c50e0cbd05abfb4ac0f51b1a31c666f743eea6c3c6',
      pages: 2,
    },
    {
      ignored: ['Preisliste.xlsx'],
      says: ['Document: Bestellung Müller 2026-11.pdf (2 pages)'],
      neverSays: ['winmail.dat'],
    },
  ),
  // No Message-ID: the reply cannot thread, but still goes out (matched by subject in the test).
  queued(
    'brother-scanner-no-message-id',
    'brother@buero-lang.example',
    ['+493012345635'],
    {
      kind: 'identical',
      sha256: '1d0b1550394ef25ccebda4f209b7c8a71884e1efcadb619de8b7bed6a2804b91',
      pages: 1,
    },
    { subject: /^Fax queued: Brother MFC-L2750DW$/, says: ['Scan 2026-11-27 094500.pdf'] },
  ),

  // The applefile half carries the PDF's name but not its content: neither a second document nor
  // an ignored attachment.
  queued(
    'mac-outlook-2011-appledouble',
    'dana@brightline-dental.example',
    ['+12025550147'],
    {
      kind: 'identical',
      sha256: '077d8e07720e4ff88983b6330740f441c26e42a2426c9dec0fee35a9ba8293dc',
      pages: 1,
    },
    { says: ['Document: Insurance form.pdf (1 page)'] },
  ),

  queued(
    'outlook-opaque-signed-p7m',
    'notariat@notar-kurz.example',
    ['+493012345636'],
    {
      kind: 'identical',
      sha256: '4e03ea6fe96e4a11a68a27930df2ba32f975c5d9486001e0fbfec38802e2318d',
      pages: 1,
    },
    { says: ['Document: Bescheid 2026-118.pdf (1 page)'], neverSays: ['smime.p7m'] },
  ),

  queued(
    'google-workspace-gappssmtp-dkim',
    'anna@praxis-lindner.example',
    ['+493012345637'],
    {
      kind: 'identical',
      sha256: '349ae084e3f19d75f14c4594f64f651f5f20502767c86ecb2efa3ca4dcb3ac12',
      pages: 1,
    },
    { subject: /: Überweisung an Facharzt$/ },
  ),
  queued('m365-tenant-dkim-only', 'office@handwerk-ziegler.example', ['+493012345638'], {
    kind: 'identical',
    sha256: 'db3438f7b8b552aabaa4c9958d97c4acb8b6486c75b7e8edfdd91d3c4620f793',
    pages: 3,
  }),

  // The PGP signature and the automatically attached public key are a seal, not files to list.
  queued(
    'proton-pgp-signed-public-key',
    'mara.weiss@proton.example',
    ['+493012345639'],
    {
      kind: 'identical',
      sha256: 'e0acf7f965223a3af92e74f9e0a84189eb9b6c5e601bd00b7bbe055266f3bba2',
      pages: 1,
    },
    { says: ['Document: Antrag Elternzeit.pdf (1 page)'], neverSays: ['signature.asc', 'publickey'] },
  ),

  // The "photo" is a JPEG's first bytes and no picture: faxed pictures are read, so it is damaged.
  rejected('reject-no-pdf-photo-and-docx', 'max.mustermann.fax@gmail.com', 'damaged', [
    'IMG_4021.jpeg',
    /damaged/,
  ]),
  rejected('reject-encrypted-pdf', 'lena.vogel@icloud.example', 'encrypted', [
    'Gehaltsabrechnung_11_2026.pdf',
    /password/,
  ]),
  rejected('reject-damaged-pdf', 'jonas.becker@posteo.example', 'damaged', ['Kontoauszug.pdf', /damaged/]),
  rejected('reject-png-named-pdf', 'lena.vogel@icloud.example', 'not-a-pdf', ['Beleg.pdf', /not a PDF/]),
  rejected('reject-only-invalid-numbers', 'sabine@familie-hartmann.example', 'no-fax-recipients', [
    /\+4930@fax\.localhost: .*not a valid fax number/,
    /praxis\.wolf@fax\.localhost: .*is not a fax number/,
    /international form/,
  ]),
  // PRODUCT.md section 3 reads fax numbers from To and Cc; a Bcc'd fax address is told so.
  rejected('reject-fax-number-only-in-bcc', 'lena.vogel@icloud.example', 'no-fax-recipients', [
    '+493012345648@fax.localhost received this email as a blind copy (Bcc).',
    'Put the fax address in To or Cc',
  ]),
  rejected('reject-not-allowlisted', 'someone.else@gmail.com', 'not-allowlisted', [
    'someone.else@gmail.com is not allowed',
    'ask your administrator to add your address',
  ]),
  // An allowed sender's automatic answer to a faxgate reply: recorded, never answered (no loop).
  {
    mail: 'exchange-out-of-office-to-reply',
    outcome: 'REJECTED',
    reason: 'no-fax-recipients',
    numbers: [],
    reply: 'none',
  },
  {
    mail: 'drop-bounce-from-mailer-daemon',
    outcome: 'DROPPED',
    reason: 'loop-risk',
    numbers: [],
    reply: 'none',
  },
  { mail: 'drop-spam-verdict-fail', outcome: 'DROPPED', reason: 'spam-verdict', numbers: [], reply: 'none' },
  {
    mail: 'drop-unaligned-dkim',
    outcome: 'DROPPED',
    reason: 'not-authenticated',
    numbers: [],
    reply: 'none',
  },
];
