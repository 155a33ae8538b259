import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { defaultTerms, previousDefaultTermsBodies } from './settings.defaults.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

describe('settings', () => {
  it('are seeded with the brief’s plans, operator and CGV v1, once', async () => {
    const s = t.container.services.settings;
    await s.seedDefaults(); // a second start changes nothing
    const plans = await s.plans();
    assert.deepEqual(
      plans.map((p) => [p.code, p.priceCents, p.bandwidthMbps, p.slaPercent, p.maxSessions, p.storageBytes, p.customQuote]),
      [
        ['opale', 4499, 32, 99.5, 3, 1024 ** 3, false],
        ['emeraude', 12999, 80, 99.7, null, 10 * 1024 ** 3, false],
        ['diamant', null, null, null, null, null, true],
      ],
    );
    const id = await s.operatorIdentity();
    assert.equal(id.siret, '820 103 315 00017');
    assert.equal(id.iban, 'FR76 1680 7001 2932 6233 9521 322');
    const terms = await s.currentTerms();
    assert.equal(terms?.version, 1);
    assert.match(terms!.body, /SLETO \(Laurent GAY/);
    const count = await sql<{ n: number }>`select count(*)::int as n from terms_versions`.execute(t.container.database.db);
    assert.equal(count.rows[0]!.n, 1);
  });

  it('keep an operator edit across a restart’s seeding, and the CGV follow the identity', async () => {
    const s = t.container.services.settings;
    await s.updateOperatorIdentity({ tradeName: 'Asso Hébergement' });
    await s.seedDefaults();
    assert.equal((await s.operatorIdentity()).tradeName, 'Asso Hébergement');
    assert.match((await s.currentTerms())!.body, /par Asso Hébergement \(/);
    await s.updateOperatorIdentity({ tradeName: 'SLETO' });
  });

  it('replace the CGV text seeded by an earlier release, unedited, by today’s as a new version — once', async () => {
    const s = t.container.services.settings;
    const db = t.container.database.db;
    // a database seeded before the texts marked what depends on features
    await sql`update terms_versions set body = ${previousDefaultTermsBodies[0]!} where version = 1`.execute(db);
    await Promise.all([s.seedDefaults(), s.seedDefaults()]);
    const rows = await sql<{ version: number; body: string }>`select version, body from terms_versions order by version`.execute(db);
    assert.deepEqual(rows.rows.map((r) => r.version), [1, 2]);
    assert.equal(rows.rows[1]!.body, defaultTerms.body);
    assert.equal((await s.currentTerms())?.version, 2);
    // an operator's own text is never replaced
    await s.publishTerms('CGV', 'Article unique\nNos conditions.');
    await s.seedDefaults();
    assert.equal((await s.currentTerms())?.body, 'Article unique\nNos conditions.');
  });

  it('refuse an identity of the wrong shape', async () => {
    await assert.rejects(() => t.container.services.settings.updateOperatorIdentity({ vatFranchise: 'yes' as unknown as boolean }));
  });
});

describe('audit log', () => {
  it('is append-only at the database', async () => {
    const db = t.container.database.db;
    await t.container.services.audit.record({ action: 'signin.failure', at: new Date(), details: { identifier: 'x' } });
    await assert.rejects(() => sql`update audit_log set action = 'signin.success'`.execute(db), /append-only/);
    await assert.rejects(() => sql`delete from audit_log`.execute(db), /append-only/);
    const rows = await t.container.services.audit.list({ limit: 10, offset: 0, action: 'signin.failure' });
    assert.equal(rows.length, 1);
  });
});
