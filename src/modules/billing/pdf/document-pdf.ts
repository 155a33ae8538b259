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
 */import PDFDocument from 'pdfkit';
import type { BillingDocument } from '../document.types.ts';
import { buildFacturXml, FACTURX_FILENAME } from '../facturx/facturx.ts';
import { parisMidnight } from '../facturx/format.ts';
import { drawFooters, drawHeader, drawLines, drawPaymentAndTerms, drawTotals, TITLES } from './document-sections.ts';
import { documentFonts } from './fonts.ts';
import { facturxXmp, modifyDateXmp } from './pdfa.ts';
import { MARGIN, Writer } from './writer.ts';

export { formatEuros } from './print-format.ts';

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
  // pdfkit takes a parsed fontkit font as a source (its types only list paths and buffers)
  pdf.registerFont('regular', fonts.regular as unknown as Buffer);
  pdf.registerFont('bold', fonts.bold as unknown as Buffer);
  pdf.font('regular');

  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const w = new Writer(pdf, `${title} (suite)`);
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
