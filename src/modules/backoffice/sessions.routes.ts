import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import { errorText, fieldErrorTexts } from '../../errors/app-error.ts';
import type { SupportSession } from '../../platform/db/schema.ts';
import { confirmed, confirmPage } from '../../web/confirm.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError } from '../../web/errors.ts';
import { str, type FieldErrors } from '../../web/forms.ts';
import { clientMeta } from '../../web/guards.ts';
import { idParam, queryOf } from '../../web/params.ts';
import { sendHtml } from '../../web/pages.ts';
import { acceptedQuoteOf } from '../support/accepted-quote.ts';
import { sessionWhen } from '../support/session-time.ts';
import { DETAILS_MAX, hoursDone, plannedHours, TOPIC_MAX, type SessionForm } from '../support/support-sessions.service.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import { cancelSession } from '../support/use-cases/cancel-session.ts';
import { completeSession } from '../support/use-cases/complete-session.ts';
import { moveSession } from '../support/use-cases/move-session.ts';
import { planSession } from '../support/use-cases/plan-session.ts';
import { hoursText, planningPage, sessionPage, type InvoicingData } from './sessions.views.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { depositCents, extraLinesOf } from '../support/support.pricing.ts';
import { invoiceAccompaniment } from '../support/use-cases/invoice-accompaniment.ts';
import { amountDueOf } from '../billing/billing.service.ts';
import { st } from './sessions.messages.ts';

const NOTICES = ['planned', 'moved', 'cancelled', 'done'] as const;
const NUMBER = /^[A-Z]{2,6}-\d{4}-\d{4,}$/;
/** Real amounts typed for a quote's extra costs: a quote has a handful of lines. */
const EXTRAS_MAX = 50;
type Notice = (typeof NOTICES)[number];

function readForm(body: unknown): SessionForm {
  return {
    topic: str(body, 'topic', TOPIC_MAX + 1),
    date: str(body, 'date', 20),
    time: str(body, 'time', 10),
    duration: str(body, 'duration', 10),
    format: str(body, 'format', 30),
    details: str(body, 'details', DETAILS_MAX + 1),
    participants: str(body, 'participants', 5001),
  };
}

function formOf(s: SupportSession): SessionForm {
  const [date, time] = s.starts_local.split('T') as [string, string];
  return { topic: s.topic, date, time, duration: String(s.duration_minutes), format: s.format, details: s.details, participants: s.participants.join(', ') };
}

/** The planning of accompaniment sessions (operator only: registered under the back office's guard). */
export function sessionsRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { support, supportSessions, billing, accounts, payments } = c.services;

  /** The invoicing section of an accepted quote: its mode, its deposit, its final invoice, the form. */
  async function invoicingOf(quote: NonNullable<Awaited<ReturnType<typeof acceptedQuoteOf>>>, sessions: SupportSession[], form?: { values: string[]; errors: FieldErrors; message?: InvoicingData['message'] }): Promise<InvoicingData> {
    const invoices = await support.invoicesOf([quote.doc.id]);
    const deposit = invoices.find((i) => i.kind === 'deposit');
    const finalRow = invoices.find((i) => i.kind === 'final');
    const finalDoc = finalRow ? await billing.findDocument({ id: finalRow.document_id }) : undefined;
    const content = quote.doc.content as BillingDocument;
    return {
      mode: quote.invoicing,
      percent: quote.depositPercent,
      depositCents: depositCents(quote.doc.gross_cents, quote.depositPercent),
      deposit: deposit ? { number: deposit.number, date: String(deposit.issue_date), grossCents: Number(deposit.gross_cents) } : null,
      receivedCents: await payments.paidCents(quote.doc.id),
      final: finalDoc ? { number: finalDoc.number, date: String(finalDoc.issue_date), dueCents: amountDueOf(finalDoc) ?? 0, dueDate: finalDoc.due_date ? String(finalDoc.due_date) : null, paid: (await billing.stateOf(finalDoc)) === 'paid' } : null,
      extras: extraLinesOf(content.lines).map((l) => ({ label: l.label, quotedCents: l.netCents })),
      values: form?.values ?? [],
      errors: form?.errors ?? {},
      pending: sessions.filter((x) => x.state === 'planned').length,
      vat: !content.vatFranchise,
      message: form?.message,
    };
  }

  function noticeOf(request: FastifyRequest): Notice | undefined {
    const n = queryOf(request).fait;
    return NOTICES.find((x) => x === n);
  }

  async function blankForm(requestId: number): Promise<SessionForm> {
    const request = await support.get(requestId);
    const account = request?.user_id ? await accounts.getAccount(request.user_id) : undefined;
    const participants = account ? customerRecipients(account.user, account.organisation) : request ? [request.email] : [];
    return { topic: '', date: '', time: '10:00', duration: '120', format: request?.format ?? 'remote_presentation', details: '', participants: participants.join(', ') };
  }

  async function showPlanning(request: FastifyRequest, reply: FastifyReply, requestId: number, form?: { values: SessionForm; errors: FieldErrors; overlaps: SupportSession[] }, status = 200, invoiceForm?: { values: string[]; errors: FieldErrors; message?: InvoicingData['message'] }) {
    if (!(await support.get(requestId))) throw new AppError('not_found');
    const quote = await acceptedQuoteOf(c.services, requestId);
    const sessions = quote ? await supportSessions.forQuotes([quote.doc.id]) : [];
    const ctx = await pageContext(request, reply);
    const n = noticeOf(request);
    const t = st(ctx);
    const q = queryOf(request);
    const invoicedNumber = typeof q.facture === 'string' && NUMBER.test(q.facture) ? q.facture : null;
    const message = invoiceForm?.message ?? (invoicedNumber ? { kind: 'success' as const, text: t(q.deja === '1' ? 'alreadyInvoiced' : 'invoiced', { number: invoicedNumber }) } : undefined);
    return sendHtml(
      reply,
      planningPage(ctx, {
        requestId,
        quote: quote ? { number: quote.number, hours: quote.hours } : null,
        invoicing: quote ? await invoicingOf(quote, sessions, { values: invoiceForm?.values ?? [], errors: invoiceForm?.errors ?? {}, message }) : null,
        warning: !quote && message?.kind === 'warning' ? message.text : undefined,
        sessions,
        hoursDone: hoursDone(sessions),
        hoursPlanned: plannedHours(sessions),
        form: form ?? { values: await blankForm(requestId), errors: {}, overlaps: [] },
        notice: n ? st(ctx)(n) : undefined,
      }),
      status,
    );
  }

  /** The session, if it belongs to this request's quotes. */
  async function sessionOf(requestId: number, sessionId: number): Promise<SupportSession> {
    const s = await supportSessions.get(sessionId);
    const quotes = await support.quotesOf(requestId);
    if (!s || !quotes.some((q) => q.document_id === s.quote_id)) throw new AppError('not_found');
    return s;
  }

  async function showSession(request: FastifyRequest, reply: FastifyReply, requestId: number, s: SupportSession, over: { move?: { values: SessionForm; errors: FieldErrors; overlaps: SupportSession[] }; hours?: { value: string; error?: string } } = {}, status = 200) {
    const ctx = await pageContext(request, reply);
    const n = noticeOf(request);
    return sendHtml(
      reply,
      sessionPage(ctx, {
        requestId,
        session: s,
        move: over.move ?? { values: formOf(s), errors: {}, overlaps: [] },
        hours: over.hours ?? { value: hoursText(s.duration_minutes / 60).replace(' h', '') },
        notice: n ? st(ctx)(n) : undefined,
      }),
      status,
    );
  }

  const by = (request: FastifyRequest) => ({ operatorId: request.currentUser!.id, ip: clientMeta(request).ip, confirmOverlap: str(request.body, 'confirm_warnings', 1) === '1' });

  return async (app) => {
    app.get('/backoffice/demandes/:id/seances', async (request, reply) => showPlanning(request, reply, idParam(request)));

    app.post('/backoffice/demandes/:id/seances', { config: { multilineFields: ['details', 'participants'] } }, async (request, reply) => {
      const requestId = idParam(request);
      const values = readForm(request.body);
      const result = await planSession(c.deps, requestId, values, by(request));
      if (result.ok) return reply.redirect(`/backoffice/demandes/${requestId}/seances?fait=planned`, 303);
      const ctx = await pageContext(request, reply);
      if ('overlaps' in result) return showPlanning(request, reply, requestId, { values, errors: {}, overlaps: result.overlaps }, 422);
      return showPlanning(request, reply, requestId, { values, errors: fieldErrorTexts(result.errors, ctx.locale, 'operator'), overlaps: [] }, 422);
    });

    // "Facturer l'accompagnement": the final invoice, once (asks first, without JavaScript on a page of its own).
    app.post('/backoffice/demandes/:id/facturer', async (request, reply) => {
      const requestId = idParam(request);
      const values: string[] = [];
      for (let i = 0; i < EXTRAS_MAX; i++) {
        const v = str(request.body, `real_${i}`, 20);
        if (v === '' && (request.body as Record<string, unknown> | undefined)?.[`real_${i}`] === undefined) break;
        values.push(v);
      }
      const ctx = await pageContext(request, reply);
      const t = st(ctx);
      if (!confirmed(request.body)) {
        return sendHtml(reply, confirmPage(ctx, { question: t('invoiceConfirm'), action: `/backoffice/demandes/${requestId}/facturer`, fields: Object.fromEntries(values.map((v, i) => [`real_${i}`, v])), confirmLabel: t('invoiceSubmit'), backHref: `/backoffice/demandes/${requestId}/seances` }));
      }
      try {
        const result = await invoiceAccompaniment(c.deps, requestId, values, by(request));
        if (!result.ok) return showPlanning(request, reply, requestId, undefined, 422, { values, errors: fieldErrorTexts(result.errors, ctx.locale, 'operator') });
        return reply.redirect(`/backoffice/demandes/${requestId}/seances?facture=${encodeURIComponent(result.number)}${result.created ? '' : '&deja=1'}#facturation`, 303);
      } catch (err) {
        if (err instanceof AppError && err.code !== 'not_found' && err.status === 409) {
          return showPlanning(request, reply, requestId, undefined, 409, { values, errors: {}, message: { kind: 'warning', text: errorText(err, ctx.locale, 'operator') } });
        }
        throw err;
      }
    });

    app.get('/backoffice/demandes/:id/seances/:sid', async (request, reply) => {
      const requestId = idParam(request);
      return showSession(request, reply, requestId, await sessionOf(requestId, idParam(request, 'sid')));
    });

    app.post('/backoffice/demandes/:id/seances/:sid', { config: { multilineFields: ['details', 'participants'] } }, async (request, reply) => {
      const requestId = idParam(request);
      const s = await sessionOf(requestId, idParam(request, 'sid'));
      const values = readForm(request.body);
      const result = await moveSession(c.deps, s.id, values, by(request));
      if (result.ok) return reply.redirect(`/backoffice/demandes/${requestId}/seances/${s.id}?fait=moved`, 303);
      const ctx = await pageContext(request, reply);
      if ('overlaps' in result) return showSession(request, reply, requestId, s, { move: { values, errors: {}, overlaps: result.overlaps } }, 422);
      return showSession(request, reply, requestId, s, { move: { values, errors: fieldErrorTexts(result.errors, ctx.locale, 'operator'), overlaps: [] } }, 422);
    });

    app.post('/backoffice/demandes/:id/seances/:sid/realisee', async (request, reply) => {
      const requestId = idParam(request);
      const s = await sessionOf(requestId, idParam(request, 'sid'));
      const value = str(request.body, 'hours', 10);
      const result = await completeSession(c.deps, s.id, value, by(request));
      if (result.ok) return reply.redirect(`/backoffice/demandes/${requestId}/seances?fait=done`, 303);
      const ctx = await pageContext(request, reply);
      return showSession(request, reply, requestId, s, { hours: { value, error: fieldErrorTexts(result.errors, ctx.locale, 'operator').hours! } }, 422);
    });

    app.post('/backoffice/demandes/:id/seances/:sid/annuler', async (request, reply) => {
      const requestId = idParam(request);
      const s = await sessionOf(requestId, idParam(request, 'sid'));
      if (!confirmed(request.body)) {
        const ctx = await pageContext(request, reply);
        const t = st(ctx);
        return sendHtml(reply, confirmPage(ctx, { question: t('cancelConfirm', { when: sessionWhen(new Date(s.starts_at), ctx.locale, s.tz) }), action: `/backoffice/demandes/${requestId}/seances/${s.id}/annuler`, confirmLabel: t('cancelSubmit'), backHref: `/backoffice/demandes/${requestId}/seances/${s.id}` }));
      }
      await cancelSession(c.deps, s.id, by(request));
      return reply.redirect(`/backoffice/demandes/${requestId}/seances?fait=cancelled`, 303);
    });
  };
}
