import type { SupportRequest } from '../../platform/db/schema.ts';
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
