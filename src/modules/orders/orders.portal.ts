import type { Container } from '../../container.ts';
import { defineMessages, translator } from '../../web/i18n.ts';
import { countOf, type PortalEntry } from '../../web/portal-menu.ts';

const messages = defineMessages({
  fr: {
    instances: "Vos instances d'hébergement",
    instancesHint: "L'état et l'adresse de chaque Diacamma, son mot de passe « admin », vos actions d'hébergement.",
    creatingOne: 'instance en création',
    creatingMany: '{n} instances en création',
    failedOne: 'instance en échec : nous sommes prévenus',
    failedMany: '{n} instances en échec : nous sommes prévenus',
    awaitingOne: 'commande en attente de paiement',
    awaitingMany: '{n} commandes en attente de paiement',
    requestedOne: 'demande de devis Diamant en cours de chiffrage',
    requestedMany: '{n} demandes de devis Diamant en cours de chiffrage',
    newOrder: "Nouvelle commande d'hébergement",
    newOrderHint: 'Choisissez le nom et le forfait de votre Diacamma : le devis vous est envoyé par courriel.',
    draftOne: 'commande en brouillon à valider',
    draftMany: '{n} commandes en brouillon à valider',
  },
  en: {
    instances: 'Your hosting instances',
    instancesHint: 'The state and address of each Diacamma, its “admin” password, your hosting actions.',
    creatingOne: 'instance being created',
    creatingMany: '{n} instances being created',
    failedOne: 'instance failed: we have been told',
    failedMany: '{n} instances failed: we have been told',
    awaitingOne: 'order awaiting payment',
    awaitingMany: '{n} orders awaiting payment',
    requestedOne: 'Diamant quote request being priced',
    requestedMany: '{n} Diamant quote requests being priced',
    newOrder: 'New hosting order',
    newOrderHint: 'Choose the name and plan of your Diacamma: the quote is sent to you by e-mail.',
    draftOne: 'draft order to validate',
    draftMany: '{n} draft orders to validate',
  },
});

/** "Vos instances d'hébergement" and "Nouvelle commande d'hébergement" on the customer's home. */
export function ordersPortalEntries(c: Container): PortalEntry[] {
  const { orders, instances } = c.services;
  const tr = (locale: 'fr' | 'en') => translator(messages, locale);
  return [
    {
      id: 'instances',
      order: 10,
      href: '/instances',
      label: (l) => tr(l)('instances'),
      hint: (l) => tr(l)('instancesHint'),
      async waiting(user, locale) {
        const t = tr(locale);
        const live = await instances.listForUser(user.id);
        const creating = live.filter((i) => i.state === 'creating').length;
        const failed = live.filter((i) => i.state === 'failed').length;
        const mine = await orders.listForUser(user.id);
        const awaiting = mine.filter((o) => o.status === 'validated').length;
        const requested = mine.filter((o) => o.status === 'requested').length;
        const out: string[] = [];
        if (creating) out.push(countOf(creating, `1 ${t('creatingOne')}`, t('creatingMany')));
        if (failed) out.push(countOf(failed, `1 ${t('failedOne')}`, t('failedMany')));
        if (awaiting) out.push(countOf(awaiting, `1 ${t('awaitingOne')}`, t('awaitingMany')));
        if (requested) out.push(countOf(requested, `1 ${t('requestedOne')}`, t('requestedMany')));
        return out;
      },
    },
    {
      id: 'new-order',
      order: 20,
      href: '/instances/nouvelle',
      label: (l) => tr(l)('newOrder'),
      hint: (l) => tr(l)('newOrderHint'),
      async waiting(user, locale) {
        const t = tr(locale);
        const drafts = (await orders.listForUser(user.id)).filter((o) => o.status === 'draft').length;
        return drafts ? [countOf(drafts, `1 ${t('draftOne')}`, t('draftMany'))] : [];
      },
    },
  ];
}
