import { frenchDate } from '../../platform/dates.ts';
import type { SupportRequest } from '../../platform/db/schema.ts';
import { formatMoney } from '../../web/i18n.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';
import { FORMAT_LABELS, SUBJECT_LABELS } from './support.labels.ts';

function summary(r: SupportRequest): string[] {
  return [
    `Sujet : ${SUBJECT_LABELS.fr[r.subject]}`,
    `Organisation : ${r.organisation}`,
    `Contact : ${r.contact} — ${r.email}${r.phone ? ` — ${r.phone}` : ''}`,
    ...(r.instance_name ? [`Instance concernée : ${r.instance_name}`] : []),
    `Difficultés : ${r.difficulties}`,
    `Attentes : ${r.expectations}`,
    `Format souhaité : ${FORMAT_LABELS.fr[r.format]}`,
    ...(r.availability ? [`Disponibilités : ${r.availability}`] : []),
  ];
}

/** To the operators: a new request, all of it, and where to answer it. */
export function supportRequestOperatorMail(d: { site: string; request: SupportRequest; url: string; signedIn: boolean }): RenderedMail {
  return renderMail('fr', {
    subject: `[${d.site}] Demande information n° ${d.request.id} — ${d.request.organisation}`,
    greeting: 'Bonjour,',
    paragraphs: [
      d.signedIn ? 'Une demande information a été envoyée depuis un compte client :' : 'Une demande information a été envoyée depuis le site, sans compte :',
      ...summary(d.request),
    ],
    action: { label: 'Voir la demande dans le back office', url: d.url },
    signature: 'ecrin',
  });
}

/** To the requester: we have it, what happens next. */
export function supportRequestAckMail(d: { site: string; request: SupportRequest; portalUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `Votre demande information n° ${d.request.id} est bien reçue`,
    greeting: `Bonjour ${d.request.contact},`,
    paragraphs: [
      'Nous avons bien reçu votre demande. Nous l’étudions et revenons vers vous, en règle générale avec un devis qui détaille les séances conseillées.',
      'Pour mémoire, voici ce que vous nous avez écrit :',
      ...summary(d.request),
    ],
    after: [`Si vous n’êtes pas à l’origine de cette demande, ignorez ce message. ${d.portalUrl}`],
    signature: `L'équipe ${d.site}`,
  });
}

/** To the customer: the accompaniment quote, its PDF attached, and where to answer it. */
export function supportQuoteMail(d: { site: string; name: string; number: string; totalText: string; validUntilText: string; replaces: string | null; portalUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: d.replaces ? `Votre devis d'accompagnement révisé ${d.number} (remplace ${d.replaces})` : `Votre devis d'accompagnement ${d.number}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      d.replaces
        ? `Suite à votre demande, voici notre proposition révisée : le devis ${d.number} remplace le devis ${d.replaces}, qui n'est plus valable.`
        : `Suite à votre demande information, voici notre proposition d'accompagnement : le devis ${d.number}, joint à ce message.`,
      `Montant : ${d.totalText}. Ce devis est valable jusqu'au ${d.validUntilText}.`,
      'Il détaille les séances conseillées et les frais annexes éventuels. Vous le retrouvez dans « Vos factures » de votre espace.',
    ],
    action: { label: 'Voir vos factures et devis', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}

/** To the operators: the customer's answer to a quote. */
export function supportAnswerMail(d: { site: string; number: string; decision: 'accepted' | 'refused'; signer: string; message: string; url: string }): RenderedMail {
  return renderMail('fr', {
    subject: d.decision === 'accepted' ? `[${d.site}] Devis ${d.number} accepté (Bon pour accord)` : `[${d.site}] Devis ${d.number} refusé`,
    greeting: 'Bonjour,',
    paragraphs: [
      d.decision === 'accepted' ? `${d.signer} a signé « Bon pour accord » pour le devis ${d.number}.` : `${d.signer} a refusé le devis ${d.number}.`,
      ...(d.message ? [`Message : ${d.message}`] : []),
    ],
    action: { label: 'Voir le devis dans le back office', url: d.url },
    signature: 'ecrin',
  });
}

/** How to pay, as printed on the documents: the transfer with its reference, the cheque. */
function payLines(p: { reference: string; accountHolder: string; iban: string; bic: string; chequePayee: string; chequeAddress: string }): string[] {
  return [
    `Par virement : ${p.accountHolder ? `titulaire ${p.accountHolder}, ` : ''}IBAN ${p.iban}, BIC ${p.bic}, en indiquant la référence ${p.reference}.`,
    `Par chèque : à l'ordre de ${p.chequePayee}, à envoyer à ${p.chequeAddress.replace(/\n/g, ', ')}, la référence ${p.reference} au dos.`,
  ];
}

export interface PayTo {
  accountHolder: string;
  iban: string;
  bic: string;
  chequePayee: string;
  chequeAddress: string;
}

/** To the customer, on "Bon pour accord" of a quote with a deposit: the deposit asked and how to pay it. */
export function supportDepositRequestMail(d: { site: string; name: string; number: string; percent: number; amountText: string; payTo: PayTo; portalUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `Devis ${d.number} accepté — acompte de ${d.amountText} à régler`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Merci pour votre accord sur le devis ${d.number}. Comme prévu au devis, un acompte de ${d.percent} % est à régler : ${d.amountText}.`,
      ...payLines({ reference: d.number, ...d.payTo }),
      "Dès réception, nous vous adressons la facture d'acompte ; le solde sera facturé à la fin de l'accompagnement, acompte déduit. Nous préparons avec vous le planning des séances.",
    ],
    action: { label: 'Voir vos factures et devis', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}

/** To the customer: the deposit received, its invoice attached. */
export function supportDepositInvoiceMail(d: { site: string; name: string; invoice: BillingDocument; portalUrl: string }): RenderedMail {
  const inv = d.invoice;
  return renderMail('fr', {
    subject: `Acompte reçu — facture d'acompte ${inv.number}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Nous avons bien reçu votre acompte de ${formatMoney(inv.totals.grossCents, 'fr')} sur le devis ${inv.references?.quoteNumber ?? ''}. Votre facture d'acompte ${inv.number} est jointe à ce courriel.`,
      "Le solde sera facturé à la fin de l'accompagnement, sur les séances réalisées, acompte déduit.",
    ],
    action: { label: 'Voir mes factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}

/** To the customer: the accompaniment's final invoice, attached, with the balance due and how to pay it. */
export function supportFinalInvoiceMail(d: { site: string; name: string; invoice: BillingDocument; balanceCents: number; payTo: PayTo; portalUrl: string }): RenderedMail {
  const inv = d.invoice;
  return renderMail('fr', {
    subject: `Votre facture d'accompagnement ${inv.number}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `L'accompagnement du devis ${inv.references?.quoteNumber ?? ''} est terminé : voici sa facture ${inv.number}, jointe à ce courriel, établie sur les séances réalisées et les frais à leur montant réel.`,
      `Total : ${formatMoney(inv.totals.grossCents, 'fr')}${inv.deposit ? `, acompte déduit (facture ${inv.deposit.invoiceNumber}) : ${formatMoney(inv.deposit.amountCents, 'fr')}` : ''}. Reste à payer : ${formatMoney(d.balanceCents, 'fr')}${inv.dueDate ? `, au plus tard le ${frenchDate(inv.dueDate)}` : ''}.`,
      ...payLines({ reference: inv.paymentReference, ...d.payTo }),
    ],
    action: { label: 'Voir mes factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}
