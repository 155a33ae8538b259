import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** To the operators: a Diamant request to price, all of it, and where to write its quote. */
export function diamantRequestOperatorMail(d: { site: string; orderId: number; organisation: string; contact: string; email: string; instanceUrl: string; needs: string; url: string }): RenderedMail {
  return renderMail('fr', {
    subject: `[${d.site}] Demande Diamant n° ${d.orderId} — ${d.organisation}`,
    greeting: 'Bonjour,',
    paragraphs: [
      `${d.organisation} (${d.contact}, ${d.email}) demande un devis Diamant pour l'instance ${d.instanceUrl}.`,
      'Besoins décrits :',
      ...d.needs.split(/\r?\n/),
      'Établissez le devis (limites et lignes) depuis le back office : il sera envoyé au client, qui le réglera comme une commande.',
    ],
    action: { label: 'Établir le devis Diamant', url: d.url },
    signature: 'ecrin',
  });
}

/** To the customer: the request is received, what happens next. */
export function diamantRequestAckMail(d: { site: string; name: string; instanceUrl: string; needs: string; portalUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `Votre demande de devis Diamant pour ${d.instanceUrl} est bien reçue`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Nous avons bien reçu votre demande de devis Diamant pour l'instance ${d.instanceUrl} ; son nom vous est réservé.`,
      'Nous étudions vos besoins et vous envoyons un devis sur mesure par courriel. Votre instance sera créée dès réception de son règlement.',
      'Pour mémoire, voici ce que vous nous avez écrit :',
      ...d.needs.split(/\r?\n/),
    ],
    action: { label: "Voir mes instances d'hébergement", url: `${d.portalUrl}/instances` },
    signature: `L'équipe ${d.site}`,
  });
}
