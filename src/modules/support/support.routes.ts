import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import { fieldErrorTexts } from '../../errors/app-error.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { FEATURES } from '../../web/features.ts';
import { str, type FieldErrors } from '../../web/forms.ts';
import { clientMeta } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { SUPPORT_LIMITS, type SupportRequestInput } from './support.service.ts';
import { supportFormPage, supportSentPage } from './support.views.ts';
import { submitSupportRequest } from './use-cases/submit-support-request.ts';
import { answerSupportQuote, MESSAGE_MAX, SIGNER_MAX } from './use-cases/answer-support-quote.ts';
import { answerPage } from './answer.views.ts';
import { depositCents } from './support.pricing.ts';
import { AppError, errorText } from '../../errors/app-error.ts';
import { requireSignedIn } from '../../web/guards.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { customerSessionsPage } from './sessions-page.views.ts';
import { sessionsFeed } from './session-notices.ts';
import { hoursDone } from './support-sessions.service.ts';

/** Per address: a person sends a request or two; a robot many. */
const LIMIT = { max: 5, timeWindow: '1 hour' };
/** A field longer than this is refused as too long (not cut): read a little more than the limit. */
const READ_MARGIN = 1;

/** "Demande information": the public accompaniment request form. */
export function supportRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { support, instances, accounts } = c.services;

  function read(body: unknown): SupportRequestInput {
    const r = (name: keyof SupportRequestInput, max: number) => str(body, name, max + READ_MARGIN);
    return {
      subject: r('subject', 20),
      organisation: r('organisation', SUPPORT_LIMITS.organisation),
      contact: r('contact', SUPPORT_LIMITS.contact),
      email: r('email', SUPPORT_LIMITS.email),
      phone: r('phone', SUPPORT_LIMITS.phone),
      instance_name: r('instance_name', SUPPORT_LIMITS.instance_name).toLowerCase(),
      difficulties: r('difficulties', SUPPORT_LIMITS.difficulties),
      expectations: r('expectations', SUPPORT_LIMITS.expectations),
      format: r('format', 30),
      availability: r('availability', SUPPORT_LIMITS.availability),
    };
  }

  async function prefill(request: FastifyRequest): Promise<SupportRequestInput> {
    const user = request.currentUser;
    const blank = { subject: 'support', organisation: '', contact: '', email: '', phone: '', instance_name: '', difficulties: '', expectations: '', format: '', availability: '' };
    if (user?.role !== 'customer') return blank;
    const account = await accounts.getAccount(user.id);
    return { ...blank, organisation: account?.organisation?.name ?? '', contact: user.name, email: user.email, phone: account?.organisation?.phone ?? '' };
  }

  async function customerInstances(request: FastifyRequest): Promise<string[] | null> {
    const user = request.currentUser;
    if (user?.role !== 'customer') return null;
    return (await instances.listForUser(user.id)).filter((i) => i.state !== 'deleted').map((i) => i.name);
  }

  async function showForm(request: FastifyRequest, reply: FastifyReply, values: SupportRequestInput, errors: FieldErrors, status = 200) {
    const ctx = await pageContext(request, reply);
    const user = request.currentUser;
    return sendHtml(reply, supportFormPage(ctx, { values, errors, stamp: support.formStamp(), instances: await customerInstances(request), signedIn: user?.role === 'customer' }), status);
  }

  const NUMBER = /^[A-Z]{2,6}-\d{4}-\d{4,}$/;

  async function showAnswer(request: FastifyRequest, reply: FastifyReply, values: { signer: string; message: string }, errors: FieldErrors, status = 200) {
    const number = (request.params as { number: string }).number;
    const user = request.currentUser!;
    const doc = NUMBER.test(number) ? await c.services.billing.findDocument({ number }) : undefined;
    // Someone else's quote, or a hosting quote: not found (nothing says it exists).
    if (!doc || doc.kind !== 'quote' || doc.order_id !== null || doc.user_id !== user.id) throw new AppError('not_found');
    const ctx = await pageContext(request, reply);
    const state = await c.services.billing.stateOf(doc);
    const decision = await c.services.billing.decisionOf(doc.id);
    const closedWhy = state === 'expired' ? errorText('quote_expired_answer', ctx.locale) : state === 'cancelled' ? errorText('quote_replaced_answer', ctx.locale) : null;
    // Accepted "with a deposit": the deposit asked and how to pay it, until its invoice is issued.
    const sq = decision?.decision === 'accepted' && state === 'accepted' ? await c.services.support.quote(doc.id) : undefined;
    const depositInvoice = sq?.invoicing === 'deposit' ? (await c.services.support.invoicesOf([doc.id])).find((i) => i.kind === 'deposit') : undefined;
    const deposit =
      sq?.invoicing === 'deposit'
        ? { percent: sq.deposit_percent, amountCents: depositCents(doc.gross_cents, sq.deposit_percent), reference: doc.number, invoiceNumber: depositInvoice?.number ?? null, payTo: await c.services.settings.operatorIdentity() }
        : null;
    return sendHtml(reply, answerPage(ctx, { quote: doc.content as BillingDocument, decision, closedWhy, values, errors, deposit }), status);
  }

  return async (app) => {
    // The operator's private calendar feed of sessions: its secret in the address, no cookie (a
    // calendar application fetches it); a revoked or wrong secret is not found.
    app.get('/agenda/:token', { config: { reach: 'machine' } }, async (request, reply) => {
      const token = String((request.params as { token: string }).token).replace(/\.ics$/, '');
      if (!(await c.services.settings.isCalendarFeedToken(token))) throw new AppError('not_found');
      const ics = sessionsFeed(await c.services.supportSessions.all(), { identity: await c.services.settings.operatorIdentity(), stamp: c.clock.now(), portalUrl: c.urls.portal() });
      return reply.header('content-type', 'text/calendar; charset=utf-8').header('cache-control', 'no-store').header('x-robots-tag', 'noindex').send(ics);
    });

    // "Vos séances": the signed-in customer's own sessions, through the quotes made out to them.
    app.get('/seances', { preHandler: requireSignedIn }, async (request, reply) => {
      const user = request.currentUser!;
      const [quotes, sessions] = await Promise.all([support.quotesOfUser(user.id), c.services.supportSessions.forUser(user.id)]);
      const withSessions = quotes.filter((q) => sessions.some((s) => s.quote_id === q.document_id));
      const finals = new Map((await support.invoicesOf(withSessions.map((q) => q.document_id))).filter((i) => i.kind === 'final').map((i) => [i.quote_id, i.number]));
      const ctx = await pageContext(request, reply);
      return sendHtml(
        reply,
        customerSessionsPage(ctx, {
          quotes: withSessions.map((q) => ({ number: q.number, hoursQuoted: Number(q.hours), hoursDone: hoursDone(sessions.filter((s) => s.quote_id === q.document_id)), finalInvoice: finals.get(q.document_id) ?? null })),
          sessions,
          now: c.clock.now(),
        }),
      );
    });

    // The answer to an accompaniment quote: its customer only.
    app.get('/accompagnement/devis/:number', { preHandler: requireSignedIn }, async (request, reply) => showAnswer(request, reply, { signer: request.currentUser!.name, message: '' }, {}));

    app.post('/accompagnement/devis/:number', { preHandler: requireSignedIn, config: { multilineFields: ['message'] } }, async (request, reply) => {
      const number = (request.params as { number: string }).number;
      if (!NUMBER.test(number)) throw new AppError('not_found');
      const b = request.body;
      const values = { signer: str(b, 'signer', SIGNER_MAX + 1), message: str(b, 'message', MESSAGE_MAX + 1) };
      const decision = str(b, 'decision', 20) === 'refused' ? 'refused' : 'accepted';
      const result = await answerSupportQuote(c.deps, request.currentUser!, number, { decision, signerName: values.signer, agreed: str(b, 'agree', 5) === '1', message: values.message }, clientMeta(request).ip);
      const ctx = await pageContext(request, reply);
      if (!result.ok) return showAnswer(request, reply, values, fieldErrorTexts(result.errors, ctx.locale), 422);
      return reply.redirect(`/accompagnement/devis/${number}`, 303);
    });

    // Until the form is switched on, nothing of it is served (a text never promises it either).
    if (!FEATURES.supportForm) return;

    app.get('/demande-information', async (request, reply) => showForm(request, reply, await prefill(request), {}));

    app.post('/demande-information', { config: { rateLimit: LIMIT, multilineFields: ['difficulties', 'expectations', 'availability'] } }, async (request, reply) => {
      const values = read(request.body);
      const ctx = await pageContext(request, reply);
      // The honeypot: a field people do not see. A robot that fills it is thanked, and nothing is kept.
      if (str(request.body, 'site_web', 200) !== '') {
        request.log.info({ ip: request.clientIp }, 'support request dropped: honeypot filled');
        return sendHtml(reply, supportSentPage(ctx, values.email));
      }
      const stamp = support.checkStamp(str(request.body, 'stamp', 200));
      if (stamp !== 'ok') {
        const code = stamp === 'too_fast' ? 'support_too_fast' : 'support_form_stale';
        return showForm(request, reply, values, fieldErrorTexts({ form: code }, ctx.locale), 422);
      }
      const user = request.currentUser;
      const userId = user?.role === 'customer' ? user.id : null;
      // A customer chooses among their own instances: another name is not one of the list.
      if (userId !== null && values.instance_name && !(await customerInstances(request))?.includes(values.instance_name)) {
        return showForm(request, reply, values, fieldErrorTexts({ instance_name: 'support_choice_required' }, ctx.locale), 422);
      }
      const result = await submitSupportRequest(c.deps, values, { userId, ip: clientMeta(request).ip });
      if (!result.ok) return showForm(request, reply, values, fieldErrorTexts(result.errors, ctx.locale), 422);
      return sendHtml(reply, supportSentPage(ctx, values.email));
    });
  };
}
