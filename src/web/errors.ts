import { defineMessages } from './i18n.ts';

/**
 * Error pages: the sentences of every error live in the catalogue (src/errors/catalogue.ts); here
 * only the words around them on a page of their own.
 */
export { AppError, errorText, type ErrorCode } from '../errors/app-error.ts';

export const errorMessages = defineMessages({
  fr: {
    title_404: 'Page introuvable',
    title_error: 'Erreur',
    back_home: "Retour à l'accueil",
    reference: 'Référence de la demande : {id}',
    back_form: 'Revenez à la page précédente avec le bouton « Retour » de votre navigateur : ce que vous aviez saisi y est encore.',
    back_form_partial: 'Rechargez la page pour retrouver le formulaire, puis renvoyez-le sans ce caractère.',
  },
  en: {
    title_404: 'Page not found',
    title_error: 'Error',
    back_home: 'Back to the home page',
    reference: 'Request reference: {id}',
    back_form: 'Go back to the previous page with your browser’s “Back” button: what you typed is still there.',
    back_form_partial: 'Reload the page to get the form back, then send it again without that character.',
  },
});
