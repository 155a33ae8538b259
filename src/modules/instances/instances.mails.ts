import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

export function instanceReadyMail(d: { site: string; name: string; url: string; portalUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `Votre instance ${d.url} est prête`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Votre Diacamma est en ligne à l'adresse ${d.url}.`,
      `Connectez-vous avec l'alias « admin » et le mot de passe choisi lors de la commande. Vous pouvez le changer à tout moment depuis le portail (bouton « Mot de passe » de votre instance).`,
    ],
    action: { label: 'Ouvrir mon Diacamma', url: d.url },
    after: [`Votre instance se gère depuis le portail : ${d.portalUrl}/instances`],
    signature: `L'équipe ${d.site}`,
  });
}

export function actionFailedMail(d: { site: string; instance: string; action: string; error: string; backofficeUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `[${d.site}] Échec de l'action « ${d.action} » sur ${d.instance}`,
    greeting: 'Bonjour,',
    paragraphs: [`L'action « ${d.action} » sur l'instance ${d.instance} a échoué après plusieurs tentatives.`, `Raison : ${d.error}`],
    action: { label: 'Voir et relancer dans le back office', url: d.backofficeUrl },
    signature: 'ecrin',
  });
}
