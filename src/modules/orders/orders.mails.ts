import { frenchDate } from '../../platform/dates.ts';
import { formatMoney } from '../../web/i18n.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** The quote e-mail: the PDF is attached; the body says how to pay, so nobody needs to open it. */
export function quoteMail(d: { site: string; name: string; quote: BillingDocument; instanceHost: string; instanceUrl: string; portalUrl: string }): RenderedMail {
  const q = d.quote;
  const amount = formatMoney(q.totals.grossCents, 'fr');
  return renderMail('fr', {
    subject: `Votre devis ${q.number} — hébergement ${d.instanceHost}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Merci pour votre commande. Vous trouverez ci-joint le devis ${q.number} de ${amount} pour l'hébergement ${d.instanceUrl}, valable jusqu'au ${frenchDate(q.validUntil ?? q.issueDate)}.`,
      // PayPal is offered only where it works: the quote carries its link only when it is configured.
      `Votre instance sera créée dès réception du règlement. ${q.paypalUrl ? 'Trois' : 'Deux'} moyens de paiement :`,
      ...(q.paypalUrl ? [`• PayPal (compte ou carte bancaire), le plus rapide : ${q.paypalUrl}`] : []),
      `• Virement bancaire : ${q.seller.accountHolder ? `titulaire ${q.seller.accountHolder}, ` : ''}IBAN ${q.seller.iban}, BIC ${q.seller.bic}, en indiquant la référence ${q.paymentReference}.`,
      `• Chèque à l'ordre de ${q.seller.chequePayee}, à envoyer à : ${q.seller.chequeAddress.replace(/\n/g, ', ')} — en notant ${q.paymentReference} au dos.`,
    ],
    action: { label: 'Voir mes devis et factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}
