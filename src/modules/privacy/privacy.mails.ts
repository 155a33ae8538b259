import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

/** To the old address, before it is erased: the account is closed, what is kept and why. */
export function accountClosedMail(d: { site: string; name: string; alias: string; documents: number }): RenderedMail {
  return renderMail('fr', {
    subject: `Votre compte ${d.alias} est clôturé`,
    greeting: `Bonjour ${d.name},`,
    paragraphs: [
      `Votre compte ${d.alias} est clôturé à votre demande. Vous ne pouvez plus vous y connecter, et vos données personnelles (nom, adresse courriel, adresse postale, téléphone, mot de passe) sont effacées.`,
      d.documents > 0
        ? `Les ${d.documents} documents comptables émis pour vous (devis, factures, avoirs) sont conservés pendant dix ans, comme la loi l'exige ; ils ne servent qu'à cela.`
        : "Aucun document comptable n'a été émis pour vous : rien d'autre n'est conservé.",
      "Si vous n'êtes pas à l'origine de cette clôture, répondez à ce courriel sans attendre.",
    ],
    signature: `L'équipe ${d.site}`,
  });
}
