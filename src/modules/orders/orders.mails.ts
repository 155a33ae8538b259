import { frenchDate } from '../../platform/dates.ts';
import { formatMoney } from '../../web/i18n.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** The quote e-mail: the PDF is attached; the body says how to pay, so nobody needs to open it. */
export function quoteMail(d: { site: string; name: string; quote: BillingDocument; instanceHost: string; instanceUrl: string; portalUrl: string; /** already received on the quotes this one replaces */ paidCents?: number; /** a plan change: the plan it leads to */ planChange?: { planName: string } }): RenderedMail {
  const q = d.quote;
  const amount = formatMoney(q.totals.grossCents, 'fr');
  const paid = d.paidCents ?? 0;
  const due = Math.max(0, q.totals.grossCents - paid);
  return renderMail('fr', {
    subject: d.planChange ? `Votre devis ${q.number} — changement de forfait de ${d.instanceHost}` : `Votre devis ${q.number} — hébergement ${d.instanceHost}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      d.planChange
        ? `Merci pour votre commande. Vous trouverez ci-joint le devis ${q.number} de ${amount} pour le passage de ${d.instanceUrl} au forfait ${d.planChange.planName}, valable jusqu'au ${frenchDate(q.validUntil ?? q.issueDate)}. Le montant est la différence de prix au prorata des jours qui restent jusqu'à l'échéance, qui ne change pas.`
        : `Merci pour votre commande. Vous trouverez ci-joint le devis ${q.number} de ${amount} pour l'hébergement ${d.instanceUrl}, valable jusqu'au ${frenchDate(q.validUntil ?? q.issueDate)}.`,
      ...(paid > 0
        ? [
            due > 0
              ? `Ce devis remplace le précédent : les ${formatMoney(paid, 'fr')} déjà reçus y sont comptés, il reste ${formatMoney(due, 'fr')} à régler.`
              : `Ce devis remplace le précédent : les ${formatMoney(paid, 'fr')} déjà reçus le couvrent entièrement, vous n'avez rien à régler. La facture suit.`,
          ]
        : []),
      // PayPal is offered only where it works: the quote carries its link only when it is configured.
      `${d.planChange ? `Le nouveau forfait s'appliquera dès réception du règlement.` : 'Votre instance sera créée dès réception du règlement.'} ${q.paypalUrl ? 'Trois' : 'Deux'} moyens de paiement :`,
      ...(q.paypalUrl ? [`• PayPal (compte ou carte bancaire), le plus rapide : ${q.paypalUrl}`] : []),
      `• Virement bancaire : ${q.seller.accountHolder ? `titulaire ${q.seller.accountHolder}, ` : ''}IBAN ${q.seller.iban}, BIC ${q.seller.bic}, en indiquant la référence ${q.paymentReference}.`,
      `• Chèque à l'ordre de ${q.seller.chequePayee}, à envoyer à : ${q.seller.chequeAddress.replace(/\n/g, ', ')} — en notant ${q.paymentReference} au dos.`,
    ],
    action: { label: 'Voir mes devis et factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}

/** To the operator: an ended instance's plan change or renewal was cancelled while partly paid — refund the customer. */
export function openOrderOfEndedPaidMail(d: { site: string; kind: 'plan_change' | 'renewal'; quote: string; instance: string; paid: string; url: string }): RenderedMail {
  const what = d.kind === 'renewal' ? 'Renouvellement' : 'Changement de forfait';
  return renderMail('fr', {
    subject: `[${d.site}] ${what} annulé mais partiellement réglé : ${d.quote}`,
    greeting: 'Bonjour,',
    paragraphs: [
      `Il a été mis fin à l'instance ${d.instance} alors que son ${d.kind === 'renewal' ? 'renouvellement' : 'changement de forfait'} attendait son règlement : la commande et le devis ${d.quote} sont annulés.`,
      `${d.paid} avaient déjà été reçus sur ce devis : ils restent enregistrés. Remboursez le client.`,
    ],
    action: { label: 'Voir le devis dans le back office', url: d.url },
    signature: 'ecrin',
  });
}

/** To the operator: a quote lapsed while partly paid — the order is kept open, someone must decide. */
export function partlyPaidLapsedMail(d: { site: string; quote: string; instance: string; paid: string; due: string; url: string }): RenderedMail {
  return renderMail('fr', {
    subject: `[${d.site}] Devis ${d.quote} expiré mais partiellement réglé`,
    greeting: 'Bonjour,',
    paragraphs: [
      `Le devis ${d.quote} (instance ${d.instance}) a dépassé sa date de validité alors que ${d.paid} ont déjà été reçus ; il reste ${d.due} à régler.`,
      `La commande n'est pas expirée : elle reste ouverte et le nom reste réservé. Rééditez un devis (les règlements reçus y seront reportés) ou remboursez le client.`,
    ],
    action: { label: 'Voir le devis dans le back office', url: d.url },
    signature: 'ecrin',
  });
}
