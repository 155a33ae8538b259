import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** "Restauration terminée": the password reminder, never the password itself. */
export function restoreDoneMail(d: { site: string; name: string; archive: string; url: string; portalUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `Votre instance ${d.url} a été restaurée`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `L'archive « ${d.archive} » a été restaurée sur votre instance ${d.url}, qui est de nouveau en ligne.`,
      `Connectez-vous avec l'alias « admin » et le mot de passe que vous avez saisi en demandant la restauration. La connexion est toujours nécessaire (mode « Connexion toujours nécessaire »), quels que soient les réglages de l'archive.`,
      `Une archive de sécurité « avant restauration » de l'état précédent est conservée 7 jours dans le portail.`,
    ],
    action: { label: 'Ouvrir mon Diacamma', url: d.url },
    after: [`Vos archives se gèrent depuis le portail : ${d.portalUrl}/instances`],
    signature: `L'équipe ${d.site}`,
  });
}
