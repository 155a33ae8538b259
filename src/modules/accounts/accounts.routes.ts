import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { rawStr, str } from '../../web/forms.ts';
import { clientMeta, requireSignedIn, safeReturnPath } from '../../web/guards.ts';
import { parseLocale, translator } from '../../web/i18n.ts';
import { accountMessages } from './accounts.messages.ts';
import { sendHtml } from '../../web/pages.ts';
import type { PortalMenu } from '../../web/portal-menu.ts';
import { accountPage, organisationPanel, personPanel, type AccountTab } from './account-page.views.ts';
import { SESSION_TTL } from './sessions.service.ts';
import { cookieNames, cookieOptions } from '../../web/security/cookies.ts';
import { dropCsrfSecret } from '../../web/security/csrf.ts';
import { confirmEmailPage, emailConfirmedPage } from './email-change.views.ts';
import {
  badLinkPage,
  fieldErrors,
  forgotPage,
  operatorSetupPage,
  portalHomePage,
  setPasswordPage,
  signInPage,
  signUpDonePage,
  signUpPage,
  tr,
} from './accounts.views.ts';

/** Per-IP limits on the endpoints that guessers and spammers aim at (per-account limits are in the service). */
const LIMITS = {
  signIn: { max: 30, timeWindow: '5 minutes' },
  signUp: { max: 10, timeWindow: '1 hour' },
  forgot: { max: 10, timeWindow: '15 minutes' },
  token: { max: 30, timeWindow: '15 minutes' },
};

export function accountsRoutes(c: Container, pageContext: PageContextFactory, menu: PortalMenu): FastifyPluginAsync {
  const { accounts } = c.services;
  const secure = c.config.scheme === 'https';
  const cookies = cookieNames(secure);

  /** A new session: its cookie, and a new CSRF secret with it (tokens are bound to the session anyway). */
  function setSession(reply: FastifyReply, token: string) {
    reply.setCookie(cookies.session, token, cookieOptions(secure, { maxAge: SESSION_TTL / 1000 }));
    dropCsrfSecret(reply, { secure, cookieName: cookies.csrf });
  }

  function homeFor(role: 'customer' | 'operator') {
    return role === 'operator' ? '/backoffice' : '/espace';
  }

  function isHtmx(request: FastifyRequest) {
    return request.headers['hx-request'] === 'true';
  }

  return async (app) => {
    // --- sign-up ---------------------------------------------------------------------------
    app.get('/inscription', async (request, reply) => {
      // "Commander" on a plan, not signed in: the order form is where the person goes once signed up.
      const returnTo = safeReturnPath((request.query as Record<string, unknown>).retour);
      if (request.currentUser) return reply.redirect(returnTo ?? homeFor(request.currentUser.role), 303);
      return sendHtml(reply, signUpPage(await pageContext(request, reply), {}, {}, returnTo));
    });

    app.post('/inscription', { config: { rateLimit: LIMITS.signUp } }, async (request, reply) => {
      const body = request.body;
      const values = {
        alias: str(body, 'alias', 100),
        name: str(body, 'name', 300),
        email: str(body, 'email', 300),
        organisation: str(body, 'organisation', 400),
      };
      const returnTo = safeReturnPath(str(body, 'retour', 500));
      const result = await accounts.signUp({ ...values, locale: request.locale, returnTo }, clientMeta(request));
      const ctx = await pageContext(request, reply);
      if (!result.ok) return sendHtml(reply, signUpPage(ctx, values, fieldErrors(ctx.locale, result.errors), returnTo), 422);
      return sendHtml(reply, signUpDonePage(ctx, values.email));
    });

    // --- sign-in / sign-out ------------------------------------------------------------------
    app.get('/connexion', async (request, reply) => {
      const returnTo = safeReturnPath((request.query as Record<string, unknown>).retour);
      if (request.currentUser) return reply.redirect(returnTo ?? homeFor(request.currentUser.role), 303);
      return sendHtml(reply, signInPage(await pageContext(request, reply), { returnTo }));
    });

    app.post('/connexion', { config: { rateLimit: LIMITS.signIn } }, async (request, reply) => {
      const identifier = str(request.body, 'identifier', 254);
      const password = rawStr(request.body, 'password', 1000);
      const returnTo = safeReturnPath(str(request.body, 'retour', 500));
      const result = await accounts.signIn(identifier, password, {
        ...clientMeta(request),
        previousSessionToken: request.cookies[cookies.session],
      });
      if (result.ok) {
        setSession(reply, result.sessionToken);
        return reply.redirect(returnTo ?? homeFor(result.user.role), 303);
      }
      const ctx = await pageContext(request, reply);
      const t = tr(ctx);
      if (result.reason === 'throttled') {
        reply.header('retry-after', String(result.retryAfterSeconds));
        const seconds = result.retryAfterSeconds;
        const problem = seconds < 60 ? t('signInThrottledSeconds', { seconds }) : t('signInThrottled', { minutes: Math.ceil(seconds / 60) });
        return sendHtml(reply, signInPage(ctx, { identifier, returnTo, problem }), 429);
      }
      return sendHtml(reply, signInPage(ctx, { identifier, returnTo, problem: t('signInInvalid') }), 401);
    });

    app.post('/deconnexion', async (request, reply) => {
      await accounts.signOut(request.cookies[cookies.session], clientMeta(request));
      reply.clearCookie(cookies.session, cookieOptions(secure));
      dropCsrfSecret(reply, { secure, cookieName: cookies.csrf });
      return reply.redirect('/', 303);
    });

    // --- "Mot de passe ou alias oublié ?" ------------------------------------------------------
    app.get('/mot-de-passe-oublie', async (request, reply) => sendHtml(reply, forgotPage(await pageContext(request, reply))));

    app.post('/mot-de-passe-oublie', { config: { rateLimit: LIMITS.forgot } }, async (request, reply) => {
      const email = str(request.body, 'email', 300);
      await accounts.requestPasswordReset(email, request.locale, clientMeta(request));
      // The same answer whether the address is known or not.
      return sendHtml(reply, forgotPage(await pageContext(request, reply), { email, done: true }));
    });

    // --- links from e-mails --------------------------------------------------------------------
    app.get('/mot-de-passe/definir', { config: { rateLimit: LIMITS.token, reach: 'email' } }, async (request, reply) => {
      const token = (request.query as Record<string, unknown>).jeton;
      const check = await accounts.checkToken(token, ['set_password', 'reset_password']);
      const ctx = await pageContext(request, reply);
      if (!check.ok) return sendHtml(reply, badLinkPage(ctx, check.reason), 410);
      const returnTo = safeReturnPath((request.query as Record<string, unknown>).retour);
      return sendHtml(reply, setPasswordPage(ctx, { token: token as string, alias: check.user!.alias, email: check.user!.email, returnTo }));
    });

    app.post('/mot-de-passe/definir', { config: { rateLimit: LIMITS.token } }, async (request, reply) => {
      const token = str(request.body, 'jeton', 100);
      const returnTo = safeReturnPath(str(request.body, 'retour', 500));
      const result = await accounts.setPasswordWithToken(
        token,
        rawStr(request.body, 'password'),
        rawStr(request.body, 'password_confirm'),
        clientMeta(request),
      );
      const ctx = await pageContext(request, reply);
      if (!result.ok) {
        if ('link' in result) return sendHtml(reply, badLinkPage(ctx, result.link), 410);
        const check = await accounts.checkToken(token, ['set_password', 'reset_password']);
        const user = check.ok ? check.user! : null;
        return sendHtml(reply, setPasswordPage(ctx, { token, alias: user?.alias ?? '', email: user?.email ?? '', returnTo, errors: fieldErrors(ctx.locale, result.errors) }), 422);
      }
      setSession(reply, result.sessionToken);
      return reply.redirect(returnTo ?? `${homeFor(result.user.role)}?bienvenue=1`, 303);
    });

    app.get('/installation', { config: { rateLimit: LIMITS.token, reach: 'email' } }, async (request, reply) => {
      const token = (request.query as Record<string, unknown>).jeton;
      const check = await accounts.checkToken(token, ['operator_setup']);
      const ctx = await pageContext(request, reply);
      if (!check.ok) return sendHtml(reply, badLinkPage(ctx, check.reason), 410);
      return sendHtml(reply, operatorSetupPage(ctx, token as string));
    });

    app.post('/installation', { config: { rateLimit: LIMITS.token } }, async (request, reply) => {
      const token = str(request.body, 'jeton', 100);
      const values = { alias: str(request.body, 'alias', 100), name: str(request.body, 'name', 300), email: str(request.body, 'email', 300) };
      const result = await accounts.completeOperatorSetup(
        token,
        { ...values, password: rawStr(request.body, 'password'), confirm: rawStr(request.body, 'password_confirm'), locale: request.locale },
        clientMeta(request),
      );
      const ctx = await pageContext(request, reply);
      if (!result.ok) {
        if ('link' in result) return sendHtml(reply, badLinkPage(ctx, result.link), 410);
        return sendHtml(reply, operatorSetupPage(ctx, token, values, fieldErrors(ctx.locale, result.errors)), 422);
      }
      setSession(reply, result.sessionToken);
      return reply.redirect('/backoffice?bienvenue=1', 303);
    });

    // --- a new address, confirmed from the link sent to it ---------------------------------------
    // (no sign-in needed: following the link proves the address; asking for it needed the password)
    app.get('/courriel/confirmer', { config: { rateLimit: LIMITS.token, reach: 'email' } }, async (request, reply) => {
      const token = (request.query as Record<string, unknown>).jeton;
      const check = await accounts.checkEmailConfirmation(token);
      const ctx = await pageContext(request, reply);
      if (!check.ok) return sendHtml(reply, badLinkPage(ctx, check.reason), 410);
      return sendHtml(reply, confirmEmailPage(ctx, { token: token as string, email: check.email, alias: check.user.alias, target: check.target }));
    });

    app.post('/courriel/confirmer', { config: { rateLimit: LIMITS.token } }, async (request, reply) => {
      const result = await accounts.confirmEmail(str(request.body, 'jeton', 100), clientMeta(request));
      const ctx = await pageContext(request, reply);
      if (!result.ok) {
        if (result.reason === 'email_taken') return sendHtml(reply, emailConfirmedPage(ctx, { problem: fieldErrors(ctx.locale, { email: 'email_taken' }).email! }), 409);
        return sendHtml(reply, badLinkPage(ctx, result.reason), 410);
      }
      return sendHtml(reply, emailConfirmedPage(ctx, { email: result.email, target: result.target }));
    });

    // --- the signed-in portal --------------------------------------------------------------------
    app.register(async (portal) => {
      portal.addHook('preHandler', requireSignedIn);

      portal.get('/espace', async (request, reply) => {
        // An operator's own space is the back office.
        if (request.currentUser!.role === 'operator') return reply.redirect('/backoffice', 303);
        const ctx = await pageContext(request, reply);
        const t = tr(ctx);
        const welcome = (request.query as Record<string, unknown>).bienvenue === '1';
        const [tiles, banners] = await Promise.all([menu.tiles(request.currentUser!, ctx.locale), menu.banners(request.currentUser!, ctx.locale)]);
        return sendHtml(reply, portalHomePage(ctx, tiles, welcome ? [t('passwordSetNotice')] : [], banners));
      });

      async function showAccount(request: FastifyRequest, reply: FastifyReply, state: { tab?: AccountTab; notice?: string; editing?: Parameters<typeof accountPage>[1]['editing']; passwordErrors?: Parameters<typeof accountPage>[1]['passwordErrors'] }, status = 200) {
        const account = await accounts.getAccount(request.currentUser!.id);
        if (!account) return reply.redirect('/connexion', 303);
        const ctx = await pageContext(request, reply);
        const tab: AccountTab = state.tab ?? 'personne';
        return sendHtml(reply, accountPage(ctx, { tab, user: account.user, organisation: account.organisation, notice: state.notice, editing: state.editing, passwordErrors: state.passwordErrors }), status);
      }

      /** htmx asks for one panel; a plain browser gets the whole page. */
      async function showPanel(request: FastifyRequest, reply: FastifyReply, panel: 'person' | 'organisation', state: { notice?: string; editing?: Parameters<typeof accountPage>[1]['editing'] }, status = 200) {
        if (!isHtmx(request)) return showAccount(request, reply, { tab: panel === 'person' ? 'personne' : 'personne-morale', ...state }, status);
        const account = await accounts.getAccount(request.currentUser!.id);
        if (!account) return reply.redirect('/connexion', 303);
        const ctx = await pageContext(request, reply);
        const s = { tab: (panel === 'person' ? 'personne' : 'personne-morale') as AccountTab, user: account.user, organisation: account.organisation, ...state };
        return sendHtml(reply, panel === 'person' ? personPanel(ctx, s) : organisationPanel(ctx, s), status);
      }

      portal.get('/compte', async (request, reply) => {
        const q = request.query as Record<string, unknown>;
        const tab: AccountTab = q.onglet === 'personne-morale' ? 'personne-morale' : 'personne';
        const t = translator(accountMessages, request.locale);
        const notice = q.ok === 'mot-de-passe' ? t('passwordChanged') : q.ok === 'courriel' ? t('emailPendingShort') : q.ok === '1' ? t('saved') : undefined;
        return showAccount(request, reply, { tab, notice });
      });
      portal.get('/compte/personne', { config: { reach: 'fragment' } }, async (request, reply) => showPanel(request, reply, 'person', {}));
      portal.get('/compte/personne-morale', { config: { reach: 'fragment' } }, async (request, reply) => showPanel(request, reply, 'organisation', {}));
      portal.get('/compte/personne/modifier', async (request, reply) => showPanel(request, reply, 'person', { editing: { panel: 'person' } }));
      portal.get('/compte/personne-morale/modifier', async (request, reply) => showPanel(request, reply, 'organisation', { editing: { panel: 'organisation' } }));

      portal.post('/compte/personne', async (request, reply) => {
        const values = { name: str(request.body, 'name', 300), email: str(request.body, 'email', 300), locale: str(request.body, 'locale', 5) };
        const currentPassword = rawStr(request.body, 'current_password');
        const result = await accounts.updatePerson(request.currentUser!.id, { name: values.name, email: values.email, locale: parseLocale(values.locale) ?? undefined, currentPassword }, clientMeta(request));
        const t = tr(await pageContext(request, reply));
        if (!result.ok) return showPanel(request, reply, 'person', { editing: { panel: 'person', values, errors: fieldErrors(request.locale, result.errors) } }, 422);
        if (!isHtmx(request)) return reply.redirect(`/compte?onglet=personne&ok=${result.pendingEmail ? 'courriel' : '1'}`, 303);
        return showPanel(request, reply, 'person', { notice: result.pendingEmail ? t('emailPending', { email: result.pendingEmail }) : t('saved') });
      });

      portal.post('/compte/personne-morale', async (request, reply) => {
        const b = request.body;
        const values = {
          name: str(b, 'name', 400),
          legal_form: str(b, 'legal_form', 40),
          registration_number: str(b, 'registration_number', 40),
          address: str(b, 'address', 600),
          postcode: str(b, 'postcode', 24),
          city: str(b, 'city', 240),
          country: str(b, 'country', 4),
          email: str(b, 'email', 300),
          phone: str(b, 'phone', 60),
        };
        const result = await accounts.updateOrganisation(
          request.currentUser!.id,
          { name: values.name, legalForm: values.legal_form, registrationNumber: values.registration_number, address: values.address, postcode: values.postcode, city: values.city, country: values.country, email: values.email, phone: values.phone, currentPassword: rawStr(b, 'current_password') },
          clientMeta(request),
        );
        const t = tr(await pageContext(request, reply));
        if (!result.ok) return showPanel(request, reply, 'organisation', { editing: { panel: 'organisation', values, errors: fieldErrors(request.locale, result.errors) } }, 422);
        if (!isHtmx(request)) return reply.redirect(`/compte?onglet=personne-morale&ok=${result.pendingEmail ? 'courriel' : '1'}`, 303);
        return showPanel(request, reply, 'organisation', { notice: result.pendingEmail ? t('emailPending', { email: result.pendingEmail }) : t('saved') });
      });

      portal.post('/compte/mot-de-passe', async (request, reply) => {
        const result = await accounts.changePassword(
          request.currentUser!,
          { current: rawStr(request.body, 'current'), password: rawStr(request.body, 'password'), confirm: rawStr(request.body, 'password_confirm') },
          clientMeta(request),
        );
        if (!result.ok) {
          const t = tr(await pageContext(request, reply));
          return showAccount(request, reply, { tab: 'personne', passwordErrors: fieldErrors(request.locale, result.errors) }, 422);
        }
        setSession(reply, result.sessionToken);
        return reply.redirect('/compte?onglet=personne&ok=mot-de-passe', 303);
      });
    });
  };
}
