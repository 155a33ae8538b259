import type { ArchiveSettings, BillingSettings, LifecycleSettings, OperatorIdentity } from './settings.types.ts';

/**
 * The values seeded on first start: the operator and plans of the mission brief. They are settings,
 * editable by the operator; code reads them from the database, never from here.
 */
export const defaultOperatorIdentity: OperatorIdentity = {
  tradeName: 'SLETO',
  ownerName: 'Laurent GAY',
  legalStatus: 'Entrepreneur individuel (EI)',
  address: '12 rue Marius Charles',
  postcode: '38420',
  city: 'Domène',
  country: 'France',
  siret: '820 103 315 00017',
  email: 'contact@sleto.fr',
  phone: '',
  accountHolder: 'Laurent GAY',
  iban: 'FR76 1680 7001 2932 6233 9521 322',
  bic: 'CCBPFRPPGRE',
  chequePayee: 'SLETO',
  chequeAddress: 'Sleto - Laurent GAY\n12 rue Marius CHARLES\n38420 DOMENE',
  vatFranchise: true,
  publicationDirector: 'Laurent GAY',
  websiteHost: 'SLETO, 12 rue Marius Charles, 38420 Domène',
};

export const defaultPlans = [
  {
    code: 'opale',
    name: 'Opale',
    price_cents: 4499,
    bandwidth_mbps: 32,
    sla_percent: '99.5',
    max_sessions: 3,
    storage_bytes: 1024 ** 3,
    custom_quote: false,
    position: 1,
  },
  {
    code: 'emeraude',
    name: 'Émeraude',
    price_cents: 12999,
    bandwidth_mbps: 80,
    sla_percent: '99.7',
    max_sessions: null,
    storage_bytes: 10 * 1024 ** 3,
    custom_quote: false,
    position: 2,
  },
  {
    code: 'diamant',
    name: 'Diamant',
    price_cents: null,
    bandwidth_mbps: null,
    sla_percent: null,
    max_sessions: null,
    storage_bytes: null,
    custom_quote: true,
    position: 3,
  },
] as const;

export const defaultTerms = {
  version: 1,
  title: 'Conditions générales de vente',
  // {si:…}{fin}, {moyensDePaiement} and {n}: see terms-text.ts (the text says only what exists).
  body: `Article {n} — Objet
Les présentes conditions générales de vente (CGV) régissent la fourniture, par {tradeName} ({ownerName}, {legalStatus}, SIRET {siret}), d'un service d'hébergement en ligne du logiciel libre Diacamma et de prestations d'accompagnement (support et formation).

Article {n} — Commande
Le client commande depuis le portail. La commande est validée après acceptation des présentes CGV. Un devis est alors adressé par courriel ; il est valable {quoteValidityDays} jours.

Article {n} — Prix et paiement
Les prix sont indiqués en euros, {vatMention}. Le paiement s'effectue {moyensDePaiement}. L'hébergement est mis en service dès réception du règlement. En cas de retard de paiement, des pénalités au taux de {latePenaltyText} sont exigibles, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 €. Pas d'escompte pour paiement anticipé.

Article {n} — Durée{si:renewal} et renouvellement{fin}
L'hébergement est souscrit pour une durée d'un an.{si:renewal} Une commande de renouvellement automatique et son devis sont adressés au client par courriel avant l'échéance, suivis de rappels tant que le devis n'est pas réglé. La nouvelle période part de l'échéance, quelle que soit la date du règlement. Le client peut annuler la commande automatique : l'abonnement prend fin à l'échéance. Il peut aussi choisir un autre forfait pour le renouvellement, à condition que ses données et archives tiennent dans le stockage de ce forfait. À défaut de règlement à l'échéance, l'instance reste accessible pendant un délai de grâce, puis elle est suspendue ; ses données sont conservées pendant le délai indiqué dans les courriels, et un règlement reçu entre-temps rétablit l'instance aussitôt.{fin}

{si:upgrade}Article {n} — Changement de forfait
Le passage à un forfait plus complet, par exemple d'Opale à Émeraude, est possible à tout moment contre le règlement de la différence de prix, au prorata des jours qui restent jusqu'à l'échéance. Il s'applique dès réception du règlement ; l'échéance ne change pas.{fin}{si:renewal} Le renouvellement se fait au nouveau forfait ; le passage à un forfait moins cher se fait au renouvellement.{fin}

Article {n} — Données
Les données hébergées appartiennent au client.{si:archives} Il peut à tout moment en réaliser une archive et la télécharger, notamment avant la fin de son abonnement.{fin}

Article {n} — Niveau de service
La disponibilité visée est celle du forfait souscrit (SLA). L'hébergement n'inclut aucun support sur l'utilisation de Diacamma ; l'accompagnement est une prestation distincte.

Article {n} — Droit applicable
Les présentes CGV sont soumises au droit français.`,
};

/**
 * The first seeded text, before it marked what depends on features: a database that still has it,
 * unedited, gets the current default as a new version at start (an edited text is the operator's).
 */
export const previousDefaultTermsBodies: readonly string[] = [
  // before the renewal was built
  `Article {n} — Objet
Les présentes conditions générales de vente (CGV) régissent la fourniture, par {tradeName} ({ownerName}, {legalStatus}, SIRET {siret}), d'un service d'hébergement en ligne du logiciel libre Diacamma et de prestations d'accompagnement (support et formation).

Article {n} — Commande
Le client commande depuis le portail. La commande est validée après acceptation des présentes CGV. Un devis est alors adressé par courriel ; il est valable {quoteValidityDays} jours.

Article {n} — Prix et paiement
Les prix sont indiqués en euros, {vatMention}. Le paiement s'effectue {moyensDePaiement}. L'hébergement est mis en service dès réception du règlement. En cas de retard de paiement, des pénalités au taux de {latePenaltyText} sont exigibles, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 €. Pas d'escompte pour paiement anticipé.

Article {n} — Durée{si:renewal} et renouvellement{fin}
L'hébergement est souscrit pour une durée d'un an.{si:renewal} Une commande de renouvellement est adressée au client avant l'échéance ; le client peut l'annuler et commander un autre forfait.{fin}

{si:upgrade}Article {n} — Changement de forfait
Le passage à un forfait plus complet, par exemple d'Opale à Émeraude, est possible à tout moment contre le règlement de la différence de prix, au prorata des jours qui restent jusqu'à l'échéance. Il s'applique dès réception du règlement ; l'échéance ne change pas.{fin}{si:renewal} Le renouvellement se fait au nouveau forfait ; le passage à un forfait moins cher se fait au renouvellement.{fin}

Article {n} — Données
Les données hébergées appartiennent au client.{si:archives} Il peut à tout moment en réaliser une archive et la télécharger, notamment avant la fin de son abonnement.{fin}

Article {n} — Niveau de service
La disponibilité visée est celle du forfait souscrit (SLA). L'hébergement n'inclut aucun support sur l'utilisation de Diacamma ; l'accompagnement est une prestation distincte.

Article {n} — Droit applicable
Les présentes CGV sont soumises au droit français.`,
  // with the marked passages, before the plan change was built
  `Article {n} — Objet
Les présentes conditions générales de vente (CGV) régissent la fourniture, par {tradeName} ({ownerName}, {legalStatus}, SIRET {siret}), d'un service d'hébergement en ligne du logiciel libre Diacamma et de prestations d'accompagnement (support et formation).

Article {n} — Commande
Le client commande depuis le portail. La commande est validée après acceptation des présentes CGV. Un devis est alors adressé par courriel ; il est valable {quoteValidityDays} jours.

Article {n} — Prix et paiement
Les prix sont indiqués en euros, {vatMention}. Le paiement s'effectue {moyensDePaiement}. L'hébergement est mis en service dès réception du règlement. En cas de retard de paiement, des pénalités au taux de {latePenaltyText} sont exigibles, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 €. Pas d'escompte pour paiement anticipé.

Article {n} — Durée{si:renewal} et renouvellement{fin}
L'hébergement est souscrit pour une durée d'un an.{si:renewal} Une commande de renouvellement est adressée au client avant l'échéance ; le client peut l'annuler et commander un autre forfait.{fin}

{si:upgrade}Article {n} — Changement de forfait
Le passage d'Opale à Émeraude est possible à tout moment contre le règlement de la différence, au prorata de la période restante. Le passage d'Émeraude à Opale se fait au renouvellement.{fin}

Article {n} — Données
Les données hébergées appartiennent au client.{si:archives} Il peut à tout moment en réaliser une archive et la télécharger, notamment avant la fin de son abonnement.{fin}

Article {n} — Niveau de service
La disponibilité visée est celle du forfait souscrit (SLA). L'hébergement n'inclut aucun support sur l'utilisation de Diacamma ; l'accompagnement est une prestation distincte.

Article {n} — Droit applicable
Les présentes CGV sont soumises au droit français.`,
  `Article 1 — Objet
Les présentes conditions générales de vente (CGV) régissent la fourniture, par {tradeName} ({ownerName}, {legalStatus}, SIRET {siret}), d'un service d'hébergement en ligne du logiciel libre Diacamma et de prestations d'accompagnement (support et formation).

Article 2 — Commande
Le client commande depuis le portail. La commande est validée après acceptation des présentes CGV. Un devis est alors adressé par courriel ; il est valable {quoteValidityDays} jours.

Article 3 — Prix et paiement
Les prix sont indiqués en euros, {vatMention}. Le paiement s'effectue par virement bancaire, par chèque ou par PayPal. L'hébergement est mis en service dès réception du règlement. En cas de retard de paiement, des pénalités au taux de {latePenaltyText} sont exigibles, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 €. Pas d'escompte pour paiement anticipé.

Article 4 — Durée et renouvellement
L'hébergement est souscrit pour une durée d'un an. Une commande de renouvellement est adressée au client avant l'échéance ; le client peut l'annuler et commander un autre forfait.

Article 5 — Changement de forfait
Le passage d'Opale à Émeraude est possible à tout moment contre le règlement de la différence, au prorata de la période restante. Le passage d'Émeraude à Opale se fait au renouvellement.

Article 6 — Données
Les données hébergées appartiennent au client. Il peut à tout moment en réaliser une archive et la télécharger, notamment avant la fin de son abonnement.

Article 7 — Niveau de service
La disponibilité visée est celle du forfait souscrit (SLA). L'hébergement n'inclut aucun support sur l'utilisation de Diacamma ; l'accompagnement est une prestation distincte.

Article 8 — Droit applicable
Les présentes CGV sont soumises au droit français.`,
];

export const defaultArchiveSettings: ArchiveSettings = {
  quietStartHour: 1,
  quietHours: 5,
  automaticKeepDays: 7,
  safetyKeepDays: 7,
  finalKeepDays: 90,
};

export const defaultBillingSettings: BillingSettings = {
  quoteValidityDays: 30,
  paymentDueDays: 30,
  maxUnpaidOrders: 3,
  latePenaltyText: "trois fois le taux d'intérêt légal",
  vatRatePercent: 20,
  vatNumber: '',
  prefixes: { quote: 'DEV', invoice: 'FAC', credit_note: 'AVO' },
  supportHourlyCents: 8000,
  supportTiers: [
    { fromHours: 10, percent: 10 },
    { fromHours: 20, percent: 15 },
  ],
};

export const defaultLifecycleSettings: LifecycleSettings = {
  renewalLeadDays: 30,
  reminderDays: [15, 7, 1],
  graceDays: 15,
  retentionDays: 30,
  nameQuarantineDays: 90,
};
