/**
 * Time to render one invoice: Factur-X XML + PDF/A-3 with the XML embedded (renderDocumentPdf), in
 * process, after a warm-up (fonts read, code compiled). Prints the median and p90 over RUNS renders.
 *   Run: node_modules/.bin/node bench/invoice-pdf.ts [RUNS=50]
 */
import { buildFacturXml } from '../src/modules/billing/facturx/facturx.ts';
import { sampleInvoice } from '../src/modules/billing/facturx/document.factory.ts';
import { renderDocumentPdf } from '../src/modules/billing/pdf/document-pdf.ts';

const RUNS = Number(process.argv[2] ?? 50);
const WARMUP = 5;

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

const doc = sampleInvoice();
for (let i = 0; i < WARMUP; i++) await renderDocumentPdf(doc);

const pdfMs: number[] = [];
let bytes = 0;
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  bytes = (await renderDocumentPdf(doc)).length;
  pdfMs.push(performance.now() - t);
}
const xmlMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  buildFacturXml(doc);
  xmlMs.push(performance.now() - t);
}

console.log(`invoice PDF/A-3 + Factur-X XML, ${RUNS} renders (Node ${process.version}), ${bytes} bytes each`);
console.log(`  median ${quantile(pdfMs, 0.5).toFixed(1)} ms per invoice, p90 ${quantile(pdfMs, 0.9).toFixed(1)} ms`);
console.log(`  of which the XML alone: median ${quantile(xmlMs, 0.5).toFixed(2)} ms`);
