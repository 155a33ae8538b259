import { defineMessages, translator, type Translator } from '../../web/i18n.ts';
import type { PageContext } from '../../web/context.ts';

export const privacyMessages = defineMessages({
  fr: {
    title: 'Vos données',
    backAccount: '← Votre compte',
    intro: 'Vos données sont à vous : téléchargez-les quand vous voulez, et clôturez votre compte si vous partez.',
    downloadTitle: 'Télécharger mes données',
    downloadText: 'Un fichier ZIP : votre compte et vos commandes (compte.json), tous vos devis, factures et avoirs (PDF), et la dernière archive vérifiée de chacune de vos instances (.lbkf).',
    downloadButton: 'Télécharger mes données',
    noArchive: 'Sans archive pour le moment : {names}. Créez-en une avec « Archiver » sur la page de l’instance avant de télécharger.',
    closeTitle: 'Clôturer mon compte',
    closeText: 'La clôture efface vos données personnelles (nom, adresse courriel, adresse postale, téléphone, mot de passe) et vous déconnecte partout. Vos devis, factures et avoirs sont conservés dix ans, comme la loi l’exige. Un courriel vous confirme la clôture.',
    closeInstances: 'Votre compte a encore des instances d’hébergement ({names}). Téléchargez vos données avant : une instance arrêtée est détruite, après une archive finale.',
    endInstances: 'Mettre fin à mes instances ({names}) et à leur hébergement',
    closeConfirm: 'Pour confirmer, tapez votre adresse courriel ou le mot CLÔTURER',
    closeButton: 'Clôturer mon compte',
    closeErrors: 'Le compte ne peut pas être clôturé',
    closedTitle: 'Votre compte est clôturé',
    closedText: 'Vos données personnelles sont effacées et vous êtes déconnecté. Un courriel de confirmation a été envoyé à votre ancienne adresse. Vos documents comptables sont conservés le temps que la loi exige.',
    backHome: 'Retour à l’accueil',
  },
  en: {
    title: 'Your data',
    backAccount: '← Your account',
    intro: 'Your data is yours: download it whenever you want, and close your account if you leave.',
    downloadTitle: 'Download my data',
    downloadText: 'A ZIP file: your account and orders (compte.json), all your quotes, invoices and credit notes (PDF), and the latest verified archive of each of your instances (.lbkf).',
    downloadButton: 'Download my data',
    noArchive: 'No archive yet: {names}. Make one with “Archiver” on the instance’s page before downloading.',
    closeTitle: 'Close my account',
    closeText: 'Closing erases your personal data (name, e-mail address, postal address, phone, password) and signs you out everywhere. Your quotes, invoices and credit notes are kept ten years, as the law requires. An e-mail confirms the closure.',
    closeInstances: 'Your account still has hosting instances ({names}). Download your data before: an ended instance is destroyed, after a final archive.',
    endInstances: 'End my instances ({names}) and their hosting',
    closeConfirm: 'To confirm, type your e-mail address or the word CLÔTURER',
    closeButton: 'Close my account',
    closeErrors: 'The account cannot be closed',
    closedTitle: 'Your account is closed',
    closedText: 'Your personal data is erased and you are signed out. A confirmation e-mail was sent to your former address. Your accounting documents are kept as long as the law requires.',
    backHome: 'Back to the home page',
  },
});

export type PrivacyT = Translator<keyof typeof privacyMessages.fr>;
export const pt = (ctx: PageContext): PrivacyT => translator(privacyMessages, ctx.locale);
