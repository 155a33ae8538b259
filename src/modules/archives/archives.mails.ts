import type { EndReason } from '../../platform/db/schema.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** "Restauration terminée": the password reminder, never the password itself. */
export function restoreDoneMail(d: { site: string; name: string; archive: string; url: string; portalUrl: string; safetyKeepDays: number }): RenderedMail {
  return renderMail('fr', {
    subject: `Votre instance ${d.url} a été restaurée`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `L'archive « ${d.archive} » a été restaurée sur votre instance ${d.url}, qui est de nouveau en ligne.`,
      `Connectez-vous avec l'alias « admin » et le mot de passe que vous avez saisi en demandant la restauration. La connexion est toujours nécessaire (mode « Connexion toujours nécessaire »), quels que soient les réglages de l'archive.`,
      `Une archive de sécurité « avant restauration » de l'état précédent est conservée ${d.safetyKeepDays} jours dans le portail.`,
    ],
    action: { label: 'Ouvrir mon Diacamma', url: d.url },
    after: [`Vos archives se gèrent depuis le portail : ${d.portalUrl}/instances`],
    signature: `L'équipe ${d.site}`,
  });
}

const WHY: Record<EndReason, string> = {
  customer: 'Vous avez demandé à mettre fin à votre instance',
  unpaid: "Votre hébergement n'a pas été renouvelé : la période payée est terminée et le renouvellement n'a pas été réglé",
  account_closed: 'Votre compte a été fermé',
};

/** The instance has ended: why, what was kept (the final archive), until when, and where to get it. */
export function instanceEndedMail(d: { site: string; name: string; url: string; reason: EndReason; archive: string; sizeText: string; sha256: string; until: string; keepDays: number; nameDays: number; downloadUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `Votre instance ${d.url} a pris fin`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `${WHY[d.reason]} : l'instance ${d.url} a été arrêtée et supprimée de nos serveurs. Son adresse ne répond plus.`,
      `Juste avant, une archive finale de toutes ses données a été faite et vérifiée : « ${d.archive} » (${d.sizeText}, SHA-256 ${d.sha256}). Elle reste téléchargeable depuis le portail pendant ${d.keepDays} jours, jusqu'au ${d.until} ; elle sera ensuite supprimée définitivement.`,
      `Cette archive (fichier .lbkf) se restaure dans Diacamma installé sur un ordinateur, ou dans une nouvelle instance. ${d.nameDays > 0 ? `Le nom de l'instance reste réservé pendant ${d.nameDays} jour${d.nameDays > 1 ? 's' : ''} : personne ne peut commander une instance à cette adresse d'ici là.` : `Le nom de l'instance est de nouveau libre.`}`,
    ],
    action: { label: "Télécharger l'archive finale", url: d.downloadUrl },
    signature: `L'équipe ${d.site}`,
  });
}

/** The final archive failed: nothing was destroyed, the operator must look. */
export function finalArchiveFailedMail(d: { site: string; instance: string; reason: EndReason; error: string; backofficeUrl: string }): RenderedMail {
  return renderMail('fr', {
    subject: `[${d.site}] Fin de l'instance ${d.instance} interrompue : archive finale en échec`,
    greeting: 'Bonjour,',
    paragraphs: [
      `La fin de l'instance ${d.instance} (motif : ${d.reason}) a été interrompue : son archive finale n'a pas pu être faite ou n'a pas passé la vérification.`,
      `Raison : ${d.error}`,
      `L'instance n'a PAS été supprimée : elle est remise dans l'état où elle était. Corrigez la cause, puis relancez la fin de l'instance.`,
    ],
    action: { label: 'Voir les instances dans le back office', url: d.backofficeUrl },
    signature: 'ecrin',
  });
}
