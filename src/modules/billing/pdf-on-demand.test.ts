import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { orderAndValidate, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import type { OutgoingMail } from '../../platform/mail/transport.ts';
import type { BillingDocument } from './document.types.ts';
import { renderPendingPdfsJob } from './billing.jobs.ts';
import { sampleInvoice } from './facturx/document.factory.ts';
import { Ledger, type DocumentRenderer } from './ledger.ts';
import { renderDocumentPdf } from './pdf/document-pdf.ts';
import { unzipEntries } from '../../../test/support/unzip.ts';

/**
 * An issued document's PDF is not rendered in the issuing transaction: a job renders it after the
 * commit, and every path that reads it (the customer's download, the operator's, the e-mail's
 * attachment, the account's ZIP) renders it first when the job has not run yet. It is stored once:
 * two first reads at once store one PDF, and both give its bytes.
 */
let t: TestApp;
let dataDir: string;
const sent: OutgoingMail[] = [];
const db = () => t.container.database.db;
const storedFiles = (documentId: number) => db().selectFrom('document_files').select(['pdf', 'pdf_sha256']).where('document_id', '=', documentId).execute();
const docByNumber = async (number: string) => (await t.container.services.billing.findDocument({ number }))!;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-pdf-'));
  t = await createTestApp({
    env: { DATA_DIR: dataDir },
    mailTransport: {
      kind: 'smtp',
      async send(mail) {
        sent.push(mail);
      },
      close() {},
    },
  });
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function issueInvoice(ledger: Ledger = t.container.services.billing.ledger) {
  return db().transaction().execute((trx) =>
    ledger.issue(trx, { kind: 'invoice', orderId: null, userId: null, relatedDocumentId: null, issuedAt: t.clock.now(), build: (number, issueDate) => sampleInvoice({ number, issueDate, dueDate: issueDate }) }),
  );
}

describe('a PDF rendered after the issue, on its first read at the latest', () => {
  it('a quote just issued has no PDF yet; the customer’s download renders it, stores it once, and gives the same bytes after', async () => {
    const a = await signedInCustomer(t, 'pdf-a');
    const { quoteNumber } = await orderAndValidate(t, a, 'pdf-a1');
    const doc = await docByNumber(quoteNumber);
    assert.equal((await storedFiles(doc.id)).length, 0, 'not rendered in the issuing transaction');

    const first = await a.get(`/factures/${quoteNumber}.pdf`);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['content-type'], 'application/pdf');
    const files = await storedFiles(doc.id);
    assert.equal(files.length, 1);
    assert.ok(files[0]!.pdf.equals(first.rawPayload), 'what was sent is what is stored');
    assert.ok(files[0]!.pdf.equals(await renderDocumentPdf(doc.content as BillingDocument)), 'the rendering of the content as issued');
    const again = await a.get(`/factures/${quoteNumber}.pdf`);
    assert.ok(again.rawPayload.equals(first.rawPayload));
    assert.equal((await storedFiles(doc.id)).length, 1);
  });

  it('the e-mail of a quote not rendered yet is delivered with its PDF, which is then the stored one', async () => {
    const a = await signedInCustomer(t, 'pdf-b');
    const { quoteNumber } = await orderAndValidate(t, a, 'pdf-b1');
    const doc = await docByNumber(quoteNumber);
    assert.equal((await storedFiles(doc.id)).length, 0);
    const message = await db().selectFrom('mail_messages').select(['id', 'attachments']).where('user_id', '=', doc.user_id).where('template', '=', 'billing.quote').orderBy('id', 'desc').executeTakeFirstOrThrow();
    await t.container.services.mail.deliver(Number(message.id));
    const mail = sent.at(-1)!;
    const attached = mail.attachments?.find((x) => x.filename === `${quoteNumber}.pdf`);
    assert.ok(attached, `the quote is attached: ${JSON.stringify(mail.attachments?.map((x) => x.filename))}`);
    assert.equal(attached.contentType, 'application/pdf');
    const files = await storedFiles(doc.id);
    assert.equal(files.length, 1);
    assert.ok(files[0]!.pdf.equals(attached.content));
  });

  it('the operator opens a document not rendered yet from the back office, and the account’s ZIP holds it', async () => {
    const c = await signedInCustomer(t, 'pdf-c');
    const { quoteNumber } = await orderAndValidate(t, c, 'pdf-c1');
    const doc = await docByNumber(quoteNumber);
    assert.equal((await storedFiles(doc.id)).length, 0);
    const zip = await c.get('/compte/donnees/archive.zip');
    assert.equal(zip.statusCode, 200, zip.body);
    const entries = await unzipEntries(zip.rawPayload);
    const listed = (JSON.parse(entries.get('compte.json')!.toString('utf8')).documents as { number: string; file: string }[]).find((d) => d.number === quoteNumber)!;
    const inZip = entries.get(listed.file);
    assert.ok(inZip, `${listed.file} is in the ZIP`);
    const files = await storedFiles(doc.id);
    assert.equal(files.length, 1);
    assert.ok(files[0]!.pdf.equals(inZip));

    const { quoteNumber: other } = await orderAndValidate(t, c, 'pdf-c2');
    const otherDoc = await docByNumber(other);
    assert.equal((await storedFiles(otherDoc.id)).length, 0);
    const operator = await signedInOperator(t, 'ops-pdf@example.org');
    const page = await operator.get(`/backoffice/documents/${other}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`href="/factures/${other}.pdf"`));
    const pdf = await operator.get(`/factures/${other}.pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.ok((await storedFiles(otherDoc.id))[0]!.pdf.equals(pdf.rawPayload));
  });

  it('ledger verify renders a PDF not rendered yet, and still catches a stored PDF altered', async () => {
    const ledger = t.container.services.billing.ledger;
    const doc = await issueInvoice();
    assert.equal((await storedFiles(doc.id)).length, 0);
    const report = await ledger.verify({ rerender: true });
    assert.deepEqual(report.problems, []);
    assert.ok(report.rendered >= 1);
    assert.equal((await storedFiles(doc.id)).length, 1, 'rendered and stored by verify');
    assert.equal((await ledger.verify()).rendered, 0, 'nothing left to render');

    await sql`alter table document_files disable trigger document_files_immutable`.execute(db());
    try {
      await sql`update document_files set pdf = pdf || '\\x0a'::bytea where document_id = ${doc.id}`.execute(db());
      assert.ok((await ledger.verify()).problems.some((p) => p.includes(doc.number) && p.includes('PDF does not match its hash')));
      await sql`update document_files set pdf_sha256 = sha256(pdf) where document_id = ${doc.id}`.execute(db());
      const rerendered = await ledger.verify({ rerender: true });
      assert.ok(rerendered.problems.some((p) => p.includes(doc.number) && p.includes('differs from a new rendering')), rerendered.problems.join('\n'));
    } finally {
      await sql`alter table document_files enable trigger document_files_immutable`.execute(db());
    }
  });

  it('two first reads at once, in two processes, store one PDF and both give its bytes; in one process it is rendered once', async () => {
    const doc = await issueInvoice();
    // Each "process" renders the document its own way (a mark at the end), so whose PDF is stored shows.
    let arrived = 0;
    let release!: () => void;
    const bothRendered = new Promise<void>((r) => (release = r));
    const marked =
      (mark: string): DocumentRenderer =>
      async (content) => {
        const pdf = Buffer.concat([await renderDocumentPdf(content), Buffer.from(`%${mark}\n`)]);
        if (++arrived === 2) release();
        await bothRendered;
        return pdf;
      };
    const settings = t.container.services.settings;
    const one = new Ledger(db(), marked('one'), settings, { clock: t.clock });
    const two = new Ledger(db(), marked('two'), settings, { clock: t.clock });
    const [a, b] = await Promise.all([one.pdf(doc.id), two.pdf(doc.id)]);
    assert.equal(arrived, 2, 'both rendered');
    assert.ok(a && b && a.equals(b), 'both give the same bytes');
    const files = await storedFiles(doc.id);
    assert.equal(files.length, 1, 'one PDF stored');
    assert.ok(files[0]!.pdf.equals(a));

    const fresh = await issueInvoice();
    let renders = 0;
    const counting = new Ledger(db(), async (content) => (renders++, renderDocumentPdf(content)), settings, { clock: t.clock });
    const reads = await Promise.all([counting.pdf(fresh.id), counting.pdf(fresh.id), counting.pdf(fresh.id)]);
    assert.equal(renders, 1);
    assert.ok(reads.every((r) => r?.equals(reads[0]!)));
    assert.equal(await counting.pdf(999_999_999), null, 'no such document');
  });

  it('never renders a content altered behind the triggers’ back', async () => {
    const doc = await issueInvoice();
    await sql`alter table documents disable trigger documents_immutable`.execute(db());
    try {
      await sql`update documents set content = jsonb_set(content, '{totals,grossCents}', '1') where id = ${doc.id}`.execute(db());
    } finally {
      await sql`alter table documents enable trigger documents_immutable`.execute(db());
    }
    await assert.rejects(() => t.container.services.billing.pdf(doc.id), /does not match its hash/);
    assert.equal((await storedFiles(doc.id)).length, 0);
    const report = await t.container.services.billing.ledger.verify();
    assert.ok(report.problems.some((p) => p.includes(doc.number) && p.includes('content does not match')));
    assert.ok(report.problems.some((p) => p.includes(doc.number) && p.includes('PDF not rendered')));
  });
});

describe('the job that renders after the commit', () => {
  it('renders every PDF not rendered yet, oldest first, once: a second run renders nothing', async () => {
    const docs = [await issueInvoice(), await issueInvoice(), await issueInvoice()];
    await t.container.services.billing.pdf(docs[1]!.id);
    const ledger = t.container.services.billing.ledger;
    const first = await ledger.renderPending();
    assert.equal(first.failed.length, 1, 'the document altered in the test above is refused');
    assert.match(first.failed[0]!.error, /does not match its hash/);
    assert.ok(first.rendered >= 2);
    for (const d of docs) assert.equal((await storedFiles(d.id)).length, 1, `${d.number} stored`);
    const second = await ledger.renderPending();
    assert.equal(second.rendered, 0);
  });

  it('stores the PDF of a document once its issue is committed, with no reader (billing.render-pdfs)', async () => {
    const w = await createTestApp({ workers: true });
    try {
      const doc = await w.container.database.db.transaction().execute((trx) =>
        w.container.services.billing.ledger.issue(trx, { kind: 'invoice', orderId: null, userId: null, relatedDocumentId: null, issuedAt: w.clock.now(), build: (number, issueDate) => sampleInvoice({ number, issueDate, dueDate: issueDate }) }),
      );
      // The minute's run, sent now rather than waited for.
      await w.container.queue.send(renderPendingPdfsJob, {});
      let stored: { pdf: Buffer }[] = [];
      for (let i = 0; i < 300 && stored.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        stored = await w.container.database.db.selectFrom('document_files').select('pdf').where('document_id', '=', doc.id).execute();
      }
      assert.equal(stored.length, 1, 'the job stored the PDF');
      assert.ok(stored[0]!.pdf.equals(await renderDocumentPdf(doc.content as BillingDocument)));
    } finally {
      await w.close();
    }
  });
});
