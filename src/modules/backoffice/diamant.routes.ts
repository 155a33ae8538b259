import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError, fieldErrorTexts } from '../../errors/app-error.ts';
import { idParam } from '../../web/params.ts';
import { str, type FieldErrors } from '../../web/forms.ts';
import { clientMeta } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { DIAMANT_LINE_ROWS, DIAMANT_NOTE_MAX, parseDiamantQuote, type DiamantQuoteForm } from '../orders/diamant.ts';
import { issueDiamantQuote } from '../orders/use-cases/issue-diamant-quote.ts';
import { blankDiamantForm, diamantRequestPage, diamantRequestsPage } from './diamant.views.ts';

/** The operator's Diamant pages: the requests to price, and the custom quote of one (operators only, by the parent). */
export function diamantBackofficeRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { orders, accounts, billing, settings } = c.services;

  async function show(request: FastifyRequest, reply: FastifyReply, id: number, form?: { values: DiamantQuoteForm; errors: FieldErrors }, status = 200) {
    const order = await orders.find(id);
    if (!order || order.needs === null) throw new AppError('not_found');
    const account = await accounts.getAccount(order.user_id);
    if (!account) throw new AppError('not_found');
    const quote = await billing.latestQuoteForOrder(order.id);
    const ctx = await pageContext(request, reply);
    const values = form?.values ?? blankDiamantForm((await settings.billing()).quoteValidityDays);
    return sendHtml(
      reply,
      diamantRequestPage(ctx, {
        order,
        customer: { id: account.user.id, name: account.user.name, email: account.user.email, organisation: account.organisation?.name ?? '' },
        instanceUrl: c.urls.instance(order.instance_name),
        quoteNumber: quote?.number ?? null,
        form: { values, errors: form?.errors ?? {} },
      }),
      status,
    );
  }

  return async (app) => {
    app.get('/backoffice/diamant', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, diamantRequestsPage(ctx, await orders.requestedOrders()));
    });

    app.get('/backoffice/diamant/:id', async (request, reply) => show(request, reply, idParam(request)));

    app.post('/backoffice/diamant/:id/devis', { config: { multilineFields: ['note'] } }, async (request, reply) => {
      const id = idParam(request);
      const b = request.body;
      const values: DiamantQuoteForm = {
        maxSessions: str(b, 'max_sessions', 20),
        bandwidthMbps: str(b, 'bandwidth', 20),
        storageGb: str(b, 'storage', 20),
        slaPercent: str(b, 'sla', 20),
        hostingLabel: str(b, 'hosting_label', 201),
        hostingPrice: str(b, 'hosting_price', 20),
        lines: Array.from({ length: DIAMANT_LINE_ROWS }, (_, i) => ({ label: str(b, `line_label_${i}`, 201), quantity: str(b, `line_quantity_${i}`, 10), price: str(b, `line_price_${i}`, 20), yearly: str(b, `line_yearly_${i}`, 2) })),
        validityDays: str(b, 'validity', 10),
        note: str(b, 'note', DIAMANT_NOTE_MAX + 1),
      };
      const parsed = parseDiamantQuote(values);
      if (!parsed.ok) {
        const ctx = await pageContext(request, reply);
        return show(request, reply, id, { values, errors: fieldErrorTexts(parsed.errors, ctx.locale) }, 422);
      }
      await issueDiamantQuote(c.deps, id, parsed.input, { operatorId: request.currentUser!.id, ip: clientMeta(request).ip });
      return reply.redirect(`/backoffice/diamant/${id}`, 303);
    });
  };
}
