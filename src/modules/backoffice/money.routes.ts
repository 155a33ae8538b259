import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import { frenchDate, isCalendarDate } from '../../platform/dates.ts';
import type { DocumentRow, OrderStatus } from '../../platform/db/schema.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError, errorText } from '../../errors/app-error.ts';
import { queryOf, pageParam } from '../../web/params.ts';
import { str, type FieldErrors } from '../../web/forms.ts';
import { clientMeta, requireOperator } from '../../web/guards.ts';
import { formatMoney } from '../../web/i18n.ts';
import { sendHtml } from '../../web/pages.ts';
import { confirmed, confirmPage } from '../../web/confirm.ts';
import { amountDueOf } from '../billing/billing.service.ts';
import { documentState } from '../billing/document-state.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { issueCreditNote } from '../billing/use-cases/issue-credit-note.ts';
import { cancelOrder } from '../orders/use-cases/cancel-order.ts';
import { reissueQuote } from '../orders/use-cases/reissue-quote.ts';
import { balanceOf, type PaymentError } from '../payments/payments.service.ts';
import { cancelPayment } from '../payments/use-cases/cancel-payment.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';
import { documentPage, type CreditFormValues, type DocumentPageData, type PaymentFormValues } from './document.views.ts';
import { DOCUMENT_KINDS, documentsPage, ORDER_STATUSES, ordersPage } from './documents.views.ts';
import { mt } from './money.messages.ts';
import { parseEuros } from './money.validation.ts';

const PAGE_SIZE = 25;
const NUMBER = /^[A-Z]{2,6}-\d{4}-\d{4,}$/;
const OPEN_ORDER: readonly OrderStatus[] = ['validated', 'expired'];

/** Service errors that belong to one field; the others (quote state, duplicate) are shown above the form. */
const PAYMENT_ERROR_FIELD: Partial<Record<PaymentError | 'received_before_quote', keyof PaymentFormValues>> = {
  amount_invalid: 'amount',
  received_date_invalid: 'received_on',
  manual_method_invalid: 'method',
  cheque_number_required: 'reference',
  received_before_quote: 'received_on',
};

/** An amount as the operator types it: 22,49 (fr) or 22.49 (en). */
function eurosText(cents: number, locale: 'fr' | 'en'): string {
  const text = (cents / 100).toFixed(2);
  return locale === 'fr' ? text.replace('.', ',') : text;
}

type Notice = DocumentPageData['notices'][number];
interface Extra {
  notices?: Notice[];
  payment?: DocumentPageData['payment'];
  credit?: { values: CreditFormValues; errors: FieldErrors };
}

function numberParam(request: FastifyRequest): string {
  const raw = (request.params as Record<string, unknown>).number;
  if (typeof raw !== 'string' || !NUMBER.test(raw)) throw new AppError('not_found');
  return raw;
}

/** The operator's money pages: orders, documents, manual payments, quote reissue/cancel, credit notes. */
export function moneyRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { accounts, billing, orders, payments, settings } = c.services;

  async function loadDocument(request: FastifyRequest, kind?: DocumentRow['kind']): Promise<DocumentRow> {
    const doc = await billing.findDocument({ number: numberParam(request) });
    if (!doc || (kind && doc.kind !== kind)) throw new AppError('not_found');
    return doc;
  }

  /** A document that takes payments: a quote, or an accompaniment's final invoice (issued unpaid). */
  async function loadPayable(request: FastifyRequest): Promise<DocumentRow> {
    const doc = await loadDocument(request);
    if (doc.kind !== 'quote' && (doc.order_id !== null || amountDueOf(doc) === null)) throw new AppError('not_found');
    return doc;
  }

  /** What a quote allows: reissue (lapsed or cancelled, order still open) and cancel (unpaid, order open). */
  async function quoteFacts(doc: DocumentRow) {
    const state = await billing.stateOf(doc);
    const order = doc.order_id === null ? null : ((await orders.find(doc.order_id)) ?? null);
    const latest = order ? await billing.latestQuoteForOrder(order.id) : undefined;
    const isLatest = latest?.id === doc.id;
    const open = order !== null && OPEN_ORDER.includes(order.status);
    return {
      state,
      order,
      replacedBy: latest && !isLatest ? latest.number : null,
      canReissue: isLatest && open && order?.kind === 'hosting' && (state === 'expired' || state === 'cancelled'),
      canCancel: isLatest && open && (state === 'to_pay' || state === 'expired'),
    };
  }

  async function showDocument(request: FastifyRequest, reply: FastifyReply, doc: DocumentRow, extra: Extra = {}, status = 200) {
    const facts = doc.kind === 'quote' ? await quoteFacts(doc) : null;
    const state = facts?.state ?? (await billing.stateOf(doc));
    const order = facts ? facts.order : doc.order_id === null ? null : ((await orders.find(doc.order_id)) ?? null);
    const account = doc.user_id === null ? null : await accounts.getAccount(doc.user_id);
    const related = doc.related_document_id === null ? undefined : await billing.findDocument({ id: doc.related_document_id });
    const invoice = doc.kind === 'quote' ? await billing.invoiceForQuote(doc.id) : undefined;
    const ctx = await pageContext(request, reply);
    const today = billing.today();
    // An accompaniment's quote (its deposit) or final invoice (its balance) takes payments while payable.
    const supportDoc = doc.order_id === null && (doc.kind === 'quote' || amountDueOf(doc) !== null);
    const payable = supportDoc ? await payments.payableQuote(doc.number) : null;
    const paidCents = doc.kind === 'quote' || supportDoc ? await payments.paidCents(doc.id) : 0;
    const support = supportDoc ? { expectedCents: payable?.ok ? payable.expectedCents : (amountDueOf(doc) ?? paidCents), takesPayments: payable?.ok === true } : null;
    const dueCents = support ? (support.takesPayments ? balanceOf(support.expectedCents, paidCents).dueCents : 0) : doc.kind === 'quote' && facts?.state === 'to_pay' ? balanceOf(doc.gross_cents, paidCents).dueCents : 0;
    const data: DocumentPageData = {
      doc,
      content: doc.content as BillingDocument,
      state,
      customer: account && account.user.role === 'customer' ? { id: account.user.id, alias: account.user.alias } : null,
      order,
      invoiceNumber: invoice?.number ?? null,
      relatedNumber: related?.number ?? null,
      payments: doc.kind === 'quote' || supportDoc ? await payments.listForQuote(doc.id) : [],
      paidCents,
      support,
      replacedBy: facts?.replacedBy ?? null,
      canReissue: facts?.canReissue ?? false,
      canCancel: facts?.canCancel ?? false,
      creditNotes: doc.kind === 'invoice' ? await billing.creditNotesFor(doc.id) : [],
      today,
      earliestReceipt: doc.kind === 'quote' ? await billing.earliestReceiptDate(doc) : today,
      notices: extra.notices ?? [],
      // Prefilled with what remains due: the usual case is one transfer of exactly that.
      payment: extra.payment ?? { values: { method: 'transfer', amount: dueCents > 0 ? eurosText(dueCents, ctx.locale) : '', received_on: today, reference: '', bank: '', confirm: false }, errors: {} },
      credit: extra.credit ?? { values: { amount: '', reason: '' }, errors: {} },
    };
    return sendHtml(reply, documentPage(ctx, data), status);
  }

  /** Notices carried by the redirect after a POST, read back strictly (nothing echoed unchecked). */
  function redirectNotices(request: FastifyRequest, doc: DocumentRow, t: ReturnType<typeof mt>, locale: 'fr' | 'en'): Notice[] {
    const q = queryOf(request);
    const out: Notice[] = [];
    const number = (v: unknown) => (typeof v === 'string' && NUMBER.test(v) ? v : null);
    if (q.reglement === 'solde' && number(q.facture)) out.push({ kind: 'success', text: t('invoicePaidNotice', { invoice: number(q.facture)! }) });
    if (q.reglement === 'paye' && number(q.facture)) out.push({ kind: 'success', text: t(q.nouveau === '0' ? 'paidAgainNotice' : 'paidNotice', { invoice: number(q.facture)! }) });
    if (q.reglement === 'annule') out.push({ kind: 'success', text: number(q.avoir) ? t('paymentCancelledCreditNotice', { number: number(q.avoir)! }) : t('paymentCancelledNotice') });
    if (q.reglement === 'bloque') out.push({ kind: 'warning', text: t('blockedNotice') });
    if (q.reglement === 'partiel' && typeof q.reste === 'string' && /^\d{1,12}$/.test(q.reste)) out.push({ kind: 'info', text: t('partialNotice', { due: formatMoney(Number(q.reste), locale) }) });
    if (q.reedite === '1') out.push({ kind: 'success', text: t('reissuedNotice', { number: doc.number }) });
    if (q.annule === '1') out.push({ kind: 'success', text: t('cancelledNotice') });
    if (number(q.avoir) && q.reglement !== 'annule') out.push({ kind: 'success', text: t('creditIssuedNotice', { number: number(q.avoir)! }) });
    return out;
  }

  return async (app) => {
    app.addHook('preHandler', requireOperator);

    app.get('/backoffice/commandes', async (request, reply) => {
      const wanted = queryOf(request).statut;
      const status = ORDER_STATUSES.find((s) => s === wanted);
      const page = pageParam(request);
      const rows = await orders.list({ ...(status ? { status } : {}), limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
      const quoteNumbers = await billing.latestQuoteNumbers(rows.map((r) => r.id));
      const plans = new Map((await settings.plans()).map((p) => [p.code, p.name]));
      const total = Number(rows[0]?.total ?? 0);
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const ctx = await pageContext(request, reply);
      const shown = rows.map((r) => ({ ...r, userId: r.user_id, quoteNumber: quoteNumbers.get(r.id) ?? null, planName: plans.get(r.plan_code) ?? r.plan_code }));
      return sendHtml(reply, ordersPage(ctx, { rows: shown, status: status ?? '', total, page: { page, hasNext: rows.length > 0 && page < pages, pages: rows.length > 0 ? pages : undefined } }));
    });

    app.get('/backoffice/documents', async (request, reply) => {
      const wanted = queryOf(request).type;
      const kind = DOCUMENT_KINDS.find((k) => k === wanted);
      const q = str(request.query, 'q', 100);
      const page = pageParam(request);
      const today = billing.today();
      const rows = await billing.listDocuments({ ...(kind ? { kind } : {}), ...(q ? { q } : {}), limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, today });
      const total = Number(rows[0]?.total ?? 0);
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const ctx = await pageContext(request, reply);
      const shown = rows.map((r) => ({ ...r, paid_cents: Number(r.paid_cents), state: documentState(r, today) }));
      return sendHtml(reply, documentsPage(ctx, { rows: shown, kind: kind ?? '', q, total, page: { page, hasNext: rows.length > 0 && page < pages, pages: rows.length > 0 ? pages : undefined } }));
    });

    app.get('/backoffice/documents/:number', async (request, reply) => {
      const doc = await loadDocument(request);
      const ctx = await pageContext(request, reply);
      return showDocument(request, reply, doc, { notices: redirectNotices(request, doc, mt(ctx), ctx.locale) });
    });

    app.post('/backoffice/documents/:number/reglements', async (request, reply) => {
      // A quote, or an accompaniment's final invoice (payableQuote decides); no other document.
      const doc = await loadPayable(request);
      const body = request.body;
      const values: PaymentFormValues = {
        method: str(body, 'method', 20),
        amount: str(body, 'amount', 30),
        received_on: str(body, 'received_on', 10),
        reference: str(body, 'reference', 140),
        bank: str(body, 'bank', 100),
        confirm: str(body, 'confirm_warnings', 1) === '1',
      };
      const ctx = await pageContext(request, reply);
      const t = mt(ctx);
      const refuse = (errors: FieldErrors, notices: Notice[] = [], status = 422) => showDocument(request, reply, doc, { payment: { values, errors }, notices }, status);
      // The quote first: fixing the fields of a payment the quote cannot take would be wasted effort.
      const payable = await payments.payableQuote(doc.number);
      if (!payable.ok) return refuse({}, [{ kind: 'warning', text: errorText(payable.error, ctx.locale, 'operator') }]);
      const errors: FieldErrors = {};
      const amount = parseEuros(values.amount);
      if (!amount.ok) errors.amount = t(`amount_${amount.problem}`);
      if (values.method !== 'transfer' && values.method !== 'cheque') errors.method = errorText('manual_method_invalid', ctx.locale, 'operator');
      if (!isCalendarDate(values.received_on)) errors.received_on = t('date_format');
      else if (values.received_on > billing.today()) errors.received_on = t('date_future');
      if (values.method === 'cheque' && !values.reference) errors.reference = errorText('cheque_number_required', ctx.locale, 'operator');
      if (Object.keys(errors).length > 0 || !amount.ok) return refuse(errors);
      const result = await recordPayment(c.deps, request.currentUser!.id, doc.number, { method: values.method, amountCents: amount.cents, receivedOn: values.received_on, reference: values.reference, bank: values.bank, confirmed: values.confirm });
      if (!result.ok) {
        // Warnings: the same form again, the values kept, with a box to tick to record it anyway.
        if ('warnings' in result) return showDocument(request, reply, doc, { payment: { values: { ...values, confirm: false }, errors: {}, warnings: result.warnings } }, 422);
        const text = errorText(result.error, ctx.locale, 'operator');
        const code = typeof result.error === 'string' ? result.error : result.error.code;
        const field = PAYMENT_ERROR_FIELD[code];
        if (field) return refuse({ [field]: text });
        return refuse({}, [{ kind: 'warning', text }], code === 'settlement_failed' ? 500 : 422);
      }
      const o = result.outcome;
      const target =
        o.state === 'paid' && doc.kind === 'invoice'
          ? `?reglement=solde&facture=${encodeURIComponent(o.invoiceNumber)}`
          : o.state === 'paid'
          ? `?reglement=paye&facture=${encodeURIComponent(o.invoiceNumber)}&nouveau=${o.newlyPaid ? 1 : 0}`
          : o.state === 'partial'
            ? `?reglement=partiel&reste=${o.dueCents}`
            : '?reglement=bloque';
      return reply.redirect(`/backoffice/documents/${doc.number}${target}`, 303);
    });

    app.post('/backoffice/documents/:number/reglements/:payment/annuler', async (request, reply) => {
      // The document the payment was recorded on (a quote, or an accompaniment's final invoice).
      const doc = await loadPayable(request);
      const raw = (request.params as Record<string, unknown>).payment;
      const paymentId = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
      if (paymentId === null) throw new AppError('not_found');
      const reason = str(request.body, 'reason', 200);
      const ctx = await pageContext(request, reply);
      const t = mt(ctx);
      if (!reason) return showDocument(request, reply, doc, { notices: [{ kind: 'warning', text: t('reasonRequired') }] }, 422);
      const payment = await payments.findPayment(paymentId);
      if (!payment || payment.quote_id !== doc.id) throw new AppError('not_found');
      if (!confirmed(request.body)) {
        const when = frenchDate(String(payment.received_on));
        return sendHtml(reply, confirmPage(ctx, { question: t('cancelPaymentConfirm', { amount: formatMoney(Number(payment.amount_cents), ctx.locale), date: when }), action: `/backoffice/documents/${doc.number}/reglements/${paymentId}/annuler`, fields: { reason }, confirmLabel: t('cancelPayment'), backHref: `/backoffice/documents/${doc.number}` }));
      }
      const result = await cancelPayment(c.deps, request.currentUser!.id, doc, paymentId, { reason, ip: clientMeta(request).ip });
      if (!result.ok) return showDocument(request, reply, doc, { notices: [{ kind: 'warning', text: result.error === 'credit_reason_required' ? t('reasonRequired') : errorText(result.error, ctx.locale, 'operator') }] }, 409);
      return reply.redirect(`/backoffice/documents/${doc.number}?reglement=annule${result.creditNoteNumber ? `&avoir=${encodeURIComponent(result.creditNoteNumber)}` : ''}`, 303);
    });

    app.post('/backoffice/documents/:number/reediter', async (request, reply) => {
      const doc = await loadDocument(request, 'quote');
      const facts = await quoteFacts(doc);
      const ctx = await pageContext(request, reply);
      const refused = () => showDocument(request, reply, doc, { notices: [{ kind: 'warning', text: mt(ctx)('reissueRefused') }] }, 409);
      if (!facts.canReissue || !facts.order) return refused();
      const result = await reissueQuote(c.deps, request.currentUser!.id, facts.order.id);
      if (!result.ok) return refused();
      return reply.redirect(`/backoffice/documents/${result.quoteNumber}?reedite=1`, 303);
    });

    app.post('/backoffice/documents/:number/annuler', async (request, reply) => {
      const doc = await loadDocument(request, 'quote');
      const facts = await quoteFacts(doc);
      const reason = str(request.body, 'reason', 200) || "Annulé par l'opérateur";
      if (!confirmed(request.body)) {
        const ctx = await pageContext(request, reply);
        const t = mt(ctx);
        return sendHtml(reply, confirmPage(ctx, { question: t('cancelQuoteConfirm', { number: doc.number }), action: `/backoffice/documents/${doc.number}/annuler`, fields: { reason }, confirmLabel: t('cancelQuote'), backHref: `/backoffice/documents/${doc.number}` }));
      }
      const ok = facts.canCancel && facts.order !== null && (await cancelOrder(c.deps, null, facts.order.id, request.currentUser!.id, reason));
      if (ok) return reply.redirect(`/backoffice/documents/${doc.number}?annule=1`, 303);
      const ctx = await pageContext(request, reply);
      return showDocument(request, reply, doc, { notices: [{ kind: 'warning', text: mt(ctx)('cancelRefused') }] }, 409);
    });

    app.post('/backoffice/documents/:number/avoirs', { config: { multilineFields: ['reason'] } }, async (request, reply) => {
      const invoice = await loadDocument(request, 'invoice');
      const values: CreditFormValues = { amount: str(request.body, 'amount', 30), reason: str(request.body, 'reason', 500) };
      const ctx = await pageContext(request, reply);
      const t = mt(ctx);
      const refuse = (errors: FieldErrors) => showDocument(request, reply, invoice, { credit: { values, errors } }, 422);
      const errors: FieldErrors = {};
      const amount = parseEuros(values.amount);
      if (!amount.ok) errors.amount = t(`amount_${amount.problem}`);
      if (!values.reason) errors.reason = errorText('credit_reason_required', ctx.locale, 'operator');
      if (!amount.ok || Object.keys(errors).length > 0) return refuse(errors);
      try {
        const note = await issueCreditNote(c.deps, request.currentUser!.id, invoice, { amountCents: amount.cents, reason: values.reason, ip: clientMeta(request).ip });
        return reply.redirect(`/backoffice/documents/${invoice.number}?avoir=${encodeURIComponent(note.number)}`, 303);
      } catch (err) {
        if (err instanceof AppError && (err.code === 'credit_too_large' || err.code === 'credit_amount_invalid')) return refuse({ amount: errorText(err, ctx.locale, 'operator') });
        throw err;
      }
    });
  };
}
