import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import { DAY } from '../../platform/clock.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError } from '../../web/errors.ts';
import { idParam, queryOf, pageParam } from '../../web/params.ts';
import { str } from '../../web/forms.ts';
import { clientMeta, requireOperator } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { isAuditAction } from './backoffice.messages.ts';
import { dashboardPage, tr } from './backoffice.views.ts';
import { customerPage, customersPage } from './customers.views.ts';
import { journalPage } from './journal.views.ts';
import { mailListPage, mailMessagePage } from './mail.views.ts';
import { moneyRoutes } from './money.routes.ts';
import { settingsRoutes } from './settings.routes.ts';
import { plansRoutes } from './plans.routes.ts';
import { instancesRoutes } from './instances.routes.ts';
import { diamantBackofficeRoutes } from './diamant.routes.ts';
import { sessionsRoutes } from './sessions.routes.ts';
import { blankQuoteForm, supportRequestPage, supportRequestsPage, type SupportQuoteRow } from './support.views.ts';
import { fieldErrorTexts } from '../../errors/app-error.ts';
import type { SupportQuoteForm } from '../support/support.service.ts';
import { QUOTE_ROWS } from '../support/support.service.ts';
import { issueSupportQuote } from '../support/use-cases/issue-support-quote.ts';
import { acceptedQuoteOf } from '../support/accepted-quote.ts';
import { hoursDone, plannedHours } from '../support/support-sessions.service.ts';
import { mt } from './money.messages.ts';
import { confirmed, confirmPage } from '../../web/confirm.ts';
import { st } from './sessions.messages.ts';
import type { FieldErrors } from '../../web/forms.ts';

export const PAGE_SIZE = 25;
const DETAIL_LIMIT = 50;

/** The CSP of a mail's HTML part served alone: no script, no network, no form, not framable. */
export const MAIL_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox";

/** The operator's back office (operator role only). */
export function backofficeRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { accounts, audit, mail, support } = c.services;
  const outboxMode = () => mail.transportKind === 'outbox';

  return async (app) => {
    app.addHook('preHandler', requireOperator);
    await app.register(moneyRoutes(c, pageContext));
    await app.register(settingsRoutes(c, pageContext));
    await app.register(plansRoutes(c, pageContext));
    await app.register(instancesRoutes(c, pageContext));
    await app.register(diamantBackofficeRoutes(c, pageContext));
    await app.register(sessionsRoutes(c, pageContext));

    app.get('/backoffice', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const [people, mails] = await Promise.all([accounts.countCustomers(new Date(c.clock.now().getTime() - 7 * DAY)), mail.pendingAndFailed()]);
      const counts = { ...people, mailPending: mails.pending, mailFailed: mails.failed, diamantRequested: (await c.services.orders.requestedOrders()).length };
      const welcome = queryOf(request).bienvenue === '1';
      return sendHtml(reply, dashboardPage(ctx, { counts, welcome, outboxMode: outboxMode() }));
    });

    // --- customers -------------------------------------------------------------------------
    app.get('/backoffice/clients', async (request, reply) => {
      const q = str(request.query, 'q', 200);
      const page = pageParam(request);
      const rows = await accounts.searchCustomers({ q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
      const total = Number(rows[0]?.total ?? 0);
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const ctx = await pageContext(request, reply);
      const info = { page, hasNext: rows.length > 0 && page < pages, pages: rows.length > 0 ? pages : undefined };
      return sendHtml(reply, customersPage(ctx, { rows, q, total, page: info }));
    });

    app.get('/backoffice/clients/:id', async (request, reply) => {
      const id = idParam(request);
      const account = await accounts.getAccount(id);
      if (!account || account.user.role !== 'customer') throw new AppError('not_found');
      const [entries, mails] = await Promise.all([
        audit.list({ limit: DETAIL_LIMIT, offset: 0, subjectUserId: id }),
        mail.list({ limit: DETAIL_LIMIT, offset: 0, userId: id }),
      ]);
      const auditCustomers = await accounts.customerIds(entries.flatMap((e) => (e.actor_user_id === null ? [] : [e.actor_user_id])));
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, customerPage(ctx, { ...account, audit: entries, auditCustomers, mails }));
    });

    // --- mail outbox -----------------------------------------------------------------------
    app.get('/backoffice/courriels', async (request, reply) => {
      const q = str(request.query, 'q', 200);
      const page = pageParam(request);
      const rows = await mail.list({ q, limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
      const ctx = await pageContext(request, reply);
      const info = { page, hasNext: rows.length > PAGE_SIZE };
      return sendHtml(reply, mailListPage(ctx, { rows: rows.slice(0, PAGE_SIZE), q, page: info, outboxMode: outboxMode() }));
    });

    app.get('/backoffice/courriels/:id', async (request, reply) => {
      const message = await mail.find(idParam(request));
      if (!message) throw new AppError('not_found');
      const userIsCustomer = message.user_id !== null && (await accounts.customerIds([message.user_id])).has(message.user_id);
      const flag = queryOf(request).renvoye;
      const retried = flag === '1' ? true : flag === '0' ? false : undefined;
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, mailMessagePage(ctx, message, { retried, userIsCustomer, canReveal: mail.canReveal(message) }));
    });

    /** Outbox mode only: the message with its link, to pass it on by hand; recorded in the audit log. */
    app.post('/backoffice/courriels/:id/lien', async (request, reply) => {
      const id = idParam(request);
      const masked = await mail.find(id);
      if (!masked) throw new AppError('not_found');
      const revealed = await mail.revealLinks(id, { actorUserId: request.currentUser!.id, ip: clientMeta(request).ip });
      const userIsCustomer = masked.user_id !== null && (await accounts.customerIds([masked.user_id])).has(masked.user_id);
      const ctx = await pageContext(request, reply);
      if (!revealed) return sendHtml(reply, mailMessagePage(ctx, masked, { userIsCustomer, revealRefused: true }), 409);
      return sendHtml(reply, mailMessagePage(ctx, revealed, { userIsCustomer, revealed: true }));
    });

    /** The HTML part alone, for a full view: a locked-down document of its own. */
    app.get('/backoffice/courriels/:id/html', async (request, reply) => {
      const message = await mail.find(idParam(request));
      if (!message) throw new AppError('not_found');
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', MAIL_HTML_CSP)
        .header('cache-control', 'no-store')
        .send(message.html_body);
    });

    app.post('/backoffice/courriels/:id/renvoyer', async (request, reply) => {
      const id = idParam(request);
      if (!(await mail.find(id))) throw new AppError('not_found');
      const ok = await mail.retry(id, { actorUserId: request.currentUser!.id, ip: clientMeta(request).ip });
      return reply.redirect(`/backoffice/courriels/${id}?renvoye=${ok ? '1' : '0'}`, 303);
    });

    // --- accompaniment requests ("Demande information") ------------------------------------
    app.get('/backoffice/demandes', async (request, reply) => {
      const page = pageParam(request);
      const rows = await support.list({ limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
      const ctx = await pageContext(request, reply);
      const feedUrl = `${c.urls.portal()}/agenda/${await c.services.settings.calendarFeedToken()}.ics`;
      return sendHtml(reply, supportRequestsPage(ctx, { rows: rows.slice(0, PAGE_SIZE), page: { page, hasNext: rows.length > PAGE_SIZE }, feedUrl, feedRevoked: queryOf(request).revoque === '1' }));
    });

    /** "Révoquer": the calendar feed gets a new secret; the old address is not found any more. */
    app.post('/backoffice/agenda/revoquer', async (request, reply) => {
      if (!confirmed(request.body)) {
        const ctx = await pageContext(request, reply);
        const s = st(ctx);
        return sendHtml(reply, confirmPage(ctx, { question: s('feedRevokeConfirm'), action: '/backoffice/agenda/revoquer', confirmLabel: s('feedRevoke'), backHref: '/backoffice/demandes#agenda' }));
      }
      await c.services.settings.rotateCalendarFeedToken();
      await audit.record({ action: 'support.calendar_feed_revoked', actorUserId: request.currentUser!.id, ip: clientMeta(request).ip, at: c.clock.now(), details: {} });
      return reply.redirect('/backoffice/demandes?revoque=1#agenda', 303);
    });

    async function showRequest(request: FastifyRequest, reply: FastifyReply, id: number, form?: { values: SupportQuoteForm; errors: FieldErrors }, status = 200) {
      const found = await support.get(id);
      if (!found) throw new AppError('not_found');
      const ctx = await pageContext(request, reply);
      const billingSettings = await c.services.settings.billing();
      const quotes: SupportQuoteRow[] = [];
      for (const q of await support.quotesOf(id)) {
        const doc = await c.services.billing.findDocument({ id: q.document_id });
        quotes.push({ ...q, state: doc ? mt(ctx)(`state_${await c.services.billing.stateOf(doc)}`) : '' });
      }
      const issued = queryOf(request).devis;
      const replaced = queryOf(request).remplace;
      const t = tr(ctx);
      const note =
        typeof issued === 'string' && quotes.some((q) => q.number === issued)
          ? typeof replaced === 'string' && quotes.some((q) => q.number === replaced)
            ? t('supportQuoteIssuedReplacing', { number: issued, replaced })
            : t('supportQuoteIssued', { number: issued })
          : undefined;
      const accepted = await acceptedQuoteOf(c.services, id);
      const sessions = accepted ? await c.services.supportSessions.forQuotes([accepted.doc.id]) : [];
      const planning = accepted ? { quoted: accepted.hours, done: hoursDone(sessions), planned: plannedHours(sessions) } : null;
      return sendHtml(reply, supportRequestPage(ctx, found, { planning, quotes, form: { values: form?.values ?? blankQuoteForm(billingSettings), errors: form?.errors ?? {}, billing: billingSettings }, ...(note ? { notice: note } : {}) }), status);
    }

    app.get('/backoffice/demandes/:id', async (request, reply) => showRequest(request, reply, idParam(request)));

    app.post('/backoffice/demandes/:id/devis', { config: { multilineFields: ['note'] } }, async (request, reply) => {
      const id = idParam(request);
      const b = request.body;
      const rows = Array.from({ length: QUOTE_ROWS }, (_, i) => i);
      const values: SupportQuoteForm = {
        sessions: rows.map((i) => ({ label: str(b, `session_label_${i}`, 201), hours: str(b, `session_hours_${i}`, 20) })),
        extras: rows.map((i) => ({ category: str(b, `extra_category_${i}`, 20), label: str(b, `extra_label_${i}`, 201), amount: str(b, `extra_amount_${i}`, 20) })),
        note: str(b, 'note', 2001),
        validityDays: str(b, 'validity', 10),
        invoicing: str(b, 'invoicing', 20),
        depositPercent: str(b, 'deposit', 10),
      };
      const parsed = support.parseQuote(values);
      const ctx = await pageContext(request, reply);
      if (!parsed.ok) return showRequest(request, reply, id, { values, errors: fieldErrorTexts(parsed.errors, ctx.locale) }, 422);
      const issued = await issueSupportQuote(c.deps, id, parsed.input, { operatorId: request.currentUser!.id, ip: clientMeta(request).ip });
      const query = new URLSearchParams({ devis: issued.number, ...(issued.replaced ? { remplace: issued.replaced } : {}) });
      return reply.redirect(`/backoffice/demandes/${id}?${query.toString()}#devis`, 303);
    });

    // --- audit log -------------------------------------------------------------------------
    app.get('/backoffice/journal', async (request, reply) => {
      const wanted = queryOf(request).action;
      const action = isAuditAction(wanted) ? wanted : '';
      const page = pageParam(request);
      const rows = await audit.list({ limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE, ...(action ? { action } : {}) });
      const shown = rows.slice(0, PAGE_SIZE);
      const ids = shown.flatMap((r) => [r.actor_user_id, r.subject_user_id]).filter((v): v is number => v !== null);
      const customers = await accounts.customerIds(ids);
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, journalPage(ctx, { rows: shown, customers, action, page: { page, hasNext: rows.length > PAGE_SIZE } }));
    });
  };
}
