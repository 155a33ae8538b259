import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { domainEvents } from '../../src/events/domain-events.ts';
import { checkBoundaries, moduleCycles, moduleImports, ownershipTable, ROOT, sourceFiles, writtenTables, type AllowEntry, type SourceFile } from './module-boundaries.ts';

/**
 * Exceptions to the rules, each with its reason. Keep it short: an entry that is no longer needed
 * fails the test, so the list cannot rot.
 */
const ALLOWED: readonly AllowEntry[] = [];

const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
const owners = ownershipTable(doc);

function report(violations: { rule: string; file: string; detail: string }[]): string {
  return violations.map((v) => `  [${v.rule}] ${v.file}: ${v.detail}`).join('\n');
}

describe('module boundaries (docs/architecture.md, "What each module owns")', () => {
  it('the tree keeps them: no module imports another one’s repository or writes its tables, no cycle, no SQL in routes', () => {
    const { violations, unusedAllowances } = checkBoundaries(sourceFiles(), owners, ALLOWED);
    assert.equal(violations.length, 0, `the house rules are broken:\n${report(violations)}`);
    assert.deepEqual(unusedAllowances, [], 'an allowed exception is no longer needed: remove it from ALLOWED');
  });

  it('every module folder is in the table, and every table has one owner', () => {
    const folders = new Set(sourceFiles().flatMap((f) => (f.module ? [f.module] : [])));
    for (const m of folders) assert.ok(owners.has(m), `module ${m} is missing from "What each module owns"`);
    const seen = new Map<string, string>();
    for (const [m, tables] of owners) {
      for (const t of tables) {
        assert.ok(!seen.has(t), `table ${t} is owned by both ${seen.get(t)} and ${m}`);
        seen.set(t, m);
      }
    }
  });

  it('every event has a subscriber and is in the event list of the docs', () => {
    const subscriptions = sourceFiles().filter((f) => f.file.endsWith('.subscriptions.ts'));
    const eventsFile = readFileSync(path.join(ROOT, 'src/events/domain-events.ts'), 'utf8');
    for (const event of domainEvents) {
      const constName = new RegExp(`export const (\\w+) = defineEvent\\('${event.name.replace('.', '\\.')}'`).exec(eventsFile)?.[1];
      assert.ok(constName, `no definition found for ${event.name}`);
      assert.ok(subscriptions.some((f) => f.text.includes(`subscribe(${constName},`)), `nobody subscribes to ${event.name}`);
      assert.match(doc, new RegExp(`\`${event.name.replace('.', '\\.')}\``), `${event.name} is not in the docs' event list`);
    }
  });
});

describe('the checks themselves fail on what they must refuse', () => {
  const file = (module: string | null, name: string, text: string): SourceFile => ({ file: module ? `src/modules/${module}/${name}` : `src/${name}`, module, text });

  it('another module’s repository imported (even for a type)', () => {
    const files = [file('payments', 'payments.service.ts', "import type { BillingRepository } from '../billing/billing.repository.ts';\n")];
    const { violations } = checkBoundaries(files, owners, []);
    assert.ok(violations.some((v) => v.rule === 'repository-import' && v.detail.includes("payments imports billing's repository")), report(violations));
  });

  it('another module’s table written, with Kysely or raw SQL', () => {
    assert.deepEqual(writtenTables("await trx.updateTable('orders').set({})"), ['orders']);
    assert.deepEqual(writtenTables("await sql`update orders set status = 'paid' where id = ${id}`.execute(trx)"), ['orders']);
    assert.deepEqual(writtenTables("sql`insert into instance_usage_daily (a) values (1) on conflict (a) do update set a = 2`"), ['instance_usage_daily']);
    assert.deepEqual(writtenTables("db.selectFrom('orders').selectAll() // update orders set nothing: a comment"), []);
    const files = [file('payments', 'settle.ts', "await sql`update orders set status = 'paid'`.execute(trx);"), file(null, 'gateway/x.ts', "db.deleteFrom('sessions')")];
    const { violations } = checkBoundaries(files, owners, []);
    assert.ok(violations.some((v) => v.rule === 'foreign-write' && v.detail.startsWith('payments writes orders')), report(violations));
    assert.ok(violations.some((v) => v.rule === 'unowned-write' && v.detail.includes('sessions')), report(violations));
  });

  it('two modules importing each other, even through a third', () => {
    const files = [
      file('orders', 'orders.views.ts', "import { instanceMessages } from '../instances/instances.messages.ts';"),
      file('instances', 'instances.service.ts', "import type { BillingService } from '../billing/billing.service.ts';"),
      file('billing', 'billing.service.ts', "import type { OrdersService } from '../orders/orders.service.ts';"),
    ];
    assert.deepEqual(moduleCycles(moduleImports(files)), [['billing', 'instances', 'orders']]);
    const { violations } = checkBoundaries(files, owners, []);
    assert.ok(violations.some((v) => v.rule === 'module-cycle' && v.detail.includes('src/modules/orders/orders.views.ts')), report(violations));
  });

  it('a route that builds a repository or holds SQL; a service that hands out its repository', () => {
    const files = [
      file('backoffice', 'money.routes.ts', 'const repo = new BackofficeRepository(c.database.db);'),
      file('backoffice', 'instances.routes.ts', "db.selectFrom('instances').selectAll()"),
      file('orders', 'orders.service.ts', 'export class OrdersService {\n  readonly repo: OrdersRepository;\n}'),
    ];
    const { violations } = checkBoundaries(files, owners, []);
    assert.equal(violations.filter((v) => v.rule === 'route-sql').length, 2, report(violations));
    assert.ok(violations.some((v) => v.rule === 'public-repository'), report(violations));
  });

  it('an allowed exception needs its reason to match, and a stale one is reported', () => {
    const files = [file('payments', 'a.ts', "db.insertInto('audit_log')")];
    const allow: AllowEntry[] = [
      { rule: 'foreign-write', file: 'src/modules/payments/a.ts', subject: 'audit_log', reason: 'example' },
      { rule: 'foreign-write', file: 'src/modules/payments/b.ts', subject: 'orders', reason: 'example' },
    ];
    const { violations, unusedAllowances } = checkBoundaries(files, owners, allow);
    assert.deepEqual(violations.filter((v) => v.rule === 'foreign-write'), []);
    assert.deepEqual(unusedAllowances.map((a) => a.file), ['src/modules/payments/b.ts']);
  });
});
