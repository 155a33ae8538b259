import type { PageContext } from '../../web/context.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, translator } from '../../web/i18n.ts';
import { layout } from '../../web/layout.ts';
import type { OperatorIdentity, TermsView } from '../settings/settings.types.ts';

export const legalMessages = defineMessages({
  fr: {
    termsTitle: 'Conditions générales de vente',
    termsVersion: 'Version {version}, publiée le {date}.',
    termsNone: "Aucune version des conditions générales de vente n'est publiée pour le moment.",
    termsFrenchOnly: '',
    noticeTitle: 'Mentions légales',
    publisher: 'Éditeur du site',
    tradeName: 'Nom commercial',
    owner: 'Exploitant',
    legalStatus: 'Forme juridique',
    address: 'Adresse',
    siret: 'SIRET',
    email: 'Courriel',
    phone: 'Téléphone',
    vat: 'TVA',
    vatFranchise: 'TVA non applicable, article 293 B du CGI',
    director: 'Directeur de la publication',
    host: 'Hébergement du site',
    hostText: 'Le site est hébergé par : {host}',
    data: 'Données personnelles',
    data1:
      "{tradeName} traite les données que vous lui confiez (votre identité et vos coordonnées, celles de votre structure, vos commandes et paiements) pour gérer votre compte, vos commandes et votre facturation. Ce traitement est nécessaire à l'exécution du contrat et au respect des obligations comptables.",
    data2:
      "Ces données ne sont ni vendues ni cédées à des tiers. Les pièces comptables (devis, factures) sont conservées pendant la durée imposée par la loi. Les données que vous saisissez dans votre instance Diacamma vous appartiennent : {tradeName} les héberge pour votre compte, sans les exploiter.",
    data3:
      "Conformément au RGPD et à la loi Informatique et Libertés, vous disposez d'un droit d'accès, de rectification et d'effacement de vos données, ainsi que d'un droit d'opposition et de limitation du traitement. Pour les exercer, écrivez à {email}.",
    data4: 'Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL (www.cnil.fr).',
    cookies: 'Cookies',
    cookies1: "Ce site n'utilise que des cookies strictement nécessaires à son fonctionnement :",
    cookieSession: 'un cookie de session, qui vous garde connecté au portail ;',
    cookieCsrf: 'un cookie de sécurité, qui protège vos formulaires contre les envois frauduleux (protection CSRF) ;',
    cookieLang: 'un cookie de langue, qui retient la langue choisie.',
    cookies2:
      "Aucun cookie de mesure d'audience, de publicité ou de suivi n'est déposé. Les cookies strictement nécessaires étant dispensés de consentement, aucun bandeau ne vous le demande.",
  },
  en: {
    termsTitle: 'Terms of sale',
    termsVersion: 'Version {version}, published on {date}.',
    termsNone: 'No version of the terms of sale has been published yet.',
    termsFrenchOnly: 'The terms of sale are written in French; the French text below is the one that binds.',
    noticeTitle: 'Legal notice',
    publisher: 'Publisher',
    tradeName: 'Trade name',
    owner: 'Operated by',
    legalStatus: 'Legal status',
    address: 'Address',
    siret: 'SIRET',
    email: 'E-mail',
    phone: 'Phone',
    vat: 'VAT',
    vatFranchise: 'VAT not applicable, article 293 B of the French tax code (CGI)',
    director: 'Publication director',
    host: 'Website host',
    hostText: 'The website is hosted by: {host}',
    data: 'Personal data',
    data1:
      '{tradeName} processes the data you entrust to it (your identity and contact details, those of your organisation, your orders and payments) to manage your account, your orders and your invoicing. This processing is needed to perform the contract and to meet accounting obligations.',
    data2:
      'This data is neither sold nor passed on to third parties. Accounting documents (quotes, invoices) are kept for the period the law requires. The data you enter in your Diacamma instance belongs to you: {tradeName} hosts it on your behalf, without using it.',
    data3:
      'Under the GDPR and the French Data Protection Act, you have the right to access, rectify and erase your data, and to object to or restrict its processing. To exercise these rights, write to {email}.',
    data4: 'If you believe your rights are not respected, you can lodge a complaint with the CNIL, the French data protection authority (www.cnil.fr).',
    cookies: 'Cookies',
    cookies1: 'This site only uses cookies strictly necessary for it to work:',
    cookieSession: 'a session cookie, which keeps you signed in to the portal;',
    cookieCsrf: 'a security cookie, which protects your forms against forged submissions (CSRF protection);',
    cookieLang: 'a language cookie, which remembers the language you chose.',
    cookies2:
      'No audience-measurement, advertising or tracking cookie is set. Strictly necessary cookies need no consent, so no banner asks you for it.',
  },
});

/**
 * The terms' body is plain text: blocks separated by a blank line. A block whose first line is a
 * short title ("Article 1 — Objet") followed by text gets that line as a heading.
 */
function termsBody(body: string): Html[] {
  return body
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => {
      const [first, ...rest] = block.split('\n');
      if (rest.length > 0 && first!.length <= 80 && !/[.:;]$/.test(first!)) {
        return html`<h2>${first}</h2><p class="prose">${rest.join('\n')}</p>`;
      }
      return html`<p class="prose">${block}</p>`;
    });
}

export function termsPage(ctx: PageContext, terms: TermsView | null): Html {
  const t = translator(legalMessages, ctx.locale);
  if (!terms) {
    return layout(ctx, {
      title: t('termsTitle'),
      main: html`<h1>${t('termsTitle')}</h1><p class="notice info">${t('termsNone')}</p>`,
    });
  }
  const date = new Intl.DateTimeFormat(ctx.locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(
    terms.publishedAt,
  );
  const english = ctx.locale === 'en';
  return layout(ctx, {
    title: english ? t('termsTitle') : terms.title,
    main: html`${english ? html`<p class="muted">${t('termsTitle')}</p>` : ''}
<h1${english ? html` lang="fr"` : ''}>${terms.title}</h1>
<p class="muted">${t('termsVersion', { version: terms.version, date })}</p>
${english ? html`<p class="notice info">${t('termsFrenchOnly')}</p>` : ''}
<article${english ? html` lang="fr"` : ''}>
${termsBody(terms.body)}
</article>`,
  });
}

export function legalNoticePage(ctx: PageContext, id: OperatorIdentity): Html {
  const t = translator(legalMessages, ctx.locale);
  return layout(ctx, {
    title: t('noticeTitle'),
    main: html`<h1>${t('noticeTitle')}</h1>
<section aria-labelledby="editeur">
  <h2 id="editeur">${t('publisher')}</h2>
  <dl class="details">
    <dt>${t('tradeName')}</dt><dd>${id.tradeName}</dd>
    <dt>${t('owner')}</dt><dd>${id.ownerName}</dd>
    <dt>${t('legalStatus')}</dt><dd>${id.legalStatus}</dd>
    <dt>${t('address')}</dt><dd>${id.address}
${id.postcode} ${id.city}
${id.country}</dd>
    <dt>${t('siret')}</dt><dd>${id.siret}</dd>
    ${id.vatFranchise ? html`<dt>${t('vat')}</dt><dd>${t('vatFranchise')}</dd>` : ''}
    <dt>${t('email')}</dt><dd><a href="mailto:${id.email}">${id.email}</a></dd>
    ${id.phone ? html`<dt>${t('phone')}</dt><dd>${id.phone}</dd>` : ''}
  </dl>
</section>
<section aria-labelledby="directeur">
  <h2 id="directeur">${t('director')}</h2>
  <p>${id.publicationDirector}</p>
</section>
<section aria-labelledby="hebergeur">
  <h2 id="hebergeur">${t('host')}</h2>
  <p class="prose">${t('hostText', { host: id.websiteHost })}</p>
</section>
<section aria-labelledby="donnees">
  <h2 id="donnees">${t('data')}</h2>
  <p>${t('data1', { tradeName: id.tradeName })}</p>
  <p>${t('data2', { tradeName: id.tradeName })}</p>
  <p>${t('data3', { email: id.email })}</p>
  <p>${t('data4')}</p>
</section>
<section aria-labelledby="cookies">
  <h2 id="cookies">${t('cookies')}</h2>
  <p>${t('cookies1')}</p>
  <ul>
    <li>${t('cookieSession')}</li>
    <li>${t('cookieCsrf')}</li>
    <li>${t('cookieLang')}</li>
  </ul>
  <p>${t('cookies2')}</p>
</section>`,
  });
}
