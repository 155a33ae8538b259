import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError, errorText, isErrorCode } from '../../errors/app-error.ts';
import { requireSignedIn } from '../../web/guards.ts';
import { formatMoney } from '../../web/i18n.ts';
import { sendHtml } from '../../web/pages.ts';
import { documentState } from './document-state.ts';
import { bt, invoicesPage } from './billing.views.ts';

const NUMBER = /^[A-Z]{2,6}-\d{4}-\d{4,}$/;

/** "Vos factures": every document of the customer, its state, its PDF as issued. */
export function billingRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { billing, settings, paypal } = c.services;
  return async (app) => {
    app.addHook('preHandler', requireSignedIn);

    app.get('/factures', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const t = bt(ctx);
      const today = billing.today();
      const rows = await billing.listDocuments({ userId: request.currentUser!.id, limit: 500, offset: 0, today });
      const q = request.query as Record<string, unknown>;
      const notices: { kind: 'success' | 'info' | 'warning'; text: string }[] = [];
      const ref = typeof q.facture === 'string' && NUMBER.test(q.facture) ? q.facture : '';
      if (q.paiement === 'ok' && ref) notices.push({ kind: 'success', text: t('paidNotice', { number: ref }) });
      if (q.paiement === 'partiel' && typeof q.reste === 'string' && /^\d+$/.test(q.reste) && typeof q.recu === 'string' && /^\d+$/.test(q.recu)) {
        notices.push({ kind: 'info', text: t('partialNotice', { paid: formatMoney(Number(q.recu), ctx.locale), due: formatMoney(Number(q.reste), ctx.locale) }) });
      }
      if (q.paiement === 'attente') notices.push({ kind: 'info', text: t('pendingNotice') });
      if (q.paiement === 'refuse') notices.push({ kind: 'warning', text: t('declinedNotice') });
      if (q.paiement === 'abandon') notices.push({ kind: 'info', text: t('cancelledNotice') });
      if (isErrorCode(q.erreur)) notices.push({ kind: 'warning', text: errorText(q.erreur, ctx.locale) });
      return sendHtml(
        reply,
        invoicesPage(ctx, {
          docs: rows.map((r) => ({ ...r, state: documentState(r, today) })),
          identity: await settings.operatorIdentity(),
          billing: await settings.billing(),
          notices,
          paypalEnabled: paypal.enabled,
        }),
      );
    });

    // The PDF exactly as issued: the customer's own documents, or any for the operator.
    app.get('/factures/:file', async (request, reply) => {
      const file = (request.params as { file: string }).file;
      const number = file.endsWith('.pdf') ? file.slice(0, -4) : '';
      if (!NUMBER.test(number)) throw new AppError('not_found');
      const doc = await billing.findDocument({ number });
      const user = request.currentUser!;
      if (!doc || (doc.user_id !== user.id && user.role !== 'operator')) throw new AppError('not_found');
      const pdf = await billing.pdf(doc.id);
      if (!pdf) throw new AppError('not_found');
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${number}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf);
    });
  };
}
