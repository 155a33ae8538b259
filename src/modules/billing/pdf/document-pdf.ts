/**
 * The printed billing document: an A4 French quote (DEVIS), invoice (FACTURE) or credit note (AVOIR)
 * with every mandatory mention. Invoices and credit notes are PDF/A-3b Factur-X (EN 16931): the CII XML
 * from buildFacturXml() is embedded as `factur-x.xml` (see pdfa.ts).
 *
 * Deterministic: the same BillingDocument gives the same bytes. Dates inside the PDF (Info, XMP,
 * embedded file) are the issue date at 00:00 Europe/Paris; the trailer /ID is pdfkit's MD5 of the Info
 * dictionary, which holds the number and those dates; fonts are subsetted with tags derived from fixed
 * ids; nothing reads the clock or a random source. A reprint therefore returns the very same file, and a
 * ledger check can re-render and compare hashes.
 *
 * Fonts: DejaVu Sans Condensed embedded from an npm package (fonts.ts) — PDF/A needs embedded fonts and
 * French amounts carry U+202F, which the standard PDF fonts cannot encode.
 */
import PDFDocument from 'pdfkit';
import type { BillingDocument, DocumentLine, Party } from '../document.types.ts';
import { buildFacturXml, FACTURX_FILENAME } from '../facturx/facturx.ts';
import { centsToDecimal, parisMidnight, toFrenchDate } from '../facturx/format.ts';
import {
  NO_DISCOUNT_TEXT,
  VAT_FRANCHISE_TEXT,
  dueCents,
  groupIban,
  latePenaltyMention,
  legalNameWithEi,
} from '../facturx/mentions.ts';
import { documentFonts } from './fonts.ts';
import { facturxXmp, modifyDateXmp } from './pdfa.ts';

type Pdf = PDFKit.PDFDocument;

const TITLES = { quote: 'DEVIS', invoice: 'FACTURE', credit_note: 'AVOIR' } as const;
const PAID_BY = { transfer: 'virement', cheque: 'chèque', paypal: 'PayPal' } as const;

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 48;
const LEFT = MARGIN;
const RIGHT = PAGE.width - MARGIN;
const WIDTH = RIGHT - LEFT;
const FOOTER_HEIGHT = 28;
const BOTTOM = PAGE.height - MARGIN - FOOTER_HEIGHT;

const COLOR = { text: '#1a1a1a', muted: '#5f6368', accent: '#1f4e79', rule: '#c7ccd1', fill: '#eef2f7' };

const EUR = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const QTY = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 4 });

/**
 * "1 234,56 €" formatted from the exact decimal string of the cents (Intl accepts a numeric string),
 * so no float is involved; the spaces are U+202F / U+00A0 as Intl makes them, drawn by the embedded font.
 */
export function formatEuros(cents: number): string {
  return EUR.format(centsToDecimal(cents) as `${number}`);
}

function formatRate(rate: number): string {
  return `${QTY.format(rate)} %`;
}

function groupSiret(siret: string): string {
  const s = siret.replace(/\s+/g, '');
  return /^\d{14}$/.test(s) ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6, 9)} ${s.slice(9)}` : s;
}

function registrationLabel(reg: string): string {
  const r = reg.replace(/\s+/g, '');
  if (/^\d{14}$/.test(r)) return `SIRET : ${groupSiret(r)}`;
  if (/^\d{9}$/.test(r)) return `SIREN : ${r.slice(0, 3)} ${r.slice(3, 6)} ${r.slice(6)}`;
  if (/^W\d{9}$/i.test(r)) return `RNA : ${r.toUpperCase()}`;
  return `N° d'immatriculation : ${r}`;
}

function addressLines(party: Party): string[] {
  const lines = party.addressLines.map((l) => l.trim()).filter(Boolean);
  const city = `${party.postcode} ${party.city}`.trim();
  return party.country.toUpperCase() === 'FR' ? [...lines, city] : [...lines, city, party.country.toUpperCase()];
}

/** A thin cursor over pdfkit: explicit positions, page breaks we decide (pdfkit's own would split rows). */
class Writer {
  pdf: Pdf;
  y = MARGIN;
  constructor(pdf: Pdf) {
    this.pdf = pdf;
  }

  style(size: number, bold = false, color = COLOR.text): this {
    this.pdf.font(bold ? 'bold' : 'regular').fontSize(size).fillColor(color);
    return this;
  }

  height(text: string, width: number): number {
    return this.pdf.heightOfString(text, { width, lineGap: 1 });
  }

  /** draws text at (x, y) within width, returns its height; never lets pdfkit paginate */
  at(text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center' = 'left'): number {
    const h = this.height(text, width);
    this.pdf.text(text, x, y, { width, align, lineGap: 1, height: h + 2 });
    return h;
  }

  /** a flowing paragraph over the full width */
  para(text: string, size = 9, bold = false, color = COLOR.text, gapAfter = 3): void {
    this.style(size, bold, color);
    this.ensure(this.height(text, WIDTH));
    this.y += this.at(text, LEFT, this.y, WIDTH) + gapAfter;
  }

  ensure(needed: number): boolean {
    if (this.y + needed <= BOTTOM) return false;
    this.pdf.addPage();
    this.y = MARGIN;
    return true;
  }

  rule(y = this.y, color = COLOR.rule): void {
    this.pdf.moveTo(LEFT, y).lineTo(RIGHT, y).lineWidth(0.6).strokeColor(color).stroke();
  }
}

function drawHeader(w: Writer, doc: BillingDocument): void {
  const s = doc.seller;
  const colW = 270;
  let y = MARGIN;
  w.style(18, true, COLOR.accent);
  y += w.at(s.tradeName, LEFT, y, colW) + 2;
  w.style(9.5, true);
  y += w.at(legalNameWithEi(s), LEFT, y, colW);
  w.style(9);
  const sellerLines = [
    ...addressLines(s),
    `SIRET : ${groupSiret(s.siret)}`,
    ...(s.vatNumber && !doc.vatFranchise ? [`N° TVA intracommunautaire : ${s.vatNumber}`] : []),
    ...(s.email ? [s.email] : []),
    ...(s.phone ? [`Tél. ${s.phone}`] : []),
  ];
  for (const line of sellerLines) y += w.at(line, LEFT, y, colW);

  // right: title and document facts
  const rx = LEFT + colW + 20;
  const rw = RIGHT - rx;
  let ry = MARGIN;
  w.style(22, true, COLOR.accent);
  ry += w.at(TITLES[doc.kind], rx, ry, rw, 'right') + 2;
  w.style(10, true);
  ry += w.at(`N° ${doc.number}`, rx, ry, rw, 'right') + 2;
  w.style(9);
  const facts = [`Date d'émission : ${toFrenchDate(doc.issueDate)}`];
  if (doc.kind === 'quote' && doc.validUntil) facts.push(`Valable jusqu'au : ${toFrenchDate(doc.validUntil)}`);
  if (doc.kind !== 'quote' && doc.dueDate) facts.push(`Échéance : ${toFrenchDate(doc.dueDate)}`);
  if (doc.servicePeriod) {
    facts.push(`Période : du ${toFrenchDate(doc.servicePeriod.start)} au ${toFrenchDate(doc.servicePeriod.end)}`);
  }
  for (const f of facts) ry += w.at(f, rx, ry, rw, 'right');

  // buyer box, right-hand side under the facts
  const b = doc.buyer;
  const bx = rx - 10;
  const bw = RIGHT - bx;
  let by = Math.max(ry + 14, MARGIN + 96);
  const buyerLines = [
    ...addressLines(b),
    ...(b.registrationNumber ? [registrationLabel(b.registrationNumber)] : []),
    ...(b.vatNumber ? [`N° TVA : ${b.vatNumber}`] : []),
  ];
  w.style(10.5, true);
  const nameH = w.height(b.name, bw - 20);
  w.style(9);
  const boxH = 22 + nameH + buyerLines.reduce((h, l) => h + w.height(l, bw - 20), 0) + 8;
  w.pdf.roundedRect(bx, by, bw, boxH, 4).fillColor(COLOR.fill).fill();
  w.style(8, false, COLOR.muted);
  by += 8;
  by += w.at(doc.kind === 'quote' ? 'Destinataire' : 'Client', bx + 10, by, bw - 20) + 2;
  w.style(10.5, true);
  by += w.at(b.name, bx + 10, by, bw - 20);
  w.style(9);
  for (const l of buyerLines) by += w.at(l, bx + 10, by, bw - 20);

  w.y = Math.max(y, by + 8) + 14;

  const refs: string[] = [];
  if (doc.kind === 'credit_note' && doc.references?.invoiceNumber) {
    const on = doc.references.invoiceIssueDate ? ` du ${toFrenchDate(doc.references.invoiceIssueDate)}` : '';
    refs.push(`Avoir sur la facture ${doc.references.invoiceNumber}${on}`);
  }
  if (doc.kind === 'invoice' && doc.references?.quoteNumber) refs.push(`Suivant devis ${doc.references.quoteNumber}`);
  for (const r of refs) w.para(r, 9.5, true);
  if (refs.length) w.y += 4;
}

interface Column {
  title: string;
  width: number;
  align: 'left' | 'right';
  value: (line: DocumentLine) => string;
}

function columns(doc: BillingDocument): Column[] {
  const cols: Column[] = [
    { title: 'Qté', width: 42, align: 'right', value: (l) => QTY.format(l.quantity) },
    { title: 'Prix unitaire HT', width: 86, align: 'right', value: (l) => formatEuros(l.unitPriceCents) },
  ];
  if (!doc.vatFranchise) cols.push({ title: 'TVA', width: 44, align: 'right', value: (l) => formatRate(l.vatRatePercent) });
  cols.push({ title: 'Total HT', width: 86, align: 'right', value: (l) => formatEuros(l.netCents) });
  const fixed = cols.reduce((s, c) => s + c.width, 0);
  return [{ title: 'Désignation', width: WIDTH - fixed, align: 'left', value: (l) => l.label }, ...cols];
}

const PAD = 5;

function drawTableHeader(w: Writer, cols: Column[]): void {
  w.style(8.5, true, COLOR.accent);
  const h = 18;
  w.pdf.rect(LEFT, w.y, WIDTH, h).fillColor(COLOR.fill).fill();
  let x = LEFT;
  w.style(8.5, true, COLOR.accent);
  for (const c of cols) {
    w.at(c.title, x + PAD, w.y + 5, c.width - 2 * PAD, c.align);
    x += c.width;
  }
  w.y += h + 2;
}

function lineSubtexts(doc: BillingDocument, line: DocumentLine): string[] {
  const out: string[] = [];
  if (line.detail) out.push(line.detail);
  const samePeriod =
    doc.servicePeriod && doc.servicePeriod.start === line.periodStart && doc.servicePeriod.end === line.periodEnd;
  if (line.periodStart && line.periodEnd && !samePeriod) {
    out.push(`Période : du ${toFrenchDate(line.periodStart)} au ${toFrenchDate(line.periodEnd)}`);
  }
  return out;
}

function drawLines(w: Writer, doc: BillingDocument): void {
  const cols = columns(doc);
  const labelW = cols[0]!.width - 2 * PAD;
  w.ensure(60);
  drawTableHeader(w, cols);
  for (const line of doc.lines) {
    const subs = lineSubtexts(doc, line);
    w.style(9.5);
    let h = w.height(line.label, labelW);
    w.style(8.5);
    for (const s of subs) h += w.height(s, labelW) + 1;
    if (w.ensure(h + 10)) drawTableHeader(w, cols);
    const top = w.y + 4;
    let x = LEFT;
    for (const c of cols) {
      w.style(9.5);
      w.at(c.value(line), x + PAD, top, c.width - 2 * PAD, c.align);
      x += c.width;
    }
    w.style(9.5);
    let sy = top + w.height(line.label, labelW) + 1;
    w.style(8.5, false, COLOR.muted);
    for (const s of subs) sy += w.at(s, LEFT + PAD, sy, labelW) + 1;
    w.y = top + h + 5;
    w.rule();
    w.y += 1;
  }
}

function drawTotals(w: Writer, doc: BillingDocument): void {
  const t = doc.totals;
  const rows: Array<[string, string, boolean]> = [['Total HT', formatEuros(t.netCents), false]];
  if (doc.vatFranchise) rows.push(['TVA', formatEuros(0), false]);
  else {
    for (const v of [...t.vatBreakdown].sort((a, b) => b.ratePercent - a.ratePercent)) {
      rows.push([`TVA ${formatRate(v.ratePercent)} sur ${formatEuros(v.baseCents)}`, formatEuros(v.vatCents), false]);
    }
  }
  rows.push(['Total TTC', formatEuros(t.grossCents), true]);
  if (doc.paid && doc.paid.amountCents !== 0) {
    rows.push(['Déjà réglé', formatEuros(-doc.paid.amountCents), false]);
    rows.push([doc.kind === 'credit_note' ? 'Reste à rembourser' : 'Net à payer', formatEuros(dueCents(doc)), true]);
  }
  const boxW = 250;
  const x = RIGHT - boxW;
  w.ensure(rows.length * 16 + 30);
  w.y += 6;
  for (const [label, value, strong] of rows) {
    if (strong) w.pdf.rect(x, w.y - 3, boxW, 17).fillColor(COLOR.fill).fill();
    w.style(strong ? 10 : 9.5, strong, strong ? COLOR.accent : COLOR.text);
    w.at(label, x + PAD, w.y, boxW - 110);
    w.at(value, x + boxW - 110, w.y, 110 - PAD, 'right');
    w.y += 17;
  }
  if (doc.vatFranchise) {
    w.style(9, true);
    w.at(VAT_FRANCHISE_TEXT, x + PAD, w.y, boxW - 2 * PAD, 'right');
    w.y += 14;
  }
  w.y += 8;
}

function drawPaymentAndTerms(w: Writer, doc: BillingDocument): void {
  const s = doc.seller;
  if (doc.note) w.para(doc.note, 9, false, COLOR.text, 8);

  if (doc.kind === 'invoice' && doc.paid) {
    const when = toFrenchDate(doc.paid.date);
    w.para(`Payée le ${when} par ${PAID_BY[doc.paid.method]}`, 10, true, COLOR.accent, 8);
  }

  const section = (title: string): void => {
    w.ensure(40);
    w.y += 4;
    w.style(10, true, COLOR.accent);
    w.y += w.at(title, LEFT, w.y, WIDTH) + 2;
    w.rule();
    w.y += 5;
  };

  const dueLeft = dueCents(doc);
  const wantsPayment = doc.kind === 'quote' || (doc.kind === 'invoice' && dueLeft > 0);
  if (wantsPayment) {
    section('Règlement');
    w.para(`Référence à indiquer sur votre virement (ou au dos du chèque) : ${doc.paymentReference}`, 9.5, true);
    w.para(`Virement bancaire — IBAN : ${groupIban(s.iban)} — BIC : ${s.bic}`);
    w.para(`Chèque à l'ordre de ${s.chequePayee}, à envoyer à : ${s.chequeAddress}`);
    if (doc.kind === 'quote' && doc.paypalUrl) {
      const label = 'Paiement en ligne par PayPal : ';
      w.style(9);
      w.ensure(w.height(label + doc.paypalUrl, WIDTH));
      const y = w.y;
      w.y += w.at(label, LEFT, y, WIDTH) + 0;
      w.style(9, false, COLOR.accent);
      const urlH = w.height(doc.paypalUrl, WIDTH);
      w.pdf.text(doc.paypalUrl, LEFT, w.y, { width: WIDTH, link: doc.paypalUrl, underline: true, lineGap: 1, height: urlH + 2 });
      w.y += urlH + 3;
    }
  }

  section('Conditions');
  if (doc.kind === 'quote') {
    if (doc.validUntil) w.para(`Devis valable jusqu'au ${toFrenchDate(doc.validUntil)}`, 9.5, true);
    w.para(`Conditions de paiement : ${doc.paymentTerms.dueText}`);
  } else {
    const due = doc.dueDate ? `Échéance : ${toFrenchDate(doc.dueDate)} — ` : '';
    w.para(`${due}${doc.paymentTerms.dueText}`);
  }
  w.para(latePenaltyMention(doc));
  w.para(NO_DISCOUNT_TEXT);

  if (doc.kind === 'quote') drawAcceptance(w);
}

function drawAcceptance(w: Writer): void {
  const boxW = 260;
  const boxH = 96;
  w.ensure(boxH + 16);
  w.y += 10;
  const x = RIGHT - boxW;
  const y = w.y;
  w.pdf.roundedRect(x, y, boxW, boxH, 4).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
  w.style(10, true, COLOR.accent);
  w.at('Bon pour accord', x + 10, y + 8, boxW - 20);
  w.style(9);
  w.at('Date :', x + 10, y + 28, boxW - 20);
  w.at('Signature :', x + 10, y + 46, boxW - 20);
  w.style(7.5, false, COLOR.muted);
  w.at('Date, signature et mention manuscrite « Bon pour accord »', x + 10, y + boxH - 16, boxW - 20);
  w.y = y + boxH + 8;
}

function drawFooters(pdf: Pdf, doc: BillingDocument): void {
  const s = doc.seller;
  const text = `${s.tradeName} — ${legalNameWithEi(s)} — ${addressLines(s).join(', ')} — SIRET ${groupSiret(s.siret)}`;
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    // writing below the bottom margin would make pdfkit add a page: lift the margin while drawing
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    const y = PAGE.height - MARGIN - 10;
    pdf.moveTo(LEFT, y - 6).lineTo(RIGHT, y - 6).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
    pdf.font('regular').fontSize(7.5).fillColor(COLOR.muted);
    pdf.text(text, LEFT, y, { width: WIDTH - 60, lineBreak: false, ellipsis: true });
    pdf.text(`Page ${i + 1}/${range.count}`, RIGHT - 60, y, { width: 60, align: 'right', lineBreak: false });
    pdf.page.margins.bottom = bottom;
  }
}

/** Renders the document; invoices and credit notes come out as PDF/A-3b Factur-X EN 16931. */
export async function renderDocumentPdf(doc: BillingDocument): Promise<Buffer> {
  const facturx = doc.kind !== 'quote';
  // built first: an inconsistent document throws before any drawing
  const xml = facturx ? buildFacturXml(doc) : null;
  const stamp = parisMidnight(doc.issueDate);
  const fonts = documentFonts();
  const title = `${TITLES[doc.kind]} ${doc.number}`;

  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    pdfVersion: '1.7',
    ...(facturx ? { subset: 'PDF/A-3b' as const } : {}),
    // no default font: pdfkit would otherwise register Helvetica, a non-embedded font PDF/A forbids
    font: '',
    bufferPages: true,
    lang: 'fr-FR',
    displayTitle: true,
    info: {
      // Title goes verbatim into the XMP too (pdfkit does not escape it): only safe characters
      ...(/^[\w .\/-]+$/.test(title) ? { Title: title } : {}),
      Creator: 'ecrin',
      Producer: 'ecrin (PDFKit)',
      CreationDate: stamp,
      ModDate: stamp,
    },
  });
  pdf.registerFont('regular', fonts.regular);
  pdf.registerFont('bold', fonts.bold);
  pdf.font('regular');

  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const w = new Writer(pdf);
  drawHeader(w, doc);
  drawLines(w, doc);
  drawTotals(w, doc);
  drawPaymentAndTerms(w, doc);
  drawFooters(pdf, doc);

  pdf.appendXML(modifyDateXmp(stamp));
  if (xml !== null) {
    pdf.file(Buffer.from(xml, 'utf8'), {
      name: FACTURX_FILENAME,
      type: 'text/xml',
      description: 'Factur-X EN 16931 invoice data',
      creationDate: stamp,
      modifiedDate: stamp,
      relationship: 'Data',
    } as PDFKit.Mixins.PDFAttachmentOptions);
    pdf.appendXML(facturxXmp());
  }
  pdf.end();
  return done;
}
