import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, errorStatus, errorText, fieldErrorTexts } from './app-error.ts';
import { catalogue, type CatalogueEntry } from './catalogue.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the error catalogue', () => {
  it('every code has an HTTP error status and both languages, with the same placeholders', () => {
    for (const [code, entry] of Object.entries(catalogue) as [string, CatalogueEntry][]) {
      assert.ok(entry.status >= 400 && entry.status < 600, `${code}: status ${entry.status}`);
      for (const e of [entry, ...(entry.operator ? [entry.operator] : [])]) {
        assert.ok(e.fr.trim() && e.en.trim(), `${code}: a sentence is empty`);
        assert.notEqual(e.fr, e.en, `${code}: the English is the French`);
        assert.deepEqual(placeholders(e.en), placeholders(e.fr), `${code}: placeholders differ between French and English`);
      }
    }
  });

  it('fills parameters, amounts of money in the reader’s format', () => {
    assert.equal(errorText({ code: 'credit_too_large', params: { remainingCents: 4499 } }, 'fr'), 'Montant supérieur à ce qui reste de la facture : 44,99\u00a0€ au plus.');
    assert.equal(errorText({ code: 'credit_too_large', params: { remainingCents: 4499 } }, 'en'), 'Amount larger than what remains of the invoice: €44.99 at most.');
    assert.equal(errorText(new AppError('credit_too_large', { params: { remainingCents: 0 } }), 'fr'), 'Montant supérieur à ce qui reste de la facture : 0,00\u00a0€ au plus.');
  });

  it('tells the operator what to do where the customer is told something else', () => {
    assert.match(errorText('quote_expired', 'fr'), /Écrivez-nous/);
    assert.match(errorText('quote_expired', 'fr', 'operator'), /rééditez un devis/);
    // No operator wording: both read the same.
    assert.equal(errorText('payment_duplicate', 'fr', 'operator'), errorText('payment_duplicate', 'fr'));
  });

  it('maps each code to its status once, for pages and the JSON API alike', () => {
    assert.equal(errorStatus('not_found'), 404);
    assert.equal(new AppError('order_not_draft').status, 409);
    assert.equal(new AppError('paypal_unavailable').status, 503);
    assert.deepEqual(fieldErrorTexts({ password: 'password_mismatch', name: undefined }, 'en'), { password: 'Both passwords typed must be the same.' });
    // every password rule broken, in one field: the intro, then each rule
    assert.deepEqual(fieldErrorTexts({ password: 'password:too_short+contains_admin' }, 'fr'), {
      password: 'Le mot de passe ne respecte pas ces règles : Il doit compter au moins 10 caractères. Il ne doit pas contenir « admin ».',
    });
  });
});
