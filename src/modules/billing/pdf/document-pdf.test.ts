import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { BillingDocument } from '../document.types.ts';
import {
  sampleCreditNote,
  sampleDepositInvoice,
  sampleFinalInvoice,
  sampleInvoice,
  samplePaidInvoice,
  sampleQuote,
  sampleVatInvoice,
} from '../facturx/document.factory.ts';
import { buildFacturXml } from '../facturx/facturx.ts';
import { latePenaltyMention } from '../facturx/mentions.ts';
import { formatEuros, renderDocumentPdf } from './document-pdf.ts';

interface ParsedPdf {
  pages: string[];
  /** all pages, whitespace removed: mentions are searched in it whitespace-insensitively */
  compact: string;
  attachments: Record<string, { filename: string; content: Uint8Array; description?: string }> | null;
  xmp: string;
  info: Record<string, unknown>;
  links: string[];
}

/** A real PDF parser (pdf.js): text of every page, attachments, XMP, link annotations. */
async function parsePdf(bytes: Buffer): Promise<ParsedPdf> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    verbosity: 0,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
  }).promise;
  try {
    const pages: string[] = [];
    const links: string[] = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const page = await pdf.getPage(i);
      const content = await page.getTextContent({ disableNormalization: true });
      pages.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
      for (const a of await page.getAnnotations()) if (a.url) links.push(a.url as string);
    }
    const meta = await pdf.getMetadata();
    return {
      pages,
      compact: pages.join('').replace(/\s+/gu, ''),
      attachments: await pdf.getAttachments(),
      xmp: meta.metadata?.getRaw() ?? '',
      info: meta.info as Record<string, unknown>,
      links,
    };
  } finally {
    await pdf.destroy();
  }
}

function assertMentions(parsed: ParsedPdf, mentions: string[]): void {
  const missing = mentions.filter((m) => !parsed.compact.includes(m.replace(/\s+/gu, '')));
  assert.deepEqual(missing, [], `missing from the PDF text:\n${parsed.pages.join('\n--- page ---\n')}`);
}

/** the decompressed content of every FlateDecode stream */
function inflatedStreams(bytes: Buffer): string[] {
  const out: string[] = [];
  const text = raw(bytes);
  const re = /\/Filter \/FlateDecode\n>>\nstream\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const start = m.index + m[0].length;
    const end = text.indexOf('\nendstream', start);
    try {
      out.push(inflateSync(bytes.subarray(start, end)).toString('latin1'));
    } catch {
      // not every stream needs reading
    }
  }
  return out;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** PDF objects are written uncompressed by pdfkit (only streams are deflated): their dictionaries can be read */
const raw = (b: Buffer): string => b.toString('latin1');

function escapingInvoice(): BillingDocument {
  const doc = sampleInvoice({ number: 'FAC-2026-0045' });
  return { ...doc, buyer: { ...doc.buyer, name: 'A & B <Asso>', registrationNumber: 'W751234567' } };
}

const docs = {
  franchise: sampleInvoice(),
  paid: samplePaidInvoice(),
  vat: sampleVatInvoice(),
  credit: sampleCreditNote(),
  quote: sampleQuote(),
  escaping: escapingInvoice(),
};
type Name = keyof typeof docs;

describe('renderDocumentPdf', () => {
  const pdfs = {} as Record<Name, Buffer>;
  const parsed = {} as Record<Name, ParsedPdf>;
  before(async () => {
    for (const name of Object.keys(docs) as Name[]) {
      pdfs[name] = await renderDocumentPdf(docs[name]);
      parsed[name] = await parsePdf(pdfs[name]);
    }
  });

  it('invoice (franchise): every mandatory mention, amounts in French', () => {
    const doc = docs.franchise;
    assertMentions(parsed.franchise, [
      'SLETO',
      'Laurent GAY EI',
      '12 rue des Lilas',
      '38000 Grenoble',
      'SIRET : 123 456 782 00010',
      'Association Les Amis du Vercors',
      '3 place Grenette',
      'SIRET : 987 654 321 00017',
      'FACTURE',
      'N° FAC-2026-0042',
      "Date d'émission : 28/11/2026",
      'Période : du 01/12/2026 au 30/11/2027',
      'Suivant devis DEV-2026-0040',
      // lines: label, quantity, unit price HT, total HT, and the proration detail under the label
      'Hébergement Diacamma — formule Asso, 12 mois',
      'Prix unitaire HT',
      `${formatEuros(12000)}${formatEuros(12000)}`,
      `Passage de la formule Asso à la formule Pro1${formatEuros(5951)}${formatEuros(5951)}`,
      '(240,00 € − 120,00 €) × 181 j restants / 365 j = 59,51 €',
      `Total HT${formatEuros(17951)}`,
      `TVA${formatEuros(0)}`,
      `Total TTC${formatEuros(17951)}`,
      'TVA non applicable, art. 293 B du CGI',
      'Échéance : 28/12/2026',
      latePenaltyMention(doc),
      "En cas de retard de paiement, pénalités au taux de trois fois le taux d'intérêt légal",
      'indemnité forfaitaire pour frais de recouvrement : 40 €',
      "Pas d'escompte pour paiement anticipé",
      // payment block
      'ECR-7K3P-Q9',
      'IBAN : FR76 3000 6000 0112 3456 7890 189',
      'BIC : AGRIFRPP',
      "Chèque à l'ordre de Laurent GAY, à envoyer à : 12 rue des Lilas, 38000 Grenoble",
    ]);
    assert.equal(formatEuros(17951), '179,51\u00a0€');
  });

  it('prints amounts as Intl formats them: U+202F and U+00A0 are real glyphs of the embedded font', async () => {
    const doc = sampleInvoice({ number: 'FAC-2026-0050' });
    const line = { ...doc.lines[0]!, unitPriceCents: 123456, netCents: 123456 };
    const big = { ...doc, lines: [line], totals: { netCents: 123456, vatCents: 0, grossCents: 123456, vatBreakdown: [] } };
    const bytes = await renderDocumentPdf(big);
    assert.equal(formatEuros(123456), '1\u202f234,56\u00a0€');
    // text extractors (pdf.js, poppler) report every Unicode space as U+0020, so the text shows "1 234,56 €" …
    const text = (await parsePdf(bytes)).pages.join('');
    assert.ok(text.includes('1 234,56 €'), JSON.stringify(text));
    // … and the font's ToUnicode map proves the glyphs drawn are U+202F and U+00A0 (a character the font
    // lacked would be drawn as .notdef, CID 0, and would not appear in the map)
    const cmaps = inflatedStreams(bytes).filter((st) => st.includes('beginbfrange'));
    assert.ok(cmaps.some((c) => c.includes('<202f>') && c.includes('<00a0>') && c.includes('<20ac>')), cmaps.join('\n'));
  });

  it('paid invoice: "Payée le … par virement", nothing left to pay', () => {
    assertMentions(parsed.paid, [
      'Payée le 27/11/2026 par virement',
      `Déjà réglé${formatEuros(-17951)}`,
      `Net à payer${formatEuros(0)}`,
    ]);
    assert.ok(!parsed.paid.compact.includes('IBAN'), 'no transfer instructions on a paid invoice');
  });

  it('paid by cheque or PayPal says so; a partial payment leaves the rest to pay with instructions', async () => {
    const cheque = samplePaidInvoice({ paid: { method: 'cheque', date: '2026-11-26', amountCents: 17951 } });
    assertMentions(await parsePdf(await renderDocumentPdf(cheque)), ['Payée le 26/11/2026 par chèque']);
    const paypal = samplePaidInvoice({ paid: { method: 'paypal', date: '2026-11-25', amountCents: 5000 } });
    const p = await parsePdf(await renderDocumentPdf(paypal));
    assertMentions(p, [
      `Règlement partiel de ${formatEuros(5000)} reçu le 25/11/2026 par PayPal`,
      `Déjà réglé${formatEuros(-5000)}`,
      `Net à payer${formatEuros(12951)}`,
      'IBAN : FR76 3000 6000 0112 3456 7890 189',
    ]);
  });

  it('VAT invoice: VAT column and breakdown, seller VAT number, no franchise mention', () => {
    assertMentions(parsed.vat, [
      'N° TVA intracommunautaire : FR40123456782',
      'Cabinet Durand SARL',
      'N° TVA : FR88552100554',
      `Instance supplémentaire3${formatEuros(1999)}20 %${formatEuros(5997)}`,
      'Sauvegardes quotidiennes incluses',
      `Total HT${formatEuros(29997)}`,
      `TVA 20 % sur ${formatEuros(29997)}${formatEuros(5999)}`,
      `Total TTC${formatEuros(35996)}`,
    ]);
    assert.ok(!parsed.vat.compact.includes('TVAnonapplicable'));
  });

  it('credit note: AVOIR referencing the invoice, no payment instructions', () => {
    assertMentions(parsed.credit, [
      'AVOIR',
      'N° AVO-2026-0003',
      'Avoir sur la facture FAC-2026-0042 du 28/11/2026',
      'Changement de formule annulé à la demande du client.',
      'Échéance : 05/12/2026',
      "Pas d'escompte pour paiement anticipé",
      'indemnité forfaitaire pour frais de recouvrement : 40 €',
    ]);
    assert.ok(!parsed.credit.compact.includes('IBAN'));
  });

  it('quote: DEVIS, validity, "Bon pour accord" box, payment block with the PayPal link; a plain PDF', () => {
    const q = docs.quote;
    assertMentions(parsed.quote, [
      'DEVIS',
      'N° DEV-2026-0041',
      "Devis valable jusqu'au 20/12/2026",
      'Bon pour accord',
      'Date :',
      'Signature :',
      'mention manuscrite « Bon pour accord »',
      'ECR-7K3P-Q9',
      'IBAN : FR76 3000 6000 0112 3456 7890 189',
      q.paypalUrl!,
      'TVA non applicable, art. 293 B du CGI',
      "Pas d'escompte pour paiement anticipé",
    ]);
    assert.deepEqual(parsed.quote.links, [q.paypalUrl]);
    assert.equal(parsed.quote.attachments, null);
    assert.ok(!parsed.quote.xmp.includes('pdfaid:part'));
    assert.ok(!/\/BaseFont \/(Helvetica|Times|Courier)/.test(raw(pdfs.quote)), 'embedded fonts only, quotes too');
  });

  it('escaping: "A & B <Asso>" prints as such and the embedded XML escapes it', () => {
    assertMentions(parsed.escaping, ['A & B <Asso>', 'RNA : W751234567']);
    const xml = Buffer.from(parsed.escaping.attachments!['factur-x.xml']!.content).toString('utf8');
    assert.ok(xml.includes('<ram:Name>A &amp; B &lt;Asso&gt;</ram:Name>'));
  });

  for (const name of ['franchise', 'vat', 'credit', 'paid'] as const) {
    it(`${name}: embedded factur-x.xml is byte-identical to buildFacturXml()`, () => {
      const att = parsed[name].attachments;
      assert.ok(att, 'no attachment');
      assert.deepEqual(Object.keys(att), ['factur-x.xml']);
      assert.equal(att['factur-x.xml']!.filename, 'factur-x.xml');
      assert.ok(Buffer.from(att['factur-x.xml']!.content).equals(Buffer.from(buildFacturXml(docs[name]), 'utf8')));
    });
  }

  it('PDF/A-3b structure: XMP ids and Factur-X schema, OutputIntent, /AF, embedded fonts only', () => {
    for (const name of ['franchise', 'vat', 'credit'] as const) {
      const p = parsed[name];
      const r = raw(pdfs[name]);
      // XMP: PDF/A-3B and the Factur-X extension schema with its values
      assert.match(p.xmp, /<pdfaid:part>3<\/pdfaid:part>/);
      assert.match(p.xmp, /<pdfaid:conformance>B<\/pdfaid:conformance>/);
      assert.match(p.xmp, /<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#<\/pdfaSchema:namespaceURI>/);
      assert.match(p.xmp, /<pdfaSchema:prefix>fx<\/pdfaSchema:prefix>/);
      for (const prop of ['DocumentFileName', 'DocumentType', 'Version', 'ConformanceLevel']) {
        assert.ok(p.xmp.includes(`<pdfaProperty:name>${prop}</pdfaProperty:name>`), prop);
      }
      assert.match(p.xmp, /<fx:DocumentType>INVOICE<\/fx:DocumentType>/);
      assert.match(p.xmp, /<fx:DocumentFileName>factur-x.xml<\/fx:DocumentFileName>/);
      assert.match(p.xmp, /<fx:Version>1.0<\/fx:Version>/);
      assert.match(p.xmp, /<fx:ConformanceLevel>EN 16931<\/fx:ConformanceLevel>/);
      // Info dictionary and XMP agree (PDF/A): dates, title, producer
      assert.equal(p.info.CreationDate, p.info.ModDate);
      const stamp = String(p.info.CreationDate).replace(/^D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
      assert.ok(p.xmp.includes(`<xmp:CreateDate>${stamp}</xmp:CreateDate>`));
      assert.ok(p.xmp.includes(`<xmp:ModifyDate>${stamp}</xmp:ModifyDate>`));
      assert.ok(p.xmp.includes(`<pdf:Producer>${String(p.info.Producer)}</pdf:Producer>`));
      assert.ok(p.xmp.includes(`<rdf:li xml:lang="x-default">${String(p.info.Title)}</rdf:li>`));
      // file structure
      assert.ok(r.startsWith('%PDF-1.7\n%\xff\xff\xff\xff'));
      assert.match(r, /\/Type \/Catalog[^]*?\/AF \[\d+ 0 R\][^]*?\/OutputIntents \[\d+ 0 R\][^]*?\/Metadata \d+ 0 R/);
      assert.match(r, /\/Type \/Filespec\n\/AFRelationship \/Data\n\/F \(factur-x\.xml\)\n\/EF << \/F \d+ 0 R >>|\/Type \/Filespec[^>]*\/AFRelationship \/Data/);
      assert.match(r, /\/UF \(factur-x\.xml\)/);
      assert.match(r, /\/Type \/EmbeddedFile\n\/Params <<[^]*?\/ModDate \(D:\d{14}Z\)[^]*?>>\n\/Subtype \/text#2Fxml/);
      assert.match(r, /\/EmbeddedFiles <<\s*\/Names \[\s*\(factur-x\.xml\) \d+ 0 R\s*\]/);
      assert.match(r, /\/Type \/OutputIntent\n\/S \/GTS_PDFA1\n\/Info \(sRGB IEC61966-2\.1\)[^]*?\/DestOutputProfile \d+ 0 R/);
      assert.match(r, /\/ID \[<[0-9a-f]{32}> <[0-9a-f]{32}>\]/);
      // fonts: only embedded TrueType (CID) fonts, never a standard 14 font
      const fonts = r.match(/\/Type \/Font\n\/Subtype \/\w+/g) ?? [];
      assert.ok(fonts.length > 0);
      for (const f of fonts) assert.match(f, /\/Subtype \/(Type0|CIDFontType2)$/);
      const descriptors = r.match(/\/Type \/FontDescriptor[^]*?>>/g) ?? [];
      assert.ok(descriptors.length > 0 && descriptors.every((d) => d.includes('/FontFile2')));
      assert.ok(!/\/BaseFont \/(Helvetica|Times|Courier|Symbol|ZapfDingbats)/.test(r));
      // nothing PDF/A forbids
      for (const bad of ['/Encrypt', '/JavaScript', '/JS ', '/Launch', '/SMask', '/Transparency']) {
        assert.ok(!r.includes(bad), bad);
      }
    }
  });

  it('the XMP packet is well-formed XML', () => {
    if (spawnSync('xmllint', ['--version']).error) {
      assert.fail('xmllint missing: install the Debian package libxml2-utils');
    }
    const xmp = parsed.franchise.xmp.replace(/^\uFEFF/, '');
    const check = spawnSync('xmllint', ['--noout', '-'], { input: xmp, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  it('is deterministic: same bytes twice, in another time zone, and the /ID follows the number', async () => {
    for (const name of Object.keys(docs) as Name[]) {
      const again = await renderDocumentPdf(docs[name]);
      assert.equal(sha256(again), sha256(pdfs[name]), name);
    }
    const script = `
      import { renderDocumentPdf } from ${JSON.stringify(new URL('./document-pdf.ts', import.meta.url).href)};
      import { sampleInvoice } from ${JSON.stringify(new URL('../facturx/document.factory.ts', import.meta.url).href)};
      import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
      const b = await renderDocumentPdf(sampleInvoice());
      process.stdout.write(createHash('sha256').update(b).digest('hex'));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { TZ: 'Pacific/Kiritimati', LANG: 'C' },
    });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, sha256(pdfs.franchise));
    const id = (b: Buffer): string => /\/ID \[<([0-9a-f]{32})>/.exec(raw(b))![1]!;
    assert.notEqual(id(pdfs.franchise), id(pdfs.escaping));
  });

  it('a long document flows over pages, repeating the table header and numbering pages', async () => {
    const base = sampleInvoice({ number: 'FAC-2026-0060' });
    const lines = Array.from({ length: 45 }, (_, i) => ({
      ...base.lines[1]!,
      label: `Ligne ${i + 1}`,
      detail: `détail de la ligne ${i + 1}`,
      unitPriceCents: 100,
      netCents: 100,
    }));
    const doc = { ...base, lines, totals: { netCents: 4500, vatCents: 0, grossCents: 4500, vatBreakdown: [] } };
    const p = await parsePdf(await renderDocumentPdf(doc));
    assert.ok(p.pages.length >= 2, `${p.pages.length} page(s)`);
    for (const [i, page] of p.pages.entries()) {
      const compact = page.replace(/\s+/gu, '');
      assert.ok(compact.includes('Désignation'), `table header on page ${i + 1}`);
      assert.ok(compact.includes(`Page${i + 1}/${p.pages.length}`), `page number on page ${i + 1}`);
      if (i > 0) assert.ok(compact.includes('FACTUREFAC-2026-0060(suite)'), `continuation title on page ${i + 1}`);
    }
    assert.ok(p.compact.includes('Ligne45'));
    assert.ok(p.compact.includes(`TotalTTC${formatEuros(4500).replace(/\s+/gu, '')}`));
  });

  it('refuses an inconsistent invoice before drawing anything', async () => {
    const doc = sampleInvoice();
    await assert.rejects(
      async () => renderDocumentPdf({ ...doc, totals: { ...doc.totals, grossCents: 1 } }),
      /inconsistent totals/,
    );
  });
});

describe('renderDocumentPdf: accompaniment invoices', () => {
  it('a deposit invoice is titled as such, refers to its quote, and says it is paid', async () => {
    const parsed = await parsePdf(await renderDocumentPdf(sampleDepositInvoice()));
    assertMentions(parsed, ["FACTURE D'ACOMPTE", 'N° FAC-2026-0051', 'Acompte sur le devis DEV-2026-0050', 'Acompte de 30 % sur le devis DEV-2026-0050', `Total TTC${formatEuros(11700)}`, 'Payée le 27/11/2026 par virement']);
  });

  it('a final invoice shows the real amount against the quoted one, deducts the deposit invoice, and asks the balance', async () => {
    const parsed = await parsePdf(await renderDocumentPdf(sampleFinalInvoice()));
    assertMentions(parsed, [
      'N° FAC-2026-0052',
      'Suivant devis DEV-2026-0050',
      "Acompte déduit : facture d'acompte FAC-2026-0051 du 28/11/2026",
      'Frais annexes — montant réel, devisé 70,00 €',
      `Total TTC${formatEuros(40450)}`,
      `Acompte facturé (FAC-2026-0051)${formatEuros(-11700)}`,
      `Net à payer${formatEuros(28750)}`,
      'Référence à indiquer sur votre virement (ou au dos du chèque) : FAC-2026-0052',
      'Échéance : 31/12/2026',
    ]);
    assert.ok(!parsed.compact.includes("FACTURED'ACOMPTE"), 'an ordinary title');
  });
});
