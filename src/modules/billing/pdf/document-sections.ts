/** The parts of the printed document, top to bottom: header, lines, totals, payment and terms, footers. */
import type { BillingDocument, DocumentLine } from '../document.types.ts';
import { toFrenchDate } from '../facturx/format.ts';
import {
  NO_DISCOUNT_TEXT,
  VAT_FRANCHISE_TEXT,
  dueCents,
  groupIban,
  latePenaltyMention,
  legalNameWithEi,
} from '../facturx/mentions.ts';
import { addressLines, formatEuros, formatRate, groupSiret, QTY, registrationLabel } from './print-format.ts';
import { COLOR, LEFT, MARGIN, PAGE, RIGHT, WIDTH, Writer, type Pdf } from './writer.ts';

export const TITLES = { quote: 'DEVIS', invoice: 'FACTURE', credit_note: 'AVOIR' } as const;
const DEPOSIT_TITLE = "FACTURE D'ACOMPTE";
const PAID_BY = { transfer: 'virement', cheque: 'chèque', paypal: 'PayPal' } as const;

export function drawHeader(w: Writer, doc: BillingDocument): void {
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
  const deposit = doc.kind === 'invoice' && doc.invoiceType === 'deposit';
  w.style(deposit ? 17 : 22, true, COLOR.accent);
  ry += w.at(deposit ? DEPOSIT_TITLE : TITLES[doc.kind], rx, ry, rw, 'right') + 2;
  w.style(10, true);
  ry += w.at(`N° ${doc.number}`, rx, ry, rw, 'right') + 2;
  w.style(9);
  const facts = [`Date d'émission : ${toFrenchDate(doc.issueDate)}`];
  if (doc.kind === 'quote' && doc.validUntil) facts.push(`Valable jusqu'au : ${toFrenchDate(doc.validUntil)}`);
  if (doc.kind !== 'quote' && doc.dueDate) facts.push(`Échéance : ${toFrenchDate(doc.dueDate)}`);
  if (doc.servicePeriod) {
    facts.push(`Période : du ${toFrenchDate(doc.servicePeriod.start)} au ${toFrenchDate(doc.servicePeriod.end)}`);
  }
  // A mention of the 2026 e-invoicing rules (absent from documents issued before it was printed).
  if (doc.operationNature) facts.push(`Nature de l'opération : ${doc.operationNature}`);
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
  if (doc.kind === 'invoice' && doc.references?.quoteNumber) refs.push(`${doc.invoiceType === 'deposit' ? 'Acompte sur le devis' : 'Suivant devis'} ${doc.references.quoteNumber}`);
  if (doc.kind === 'invoice' && doc.deposit) refs.push(`Acompte déduit : facture d'acompte ${doc.deposit.invoiceNumber} du ${toFrenchDate(doc.deposit.issueDate)}`);
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

export function drawLines(w: Writer, doc: BillingDocument): void {
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

export function drawTotals(w: Writer, doc: BillingDocument): void {
  const t = doc.totals;
  const rows: Array<[string, string, boolean]> = [['Total HT', formatEuros(t.netCents), false]];
  if (doc.vatFranchise) rows.push(['TVA', formatEuros(0), false]);
  else {
    for (const v of [...t.vatBreakdown].sort((a, b) => b.ratePercent - a.ratePercent)) {
      rows.push([`TVA ${formatRate(v.ratePercent)} sur ${formatEuros(v.baseCents)}`, formatEuros(v.vatCents), false]);
    }
  }
  rows.push(['Total TTC', formatEuros(t.grossCents), true]);
  if (doc.deposit && doc.deposit.amountCents !== 0) rows.push([`Acompte facturé (${doc.deposit.invoiceNumber})`, formatEuros(-doc.deposit.amountCents), false]);
  if (doc.paid && doc.paid.amountCents !== 0) rows.push(['Déjà réglé', formatEuros(-doc.paid.amountCents), false]);
  if ((doc.paid && doc.paid.amountCents !== 0) || (doc.deposit && doc.deposit.amountCents !== 0)) {
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

export function drawPaymentAndTerms(w: Writer, doc: BillingDocument): void {
  const s = doc.seller;
  if (doc.note) w.para(doc.note, 9, false, COLOR.text, 8);

  if (doc.kind === 'invoice' && doc.paid) {
    const when = toFrenchDate(doc.paid.date);
    const by = PAID_BY[doc.paid.method];
    const text =
      dueCents(doc) <= 0
        ? `Payée le ${when} par ${by}`
        : `Règlement partiel de ${formatEuros(doc.paid.amountCents)} reçu le ${when} par ${by}`;
    w.para(text, 10, true, COLOR.accent, 8);
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
    w.para(`Virement bancaire — ${s.accountHolder ? `titulaire : ${s.accountHolder} — ` : ''}IBAN : ${groupIban(s.iban)} — BIC : ${s.bic}`);
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

export function drawFooters(pdf: Pdf, doc: BillingDocument): void {
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
