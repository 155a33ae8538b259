import { frenchDate } from '../../platform/dates.ts';
import { formatMoney } from '../../web/i18n.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** What every e-mail of the hosting year names: the quote, what is due, where to pay, and the dates. */
export interface LifecycleMailFacts {
  site: string;
  name: string;
  instanceUrl: string;
  quoteNumber: string;
  /** still to pay on the renewal's quote (cents) */
  dueCents: number;
  /** the portal page of the renewal order: its quote, how to pay, PayPal when configured */
  payUrl: string;
  /** the instance's page on the portal (archives: Archiver, Export) */
  instancePageUrl: string;
  /** the last day of the period being renewed */
  periodEnd: string;
  /** the period the renewal pays for */
  renewsFrom: string;
  renewsTo: string;
  planName: string;
  /** the day service is suspended if nothing is paid */
  suspendOn: string;
  /** the day the data goes (final archive, then the instance ends) */
  dataUntil: string;
  iban: string;
  bic: string;
  accountHolder: string;
  paypal: boolean;
}

const money = (cents: number) => formatMoney(cents, 'fr');

function howToPay(f: LifecycleMailFacts): string[] {
  return [
    `Pour régler ${money(f.dueCents)} : depuis la page de la commande (${f.payUrl})${f.paypal ? ', par PayPal (le plus rapide), ' : ', '}par virement (${f.accountHolder ? `titulaire ${f.accountHolder}, ` : ''}IBAN ${f.iban}, BIC ${f.bic}, référence ${f.quoteNumber}) ou par chèque en notant ${f.quoteNumber} au dos.`,
  ];
}

function getYourData(f: Pick<LifecycleMailFacts, 'instancePageUrl' | 'dataUntil'>): string {
  return `Vos données vous appartiennent : depuis la page de l'instance (${f.instancePageUrl}), « Archiver » en crée une archive et « Export » la télécharge. Elles sont conservées jusqu'au ${frenchDate(f.dataUntil)}.`;
}

/** The renewal order and its quote, sent before the end of the year (the PDF attached). */
export function renewalIssuedMail(f: LifecycleMailFacts): RenderedMail {
  return renderMail('fr', {
    subject: `Renouvellement de ${f.instanceUrl} — devis ${f.quoteNumber} (${money(f.dueCents)})`,
    greeting: `Bonjour ${f.name},`,
    paragraphs: [
      `Votre abonnement d'hébergement ${f.instanceUrl} prend fin le ${frenchDate(f.periodEnd)}. Voici la commande automatique de renouvellement : le devis ${f.quoteNumber} de ${money(f.dueCents)}, forfait ${f.planName}, pour la période du ${frenchDate(f.renewsFrom)} au ${frenchDate(f.renewsTo)} (ci-joint).`,
      `Réglé avant le ${frenchDate(f.periodEnd)}, le service continue sans interruption ; la nouvelle période part de l'échéance, quelle que soit la date du règlement.`,
      ...howToPay(f),
      `Vous ne souhaitez pas renouveler, ou préférez un autre forfait ? Depuis la page de l'instance : « Annuler la commande automatique », ou choisissez le forfait du renouvellement.`,
    ],
    action: { label: 'Voir la commande et payer', url: f.payUrl },
    signature: `L'équipe ${f.site}`,
  });
}

/**
 * The operator lengthened the grace period or the data retention: the renewal's quote, valid until
 * the data was to go, is replaced by one with the same lines valid until the new date (the PDF
 * attached), so that the customer can pay for as long as the data is kept.
 */
export function renewalQuoteExtendedMail(f: LifecycleMailFacts & { previousNumber: string; paidCents: number; /** the instance is suspended already */ suspended: boolean }): RenderedMail {
  return renderMail('fr', {
    subject: `Renouvellement de ${f.instanceUrl} — nouveau devis ${f.quoteNumber} (${money(f.dueCents)}), payable jusqu'au ${frenchDate(f.dataUntil)}`,
    greeting: `Bonjour ${f.name},`,
    paragraphs: [
      f.suspended
        ? `Les délais après l'échéance de l'abonnement ont été allongés : les données de ${f.instanceUrl}, suspendue, sont désormais conservées jusqu'au ${frenchDate(f.dataUntil)}, et un règlement la rétablit aussitôt.`
        : `Les délais après l'échéance de l'abonnement ont été allongés : sans règlement, ${f.instanceUrl} ne sera suspendue que le ${frenchDate(f.suspendOn)} et ses données seront conservées jusqu'au ${frenchDate(f.dataUntil)}.`,
      `Le devis de renouvellement ${f.previousNumber} est donc remplacé par le devis ${f.quoteNumber} (ci-joint), aux mêmes lignes et au même montant, payable jusqu'à cette date. Pour un virement ou un chèque, indiquez désormais la référence ${f.quoteNumber}.${f.paidCents > 0 ? ` Les ${money(f.paidCents)} déjà reçus sont reportés sur le nouveau devis.` : ''}`,
      ...howToPay(f),
      `Si vous avez déjà réglé, merci : le règlement sera pris en compte dès sa réception.`,
    ],
    action: { label: 'Voir la commande et payer', url: f.payUrl },
    signature: `L'équipe ${f.site}`,
  });
}

/** A reminder while the renewal is unpaid (15, 7, 1 days before the end by default). */
export function renewalReminderMail(f: LifecycleMailFacts & { daysLeft: number }): RenderedMail {
  return renderMail('fr', {
    subject: `Rappel : ${f.instanceUrl} arrive à échéance le ${frenchDate(f.periodEnd)} — devis ${f.quoteNumber} (${money(f.dueCents)})`,
    greeting: `Bonjour ${f.name},`,
    paragraphs: [
      `Votre abonnement d'hébergement ${f.instanceUrl} prend fin dans ${f.daysLeft} jour${f.daysLeft > 1 ? 's' : ''}, le ${frenchDate(f.periodEnd)}, et le devis de renouvellement ${f.quoteNumber} reste à régler : ${money(f.dueCents)}.`,
      `Sans règlement, l'instance restera accessible jusqu'au ${frenchDate(f.suspendOn)} exclu, puis sera suspendue ; ses données seront conservées jusqu'au ${frenchDate(f.dataUntil)}.`,
      ...howToPay(f),
      `Si vous avez déjà réglé, merci : le règlement sera pris en compte dès sa réception.`,
    ],
    action: { label: 'Voir la commande et payer', url: f.payUrl },
    signature: `L'équipe ${f.site}`,
  });
}

/** The day after the end, unpaid: the grace period begins. */
export function graceMail(f: LifecycleMailFacts): RenderedMail {
  return renderMail('fr', {
    subject: `${f.instanceUrl} : abonnement échu — devis ${f.quoteNumber} (${money(f.dueCents)}) à régler avant le ${frenchDate(f.suspendOn)}`,
    greeting: `Bonjour ${f.name},`,
    paragraphs: [
      `Votre abonnement d'hébergement ${f.instanceUrl} est échu depuis le ${frenchDate(f.periodEnd)} et le devis de renouvellement ${f.quoteNumber} n'est pas réglé : ${money(f.dueCents)} restent dus.`,
      `L'instance reste accessible pendant le délai de grâce. Sans règlement, elle sera suspendue le ${frenchDate(f.suspendOn)} ; ses données seront conservées jusqu'au ${frenchDate(f.dataUntil)}, puis une archive finale sera faite et l'instance supprimée.`,
      ...howToPay(f),
      getYourData(f),
    ],
    action: { label: 'Payer le renouvellement', url: f.payUrl },
    signature: `L'équipe ${f.site}`,
  });
}

/** The grace period is over, unpaid: the instance is suspended, its data kept. */
export function suspendedMail(f: LifecycleMailFacts): RenderedMail {
  return renderMail('fr', {
    subject: `${f.instanceUrl} est suspendue — devis ${f.quoteNumber} (${money(f.dueCents)}) à régler`,
    greeting: `Bonjour ${f.name},`,
    paragraphs: [
      `Le devis de renouvellement ${f.quoteNumber} n'étant pas réglé, votre instance ${f.instanceUrl} est suspendue depuis le ${frenchDate(f.suspendOn)} : son adresse affiche une page qui indique comment la rétablir. Ses données sont conservées.`,
      `Un règlement de ${money(f.dueCents)} la rétablit aussitôt, pour la période du ${frenchDate(f.renewsFrom)} au ${frenchDate(f.renewsTo)}. Sans règlement, ses données seront conservées jusqu'au ${frenchDate(f.dataUntil)}, puis une archive finale sera faite et l'instance supprimée.`,
      ...howToPay(f),
      getYourData(f),
    ],
    action: { label: 'Payer et rétablir l\'instance', url: f.payUrl },
    signature: `L'équipe ${f.site}`,
  });
}

/** The customer cancelled the automatic renewal: the instance ended with its period, its data kept for a while. */
export function endedMail(f: Omit<LifecycleMailFacts, 'dueCents' | 'suspendOn'>): RenderedMail {
  return renderMail('fr', {
    subject: `${f.instanceUrl} : fin de l'abonnement — données conservées jusqu'au ${frenchDate(f.dataUntil)}`,
    greeting: `Bonjour ${f.name},`,
    paragraphs: [
      `Comme vous avez annulé la commande automatique de renouvellement, votre abonnement d'hébergement ${f.instanceUrl} a pris fin le ${frenchDate(f.periodEnd)} et l'instance n'est plus accessible.`,
      `Ses données sont conservées jusqu'au ${frenchDate(f.dataUntil)} ; ensuite une archive finale sera faite et l'instance supprimée. Vous n'avez rien à payer.`,
      getYourData(f),
      `Vous changez d'avis ? Passez une nouvelle commande depuis le portail, ou écrivez-nous avant le ${frenchDate(f.dataUntil)}.`,
    ],
    action: { label: 'Ouvrir la page de l\'instance', url: f.instancePageUrl },
    signature: `L'équipe ${f.site}`,
  });
}

/** The retention delay ran out: the final archive and the end of the instance come next. */
export function retentionOverMail(f: Omit<LifecycleMailFacts, 'suspendOn'> & { declined: boolean; /** the name's reservation after the end (setting) */ nameDays: number }): RenderedMail {
  return renderMail('fr', {
    subject: `${f.instanceUrl} : fin de la conservation des données`,
    greeting: `Bonjour ${f.name},`,
    paragraphs: [
      f.declined
        ? `Le délai de conservation des données de ${f.instanceUrl} est écoulé.`
        : `Le devis de renouvellement ${f.quoteNumber} (${money(f.dueCents)}) n'ayant pas été réglé, le délai de conservation des données de ${f.instanceUrl} est écoulé.`,
      `Une archive finale de l'instance va être faite, puis l'instance sera supprimée${f.nameDays > 0 ? ` et son nom libéré après ${f.nameDays} jour${f.nameDays > 1 ? 's' : ''}` : ' et son nom libéré'}. Les archives que vous avez téléchargées restent à vous.`,
      `Pour toute question, répondez simplement à ce courriel.`,
    ],
    action: { label: 'Ouvrir le portail', url: f.instancePageUrl },
    signature: `L'équipe ${f.site}`,
  });
}
