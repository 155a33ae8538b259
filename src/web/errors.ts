import { defineMessages, translator, type Locale } from './i18n.ts';

/**
 * The error catalogue: one code per thing that can go wrong for a user, mapped here (and only here)
 * to an HTTP status and a message in French and English.
 */
const catalogue = {
  not_found: 404,
  unknown_host: 404,
  no_such_instance: 404,
  instance_creating: 503,
  instance_suspended: 503,
  instance_maintenance: 503,
  instance_unavailable: 503,
  forbidden: 403,
  sign_in_required: 401,
  csrf_invalid: 403,
  body_too_large: 413,
  bad_request: 400,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof catalogue;

export const errorMessages = defineMessages({
  fr: {
    not_found: "Cette page n'existe pas.",
    unknown_host: "Cette adresse n'est pas servie ici.",
    no_such_instance: "Aucune instance d'hébergement ne porte ce nom.",
    instance_creating: 'Cette instance est en cours de création : elle sera en ligne dans quelques minutes.',
    instance_suspended: 'Cette instance est suspendue. Son titulaire peut la rétablir depuis le portail.',
    instance_maintenance: 'Cette instance est en maintenance : elle revient dans quelques minutes.',
    instance_unavailable: 'Cette instance est momentanément indisponible. Réessayez dans quelques minutes.',
    forbidden: "Vous n'avez pas accès à cette page.",
    sign_in_required: 'Connectez-vous pour accéder à cette page.',
    csrf_invalid:
      "Le formulaire a expiré ou n'a pas été envoyé depuis ce site. Rechargez la page et recommencez.",
    body_too_large: 'Le formulaire envoyé est trop volumineux.',
    bad_request: 'La demande est incorrecte.',
    rate_limited: 'Trop de tentatives. Patientez quelques minutes avant de réessayer.',
    unavailable: 'Le service est momentanément indisponible. Réessayez dans quelques instants.',
    internal: 'Une erreur inattendue est survenue. Elle a été enregistrée ; réessayez dans quelques instants.',
    title_404: 'Page introuvable',
    title_error: 'Erreur',
    back_home: "Retour à l'accueil",
    reference: 'Référence de la demande : {id}',
  },
  en: {
    not_found: 'This page does not exist.',
    unknown_host: 'This address is not served here.',
    no_such_instance: 'No hosting instance has this name.',
    instance_creating: 'This instance is being created: it will be online in a few minutes.',
    instance_suspended: 'This instance is suspended. Its holder can restore it from the portal.',
    instance_maintenance: 'This instance is under maintenance: it will be back in a few minutes.',
    instance_unavailable: 'This instance is briefly unavailable. Try again in a few minutes.',
    forbidden: 'You do not have access to this page.',
    sign_in_required: 'Sign in to see this page.',
    csrf_invalid: 'The form expired or was not sent from this site. Reload the page and try again.',
    body_too_large: 'The form sent is too large.',
    bad_request: 'The request is not valid.',
    rate_limited: 'Too many attempts. Wait a few minutes before trying again.',
    unavailable: 'The service is briefly unavailable. Try again in a moment.',
    internal: 'An unexpected error occurred. It has been logged; try again in a moment.',
    title_404: 'Page not found',
    title_error: 'Error',
    back_home: 'Back to the home page',
    reference: 'Request reference: {id}',
  },
});

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, opts: { message?: string; headers?: Record<string, string> } = {}) {
    super(opts.message ?? code);
    this.code = code;
    this.status = catalogue[code];
    this.headers = opts.headers ?? {};
  }
}

export function errorText(code: ErrorCode, locale: Locale): string {
  return translator(errorMessages, locale)(code);
}
