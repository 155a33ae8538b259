import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testBackend } from '../../../test/support/database.ts';
import { parisYear } from '../../platform/dates.ts';
import { sampleInvoice } from './facturx/document.factory.ts';

const run = promisify(execFile);
let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

function issueInvoice(db = t.container.database.db) {
  return db.transaction().execute((trx) =>
    t.container.services.billing.ledger.issue(trx, {
      kind: 'invoice',
      orderId: null,
      userId: null,
      relatedDocumentId: null,
      issuedAt: t.clock.now(),
      build: (number, issueDate) => sampleInvoice({ number, issueDate, dueDate: issueDate }),
    }),
  );
}

describe('the ledger of issued documents', () => {
  it('numbers invoices in order from 0001 and chains their hashes; verify agrees', async () => {
    const year = parisYear(t.clock.now());
    const a = await issueInvoice();
    const b = await issueInvoice();
    assert.equal(a.number, `FAC-${year}-0001`);
    assert.equal(b.number, `FAC-${year}-0002`);
    assert.ok(b.prev_chain_sha256.equals(a.chain_sha256));
    const report = await t.container.services.billing.ledger.verify({ rerender: true });
    assert.deepEqual(report.problems, []);
    assert.equal(report.documents, 2);
  });

  it('gives a number back when the issuing transaction rolls back: no gap', async () => {
    const before = await issueInvoice();
    await assert.rejects(() =>
      t.container.database.db.transaction().execute(async (trx) => {
        await t.container.services.billing.ledger.issue(trx, { kind: 'invoice', orderId: null, userId: null, relatedDocumentId: null, issuedAt: t.clock.now(), build: (number, issueDate) => sampleInvoice({ number, issueDate }) });
        throw new Error('the payment step failed after the invoice');
      }),
    );
    const next = await issueInvoice();
    assert.equal(next.seq, before.seq + 1);
  });

  it('refuses any change to an issued document or its PDF, at the database', async () => {
    const db = t.container.database.db;
    const doc = await issueInvoice();
    assert.ok(await t.container.services.billing.ledger.pdf(doc.id), 'its PDF, stored on its first read');
    await assert.rejects(() => sql`update documents set gross_cents = 1 where id = ${doc.id}`.execute(db), /immutable/);
    await assert.rejects(() => sql`delete from documents where id = ${doc.id}`.execute(db), /immutable/);
    await assert.rejects(() => sql`update document_files set pdf = '\\x00' where document_id = ${doc.id}`.execute(db), /immutable/);
    await assert.rejects(() => sql`delete from document_files where document_id = ${doc.id}`.execute(db), /immutable/);
    await assert.rejects(() => sql`truncate documents cascade`.execute(db), /immutable/);
  });

  it('detects a document altered behind the triggers’ back', async () => {
    const db = t.container.database.db;
    const doc = await issueInvoice();
    await sql`alter table documents disable trigger documents_immutable`.execute(db);
    try {
      await sql`update documents set content = jsonb_set(content, '{totals,grossCents}', '1') where id = ${doc.id}`.execute(db);
    } finally {
      await sql`alter table documents enable trigger documents_immutable`.execute(db);
    }
    const report = await t.container.services.billing.ledger.verify();
    assert.ok(report.problems.some((p) => p.includes(doc.number) && p.includes('content does not match')), report.problems.join('\n'));
  });
});

describe('numbering under concurrency', () => {
  it('never gives the same number twice nor leaves a gap, whatever the concurrency', async () => {
    // A fresh database of its own, so the numbers start at 1.
    const fresh = await createTestApp();
    try {
      const year = parisYear(new Date());
      if (testBackend() === 'postgres') {
        // 4 processes × 250 invoices, each through the real ledger and renderer.
        const url = fresh.database.url!;
        const outputs = await Promise.all(
          [0, 1, 2, 3].map(() => run(process.execPath, ['test/support/issue-invoices.ts', url, '250'], { maxBuffer: 10 * 1024 * 1024 })),
        );
        const numbers = outputs.flatMap((o) => JSON.parse(o.stdout) as string[]);
        assert.equal(numbers.length, 1000);
        assert.equal(new Set(numbers).size, 1000, 'no duplicate');
        const seqs = numbers.filter((n) => n.startsWith(`FAC-${year}-`)).map((n) => Number(n.split('-')[2])).sort((a, b) => a - b);
        assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i + 1), 'numbers 1..1000, no gap');
      } else {
        // PGlite is one connection in one process: concurrent issuers queue on it; same guarantee.
        const rows = await Promise.all(
          Array.from({ length: 60 }, () =>
            fresh.container.database.db.transaction().execute((trx) =>
              fresh.container.services.billing.ledger.issue(trx, { kind: 'invoice', orderId: null, userId: null, relatedDocumentId: null, issuedAt: new Date(), build: (number, issueDate) => sampleInvoice({ number, issueDate }) }),
            ),
          ),
        );
        assert.deepEqual(rows.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i + 1));
      }
      const report = await fresh.container.services.billing.ledger.verify();
      assert.deepEqual(report.problems, []);
    } finally {
      await fresh.close();
    }
  });
});
