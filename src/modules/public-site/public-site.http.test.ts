import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { OperatorIdentity, PlanView } from '../settings/settings.types.ts';
import { defaultOperatorIdentity, defaultPlans, defaultTerms } from '../settings/settings.defaults.ts';
import { renderTermsBody, termsMarkerProblems } from '../settings/terms-text.ts';
import { features } from '../../web/features.ts';
import { faqPage } from './faq.views.ts';

const defaultIdentity = (): OperatorIdentity => ({ ...defaultOperatorIdentity });
const defaultPlanViews = (): PlanView[] =>
  defaultPlans.map((p) => ({ code: p.code, name: p.name, priceCents: p.price_cents, bandwidthMbps: p.bandwidth_mbps, slaPercent: p.sla_percent === null ? null : Number(p.sla_percent), maxSessions: p.max_sessions, storageBytes: p.storage_bytes, customQuote: p.custom_quote }));

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

/** What a reader sees: tags removed, entities decoded, (non-breaking) spaces collapsed. */
function textOf(body: string): string {
  return body
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[\s\u00a0\u202f]+/g, ' ');
}

async function page(url: string): Promise<{ status: number; body: string; text: string }> {
  const res = await new Agent(t.app).get(url);
  return { status: res.statusCode, body: res.body, text: textOf(res.body) };
}

function assertHas(text: string, expected: string[]): void {
  for (const e of expected) assert.ok(text.includes(e), `expected ${JSON.stringify(e)} in the page`);
}

/** Runs `fn` with a changed operator identity, then puts the previous one back. */
async function withIdentity(patch: Partial<OperatorIdentity>, fn: () => Promise<void>): Promise<void> {
  const settings = t.container.services.settings;
  const previous = { ...(await settings.operatorIdentity()) };
  await settings.updateOperatorIdentity(patch);
  try {
    await fn();
  } finally {
    await settings.updateOperatorIdentity(previous);
  }
}

async function setOpalePrice(cents: number): Promise<void> {
  await t.container.database.db.updateTable('plans').set({ price_cents: cents }).where('code', '=', 'opale').execute();
  t.container.services.settings.invalidate();
}

describe('home page', () => {
  it('shows the three plans with their prices and limits, in French', async () => {
    const { status, body, text } = await page('/');
    assert.equal(status, 200);
    assert.match(body, /<html lang="fr">/);
    assertHas(text, ['Opale', 'Émeraude', 'Diamant', '44,99 € / an', '129,99 € / an', 'Sur devis']);
    assertHas(text, ['32 Mbps', '80 Mbps', '99,5 %', '99,7 %', '3 au maximum', 'Sans limitation', '1 Go', '10 Go']);
    assert.match(body, /href="\/faq#diamant"/, 'the custom offer links to its FAQ answer');
  });

  it('explains how it works and the accompaniment, without a price for accompaniment', async () => {
    const { text } = await page('/');
    assertHas(text, ['Comment ça marche', 'Recevez le devis par courriel.', 'Réglez-le par virement ou par chèque.']);
    // the address the front door serves: the embedded default is http on port 3000, not HTTPS
    assertHas(text, ['http://nom-choisi.localhost:3000', 'Accompagnement : support et formation']);
    assert.ok(!text.includes('HTTPS') && !text.includes('https://'), 'no HTTPS promised where it is not served');
    assert.ok(!text.includes('PayPal'), 'no PayPal while it is not configured');
    assert.doesNotMatch(text, /€\s*(de l'heure|\/\s*h)/);
  });

  it('reads the prices from the settings at request time', async () => {
    await setOpalePrice(5490);
    try {
      for (const url of ['/', '/faq']) {
        const { text } = await page(url);
        assert.ok(text.includes('54,90 € / an'), `new price on ${url}`);
        assert.ok(!text.includes('44,99 €'), `old price gone from ${url}`);
      }
    } finally {
      await setOpalePrice(4499);
    }
    assert.ok((await page('/')).text.includes('44,99 € / an'));
  });
});

describe('FAQ', () => {
  it('answers every question of the brief, with the portal labels', async () => {
    const { status, body, text } = await page('/faq');
    assert.equal(status, 200);
    assertHas(text, [
      'Questions fréquentes',
      'Qui est SLETO ?',
      "Que comprend l'hébergement ?",
      'aucune aide à l\'utilisation de Diacamma',
      'Que veut dire « connexions simultanées » ?',
      'sessions utilisateur',
      'Quel forfait choisir ?',
      "Qu'est-ce que l'offre Diamant ?",
      'http://bidule.localhost:3000',
      'Mot de passe ou alias oublié ?',
      'Votre compte',
      'Personne morale',
      'envoyé aux deux adresses',
      "Vos instances d'hébergement",
      "Nouvelle commande d'hébergement",
      'Editer',
      "Vos actions d'hébergement",
      'Vos factures',
      'Deux moyens de paiement sont acceptés',
      'de 1 à 2 heures',
      'demi-journées',
      '80 €',
      'Nous ne vous envoyons jamais de mot de passe par courriel.',
    ]);
    assert.match(body, /<details id="diamant"><summary>/, 'anchor for the custom offer');
    assert.ok((body.match(/<details /g) ?? []).length >= 20, 'one <details> per question');
  });

  it('says nothing of what is not configured (PayPal, HTTPS), and speaks of the plan change, the renewal and the archives, which are built', async () => {
    const { text } = await page('/faq');
    assertHas(text, ['Archiver', 'Restaurer', 'Comment gérer les archives de mon instance ?']);
    assertHas(text, ['Comment se passe le renouvellement ?', 'la nouvelle année part de l\'échéance', 'Annuler la commande automatique']);
    assertHas(text, ['partent 30 jours avant l’échéance, puis les rappels 15, 7 et 1 jours avant ; sans règlement, l’instance reste accessible 15 jours après l’échéance, puis elle est suspendue et ses données sont conservées 30 jours', 'reste téléchargeable 90 jours']);
    for (const absent of ['PayPal', 'HTTPS']) {
      assert.ok(!text.includes(absent), `${JSON.stringify(absent)} is not in the FAQ`);
    }
    assertHas(text, ["Puis-je passer du forfait Opale au forfait Émeraude en cours d'année ?", 'au prorata']);
    assertHas(text, ['par courriel à contact@sleto.fr', 'formulaire « Demande information »']);
  });

  it('speaks of each feature once its switch is on', () => {
    const base = { identity: defaultIdentity(), plans: defaultPlanViews(), instanceUrl: (n: string) => `https://${n}.example.org`, delays: { lifecycle: { renewalLeadDays: 45, reminderDays: [20, 3], graceDays: 0, retentionDays: 60, nameQuarantineDays: 45 }, finalKeepDays: 120, safetyKeepDays: 1 } };
    const ctx = { locale: 'fr' as const, user: null, csrfToken: '', url: '/faq', siteName: 'SLETO', nav: [] };
    const on = textOf(faqPage(ctx, { ...base, features: features({ archives: true, upgrade: true, renewal: true, supportForm: true }), paypal: true }).value);
    assertHas(on, [
      "Puis-je passer du forfait Opale au forfait Émeraude en cours d'année ?",
      'soit 42,50 €', // half of (129,99 − 44,99)
      'Puis-je revenir du forfait Émeraude au forfait Opale ?',
      'choisissez le forfait Opale pour le renouvellement',
      'Archiver',
      'Restaurer',
      'le portail vous demande de définir le mot de passe admin et impose la connexion',
      'gardée 1 jour)',
      'formulaire « Demande information »',
      'Trois moyens de paiement sont acceptés',
      'PayPal',
      'Opale, Émeraude, Diamant',
      'https://bidule.example.org',
      // the delays come from the settings given, never fixed figures
      'partent 45 jours avant l’échéance, puis les rappels 20 et 3 jours avant ; sans règlement, l’instance est suspendue le lendemain de l’échéance et ses données sont conservées 60 jours',
      'reste téléchargeable 120 jours depuis le portail ; le nom de l’instance supprimée reste réservé 45 jours.',
    ]);
    const onlyArchives = textOf(faqPage(ctx, { ...base, features: features({ archives: true, upgrade: false }), paypal: false }).value);
    assert.ok(onlyArchives.includes('Archiver') && !onlyArchives.includes('au prorata') && !onlyArchives.includes('PayPal'));
  });

  it('says how long the safety archive is kept as « Réglages » set it, and follows a change', async () => {
    const { settings } = t.container.services;
    const before = (await settings.archives()).safetyKeepDays;
    assert.ok((await page('/faq')).text.includes(`« avant restauration » est faite d'abord et gardée ${before} jours)`));
    try {
      await settings.updateArchives({ safetyKeepDays: 12 });
      const fr = (await page('/faq')).text;
      assert.ok(fr.includes("« avant restauration » est faite d'abord et gardée 12 jours)"), 'the FAQ reads the setting');
      assert.ok(!fr.includes(`gardée ${before} jours`));
    } finally {
      await settings.updateArchives({ safetyKeepDays: before });
    }
  });

  it('shows the operator identity and the payment details from the settings', async () => {
    const { text } = await page('/faq');
    assertHas(text, ['FR76 1680 7001 2932 6233 9521 322', 'CCBPFRPPGRE', '820 103 315 00017', 'Laurent GAY', '38420 Domène']);
    assertHas(text, ["À l'ordre de SLETO", '12 rue Marius CHARLES']);
    assertHas(text, ['Opale — 3 au maximum', 'Émeraude — Sans limitation']);
  });
});

describe('terms of sale', () => {
  it('shows the current version, its title and its body as paragraphs', async () => {
    const { status, body, text } = await page('/cgv');
    assert.equal(status, 200);
    assertHas(text, ['Conditions générales de vente', 'Version 1, publiée le', 'Article 1 — Objet', 'SIRET 820 103 315 00017']);
    assert.match(body, /<h1>Conditions générales de vente<\/h1>/);
    // the renewal is built: its article says what happens, and the numbering follows
    assert.match(body, /<h2>Article 4 — Durée et renouvellement<\/h2><p class="prose">L&#39;hébergement est souscrit pour une durée d&#39;un an\. Une commande de renouvellement automatique/);
    assert.match(body, /<h2>Article 5 — Changement de forfait<\/h2><p class="prose">Le passage à un forfait plus complet/);
    assert.match(body, /<h2>Article 8 — Droit applicable<\/h2><p class="prose">Les présentes CGV/);
    assertHas(text, ['Le paiement s\'effectue par virement bancaire ou par chèque.']);
    for (const absent of ['PayPal', '{', '}']) assert.ok(!text.includes(absent), `${JSON.stringify(absent)} is not in the CGV`);
    assertHas(text, ['Le client peut annuler la commande automatique', 'le passage à un forfait moins cher se fait au renouvellement']);
    // archives are built: the CGV say the customer can make one and download it
    assertHas(text, ['Il peut à tout moment en réaliser une archive et la télécharger']);
  });

  it('keeps each conditional passage exactly when its feature is on', () => {
    const body = defaultTerms.body;
    const all = renderTermsBody(body, { features: features({ archives: true, upgrade: true, renewal: true, supportForm: true }), paypal: true });
    assertHas(all, ['Article 4 — Durée et renouvellement', 'Une commande de renouvellement automatique', 'Article 5 — Changement de forfait', 'Le renouvellement se fait au nouveau forfait ; le passage à un forfait moins cher se fait au renouvellement.', 'Article 8 — Droit applicable', 'par chèque ou par PayPal', 'en réaliser une archive']);
    assert.deepEqual(termsMarkerProblems(body, [...Object.keys(features()), 'paypal']), []);
    assert.deepEqual(termsMarkerProblems('{si:archives}sans fin', ['archives']), ['{si:archives}']);
    assert.deepEqual(termsMarkerProblems('{si:teleportation}x{fin}', ['archives']), ['{si:teleportation}']);
  });
});

describe('legal notice', () => {
  it('names the publisher, the director, the host, personal data and cookies', async () => {
    const { status, text } = await page('/mentions-legales');
    assert.equal(status, 200);
    assertHas(text, ['Mentions légales', 'SLETO', 'Laurent GAY', 'Entrepreneur individuel (EI)', '12 rue Marius Charles', '38420 Domène']);
    assertHas(text, ['820 103 315 00017', 'contact@sleto.fr', 'Directeur de la publication', 'Hébergement du site']);
    assertHas(text, ['Données personnelles', "droit d'accès, de rectification et d'effacement", 'CNIL', 'Cookies', 'strictement nécessaires']);
    assert.ok(!text.includes('Téléphone'), 'no phone line while none is set');
  });

  it('follows the operator identity when it changes', async () => {
    const identity = {
      tradeName: 'Atelier Vert',
      ownerName: 'Jeanne Durand',
      siret: '123 456 789 00012',
      email: 'bonjour@atelier-vert.example',
      phone: '04 76 00 00 00',
      iban: 'FR76 3000 4000 0500 0012 3456 789',
      accountHolder: 'Jeanne Durand EI',
      chequePayee: 'Atelier Vert EI',
      chequeAddress: 'Atelier Vert\n5 place du Marché\n69001 Lyon',
      publicationDirector: 'Jeanne Durand',
      websiteHost: 'Hébergeur Exemple, 1 rue du Serveur, 75000 Paris',
    };
    await withIdentity(identity, async () => {
      const notice = await page('/mentions-legales');
      assertHas(notice.text, ['Atelier Vert', 'Jeanne Durand', '123 456 789 00012', 'bonjour@atelier-vert.example', 'Téléphone 04 76 00 00 00']);
      assertHas(notice.text, ['Hébergeur Exemple, 1 rue du Serveur, 75000 Paris']);
      assert.ok(!notice.text.includes('820 103 315 00017'));
      const faq = await page('/faq');
      assertHas(faq.text, ['Qui est Atelier Vert ?', 'Jeanne Durand', '123 456 789 00012', 'Titulaire du compte Jeanne Durand EI', 'FR76 3000 4000 0500 0012 3456 789']);
      assertHas(faq.text, ["À l'ordre de Atelier Vert EI", '5 place du Marché 69001 Lyon', 'bonjour@atelier-vert.example']);
      assert.ok(!faq.text.includes('FR76 1680 7001 2932 6233 9521 322'));
      assert.ok(!faq.text.includes('Laurent GAY'));
    });
    assert.ok((await page('/mentions-legales')).text.includes('820 103 315 00017'), 'identity restored');
  });
});

describe('English', () => {
  const cases: [string, string][] = [
    ['/', 'How it works'],
    ['/faq', 'Frequently asked questions'],
    ['/cgv', 'Version 1, published on'],
    ['/mentions-legales', 'Legal notice'],
  ];
  for (const [url, heading] of cases) {
    it(`${url}?lang=en is in English`, async () => {
      const { status, body, text } = await page(`${url}?lang=en`);
      assert.equal(status, 200);
      assert.match(body, /<html lang="en">/);
      assert.ok(text.includes(heading), `${heading} on ${url}`);
    });
  }

  it('translates the plans and the FAQ answers', async () => {
    const home = await page('/?lang=en');
    assertHas(home.text, ['€44.99 / year', 'On quote', '3 at most', 'Unlimited', '1 GB', '10 GB']);
    const faq = await page('/faq?lang=en');
    assertHas(faq.text, ['Who is SLETO?', 'How do I create an account?', 'Mot de passe ou alias oublié ?', 'Personne morale']);
    assert.ok(!faq.text.includes('Comment créer un compte ?'), 'no French question left');
    const notice = await page('/mentions-legales?lang=en');
    assertHas(notice.text, ['Publication director', 'Personal data', 'strictly necessary']);
    assert.ok(!notice.text.includes('Directeur de la publication'));
  });
});

describe('escaping', () => {
  it('escapes settings values on every page', async () => {
    const evil = '<script>x</script>';
    await withIdentity({ tradeName: evil, ownerName: '"><img src=x onerror=alert(1)>', iban: '<b>iban</b>' }, async () => {
      for (const url of ['/', '/faq', '/cgv', '/mentions-legales']) {
        const { status, body } = await page(url);
        assert.equal(status, 200);
        assert.ok(!body.includes(evil), `${url} must not contain raw markup`);
        assert.ok(body.includes('&lt;script&gt;x&lt;/script&gt;'), `${url} shows it escaped`);
        assert.ok(!body.includes('<img src=x'), `${url}: no injected attribute`);
      }
      const faq = await page('/faq');
      assert.ok(faq.body.includes('&lt;b&gt;iban&lt;/b&gt;'));
      const notice = await page('/mentions-legales');
      assert.ok(notice.body.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
    });
  });
});

describe('with PayPal configured and HTTPS at the front door', () => {
  let https: TestApp;
  before(async () => {
    https = await createTestApp({
      env: { PUBLIC_URL_SCHEME: 'https', PUBLIC_DOMAIN: 'example.org', PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 'secret', PAYPAL_WEBHOOK_ID: 'hook', PAYPAL_BASE_URL: 'https://api-m.sandbox.paypal.com' },
    });
  });
  after(async () => {
    await https?.close();
  });
  const get = async (url: string) => {
    const agent = new Agent(https.app);
    agent.host = 'portail.example.org';
    return textOf((await agent.get(url)).body);
  };

  it('offers PayPal on the home page, in the FAQ and in the CGV, and HTTPS addresses without a port', async () => {
    const home = await get('/');
    assertHas(home, ['Réglez-le par virement, par chèque ou par PayPal.', 'sécurisé en HTTPS', 'https://votre-nom.example.org ']);
    const faq = await get('/faq');
    assertHas(faq, ['Trois moyens de paiement sont acceptés', 'PayPal', 'Les échanges avec mon instance sont-ils chiffrés (HTTPS) ?', 'https://bidule.example.org.']);
    assertHas(await get('/cgv'), ["Le paiement s'effectue par virement bancaire, par chèque ou par PayPal."]);
  });

  it('lets the "Payer avec PayPal" form lead to PayPal (form-action), and nowhere else', async () => {
    const res = await https.app.inject({ method: 'GET', url: '/', headers: { host: 'portail.example.org' } });
    assert.match(String(res.headers['content-security-policy']), /form-action 'self' https:\/\/www\.sandbox\.paypal\.com(;|$)/);
  });
});
