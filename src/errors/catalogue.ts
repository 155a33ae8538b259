import { PASSWORD_MIN_LENGTH } from '../modules/accounts/passwords.ts';

/**
 * The error catalogue: every code a person can be shown, whichever module finds it, with its HTTP
 * status and its sentence in French and English — here and nowhere else. `{name}` placeholders are
 * filled from the error's parameters (see errorText). Where the operator must be told something
 * else than the customer (what to do about it), the entry has an `operator` wording too.
 *
 * Form parsing of a back-office page (a price that is not a number, an IBAN's check digits in
 * "Réglages") stays with its form: those never leave the page that reads them.
 */
export interface CatalogueEntry {
  status: number;
  fr: string;
  en: string;
  operator?: { fr: string; en: string };
}

const http = {
  not_found: { status: 404, fr: "Cette page n'existe pas.", en: 'This page does not exist.' },
  unknown_host: { status: 404, fr: "Cette adresse n'est pas servie ici.", en: 'This address is not served here.' },
  no_such_instance: { status: 404, fr: "Aucune instance d'hébergement ne porte ce nom.", en: 'No hosting instance has this name.' },
  instance_creating: { status: 503, fr: 'Cette instance est en cours de création : elle sera en ligne dans quelques minutes.', en: 'This instance is being created: it will be online in a few minutes.' },
  instance_suspended: { status: 503, fr: 'Cette instance est suspendue. Son titulaire peut la rétablir depuis le portail.', en: 'This instance is suspended. Its holder can restore it from the portal.' },
  instance_maintenance: { status: 503, fr: 'Cette instance est en maintenance : elle revient dans quelques minutes.', en: 'This instance is under maintenance: it will be back in a few minutes.' },
  instance_unavailable: { status: 503, fr: 'Cette instance est momentanément indisponible. Réessayez dans quelques minutes.', en: 'This instance is briefly unavailable. Try again in a few minutes.' },
  forbidden: { status: 403, fr: "Vous n'avez pas accès à cette page.", en: 'You do not have access to this page.' },
  sign_in_required: { status: 401, fr: 'Connectez-vous pour accéder à cette page.', en: 'Sign in to see this page.' },
  csrf_invalid: { status: 403, fr: "Le formulaire a expiré ou n'a pas été envoyé depuis ce site. Rechargez la page et recommencez.", en: 'The form expired or was not sent from this site. Reload the page and try again.' },
  body_too_large: { status: 413, fr: 'Le formulaire envoyé est trop volumineux.', en: 'The form sent is too large.' },
  bad_request: { status: 400, fr: 'La demande est incorrecte.', en: 'The request is not valid.' },
  bad_url: { status: 400, fr: "Cette adresse web est mal formée (un « % » mal écrit, par exemple). Vérifiez-la, ou repartez de la page d'accueil.", en: 'This web address is malformed (a badly written “%”, for instance). Check it, or start again from the home page.' },
  several_hosts: { status: 400, fr: 'La demande désigne plusieurs sites à la fois (plusieurs en-têtes Host) : elle est refusée.', en: 'The request names several sites at once (several Host headers): it is refused.' },
  headers_too_large: { status: 431, fr: 'La demande de votre navigateur est trop volumineuse (trop de cookies ou d’en-têtes). Effacez les cookies de ce site, puis réessayez.', en: 'Your browser’s request is too large (too many cookies or headers). Clear this site’s cookies, then try again.' },
  request_timeout: { status: 408, fr: 'La demande est arrivée trop lentement et a été interrompue. Réessayez.', en: 'The request arrived too slowly and was cut off. Try again.' },
  rate_limited: { status: 429, fr: 'Trop de tentatives. Patientez quelques minutes avant de réessayer.', en: 'Too many attempts. Wait a few minutes before trying again.' },
  unavailable: { status: 503, fr: 'Le service est momentanément indisponible. Réessayez dans quelques instants.', en: 'The service is briefly unavailable. Try again in a moment.' },
  internal: { status: 500, fr: 'Une erreur inattendue est survenue. Elle a été enregistrée ; réessayez dans quelques instants.', en: 'An unexpected error occurred. It has been logged; try again in a moment.' },
} satisfies Record<string, CatalogueEntry>;

/** Characters no form takes (src/web/security/input-hygiene.ts): the field is named. */
const input = {
  text_nul: { status: 422, fr: 'Le champ « {field} » contient un caractère nul (invisible), refusé. Retirez-le, puis renvoyez le formulaire.', en: 'The field “{field}” holds a NUL character (invisible), refused. Remove it, then send the form again.' },
  text_control: { status: 422, fr: 'Le champ « {field} » contient un caractère de contrôle invisible (une tabulation, par exemple), refusé. Retirez-le, puis renvoyez le formulaire.', en: 'The field “{field}” holds an invisible control character (a tab, for instance), refused. Remove it, then send the form again.' },
  text_line_break: { status: 422, fr: 'Le champ « {field} » tient sur une seule ligne : retirez le retour à la ligne qu’il contient, puis renvoyez le formulaire.', en: 'The field “{field}” holds a single line: remove the line break in it, then send the form again.' },
  text_bidi: { status: 422, fr: 'Le champ « {field} » contient un caractère qui inverse le sens d’écriture (contrôle bidirectionnel) : il peut faire lire autre chose que ce qui est écrit, il est donc refusé. Retirez-le, puis renvoyez le formulaire.', en: 'The field “{field}” holds a character that reverses the writing direction (a bidirectional control): it can make text read differently from what it is, so it is refused. Remove it, then send the form again.' },
} satisfies Record<string, CatalogueEntry>;

/** People, organisations, passwords (the accounts module, and every form that takes a password). */
const accounts = {
  required: { status: 422, fr: 'Ce champ est obligatoire.', en: 'This field is required.' },
  too_long: { status: 422, fr: 'Ce texte est trop long.', en: 'This text is too long.' },
  alias_invalid: { status: 422, fr: "L'alias doit compter 3 à 40 caractères : lettres, chiffres, point, tiret ou souligné, en commençant par une lettre ou un chiffre.", en: 'The alias must have 3 to 40 characters: letters, digits, dot, hyphen or underscore, starting with a letter or digit.' },
  alias_taken: { status: 409, fr: 'Cet alias est déjà utilisé. Choisissez-en un autre.', en: 'This alias is already taken. Choose another one.' },
  email_invalid: { status: 422, fr: "Cette adresse courriel n'est pas valide.", en: 'This e-mail address is not valid.' },
  email_taken: { status: 409, fr: 'Un compte existe déjà avec cette adresse. Utilisez « Mot de passe ou alias oublié ? » pour y accéder.', en: 'An account already uses this address. Use "Forgotten password or alias?" to get into it.' },
  registration_invalid: { status: 422, fr: 'Indiquez un SIREN (9 chiffres), un SIRET (14 chiffres) ou un numéro RNA (W suivi de 9 chiffres) valide.', en: 'Give a valid SIREN (9 digits), SIRET (14 digits) or RNA number (W and 9 digits).' },
  postcode_invalid: { status: 422, fr: "Ce code postal n'est pas valide.", en: 'This postcode is not valid.' },
  country_invalid: { status: 422, fr: 'Choisissez un pays de la liste.', en: 'Choose a country from the list.' },
  phone_invalid: { status: 422, fr: "Ce numéro de téléphone n'est pas valide.", en: 'This phone number is not valid.' },
  legal_form_invalid: { status: 422, fr: 'Choisissez une forme juridique de la liste.', en: 'Choose a legal form from the list.' },
  registration_required: { status: 422, fr: 'Indiquez le SIREN ou le SIRET de votre structure : il figure sur vos factures (seule une association qui n’en a pas peut laisser ce champ vide).', en: 'Give your organisation’s SIREN or SIRET: it is printed on your invoices (only an association that has none may leave it empty).' },
  // A password is checked against every rule at once: the field's code is `password:rule+rule`,
  // shown as the intro followed by each rule broken (see passwordRulesText).
  password_rules: { status: 422, fr: 'Le mot de passe ne respecte pas ces règles :', en: 'The password breaks these rules:' },
  password_too_short: { status: 422, fr: `Il doit compter au moins ${PASSWORD_MIN_LENGTH} caractères.`, en: `It must have at least ${PASSWORD_MIN_LENGTH} characters.` },
  password_too_long: { status: 422, fr: 'Il doit compter 200 caractères au plus.', en: 'It must have 200 characters at most.' },
  password_too_common: { status: 422, fr: 'Il ne doit pas être un mot de passe courant ni facile à deviner (comme « motdepasse », « azerty123 » ou un prénom suivi d’une année) : ajoutez des mots, des chiffres ou des signes.', en: 'It must not be a common or easily guessed password (such as “password1”, “azerty123” or a first name and a year): add words, digits or signs.' },
  password_contains_alias: { status: 422, fr: 'Il ne doit pas contenir votre alias.', en: 'It must not contain your alias.' },
  password_contains_email: { status: 422, fr: 'Il ne doit pas contenir votre adresse courriel.', en: 'It must not contain your e-mail address.' },
  password_contains_admin: { status: 422, fr: 'Il ne doit pas contenir « admin ».', en: 'It must not contain “admin”.' },
  password_mismatch: { status: 422, fr: 'Les deux mots de passe saisis doivent être identiques.', en: 'Both passwords typed must be the same.' },
  current_password_wrong: { status: 422, fr: 'Le mot de passe actuel est incorrect.', en: 'The current password is wrong.' },
  current_password_required: { status: 422, fr: 'Pour changer l’adresse courriel, indiquez votre mot de passe actuel.', en: 'To change the e-mail address, enter your current password.' },
} satisfies Record<string, CatalogueEntry>;

/** Hosting orders, and the instance admin password chosen with them. */
const orders = {
  instance_name_invalid: { status: 422, fr: 'Le nom doit compter 3 à 40 caractères : lettres minuscules, chiffres et tirets (pas au début ni à la fin).', en: 'The name must have 3 to 40 characters: lower-case letters, digits and hyphens (not first or last).' },
  instance_name_reserved: { status: 422, fr: 'Ce nom est réservé, ou ressemble trop à une adresse du portail ou du réseau. Choisissez-en un autre.', en: 'This name is reserved, or looks too much like an address of the portal or of the network. Choose another one.' },
  too_many_unpaid_orders: { status: 409, fr: 'Vous avez déjà {count} commandes validées en attente de règlement : c’est le maximum. Réglez-en une, ou annulez celle dont vous n’avez plus besoin, avant d’en valider une autre.', en: 'You already have {count} validated orders awaiting payment: that is the maximum. Pay one, or cancel the one you no longer need, before validating another.' },
  instance_name_taken: { status: 409, fr: 'Ce nom est déjà pris, ou réservé après la fin d’une instance. Choisissez-en un autre.', en: 'This name is taken, or reserved after an instance ended. Choose another one.' },
  plan_invalid: { status: 422, fr: 'Choisissez un forfait de la liste.', en: 'Choose a plan from the list.' },
  plan_on_quote: { status: 422, fr: 'Ce forfait est établi sur devis : il ne se commande pas en ligne.', en: 'This plan is on quote: it cannot be ordered online.' },
  flavour_invalid: { status: 422, fr: 'Choisissez une application de la liste.', en: 'Choose an application from the list.' },
  payment_method_invalid: { status: 422, fr: 'Choisissez un moyen de paiement de la liste.', en: 'Choose a payment method from the list.' },
  terms_required: { status: 422, fr: 'Cochez la case pour accepter les conditions générales de vente.', en: 'Tick the box to accept the terms of sale.' },
  terms_outdated: { status: 409, fr: 'Les CGV ont changé depuis votre acceptation : lisez la nouvelle version et acceptez-la de nouveau.', en: 'The terms of sale changed since you accepted them: read the new version and accept it again.' },
  order_not_draft: { status: 409, fr: 'Cette commande ne peut plus être modifiée.', en: 'This order can no longer be changed.' },
  admin_password_chars: { status: 422, fr: 'Le mot de passe « admin » ne peut pas contenir de virgule ni de signe « = » (Diacamma ne les accepte pas ici).', en: 'The “admin” password cannot contain a comma or “=” (Diacamma does not take them here).' },
} satisfies Record<string, CatalogueEntry>;

/** Quotes as payable documents, payments recorded by the operator, PayPal. */
const payments = {
  quote_unknown: { status: 404, fr: 'Ce devis est introuvable.', en: 'This quote cannot be found.' },
  quote_expired: {
    status: 409,
    fr: 'Ce devis a expiré : il ne peut plus être réglé. Écrivez-nous pour en recevoir un nouveau.',
    en: 'This quote has expired: it can no longer be paid. Write to us for a new one.',
    operator: { fr: "Devis expiré : rééditez un devis avant d'enregistrer le règlement.", en: 'Quote expired: reissue a quote before recording the payment.' },
  },
  quote_cancelled: {
    status: 409,
    fr: 'Ce devis est annulé : il ne peut plus être réglé.',
    en: 'This quote is cancelled: it can no longer be paid.',
    operator: { fr: 'Devis annulé : aucun règlement ne peut y être enregistré.', en: 'Quote cancelled: no payment can be recorded on it.' },
  },
  quote_already_paid: { status: 409, fr: 'Ce devis est déjà réglé.', en: 'This quote is already paid.' },
  amount_invalid: { status: 422, fr: 'Montant invalide.', en: 'Invalid amount.' },
  received_date_invalid: { status: 422, fr: 'Date de réception invalide.', en: 'Invalid date received.' },
  manual_method_invalid: { status: 422, fr: 'Choisissez virement ou chèque.', en: 'Choose bank transfer or cheque.' },
  cheque_number_required: { status: 422, fr: 'Indiquez le numéro du chèque.', en: 'Enter the cheque number.' },
  payment_duplicate: { status: 409, fr: 'Ce règlement est déjà enregistré (même devis, date, montant et référence).', en: 'This payment is already recorded (same quote, date, amount and reference).' },
  received_before_quote: { status: 422, fr: 'La date de réception ne peut pas précéder l’émission du devis (le {date}).', en: 'The date received cannot be before the quote was issued ({date}).' },
  payment_not_cancellable: { status: 409, fr: 'Ce règlement ne peut pas être annulé (il l’est déjà, ou il a été reporté sur un autre devis : annulez-le depuis celui-ci).', en: 'This payment cannot be cancelled (it already is, or it was carried to another quote: cancel it from that one).' },
  paypal_not_for_support: { status: 409, fr: 'Le paiement en ligne n’est pas proposé pour l’accompagnement : réglez par virement, avec la référence indiquée sur le document, ou par chèque.', en: 'Online payment is not offered for accompaniment: pay by bank transfer, with the reference given on the document, or by cheque.' },
  invoice_already_paid: { status: 409, fr: 'Cette facture est déjà réglée : aucun autre règlement ne peut y être enregistré.', en: 'This invoice is already paid: no further payment can be recorded on it.' },
  support_quote_not_payable: {
    status: 409,
    fr: 'Ce devis d’accompagnement n’attend pas de règlement : il se règle sur ses factures (l’acompte une fois le devis accepté, le solde sur la facture de fin d’accompagnement).',
    en: 'This accompaniment quote awaits no payment: it is paid on its invoices (the deposit once the quote is accepted, the balance on the final invoice).',
    operator: { fr: 'Ce devis d’accompagnement n’attend pas de règlement : seul l’acompte d’un devis accepté « avec acompte » s’y enregistre, avant sa facture d’acompte et la facture de fin ; le solde s’enregistre sur la facture de fin d’accompagnement.', en: 'This accompaniment quote awaits no payment: only the deposit of an accepted quote “with a deposit” is recorded on it, before its deposit invoice and the final invoice; the balance is recorded on the final invoice.' },
  },
  settlement_failed: { status: 500, fr: 'Le règlement n’a pas été enregistré : la facture n’a pas pu être émise. Rien n’a été modifié ; l’erreur est consignée. Réessayez, ou vérifiez les réglages de facturation.', en: 'The payment was not recorded: the invoice could not be issued. Nothing was changed; the error is logged. Try again, or check the billing settings.' },
  payment_blocked: { status: 409, fr: 'Votre paiement est bien reçu, mais la commande avait été annulée entre-temps : nous revenons vers vous pour la rétablir ou vous rembourser.', en: 'Your payment was received, but the order had been cancelled meanwhile: we will get back to you to restore it or refund you.' },
  paypal_not_configured: { status: 503, fr: 'Le paiement par PayPal n’est pas disponible pour le moment. Réglez par virement ou par chèque.', en: 'PayPal payment is not available at the moment. Pay by transfer or cheque.' },
  paypal_unavailable: { status: 503, fr: 'PayPal ne répond pas pour le moment. Réessayez dans quelques minutes, ou réglez par virement ou par chèque.', en: 'PayPal is not answering right now. Try again in a few minutes, or pay by transfer or cheque.' },
  currency_mismatch: { status: 409, fr: 'PayPal a encaissé un montant dans une autre devise : nous vérifions et revenons vers vous.', en: 'PayPal collected an amount in another currency: we are checking and will get back to you.' },
  paypal_not_approved: { status: 409, fr: 'Le paiement n’a pas été approuvé sur PayPal. Vous pouvez réessayer.', en: 'The payment was not approved on PayPal. You can try again.' },
  paypal_unknown_order: { status: 404, fr: 'Ce paiement PayPal est inconnu.', en: 'This PayPal payment is unknown.' },
} satisfies Record<string, CatalogueEntry>;

/** Credit notes (the operator corrects an invoice). */
const billing = {
  quote_expired_answer: { status: 409, fr: 'Ce devis a dépassé sa date de validité : il ne peut plus être accepté. Demandez-nous un nouveau devis.', en: 'This quote is past its validity date: it can no longer be accepted. Ask us for a new quote.' },
  quote_replaced_answer: { status: 409, fr: 'Ce devis a été remplacé par un devis révisé (ou annulé) : répondez au devis en vigueur, dans « Vos factures ».', en: 'This quote was replaced by a revised one (or cancelled): answer the quote in force, in “Your invoices”.' },
  quote_already_answered: { status: 409, fr: 'Vous avez déjà répondu à ce devis.', en: 'You have already answered this quote.' },
  signer_name_required: { status: 422, fr: 'Indiquez vos nom et prénom pour signer « Bon pour accord ».', en: 'Enter your full name to sign “Bon pour accord”.' },
  accept_box_required: { status: 422, fr: 'Cochez la case « Bon pour accord » pour accepter le devis.', en: 'Tick the “Bon pour accord” box to accept the quote.' },
  refusal_message_required: { status: 422, fr: 'Dites-nous en quelques mots pourquoi vous refusez ce devis : nous pourrons l’ajuster.', en: 'Tell us in a few words why you refuse this quote: we can adjust it.' },
  credit_reason_required: { status: 422, fr: "Indiquez le motif de l'avoir.", en: 'Enter the reason for the credit note.' },
  credit_amount_invalid: { status: 422, fr: 'Le montant doit être supérieur à 0 €.', en: 'The amount must be more than €0.' },
  credit_too_large: { status: 409, fr: 'Montant supérieur à ce qui reste de la facture : {remainingCents} au plus.', en: 'Amount larger than what remains of the invoice: {remainingCents} at most.' },
} satisfies Record<string, CatalogueEntry>;

/** Hosting actions on a live instance. */
const instances = {
  plan_change_not_dearer: { status: 422, fr: 'Choisissez un forfait plus complet (plus cher) que le forfait actuel : en cours d’année, le forfait ne peut que monter.', en: 'Choose a plan above (dearer than) the current one: during the year, a plan can only go up.' },
  plan_change_pending: { status: 409, fr: 'Un changement de forfait de cette instance attend déjà son règlement : réglez-le ou annulez-le d’abord.', en: 'A plan change of this instance is already awaiting payment: pay or cancel it first.' },
  plan_change_no_period: { status: 409, fr: 'Cette instance n’a pas de période d’hébergement en cours : le changement de forfait n’est pas possible pour le moment.', en: 'This instance has no hosting period running: the plan cannot be changed for now.' },
  plan_change_renewal_open: { status: 409, fr: 'La commande de renouvellement de cette instance attend son règlement : choisissez le nouveau forfait pour le renouvellement, sur la page de l’instance (« Forfait du renouvellement »).', en: 'This instance’s renewal order is awaiting payment: choose the new plan for the renewal, on the instance page (“Renewal plan”).' },
  renewal_not_open: { status: 409, fr: 'Aucune commande de renouvellement n’attend son règlement pour cette instance : rien à annuler ni à changer.', en: 'No renewal order of this instance is awaiting payment: nothing to cancel or change.' },
  renewal_partly_paid: { status: 409, fr: 'Un règlement a déjà été reçu pour ce renouvellement : écrivez-nous pour l’annuler ou changer de forfait, nous ajusterons le devis.', en: 'A payment was already received for this renewal: write to us to cancel it or change plan, we will adjust the quote.' },
  renewal_plan_invalid: { status: 422, fr: 'Choisissez un forfait de la liste, différent de celui du renouvellement actuel.', en: 'Choose a plan from the list, other than the current renewal’s.' },
  renewal_over_storage: {
    status: 409,
    fr: 'Le forfait {plan} offre {totalBytes} de stockage, et l’instance en utilise {usedBytes} (données et archives). Libérez de la place avant de renouveler avec ce forfait : supprimez des archives dont vous n’avez plus besoin (page « Archives » de l’instance) ou des documents dans Diacamma.',
    en: 'The {plan} plan offers {totalBytes} of storage, and the instance uses {usedBytes} (data and archives). Free some space before renewing with this plan: delete archives you no longer need (the instance’s “Archives” page) or documents in Diacamma.',
  },
  instance_not_active: { status: 409, fr: "L'instance n'est pas active : réessayez quand elle le sera.", en: 'The instance is not active: try again when it is.' },
} satisfies Record<string, CatalogueEntry>;

/** Accompaniment: the "Demande information" form. */
const support = {
  support_choice_required: { status: 422, fr: 'Choisissez une réponse de la liste.', en: 'Choose an answer from the list.' },
  support_too_fast: { status: 422, fr: 'Le formulaire a été envoyé trop vite pour avoir été rempli par une personne. Relisez-le, puis envoyez-le à nouveau.', en: 'The form was sent too fast to have been filled in by a person. Read it again, then send it once more.' },
  support_no_session: { status: 422, fr: 'Un devis d’accompagnement compte au moins une ligne de séances.', en: 'An accompaniment quote has at least one line of sessions.' },
  support_hours_invalid: { status: 422, fr: 'Indiquez un nombre d’heures entre 0,5 et 500, par demi-heure (par exemple 1,5).', en: 'Enter a number of hours between 0.5 and 500, by half hours (e.g. 1.5).' },
  support_amount_invalid: { status: 422, fr: 'Indiquez un montant en euros, supérieur à 0 € et d’au plus 100 000 € (par exemple 120,50).', en: 'Enter an amount in euros, more than €0 and at most €100,000 (e.g. 120.50).' },
  support_validity_invalid: { status: 422, fr: 'La durée de validité compte de 1 à 365 jours.', en: 'The validity lasts from 1 to 365 days.' },
  support_deposit_invalid: { status: 422, fr: 'L’acompte est un pourcentage de 1 à 100.', en: 'The deposit is a percentage from 1 to 100.' },
  support_no_account: { status: 409, fr: 'Cette demande n’est rattachée à aucun compte client : un devis est établi pour un compte. Invitez la personne à créer son compte et à envoyer sa demande depuis son espace.', en: 'This request is linked to no customer account: a quote is made out to an account. Invite the person to create an account and send the request from their space.' },
  support_form_stale: { status: 422, fr: 'Ce formulaire a été affiché il y a trop longtemps. Vérifiez vos réponses, puis envoyez-le à nouveau.', en: 'This form was shown too long ago. Check your answers, then send it again.' },
  session_date_invalid: { status: 422, fr: 'Indiquez la date de la séance (par exemple 20/10/2026).', en: 'Enter the session’s date (e.g. 20/10/2026).' },
  session_time_invalid: { status: 422, fr: 'Indiquez l’heure de début, heure de Paris (par exemple 10:00).', en: 'Enter the start time, Paris time (e.g. 10:00).' },
  session_time_skipped: { status: 422, fr: 'Cette heure n’existe pas ce jour-là à Paris (passage à l’heure d’été) : choisissez une autre heure.', en: 'This time does not exist that day in Paris (the clocks go forward): choose another time.' },
  session_in_past: { status: 422, fr: 'Cette date est passée : une séance se planifie à l’avance.', en: 'This date is in the past: a session is planned ahead.' },
  session_duration_invalid: { status: 422, fr: 'À distance, une séance dure 1 h ou 2 h ; sur site, une demi-journée ou une journée.', en: 'Remotely, a session lasts 1 or 2 hours; on site, half a day or a day.' },
  session_address_required: { status: 422, fr: 'Indiquez l’adresse où se tient la séance (500 caractères au plus).', en: 'Enter the address where the session takes place (500 characters at most).' },
  session_url_invalid: { status: 422, fr: 'Indiquez une adresse web complète, commençant par https:// (500 caractères au plus).', en: 'Enter a full web address, starting with https:// (500 characters at most).' },
  session_participants_required: { status: 422, fr: 'Indiquez l’adresse courriel d’au moins un participant.', en: 'Enter the e-mail address of at least one participant.' },
  session_participants_invalid: { status: 422, fr: 'Ces adresses courriel ne sont pas valides : {emails}.', en: 'These e-mail addresses are not valid: {emails}.' },
  session_participants_too_many: { status: 422, fr: 'Une séance compte {max} participants au plus.', en: 'A session has {max} participants at most.' },
  session_hours_done_invalid: { status: 422, fr: 'Indiquez les heures réalisées, de 0 à 12, par demi-heure (par exemple 1,5).', en: 'Enter the hours done, from 0 to 12, by half hours (e.g. 1.5).' },
  session_quote_not_accepted: { status: 409, fr: 'Le devis de cet accompagnement n’a pas été accepté par le client : les séances se planifient une fois le devis accepté.', en: 'The customer has not accepted this accompaniment’s quote: sessions are planned once the quote is accepted.' },
  session_not_started: { status: 422, fr: 'Cette séance n’a pas encore commencé : elle ne peut être marquée réalisée qu’une fois son heure de début passée.', en: 'This session has not started yet: it can be marked done only once its start time has passed.' },
  support_real_amount_invalid: { status: 422, fr: 'Indiquez le montant réel en euros, de 0 € à 100 000 € (par exemple 120,50) ; 0 si ce frais n’a pas eu lieu.', en: 'Enter the real amount in euros, from €0 to €100,000 (e.g. 120.50); 0 if this cost did not occur.' },
  support_not_accepted_invoice: { status: 409, fr: 'Aucun devis accepté pour cette demande (il a été refusé, ou n’a pas encore de réponse) : rien n’est facturé.', en: 'No accepted quote for this request (it was refused, or has no answer yet): nothing is invoiced.' },
  support_quote_replaced_invoice: { status: 409, fr: 'Le devis accepté a été remplacé par un devis révisé, qui n’est pas encore accepté : rien n’est facturé.', en: 'The accepted quote was replaced by a revised one, not accepted yet: nothing is invoiced.' },
  support_sessions_pending: { status: 409, fr: 'Des séances sont encore planifiées ({count}) : marquez-les réalisées ou annulez-les avant de facturer l’accompagnement.', en: 'Sessions are still planned ({count}): mark them done or cancel them before invoicing the accompaniment.' },
  support_nothing_to_invoice: { status: 409, fr: 'Aucune heure réalisée et aucun frais : il n’y a rien à facturer.', en: 'No hours done and no costs: there is nothing to invoice.' },
  support_total_below_deposit: { status: 409, fr: 'Le total réalisé est inférieur à l’acompte déjà facturé : émettez un avoir sur la facture d’acompte plutôt qu’une facture de fin.', en: 'The total done is below the deposit already invoiced: issue a credit note on the deposit invoice rather than a final invoice.' },
  support_deposit_partly_paid: { status: 409, fr: 'Un règlement partiel de l’acompte a été reçu sans être facturé : enregistrez le complément (la facture d’acompte est alors émise) ou annulez ce règlement avant de facturer l’accompagnement.', en: 'A partial payment of the deposit was received and not invoiced: record the rest (the deposit invoice is then issued) or cancel that payment before invoicing the accompaniment.' },
  support_already_invoiced: { status: 409, fr: 'Cet accompagnement est déjà facturé (facture de fin émise) : ses séances ne changent plus.', en: 'This accompaniment is already invoiced (final invoice issued): its sessions no longer change.' },
  session_closed: { status: 409, fr: 'Cette séance est annulée ou déjà réalisée : elle ne peut plus être modifiée.', en: 'This session is cancelled or already done: it can no longer be changed.' },
} satisfies Record<string, CatalogueEntry>;

/** Diamant: the request "à chiffrer" and the operator's custom quote. */
const diamant = {
  diamant_needs_required: { status: 422, fr: 'Décrivez vos besoins : nombre de personnes qui utiliseront Diacamma en même temps, volume de données, exigences particulières.', en: 'Describe your needs: how many people will use Diacamma at once, the volume of data, any particular requirement.' },
  diamant_sessions_invalid: { status: 422, fr: 'Indiquez un nombre entier de connexions simultanées entre 1 et 100 000, ou laissez vide pour « sans limitation ».', en: 'Enter a whole number of simultaneous connections from 1 to 100,000, or leave it empty for “unlimited”.' },
  diamant_bandwidth_invalid: { status: 422, fr: 'Indiquez une bande passante en Mbps, nombre entier entre 1 et 100 000, ou laissez vide pour « sans limitation ».', en: 'Enter a bandwidth in Mbps, a whole number from 1 to 100,000, or leave it empty for “unlimited”.' },
  diamant_storage_invalid: { status: 422, fr: 'Indiquez un stockage en Go, nombre entier entre 1 et 100 000.', en: 'Enter a storage in GB, a whole number from 1 to 100,000.' },
  diamant_sla_invalid: { status: 422, fr: 'Indiquez une disponibilité garantie (SLA) entre 90 et 100 %, par exemple 99,9, ou laissez vide.', en: 'Enter a guaranteed availability (SLA) from 90 to 100 %, e.g. 99.9, or leave it empty.' },
  diamant_price_invalid: { status: 422, fr: 'Indiquez un prix unitaire hors taxes en euros, supérieur à 0 € et d’au plus 100 000 € (par exemple 450 ou 120,50).', en: 'Enter a unit price excluding tax in euros, more than €0 and at most €100,000 (e.g. 450 or 120.50).' },
  diamant_quantity_invalid: { status: 422, fr: 'Indiquez une quantité entière entre 1 et 1 000.', en: 'Enter a whole quantity from 1 to 1,000.' },
  diamant_not_requested: { status: 409, fr: 'Cette demande Diamant a déjà son devis (ou a été annulée) : rien n’a été émis.', en: 'This Diamant request already has its quote (or was cancelled): nothing was issued.' },
} satisfies Record<string, CatalogueEntry>;

/** "Vos données": the download of everything, and the closure of the account. */
const privacy = {
  closure_confirmation: { status: 422, fr: 'Pour confirmer, tapez votre adresse courriel ou le mot CLÔTURER.', en: 'To confirm, type your e-mail address or the word CLÔTURER.' },
  closure_instances_active: { status: 409, fr: 'Votre compte a encore des instances d’hébergement ({names}) : cochez « Mettre fin à mes instances » (téléchargez vos données avant), ou mettez-y fin d’abord.', en: 'Your account still has hosting instances ({names}): tick “End my instances” (download your data before), or end them first.' },
  closure_instance_not_ended: { status: 409, fr: 'L’instance {name} n’a pas pu être arrêtée (son archive finale n’a pas pu être faite) : rien n’a été détruit et le compte n’est pas clôturé. Nous sommes prévenus ; réessayez plus tard.', en: 'Instance {name} could not be ended (its final archive could not be made): nothing was destroyed and the account is not closed. We have been told; try again later.' },
  closure_money_pending: { status: 409, fr: 'Un règlement a été reçu sur le devis {number} sans être encore facturé : le compte ne peut pas être clôturé tant que ce règlement n’est pas soldé. Écrivez-nous pour qu’il soit facturé ou remboursé.', en: 'A payment was received on quote {number} and is not invoiced yet: the account cannot be closed until it is settled. Write to us so that it is invoiced or refunded.' },
} satisfies Record<string, CatalogueEntry>;

/** Archives: Archiver, Import, Export, Supprimer, Restaurer — and why an archive file is refused. */
const archives = {
  archive_name_required: { status: 422, fr: "Donnez un nom à l'archive (80 caractères au plus).", en: 'Give the archive a name (80 characters at most).' },
  archive_not_found: { status: 404, fr: "Cette archive n'existe pas (ou plus).", en: 'This archive does not exist (any more).' },
  archive_over_quota: {
    status: 413,
    fr: "Le stockage de votre forfait est plein : {usedBytes} utilisés sur {totalBytes}, et cette archive demande {neededBytes}. Supprimez une archive dont vous n'avez plus besoin, ou passez à un forfait plus grand.",
    en: 'Your plan’s storage is full: {usedBytes} used of {totalBytes}, and this archive needs {neededBytes}. Delete an archive you no longer need, or move to a bigger plan.',
  },
  archive_disk_full: {
    status: 507,
    fr: "Le disque où sont gardées les archives est plein : l'archive n'a pas pu être écrite et rien n'en a été conservé. Nous sommes prévenus ; réessayez plus tard.",
    en: 'The disk that holds the archives is full: the archive could not be written and nothing of it was kept. We are told; try again later.',
  },
  archive_last_automatic: { status: 409, fr: "C'est la dernière archive automatique vérifiée de l'instance : elle ne peut pas être supprimée (elle sera remplacée par la prochaine).", en: 'This is the instance’s last verified automatic archive: it cannot be deleted (the next one replaces it).' },
  archive_delete_confirm: { status: 422, fr: 'Cochez la case pour confirmer la suppression.', en: 'Tick the box to confirm the deletion.' },
  archive_no_file: { status: 422, fr: 'Choisissez un fichier d’archive (.lbkf) à importer.', en: 'Choose an archive file (.lbkf) to import.' },
  archive_not_gzip: { status: 422, fr: "Ce fichier n'est pas une archive Diacamma : une archive .lbkf est un fichier compressé (gzip), celui-ci ne l'est pas. Rien n'a été conservé.", en: 'This file is not a Diacamma archive: a .lbkf archive is compressed (gzip), this one is not. Nothing was kept.' },
  archive_truncated: { status: 422, fr: "Cette archive est incomplète (le fichier est coupé avant sa fin) : exportez-la ou téléchargez-la de nouveau. Rien n'a été conservé.", en: 'This archive is incomplete (the file stops before its end): export or download it again. Nothing was kept.' },
  archive_not_tar: { status: 422, fr: "Ce fichier compressé ne contient pas une archive Diacamma lisible. Rien n'a été conservé.", en: 'This compressed file does not hold a readable Diacamma archive. Nothing was kept.' },
  archive_entry_path: { status: 422, fr: "Cette archive contient un chemin interdit (absolu ou remontant avec « .. ») : elle est refusée. Rien n'a été conservé.", en: 'This archive holds a forbidden path (absolute, or going up with “..”): it is refused. Nothing was kept.' },
  archive_entry_unexpected: { status: 422, fr: "Cette archive contient autre chose que dump.json, target et le dossier usr/ : ce n'est pas une archive Diacamma. Rien n'a été conservé.", en: 'This archive holds something other than dump.json, target and the usr/ folder: it is not a Diacamma archive. Nothing was kept.' },
  archive_entry_link: { status: 422, fr: "Cette archive contient un lien (symbolique ou physique) : c'est interdit. Rien n'a été conservé.", en: 'This archive holds a link (symbolic or hard): that is forbidden. Nothing was kept.' },
  archive_entry_device: { status: 422, fr: "Cette archive contient un fichier spécial (périphérique ou tube) : c'est interdit. Rien n'a été conservé.", en: 'This archive holds a special file (device or pipe): that is forbidden. Nothing was kept.' },
  archive_too_many_entries: { status: 422, fr: "Cette archive contient trop de fichiers (plus de {max}) : elle est refusée. Rien n'a été conservé.", en: 'This archive holds too many files (more than {max}): it is refused. Nothing was kept.' },
  archive_bomb: { status: 422, fr: "Cette archive grossit démesurément une fois décompressée (plus de {ratio} fois sa taille, ou au-delà de {maxBytes}) : elle est refusée. Rien n'a été conservé.", en: 'This archive grows out of all proportion once decompressed (more than {ratio} times its size, or beyond {maxBytes}): it is refused. Nothing was kept.' },
  archive_no_dump: { status: 422, fr: "Cette archive ne contient pas de fichier dump.json (les données de Diacamma) : elle ne peut pas être restaurée. Rien n'a été conservé.", en: 'This archive holds no dump.json file (Diacamma’s data): it cannot be restored. Nothing was kept.' },
  archive_dump_invalid: { status: 422, fr: "Le fichier dump.json de cette archive est illisible (ce n'est pas une liste JSON valide). Rien n'a été conservé.", en: 'The dump.json file of this archive is unreadable (it is not a valid JSON list). Nothing was kept.' },
  archive_no_target: { status: 422, fr: "Cette archive ne contient pas de fichier target (la version de Diacamma qui l'a faite). Rien n'a été conservé.", en: 'This archive holds no target file (the Diacamma version that made it). Nothing was kept.' },
  archive_target_invalid: { status: 422, fr: "Le fichier target de cette archive est illisible. Rien n'a été conservé.", en: 'The target file of this archive is unreadable. Nothing was kept.' },
  archive_target_newer: { status: 422, fr: "Cette archive vient d'un Diacamma plus récent que celui de votre instance ({apps}) : elle ne peut pas y être restaurée. Rien n'a été conservé.", en: 'This archive comes from a newer Diacamma than your instance’s ({apps}): it cannot be restored there. Nothing was kept.' },
  archive_restore_name: { status: 422, fr: "Tapez exactement le nom de l'instance pour confirmer la restauration.", en: 'Type the instance’s name exactly to confirm the restore.' },
  archive_restore_rolled_back: { status: 500, fr: "La restauration a échoué ({reason}) : l'instance a été remise exactement comme avant, depuis l'archive de sécurité « {safety} ».", en: 'The restore failed ({reason}): the instance was put back exactly as it was, from the safety archive “{safety}”.' },
  instance_end_restoring: { status: 409, fr: "Une restauration est en cours sur cette instance : attendez qu'elle soit terminée (onglet « Vos actions d'hébergement ») avant d'y mettre fin.", en: 'A restore is running on this instance: wait until it is finished (tab “Vos actions d’hébergement”) before ending it.' },
  instance_end_name: { status: 422, fr: "Tapez exactement le nom de l'instance pour confirmer qu'il faut y mettre fin.", en: 'Type the instance’s name exactly to confirm it must end.' },
  archive_failed_verification: { status: 500, fr: "L'archive produite n'a pas passé la vérification ({reason}) : elle n'a pas été conservée.", en: 'The archive produced failed verification ({reason}): it was not kept.' },
} satisfies Record<string, CatalogueEntry>;

export const catalogue = { ...http, ...input, ...accounts, ...orders, ...payments, ...billing, ...instances, ...support, ...diamant, ...privacy, ...archives };

export type ErrorCode = keyof typeof catalogue;
/** Every password rule broken, e.g. `password:too_short+contains_admin` (accounts/passwords.ts). */
export type PasswordRulesCode = `password:${string}`;

/** The codes a form field can carry (a person's input, checked by a service). */
export type FieldErrorCode = keyof typeof input | keyof typeof accounts | keyof typeof orders | keyof typeof payments | keyof typeof billing | keyof typeof instances | keyof typeof support | keyof typeof diamant | keyof typeof privacy | keyof typeof archives | PasswordRulesCode;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(catalogue, value);
}
