import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupGate } from './queue.ts';

describe('a group gate', () => {
  it('runs at most its limit per group at once, in order, and other groups meanwhile', async () => {
    const gate = new GroupGate(1);
    const running = new Map<string, number>();
    let most = 0;
    const order: string[] = [];
    const task = (group: string, name: string, ms: number) =>
      gate.run(group, async () => {
        running.set(group, (running.get(group) ?? 0) + 1);
        most = Math.max(most, running.get(group)!);
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${name}-`);
        running.set(group, running.get(group)! - 1);
      });
    await Promise.all([task('a', 'a1', 30), task('a', 'a2', 5), task('a', 'a3', 5), task('b', 'b1', 5)]);
    assert.equal(most, 1);
    assert.ok(order.indexOf('b1-') < order.indexOf('a1-'), 'group b does not wait for group a');
    assert.deepEqual(order.filter((x) => x.startsWith('a')), ['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
  });

  it('passes the slot on when a run fails, and allows two at once with a limit of two', async () => {
    const gate = new GroupGate(2);
    let now = 0;
    let most = 0;
    const run = (fail: boolean) =>
      gate.run('g', async () => {
        most = Math.max(most, ++now);
        await new Promise((r) => setTimeout(r, 5));
        now--;
        if (fail) throw new Error('boom');
      });
    const results = await Promise.allSettled([run(true), run(false), run(true), run(false), run(false)]);
    assert.equal(most, 2);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 2);
    assert.equal(await gate.run('g', async () => 'free again'), 'free again');
  });
});
