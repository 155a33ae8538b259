import { frenchDate } from '../../platform/dates.ts';
import { formatMoney } from '../../web/i18n.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** The quote e-mail: the PDF is attached; the body says how to pay, so nobody needs to open it. */
export function quoteMail(d: { site: string; name: string; quote: BillingDocument; instanceHost: string; portalUrl: string }): RenderedMail {
  const q = d.quote;
  const amount = formatMoney(q.totals.grossCents, 'fr');
  return renderMail('fr', {
    subject: `Votre devis ${q.number} — hébergement ${d.instanceHost}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Merci pour votre commande. Vous trouverez ci-joint le devis ${q.number} de ${amount} pour l'hébergement https://${d.instanceHost}, valable jusqu'au ${frenchDate(q.validUntil ?? q.issueDate)}.`,
      `Votre instance sera créée dès réception du règlement. Trois moyens de paiement :`,
      `• PayPal (compte ou carte bancaire), le plus rapide : ${q.paypalUrl ?? ''}`,
      `• Virement bancaire : IBAN ${q.seller.iban}, BIC ${q.seller.bic}, en indiquant la référence ${q.paymentReference}.`,
      `• Chèque à l'ordre de ${q.seller.chequePayee}, à envoyer à : ${q.seller.chequeAddress.replace(/\n/g, ', ')} — en notant ${q.paymentReference} au dos.`,
    ],
    action: { label: 'Voir mes devis et factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}

export function invoiceMail(d: { site: string; name: string; invoice: BillingDocument; instanceHost: string | null; portalUrl: string }): RenderedMail {
  const inv = d.invoice;
  return renderMail('fr', {
    subject: `Paiement reçu — facture ${inv.number}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Nous avons bien reçu votre règlement de ${formatMoney(inv.paid?.amountCents ?? inv.totals.grossCents, 'fr')}. Votre facture ${inv.number} est jointe à ce courriel.`,
      ...(d.instanceHost ? [`Votre instance https://${d.instanceHost} est en cours de création : vous recevrez un courriel dès qu'elle sera prête.`] : []),
    ],
    action: { label: 'Voir mes factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}

export function creditNoteMail(d: { site: string; name: string; creditNote: BillingDocument; portalUrl: string }): RenderedMail {
  const c = d.creditNote;
  return renderMail('fr', {
    subject: `Avoir ${c.number} sur la facture ${c.references?.invoiceNumber ?? ''}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [`Un avoir de ${formatMoney(c.totals.grossCents, 'fr')} a été émis sur votre facture ${c.references?.invoiceNumber ?? ''}. Il est joint à ce courriel.`, ...(c.note ? [`Motif : ${c.note}`] : [])],
    action: { label: 'Voir mes factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}
