import { FEATURES } from '../../web/features.ts';
import { translator } from '../../web/i18n.ts';
import type { PortalEntry } from '../../web/portal-menu.ts';
import { supportMessages } from './support.messages.ts';

/** "Demande information" on the customer's home (the same public form, linked to the account). */
export function supportPortalEntries(): PortalEntry[] {
  const tr = (locale: 'fr' | 'en') => translator(supportMessages, locale);
  return [
    {
      id: 'support-request',
      order: 60,
      href: '/demande-information',
      label: (l) => tr(l)('title'),
      hint: (l) => tr(l)('portalHint'),
      shown: () => FEATURES.supportForm,
    },
  ];
}
