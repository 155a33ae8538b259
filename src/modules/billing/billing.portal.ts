import type { Container } from '../../container.ts';
import { defineMessages, translator } from '../../web/i18n.ts';
import { countOf, type PortalEntry } from '../../web/portal-menu.ts';
import { documentState } from './document-state.ts';

const messages = defineMessages({
  fr: {
    invoices: 'Vos factures',
    invoicesHint: 'Vos devis, factures et avoirs à réimprimer, et les modalités de paiement.',
    toPayOne: '1 devis à payer',
    invoiceToPayOne: '1 facture à payer',
    invoiceToPayMany: '{n} factures à payer',
    toPayMany: '{n} devis à payer',
    toAcceptOne: '1 devis à accepter',
    toAcceptMany: '{n} devis à accepter',
  },
  en: {
    invoices: 'Your invoices',
    invoicesHint: 'Your quotes, invoices and credit notes to reprint, and the payment terms.',
    toPayOne: '1 quote to pay',
    invoiceToPayOne: '1 invoice to pay',
    invoiceToPayMany: '{n} invoices to pay',
    toPayMany: '{n} quotes to pay',
    toAcceptOne: '1 quote to accept',
    toAcceptMany: '{n} quotes to accept',
  },
});

/** "Vos factures" on the customer's home, with the quotes waiting for payment or for an answer. */
export function billingPortalEntries(c: Container): PortalEntry[] {
  const { billing } = c.services;
  const tr = (locale: 'fr' | 'en') => translator(messages, locale);
  return [
    {
      id: 'invoices',
      order: 30,
      href: '/factures',
      label: (l) => tr(l)('invoices'),
      hint: (l) => tr(l)('invoicesHint'),
      async waiting(user, locale) {
        const today = billing.today();
        const quotes = await billing.listDocuments({ userId: user.id, kind: 'quote', limit: 100, offset: 0, today });
        // An accompaniment's final invoice waits for its balance too.
        const invoices = await billing.listDocuments({ userId: user.id, kind: 'invoice', limit: 100, offset: 0, today });
        const toPay = quotes.filter((q) => documentState(q, today) === 'to_pay').length;
        const invoicesToPay = invoices.filter((q) => documentState(q, today) === 'to_pay').length;
        const toAccept = quotes.filter((q) => documentState(q, today) === 'to_accept').length;
        return [
          ...(toPay ? [countOf(toPay, tr(locale)('toPayOne'), tr(locale)('toPayMany'))] : []),
          ...(invoicesToPay ? [countOf(invoicesToPay, tr(locale)('invoiceToPayOne'), tr(locale)('invoiceToPayMany'))] : []),
          ...(toAccept ? [countOf(toAccept, tr(locale)('toAcceptOne'), tr(locale)('toAcceptMany'))] : []),
        ];
      },
    },
  ];
}
