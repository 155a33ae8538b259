import { formatMoney } from '../../web/i18n.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';
import type { BillingDocument } from './document.types.ts';

/** The invoice e-mail, sent with the invoice's PDF when a quote is settled. */
export function invoiceMail(d: { site: string; name: string; invoice: BillingDocument; instanceUrl: string | null; portalUrl: string; /** a plan change paid: the instance and its new plan */ planChange?: { instanceUrl: string; planName: string } }): RenderedMail {
  const inv = d.invoice;
  return renderMail('fr', {
    subject: `Paiement reçu — facture ${inv.number}`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Nous avons bien reçu votre règlement de ${formatMoney(inv.paid?.amountCents ?? inv.totals.grossCents, 'fr')}. Votre facture ${inv.number} est jointe à ce courriel.`,
      ...(d.planChange
        ? [`Votre instance ${d.planChange.instanceUrl} passe dès maintenant au forfait ${d.planChange.planName}, jusqu'à la fin de sa période en cours (l'échéance ne change pas).`]
        : d.instanceUrl
          ? [`Votre instance ${d.instanceUrl} est en cours de création : vous recevrez un courriel dès qu'elle sera prête.`]
          : []),
    ],
    action: { label: 'Voir mes factures', url: `${d.portalUrl}/factures` },
    signature: `L'équipe ${d.site}`,
  });
}

/** The credit note e-mail, sent with its PDF. */
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
