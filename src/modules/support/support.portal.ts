import type { Container } from '../../container.ts';
import { FEATURES } from '../../web/features.ts';
import { translator } from '../../web/i18n.ts';
import { countOf, type PortalEntry } from '../../web/portal-menu.ts';
import { sessionsPageMessages } from './sessions-page.views.ts';
import { supportMessages } from './support.messages.ts';

/**
 * "Demande information" on the customer's home (the same public form, linked to the account), and
 * "Vos séances" for a customer who has had an accompaniment quote.
 */
export function supportPortalEntries(c: Container): PortalEntry[] {
  const tr = (locale: 'fr' | 'en') => translator(supportMessages, locale);
  const ts = (locale: 'fr' | 'en') => translator(sessionsPageMessages, locale);
  return [
    {
      id: 'support-sessions',
      order: 55,
      href: '/seances',
      label: (l) => ts(l)('title'),
      hint: (l) => ts(l)('hint'),
      shown: (user) => c.services.support.hasQuotes(user.id),
      async waiting(user, locale) {
        const now = c.clock.now().getTime();
        const n = (await c.services.supportSessions.forUser(user.id)).filter((s) => s.state === 'planned' && new Date(s.starts_at).getTime() > now).length;
        return n ? [countOf(n, ts(locale)('upcomingOne'), ts(locale)('upcomingMany'))] : [];
      },
    },
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
