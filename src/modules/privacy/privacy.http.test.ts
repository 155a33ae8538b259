import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { Agent } from '../../../test/support/agent.ts';
import { lastMailTo, orderAndValidate, signedInCustomer } from '../../../test/support/customers.ts';
import { operatorId, paidOrder } from '../../../test/support/paid-order.ts';
import { unzipEntries, unzipWithInfoZip } from '../../../test/support/unzip.ts';
import { provisionInstance } from '../instances/use-cases/provision-instance.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';

/**
 * "Vos données": the ZIP of everything (read back with a ZIP library), never another customer's;
 * and the closure, which erases the person and keeps the documents (the ledger still verifies).
 */
let t: TestApp;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-donnees-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.container.urls.setPublicPort(Number(new URL(address).port));
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function download(agent: Agent): Promise<Map<string, Buffer>> {
  const res = await agent.get('/compte/donnees/archive.zip');
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/zip');
  assert.match(String(res.headers['content-disposition']), /attachment; filename="donnees-.*\.zip"/);
  const entries = await unzipEntries(res.rawPayload);
  // A real reader agrees, byte for byte, and every entry passes its CRC-32 (`unzip -t`).
  const infoZip = unzipWithInfoZip(res.rawPayload);
  assert.match(infoZip.tested, /No errors detected/);
  assert.deepEqual([...infoZip.entries.keys()], [...entries.keys()]);
  for (const [name, bytes] of entries) assert.ok(infoZip.entries.get(name)!.equals(bytes), name);
  return entries;
}

describe('"Télécharger mes données"', () => {
  it('gives compte.json, every document as issued, the newest verified archive of each instance — and nothing of another customer', async () => {
    const a = await signedInCustomer(t, 'donnees-a');
    const withArchive = await paidOrder(t, a, 'donnees-a1');
    await provisionInstance(t.container.deps, withArchive.orderId);
    const bare = await paidOrder(t, a, 'donnees-a2');
    await provisionInstance(t.container.deps, bare.orderId);
    const validated = await orderAndValidate(t, a, 'donnees-a3');
    const instance = (await t.container.services.instances.findByName('donnees-a1'))!;
    await t.container.services.archives.createArchive(instance, 'ancienne', 'created', null);
    const newest = await t.container.services.archives.createArchive(instance, 'avant départ', 'created', null);
    const b = await signedInCustomer(t, 'donnees-b');
    const other = await paidOrder(t, b, 'donnees-b1');

    const account = await a.get('/compte');
    assert.match(account.body, /href="\/compte\/donnees"/);
    const page = await a.get('/compte/donnees');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Télécharger mes données/);
    assert.match(page.body, /Sans archive pour le moment : donnees-a2/);

    const files = await download(a);
    const json = JSON.parse(files.get('compte.json')!.toString('utf8'));
    assert.equal(json.account.email, 'donnees-a@example.org');
    assert.equal(json.organisation.name, 'Association donnees-a');
    assert.deepEqual(json.orders.map((o: { instanceName: string }) => o.instanceName).sort(), ['donnees-a1', 'donnees-a2', 'donnees-a3']);
    assert.equal(json.payments.length, 2);
    const userA = (await t.container.services.accounts.findUserByEmail('donnees-a@example.org'))!.id;
    const numbers = (await t.container.services.billing.listDocuments({ userId: userA, limit: 100, offset: 0, today: t.container.services.billing.today() })).map((d) => d.number);
    assert.equal(numbers.length, 5, 'three quotes and two invoices');
    assert.ok(numbers.includes(validated.quoteNumber));
    for (const doc of json.documents as { number: string; file: string }[]) {
      const pdf = files.get(doc.file);
      assert.ok(pdf, `${doc.file} is in the ZIP`);
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-', doc.file);
      const issued = await t.container.services.billing.pdf((await t.container.services.billing.findDocument({ number: doc.number }))!.id);
      assert.ok(issued?.equals(pdf), `${doc.number}: the PDF as issued`);
    }
    assert.deepEqual(json.documents.map((d: { number: string }) => d.number).sort(), numbers.sort());
    const lbkf = [...files.keys()].filter((n) => n.endsWith('.lbkf'));
    assert.equal(lbkf.length, 1, 'one archive: the newest of donnees-a1');
    assert.match(lbkf[0]!, /^instances\/donnees-a1\/avant-depart-\d+\.lbkf$/);
    assert.equal(createHash('sha256').update(files.get(lbkf[0]!)!).digest('hex'), newest.sha256, 'the archive as verified, byte for byte');
    assert.equal(json.instances.find((i: { name: string }) => i.name === 'donnees-a2').archive, null);
    assert.match(files.get('README.txt')!.toString('utf8'), /Sans archive : donnees-a2/);
    // nothing of B
    const everything = [...files.values()].map((f) => f.toString('latin1')).join('\n');
    for (const secret of ['donnees-b', 'Association donnees-b', other.quoteNumber]) assert.equal(everything.includes(secret), false, `the ZIP holds ${secret}`);
    const audit = await t.container.services.audit.list({ limit: 5, offset: 0, action: 'account.data_exported' });
    assert.equal(audit[0]?.subject_user_id, userA);
  });

  it('is for the signed-in customer only', async () => {
    const res = await new Agent(t.app).get('/compte/donnees/archive.zip');
    assert.equal(res.statusCode, 303);
  });
});

describe('"Clôturer mon compte"', () => {
  it('asks for the e-mail or CLÔTURER, and refuses while an instance is live or money is not invoiced', async () => {
    const a = await signedInCustomer(t, 'cloture-vive');
    const { orderId } = await paidOrder(t, a, 'cloture-vive1');
    await provisionInstance(t.container.deps, orderId);
    await a.get('/compte/donnees');
    const wrong = await a.post('/compte/cloturer', { confirmation: 'oui' });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /tapez votre adresse courriel ou le mot CLÔTURER/);
    const live = await a.post('/compte/cloturer', { confirmation: 'clôturer' });
    assert.equal(live.statusCode, 409);
    assert.match(live.body, /encore des instances d’hébergement \(cloture-vive1\) : cochez « Mettre fin à mes instances »/);
    assert.match(live.body, /name="end_instances" value="1"/);

    const m = await signedInCustomer(t, 'cloture-argent');
    const { quoteNumber } = await orderAndValidate(t, m, 'cloture-argent1');
    const paid = await recordPayment(t.container.deps, await operatorId(t.container), quoteNumber, { method: 'transfer', amountCents: 1000, receivedOn: t.container.services.billing.today(), reference: quoteNumber, bank: '', confirmed: true });
    assert.ok(paid.ok, JSON.stringify(paid));
    await m.get('/compte/donnees');
    const money = await m.post('/compte/cloturer', { confirmation: 'cloture-argent@example.org' });
    assert.equal(money.statusCode, 409);
    assert.match(money.body, new RegExp(`Un règlement a été reçu sur le devis ${quoteNumber}`));
    for (const alias of ['cloture-vive', 'cloture-argent']) assert.equal((await t.container.services.accounts.findUserByEmail(`${alias}@example.org`))?.closed_at, null);

    // asked to end them: each instance ended (a final archive first), then the account closed
    const ended = await a.post('/compte/cloturer', { confirmation: 'CLÔTURER', end_instances: '1' });
    assert.equal(ended.statusCode, 200, ended.body);
    assert.match(ended.body, /Votre compte est clôturé/);
    const gone = (await t.container.database.db.selectFrom('instances').selectAll().where('name', '=', 'cloture-vive1').executeTakeFirst())!;
    assert.equal(gone.state, 'deleted');
    assert.ok(await t.container.services.archives.finalOf(gone.id), 'a final archive was made before the instance was destroyed');
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'ended');
  });

  it('erases the person, revokes sessions, keeps the documents (the ledger verifies), e-mails the old address; sign-in is impossible after', async () => {
    const agent = await signedInCustomer(t, 'cloture-ok');
    const { orderId, quoteNumber } = await paidOrder(t, agent, 'cloture-ok1');
    await provisionInstance(t.container.deps, orderId);
    const instance = (await t.container.services.instances.findByName('cloture-ok1'))!;
    // The instance ended (as the end-instance use case leaves it): the account may close.
    await t.container.services.instances.setState(instance, 'deleted');
    const open = await orderAndValidate(t, agent, 'cloture-ok2');
    const before = (await t.container.services.accounts.findUserByEmail('cloture-ok@example.org'))!;
    const invoice = (await t.container.services.billing.invoiceForQuote((await t.container.services.billing.findDocument({ number: quoteNumber }))!.id))!;
    const pdfBefore = await t.container.services.billing.pdf(invoice.id);

    await agent.get('/compte/donnees');
    const closed = await agent.post('/compte/cloturer', { confirmation: 'CLÔTURER' });
    assert.equal(closed.statusCode, 200, closed.body);
    assert.match(closed.body, /Votre compte est clôturé/);

    const user = (await t.container.database.db.selectFrom('users').selectAll().where('id', '=', before.id).executeTakeFirst())!;
    assert.ok(user.closed_at);
    assert.equal(user.name, 'Compte clôturé');
    assert.match(user.email, /^compte-clos-\d+-[0-9a-f]+@clos\.invalid$/);
    assert.notEqual(user.alias, 'cloture-ok');
    assert.equal(user.password_hash, null);
    const org = (await t.container.database.db.selectFrom('organisations').selectAll().where('id', '=', before.organisation_id!).executeTakeFirst())!;
    assert.deepEqual([org.address, org.postcode, org.city, org.phone, org.email], [null, null, null, null, null]);
    assert.notEqual(org.name, 'Association cloture-ok');
    assert.equal(Number((await t.container.database.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', before.id).executeTakeFirst())!.n), 0);
    // kept: the documents, as issued, naming the buyer as they were
    const kept = (await t.container.services.billing.findDocument({ number: invoice.number }))!;
    assert.equal((kept.content as { buyer: { name: string } }).buyer.name, 'Association cloture-ok');
    assert.ok((await t.container.services.billing.pdf(invoice.id))?.equals(pdfBefore!));
    const verified = await t.container.services.billing.ledger.verify();
    assert.deepEqual(verified.problems, []);
    // the open order was cancelled with its quote
    assert.equal((await t.container.services.orders.find(open.orderId))?.status, 'cancelled');
    // told at the old address, before it was erased
    const mail = await lastMailTo(t, 'cloture-ok@example.org', 'privacy.account_closed');
    assert.match(mail.text_body, /conservés pendant dix ans/);
    assert.equal((await t.container.services.audit.list({ limit: 1, offset: 0, action: 'account.closed' }))[0]?.subject_user_id, before.id);
    // the old session is dead, and nobody signs in with the old alias, e-mail or password
    assert.equal((await agent.get('/compte')).statusCode, 303);
    for (const identifier of ['cloture-ok', 'cloture-ok@example.org', user.alias, user.email]) {
      const other = new Agent(t.app);
      await other.get('/connexion');
      const res = await other.post('/connexion', { identifier, password: 'velo-rouge-2026!' });
      assert.notEqual(res.statusCode, 303, `${identifier} signed in`);
    }
    // the name is free again (after the quarantine), and the e-mail can make a new account
    const again = new Agent(t.app);
    await again.get('/inscription');
    assert.equal((await again.post('/inscription', { alias: 'cloture-ok-bis', name: 'Camille', email: 'cloture-ok@example.org', organisation: 'Association nouvelle' })).statusCode, 200);
  });
});
