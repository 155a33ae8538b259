import { defineMessages, translator, type Locale } from '../../web/i18n.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';

const m = defineMessages({
  fr: {
    hello: 'Bonjour {name},',
    signature: "L'équipe {site}",
    welcomeSubject: 'Bienvenue sur le portail {site} : choisissez votre mot de passe',
    welcome1: 'Votre compte a été créé sur le portail {site} pour {organisation}.',
    welcome2: 'Votre alias de connexion est : {alias}',
    welcomeAction: 'Choisir mon mot de passe',
    welcomeAfter: 'Ce lien est valable 48 heures et ne peut servir qu’une fois. Si vous n’êtes pas à l’origine de cette demande, ignorez ce courriel.',
    resetSubject: 'Votre alias et votre mot de passe sur le portail {site}',
    reset1: 'Une demande de nouveau mot de passe a été faite pour votre compte.',
    reset2: 'Pour rappel, votre alias de connexion est : {alias}',
    resetAction: 'Choisir un nouveau mot de passe',
    resetAfter: 'Ce lien est valable {hours} heures et ne peut servir qu’une fois. Si vous n’avez rien demandé, ignorez ce courriel : votre mot de passe actuel reste valable.',
    changedSubject: 'Votre mot de passe a été modifié',
    changed1: 'Le mot de passe de votre compte {alias} sur le portail {site} vient d’être modifié. Les autres sessions ouvertes ont été fermées.',
    changed2: 'Si vous n’êtes pas à l’origine de ce changement, utilisez sans attendre « Mot de passe ou alias oublié ? » sur le portail.',
    emailChangedSubject: 'L’adresse de votre compte a été modifiée',
    emailChanged1: 'L’adresse courriel de votre compte {alias} est désormais {email} (auparavant {previous}).',
    orgEmailChanged1: 'L’adresse courriel de {organisation} sur le portail {site} est désormais {email}{previousPart} : chaque courriel de votre compte {alias} y est aussi envoyé.',
    previousPart: ' (auparavant {previous})',
    confirmSubject: 'Confirmez votre adresse courriel sur le portail {site}',
    confirm1: 'Une demande a été faite pour que {email} devienne l’adresse courriel de votre compte {alias} sur le portail {site}.',
    confirmOrg1: 'Une demande a été faite pour que {email} devienne l’adresse courriel de {organisation} sur le portail {site} (compte {alias}) : chaque courriel du compte y serait aussi envoyé.',
    confirm2: 'Elle ne sera utilisée qu’une fois ce lien suivi et la confirmation donnée.',
    confirmAction: 'Confirmer cette adresse',
    confirmAfter: 'Ce lien est valable {days} jours et ne peut servir qu’une fois. Si vous n’êtes pas à l’origine de cette demande, ignorez ce courriel : rien ne change.',
    requestedSubject: 'Demande de changement d’adresse de votre compte',
    requested1: 'Une demande a été faite pour que {email} devienne l’adresse courriel de votre compte {alias}. Rien ne change tant que le lien envoyé à {email} n’a pas été suivi.',
    requestedOrg1: 'Une demande a été faite pour que {email} devienne l’adresse courriel de {organisation} (compte {alias}). Rien ne change tant que le lien envoyé à {email} n’a pas été suivi.',
    requested2: 'Si vous n’êtes pas à l’origine de cette demande, changez sans attendre votre mot de passe (« Votre compte », ou « Mot de passe ou alias oublié ? ») : la demande sera annulée.',
    failuresSubject: 'Des connexions à votre compte ont été refusées',
    failures1: 'Nous avons refusé {count} tentatives de connexion à votre compte {alias} sur le portail {site} ces dernières 24 heures, faute du bon mot de passe ; la dernière venait de l’adresse {ip}.',
    failures2: 'Votre compte n’est pas bloqué : vous pouvez toujours vous connecter avec votre mot de passe.',
    failures3: 'Si ce n’était pas vous, quelqu’un essaie de deviner votre mot de passe : choisissez-en un que vous n’utilisez nulle part ailleurs, depuis « Votre compte » ou avec « Mot de passe ou alias oublié ? ».',
    operatorSubject: 'Votre compte opérateur sur {site}',
    operator1: 'Un compte opérateur a été préparé pour vous sur {site}.',
    operatorAction: 'Choisir mon mot de passe',
  },
  en: {
    hello: 'Hello {name},',
    signature: 'The {site} team',
    welcomeSubject: 'Welcome to the {site} portal: choose your password',
    welcome1: 'Your account on the {site} portal has been created for {organisation}.',
    welcome2: 'Your sign-in alias is: {alias}',
    welcomeAction: 'Choose my password',
    welcomeAfter: 'This link is valid for 48 hours and works once. If you did not ask for this, ignore this e-mail.',
    resetSubject: 'Your alias and password on the {site} portal',
    reset1: 'A new password was requested for your account.',
    reset2: 'As a reminder, your sign-in alias is: {alias}',
    resetAction: 'Choose a new password',
    resetAfter: 'This link is valid for {hours} hours and works once. If you asked for nothing, ignore this e-mail: your current password still works.',
    changedSubject: 'Your password was changed',
    changed1: 'The password of your account {alias} on the {site} portal was just changed. Other open sessions were closed.',
    changed2: 'If you did not make this change, use "Forgotten password or alias?" on the portal right away.',
    emailChangedSubject: 'Your account’s e-mail address was changed',
    emailChanged1: 'The e-mail address of your account {alias} is now {email} (it was {previous}).',
    orgEmailChanged1: 'The e-mail address of {organisation} on the {site} portal is now {email}{previousPart}: every e-mail of your account {alias} is sent there too.',
    previousPart: ' (it was {previous})',
    confirmSubject: 'Confirm your e-mail address on the {site} portal',
    confirm1: 'Someone asked for {email} to become the e-mail address of your account {alias} on the {site} portal.',
    confirmOrg1: 'Someone asked for {email} to become the e-mail address of {organisation} on the {site} portal (account {alias}): every e-mail of the account would be sent there too.',
    confirm2: 'It will be used only once this link is followed and the change confirmed.',
    confirmAction: 'Confirm this address',
    confirmAfter: 'This link is valid for {days} days and works once. If you did not ask for this, ignore this e-mail: nothing changes.',
    requestedSubject: 'Request to change your account’s address',
    requested1: 'Someone asked for {email} to become the e-mail address of your account {alias}. Nothing changes until the link sent to {email} is followed.',
    requestedOrg1: 'Someone asked for {email} to become the e-mail address of {organisation} (account {alias}). Nothing changes until the link sent to {email} is followed.',
    requested2: 'If you did not ask for this, change your password right away ("Your account", or "Forgotten password or alias?"): the request will be cancelled.',
    failuresSubject: 'Sign-ins to your account were refused',
    failures1: 'We refused {count} attempts to sign in to your account {alias} on the {site} portal in the last 24 hours, for want of the right password; the last one came from the address {ip}.',
    failures2: 'Your account is not locked: you can still sign in with your password.',
    failures3: 'If it was not you, someone is trying to guess your password: choose one you use nowhere else, from "Your account" or with "Forgotten password or alias?".',
    operatorSubject: 'Your operator account on {site}',
    operator1: 'An operator account was prepared for you on {site}.',
    operatorAction: 'Choose my password',
  },
});

export function welcomeMail(locale: Locale, d: { site: string; name: string; alias: string; organisation: string; url: string }): RenderedMail {
  const t = translator(m, locale);
  return renderMail(locale, {
    subject: t('welcomeSubject', d),
    greeting: t('hello', d),
    paragraphs: [t('welcome1', d), t('welcome2', d)],
    action: { label: t('welcomeAction'), url: d.url },
    after: [t('welcomeAfter')],
    signature: t('signature', d),
  });
}

export function resetMail(locale: Locale, d: { site: string; name: string; alias: string; url: string; hours: number }): RenderedMail {
  const t = translator(m, locale);
  return renderMail(locale, {
    subject: t('resetSubject', d),
    greeting: t('hello', d),
    paragraphs: [t('reset1'), t('reset2', d)],
    action: { label: t('resetAction'), url: d.url },
    after: [t('resetAfter', d)],
    signature: t('signature', d),
  });
}

export function passwordChangedMail(locale: Locale, d: { site: string; name: string; alias: string }): RenderedMail {
  const t = translator(m, locale);
  return renderMail(locale, {
    subject: t('changedSubject'),
    greeting: t('hello', d),
    paragraphs: [t('changed1', d), t('changed2')],
    signature: t('signature', d),
  });
}

type AddressChange = { site: string; name: string; alias: string; email: string; previous: string; target: 'person' | 'organisation'; organisation: string };

export function emailChangedMail(locale: Locale, d: AddressChange): RenderedMail {
  const t = translator(m, locale);
  const first = d.target === 'person' ? t('emailChanged1', d) : t('orgEmailChanged1', { ...d, previousPart: d.previous ? t('previousPart', d) : '' });
  return renderMail(locale, {
    subject: t('emailChangedSubject'),
    greeting: t('hello', d),
    paragraphs: [first, t('changed2')],
    signature: t('signature', d),
  });
}

/** To the new address: the link that makes it the account's (or the organisation's). */
export function confirmEmailMail(locale: Locale, d: AddressChange & { url: string; days: number }): RenderedMail {
  const t = translator(m, locale);
  return renderMail(locale, {
    subject: t('confirmSubject', d),
    greeting: t('hello', d),
    paragraphs: [d.target === 'person' ? t('confirm1', d) : t('confirmOrg1', d), t('confirm2')],
    action: { label: t('confirmAction'), url: d.url },
    after: [t('confirmAfter', d)],
    signature: t('signature', d),
  });
}

/** To the address in use: a change was asked, nothing happens until the new one confirms. */
export function emailChangeRequestedMail(locale: Locale, d: AddressChange): RenderedMail {
  const t = translator(m, locale);
  return renderMail(locale, {
    subject: t('requestedSubject'),
    greeting: t('hello', d),
    paragraphs: [d.target === 'person' ? t('requested1', d) : t('requestedOrg1', d), t('requested2')],
    signature: t('signature', d),
  });
}

export function signInFailuresMail(locale: Locale, d: { site: string; name: string; alias: string; count: number; ip: string }): RenderedMail {
  const t = translator(m, locale);
  return renderMail(locale, {
    subject: t('failuresSubject'),
    greeting: t('hello', d),
    paragraphs: [t('failures1', d), t('failures2'), t('failures3')],
    signature: t('signature', d),
  });
}

export function operatorInviteMail(locale: Locale, d: { site: string; name: string; url: string }): RenderedMail {
  const t = translator(m, locale);
  return renderMail(locale, {
    subject: t('operatorSubject', d),
    greeting: t('hello', d),
    paragraphs: [t('operator1', d)],
    action: { label: t('operatorAction'), url: d.url },
    after: [t('welcomeAfter')],
    signature: t('signature', d),
  });
}
