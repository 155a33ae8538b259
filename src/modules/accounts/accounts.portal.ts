import type { Container } from '../../container.ts';
import { defineMessages, translator } from '../../web/i18n.ts';
import type { PortalEntry } from '../../web/portal-menu.ts';

const messages = defineMessages({
  fr: {
    account: 'Votre compte',
    accountHint: 'Vos coordonnées, celles de votre structure (imprimées sur vos factures) et votre mot de passe.',
    addressMissing: 'adresse postale de la structure à compléter',
  },
  en: {
    account: 'Your account',
    accountHint: 'Your details, your organisation’s (printed on your invoices) and your password.',
    addressMissing: 'postal address of the organisation to fill in',
  },
});

/** "Votre compte" on the customer's home; it says when the organisation's postal address is missing. */
export function accountsPortalEntries(c: Container): PortalEntry[] {
  const { accounts } = c.services;
  const tr = (locale: 'fr' | 'en') => translator(messages, locale);
  return [
    {
      id: 'account',
      order: 90,
      href: '/compte',
      label: (l) => tr(l)('account'),
      hint: (l) => tr(l)('accountHint'),
      async waiting(user, locale) {
        const org = (await accounts.getAccount(user.id))?.organisation;
        return org && !(org.address && org.postcode && org.city) ? [tr(locale)('addressMissing')] : [];
      },
    },
  ];
}
