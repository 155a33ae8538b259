/**
 * A worker process for the numbering proof: issues N invoices through the real ledger (real PDF and
 * Factur-X rendering) on the database given, as fast as it can, and prints the numbers it got.
 * Usage: node test/support/issue-invoices.ts DATABASE_URL COUNT
 */
import { openDatabase } from '../../src/platform/db/database.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { Ledger } from '../../src/modules/billing/ledger.ts';
import { renderDocumentPdf } from '../../src/modules/billing/pdf/document-pdf.ts';
import { sampleInvoice } from '../../src/modules/billing/facturx/document.factory.ts';
import { SettingsRepository } from '../../src/modules/settings/settings.repository.ts';
import { SettingsService } from '../../src/modules/settings/settings.service.ts';

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
const database = await openDatabase({ kind: 'postgres', url: url!, poolSize: 2 });
const settings = new SettingsService(new SettingsRepository(database.db), systemClock);
const ledger = new Ledger(database.db, renderDocumentPdf, settings);
const numbers: string[] = [];
for (let i = 0; i < count; i++) {
  const row = await database.db.transaction().execute((trx) =>
    ledger.issue(trx, { kind: 'invoice', orderId: null, userId: null, relatedDocumentId: null, issuedAt: new Date(), build: (number, issueDate) => sampleInvoice({ number, issueDate, dueDate: issueDate }) }),
  );
  numbers.push(row.number);
}
await database.close();
process.stdout.write(JSON.stringify(numbers));
