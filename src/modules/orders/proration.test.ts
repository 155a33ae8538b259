import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addDays, yearEnd } from '../../platform/dates.ts';
import { planChange, proratedCents } from './proration.ts';

/** The exact value of the rule with rationals: round half up of (Δ × r / p). */
function exact(delta: number, remaining: number, period: number): number {
  const n = BigInt(delta) * BigInt(remaining);
  const p = BigInt(period);
  const q = n / p;
  return Number(2n * (n % p) >= p ? q + 1n : q);
}

const day = fc.integer({ min: 0, max: 365 * 40 }).map((n) => addDays('2000-01-01', n));

describe('plan change proration', () => {
  it('prints the brief’s example: Opale → Émeraude from 01/12/2026 to 31/05/2027, 85,00 € × 182/365 days', () => {
    const q = planChange({ fromName: 'Opale', toName: 'Émeraude', fromCents: 4499, toCents: 12999, periodStart: '2026-06-01', periodEnd: '2027-05-31', today: '2026-12-01' });
    assert.equal(q.label, 'Changement de forfait Opale → Émeraude du 01/12/2026 au 31/05/2027 : 85,00 € × 182/365 jours');
    assert.equal(q.remainingDays, 182);
    assert.equal(q.periodDays, 365);
    assert.equal(q.amountCents, 4238); // 8500 × 182 / 365 = 4238.35…
  });

  it('rounds half up, to the cent, exactly as the rule says (any prices, any day of any period)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 366 }), fc.integer({ min: 0, max: 366 }), (old, delta, period, r) => {
        const remaining = Math.min(r, period);
        assert.equal(proratedCents(old + delta, old, remaining, period), exact(delta, remaining, period));
      }),
      { numRuns: 5000 },
    );
    // the half cent goes up: 1 cent × 1/2 → 1 cent; 1 cent × 1/3 → 0
    assert.equal(proratedCents(1, 0, 1, 2), 1);
    assert.equal(proratedCents(1, 0, 1, 3), 0);
  });

  it('on the first day of a period charges the whole difference, on the last day one day of it; leap years count 366 days', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), (start, old, delta) => {
        const end = yearEnd(start);
        const first = planChange({ fromName: 'A', toName: 'B', fromCents: old, toCents: old + delta, periodStart: start, periodEnd: end, today: start });
        assert.equal(first.amountCents, delta);
        assert.equal(first.remainingDays, first.periodDays);
        const last = planChange({ fromName: 'A', toName: 'B', fromCents: old, toCents: old + delta, periodStart: start, periodEnd: end, today: end });
        assert.equal(last.remainingDays, 1);
        assert.equal(last.amountCents, exact(delta, 1, last.periodDays));
        assert.ok(first.periodDays === 365 || first.periodDays === 366);
      }),
    );
    assert.equal(planChange({ fromName: 'A', toName: 'B', fromCents: 0, toCents: 36600, periodStart: '2028-01-01', periodEnd: '2028-12-31', today: '2028-12-31' }).periodDays, 366);
    assert.equal(planChange({ fromName: 'A', toName: 'B', fromCents: 0, toCents: 36500, periodStart: '2027-03-01', periodEnd: '2028-02-29', today: '2028-02-29' }).amountCents, 100);
  });

  it('successive upgrades in one period never cost more than the dearest plan’s price beyond what was paid', () => {
    fc.assert(
      fc.property(
        day,
        fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 364 }), { minLength: 5, maxLength: 5 }),
        (start, steps, offsets) => {
          const end = yearEnd(start);
          const days = offsets.slice(0, steps.length).sort((a, b) => a - b).map((o) => (addDays(start, o) > end ? end : addDays(start, o)));
          let price = 1000;
          const initial = price;
          let paid = 0;
          steps.forEach((step, i) => {
            const q = planChange({ fromName: 'A', toName: 'B', fromCents: price, toCents: price + step, periodStart: start, periodEnd: end, today: days[i]! });
            paid += q.amountCents;
            price += step;
          });
          // Δ × r/p ≤ Δ, and rounding an amount not above an integer never passes it: the year never
          // costs more than the dearest plan's price, to the cent.
          assert.ok(initial + paid <= price, `${initial} + ${paid} > ${price}`);
        },
      ),
    );
  });

  it('refuses what is not a change towards a dearer plan within the period', () => {
    assert.throws(() => proratedCents(4499, 4499, 10, 365), /dearer/);
    assert.throws(() => proratedCents(4499, 12999, 10, 365), /dearer/);
    assert.throws(() => proratedCents(12999, 4499, 366, 365), /within the period/);
    assert.throws(() => proratedCents(12999.5, 4499, 10, 365), /integer/);
    assert.throws(() => planChange({ fromName: 'A', toName: 'B', fromCents: 1, toCents: 2, periodStart: '2026-01-01', periodEnd: '2026-12-31', today: '2027-01-01' }), /within the period/);
  });
});
