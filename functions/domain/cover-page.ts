// The cover page made from the mail (issue 14): who it is to and from, the date, the subject, the
// page count with the cover included, and the sender's own words, set in DejaVu Sans (Latin, Greek,
// Cyrillic and more), embedded as a subset. A character the font has no glyph for prints as the
// replacement character, never disappears and never throws.
//
// The body flows onto continuation pages, at most MAX_COVER_PAGES in all; the rest is cut with a
// note on the page saying so (a cover page is a memo; a long text belongs in an attached PDF).
//
// The fonts come in as bytes (the gateway reads them once, see functions/adapters/cover-assets.ts);
// fontkit is imported only when a cover page is made (see cover-kit.ts), so mails without one never
// load it.

import { type PDFDocument, type PDFFont, type PDFImage, type PDFPage, rgb } from '@cantoo/pdf-lib';
import { loadCoverKit } from './cover-kit.ts';
import { imageKindOf } from './image-formats.ts';
import { PAGE_SIZES, type PageSize } from './image-pages.ts';

/** What the cover page says; plain data, so it can cross to the document worker. */
export interface CoverPage {
  /** Each fax number (as dialled) with the name the address gave, if any. */
  to: { number: string; name?: string }[];
  from: { address: string; name?: string };
  /** The date line as it is printed. */
  date: string;
  subject: string;
  /** The sender's words (see cover-text.ts), lines separated by `\n`. */
  body: string;
  /** The admin's company line, printed at the top. */
  company?: string;
}

export interface CoverAssets {
  regularFont: Uint8Array;
  boldFont: Uint8Array;
  /** The admin's logo (PNG or JPEG), never anything from the mail. */
  logo?: Uint8Array;
}

/** Cover pages at most: the first and its continuations. */
export const MAX_COVER_PAGES = 5;
/** Recipients listed by name and number; more are counted. */
const MAX_LISTED_RECIPIENTS = 8;

const MARGIN = 56; // about 20 mm
const BODY_SIZE = 11;
const BODY_LEADING = 14.5;
const LABEL_SIZE = 11;
const LABEL_WIDTH = 72;
const FOOTER_SIZE = 8.5;
const LOGO_MAX = { width: 180, height: 54 };
const GREY = rgb(0.35, 0.35, 0.35);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  /** Code points both fonts can show. */
  shown: Set<number>;
  replacement: string;
}

/** The cover laid out: how many pages it takes, and how to draw them once the fax's total is known. */
export interface CoverLayout {
  pages: number;
  /** Adds the cover pages to the document (before any other page is added). */
  draw(totalPages: number): void;
}

/** Embeds the fonts (and the logo) into `doc` and lays the cover out. */
export async function layoutCover(
  doc: PDFDocument,
  cover: CoverPage,
  assets: CoverAssets,
  pageSize: PageSize,
): Promise<CoverLayout> {
  const fonts = await embedFonts(doc, assets);
  const logo = assets.logo ? await embedLogo(doc, assets.logo) : undefined;
  const [width, height] = PAGE_SIZES[pageSize];
  const textWidth = width - 2 * MARGIN;
  const printable = (text: string) => printableText(text, fonts);
  const labelWidth = measure(fonts.regular, LABEL_SIZE);
  const bodyWidth = measure(fonts.regular, BODY_SIZE);

  const fields: [string, string][] = [
    ['To:', recipientsLine(cover.to)],
    ['From:', cover.from.name ? `${cover.from.name} <${cover.from.address}>` : cover.from.address],
    ['Date:', cover.date],
    ['Subject:', cover.subject || '(no subject)'],
  ];
  const fieldLines = fields.map(
    ([label, value]) => [label, wrap(printable(value), labelWidth, textWidth - LABEL_WIDTH)] as const,
  );
  const header = headerHeight(logo, cover.company) + 40; // the title and the space under it
  const fieldsHeight = (fieldLines.reduce((n, [, lines]) => n + lines.length, 0) + 1) * 16 + 24;
  const firstBodyTop = height - MARGIN - header - fieldsHeight;
  const bottom = MARGIN + 24; // room for the footer
  const perFirst = Math.max(0, Math.floor((firstBodyTop - bottom) / BODY_LEADING));
  const continuationTop = height - MARGIN - 28;
  const perNext = Math.floor((continuationTop - bottom) / BODY_LEADING);

  const capacity = perFirst + perNext * (MAX_COVER_PAGES - 1);
  const body: string[] = [];
  const paragraphs = cover.body.split('\n');
  for (const [index, paragraph] of paragraphs.entries()) {
    const lines = wrap(printable(paragraph), bodyWidth, textWidth);
    if (body.length + lines.length > capacity) {
      // Cut where the pages end, with a note that says so.
      const room = Math.max(0, capacity - 2 - body.length);
      body.length = Math.min(body.length, capacity - 2);
      body.push(...lines.slice(0, room));
      const left = [...lines.slice(room), ...paragraphs.slice(index + 1)].join(' ').trim().length;
      body.push(
        '',
        printable(
          `[The rest of the message (${left} characters) is not faxed: a cover page runs to at most ${MAX_COVER_PAGES} pages.]`,
        ),
      );
      break;
    }
    body.push(...lines);
  }
  const pages = body.length <= perFirst ? 1 : 1 + Math.ceil((body.length - perFirst) / perNext);

  return {
    pages,
    draw(totalPages) {
      const footer = (page: PDFPage, n: number) =>
        page.drawText(printable(`Page ${n} of ${totalPages}`), {
          x: MARGIN,
          y: MARGIN,
          size: FOOTER_SIZE,
          font: fonts.regular,
          color: GREY,
        });
      const page = doc.addPage([width, height]);
      let y = height - MARGIN;
      y = drawHeader(page, { logo, company: cover.company, fonts, y, width, printable });
      page.drawText('FAX', { x: MARGIN, y: y - 26, size: 26, font: fonts.bold });
      y -= 40;
      page.drawLine({ start: { x: MARGIN, y }, end: { x: width - MARGIN, y }, thickness: 1 });
      y -= 22;
      const pagesLine = `${totalPages} (this cover page included)`;
      for (const [label, lines] of [...fieldLines, ['Pages:', [pagesLine]] as const]) {
        page.drawText(label, { x: MARGIN, y, size: LABEL_SIZE, font: fonts.bold });
        for (const line of lines) {
          page.drawText(line, { x: MARGIN + LABEL_WIDTH, y, size: LABEL_SIZE, font: fonts.regular });
          y -= 16;
        }
      }
      y += 4;
      page.drawLine({ start: { x: MARGIN, y }, end: { x: width - MARGIN, y }, thickness: 1 });
      footer(page, 1);
      let at = 0;
      y = firstBodyTop;
      let current = page;
      let count = perFirst;
      for (let n = 1; n <= pages; n++) {
        if (n > 1) {
          current = doc.addPage([width, height]);
          current.drawText(printable(`Fax from ${cover.from.address}, continued`), {
            x: MARGIN,
            y: height - MARGIN,
            size: FOOTER_SIZE,
            font: fonts.regular,
            color: GREY,
          });
          footer(current, n);
          y = continuationTop;
          count = perNext;
        }
        for (const line of body.slice(at, at + count)) {
          y -= BODY_LEADING;
          if (line) current.drawText(line, { x: MARGIN, y, size: BODY_SIZE, font: fonts.regular });
        }
        at += count;
      }
    },
  };
}

function recipientsLine(to: CoverPage['to']): string {
  const listed = to
    .slice(0, MAX_LISTED_RECIPIENTS)
    .map((r) => (r.name ? `${r.name} (${r.number})` : r.number));
  const more = to.length - listed.length;
  return listed.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

function headerHeight(logo: PDFImage | undefined, company: string | undefined): number {
  const logoHeight = logo ? logoSize(logo).height + 10 : 0;
  return Math.max(logoHeight, company ? 20 : 0);
}

function logoSize(logo: PDFImage): { width: number; height: number } {
  const scale = Math.min(1, LOGO_MAX.width / logo.width, LOGO_MAX.height / logo.height);
  return { width: logo.width * scale, height: logo.height * scale };
}

/** The logo at the top left, the company line at the top right; the y under them. */
function drawHeader(
  page: PDFPage,
  options: {
    logo: PDFImage | undefined;
    company: string | undefined;
    fonts: Fonts;
    y: number;
    width: number;
    printable: (text: string) => string;
  },
): number {
  const { logo, company, fonts, y, width, printable } = options;
  if (logo) {
    const size = logoSize(logo);
    page.drawImage(logo, { x: MARGIN, y: y - size.height, ...size });
  }
  if (company) {
    const line = printable(company);
    const size = 12;
    const lineWidth = Math.min(fonts.bold.widthOfTextAtSize(line, size), width - 2 * MARGIN);
    page.drawText(line, { x: width - MARGIN - lineWidth, y: y - size, size, font: fonts.bold });
  }
  return y - headerHeight(logo, company);
}

async function embedFonts(doc: PDFDocument, assets: CoverAssets): Promise<Fonts> {
  const { fontkit } = await loadCoverKit();
  doc.registerFontkit(fontkit);
  const regular = await doc.embedFont(assets.regularFont, { subset: true });
  const bold = await doc.embedFont(assets.boldFont, { subset: true });
  const boldSet = new Set(bold.getCharacterSet());
  const shown = new Set(regular.getCharacterSet().filter((c) => boldSet.has(c)));
  return { regular, bold, shown, replacement: shown.has(0xfffd) ? '\uFFFD' : '?' };
}

async function embedLogo(doc: PDFDocument, bytes: Uint8Array): Promise<PDFImage | undefined> {
  const kind = imageKindOf(bytes);
  try {
    if (kind === 'png') return await doc.embedPng(bytes);
    if (kind === 'jpeg') return await doc.embedJpg(bytes);
  } catch {
    // A logo that cannot be read leaves the cover without one rather than the fax unsent.
  }
  return undefined;
}

/**
 * Text the fonts can draw: composed (NFC), tabs as spaces, control and format characters (zero-width
 * spaces, soft hyphens, direction marks) removed, every other character without a glyph replaced.
 */
export function printableText(text: string, fonts: Pick<Fonts, 'shown' | 'replacement'>): string {
  let out = '';
  for (const char of text.normalize('NFC').replace(/\t/g, '    ')) {
    const code = char.codePointAt(0) as number;
    if (/[\p{Cc}\p{Cf}]/u.test(char)) continue;
    out += fonts.shown.has(code) || char === ' ' ? char : fonts.replacement;
  }
  return out;
}

/**
 * A measure of text at one size: the sum of each character's advance, each measured once (fontkit's
 * layout costs about a millisecond a call). It leaves kerning out, which mostly narrows text, so a
 * line measured to fit does fit.
 */
function measure(font: PDFFont, size: number): (text: string) => number {
  const advance = new Map<string, number>();
  return (text) => {
    let width = 0;
    for (const char of text) {
      let w = advance.get(char);
      if (w === undefined) {
        w = font.widthOfTextAtSize(char, size);
        advance.set(char, w);
      }
      width += w;
    }
    return width;
  };
}

/** One line of text broken into lines no wider than `width`; a word wider than a line is broken too. */
function wrap(text: string, widthOf: (text: string) => number, width: number): string[] {
  if (text.trim() === '') return [''];
  const fits = (s: string) => widthOf(s) <= width;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(?<=\s)(?=\S)/)) {
    const candidate = line + word;
    if (fits(candidate.trimEnd())) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line.trimEnd());
    line = '';
    let rest = word;
    while (!fits(rest.trimEnd())) {
      // No line holds 400 characters at these sizes: a long word costs its lines, not its square.
      const chars = [...rest.slice(0, 400)];
      let n = 1;
      while (n + 1 < chars.length && fits(chars.slice(0, n + 1).join(''))) n++;
      const head = chars.slice(0, n).join('');
      lines.push(head);
      rest = rest.slice(head.length);
    }
    line = rest;
  }
  if (line.trimEnd() || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
