import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError } from '../../web/errors.ts';
import { requireSignedIn } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { paypalPayPage } from '../../web/paypal-form.ts';
import type { CaptureOutcome } from './paypal-payments.service.ts';

const NUMBER = /^[A-Z]{2,6}-\d{4}-\d{4,}$/;
/** PayPal's events weigh a few kilobytes. */
const WEBHOOK_BODY_LIMIT = 128 * 1024;
/** Per address: PayPal retries with backoff and sends from several addresses, far below this. */
const WEBHOOK_LIMIT = { max: 60, timeWindow: '1 minute' };
const TOKEN = /^[A-Za-z0-9-]{6,64}$/;

/** Where the customer lands after PayPal: the invoices page, with a catalogue code when it went wrong. */
function afterCapture(outcome: CaptureOutcome): string {
  switch (outcome.kind) {
    case 'paid':
      switch (outcome.settle.state) {
        case 'paid':
          return `/factures?paiement=ok&facture=${outcome.settle.invoiceNumber}`;
        case 'partial':
          return `/factures?paiement=partiel&recu=${outcome.settle.paidCents}&reste=${outcome.settle.dueCents}`;
        case 'blocked':
          return '/factures?erreur=payment_blocked';
      }
      break;
    case 'pending':
      return '/factures?paiement=attente';
    case 'declined':
      return '/factures?paiement=refuse';
    case 'not_approved':
      return '/factures?erreur=paypal_not_approved';
    case 'currency_mismatch':
      return '/factures?erreur=currency_mismatch';
    case 'unknown_order':
      return '/factures?erreur=paypal_unknown_order';
  }
}

/** PayPal: start (redirect to approval), the customer's return (capture), cancellation, and webhooks. */
export function paymentsRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { paypal } = c.services;
  return async (app) => {
    app.get('/paiement/paypal/retour', { config: { reach: 'external' } }, async (request, reply) => {
      // No sign-in needed: capturing an order the payer approved only completes their payment.
      const token = (request.query as Record<string, unknown>).token;
      if (typeof token !== 'string' || !TOKEN.test(token)) return reply.redirect('/factures?erreur=paypal_unknown_order', 303);
      try {
        return reply.redirect(afterCapture(await paypal.capture(token)), 303);
      } catch (err) {
        request.log.error({ err }, 'PayPal capture on return failed');
        return reply.redirect('/factures?erreur=paypal_unavailable', 303);
      }
    });

    app.get('/paiement/paypal/annulation', { config: { reach: 'external' } }, async (_request, reply) => reply.redirect('/factures?paiement=abandon', 303));

    // The link printed on the quote and in its e-mail: a page that says what will be paid. Going to
    // PayPal creates a PayPal order, so it is the POST below, never a GET a link preview could fire.
    app.get('/paiement/paypal/:number', { preHandler: requireSignedIn, config: { reach: 'email' } }, async (request, reply) => {
      const number = (request.params as { number: string }).number;
      if (!NUMBER.test(number)) return reply.redirect('/factures?erreur=quote_unknown', 303);
      const due = await paypal.amountDue(request.currentUser!.id, number);
      if (!due.ok) return reply.redirect(`/factures?erreur=${due.error}`, 303);
      return sendHtml(reply, paypalPayPage(await pageContext(request, reply), { number, dueCents: due.dueCents }));
    });

    app.post('/paiement/paypal/:number', { preHandler: requireSignedIn }, async (request, reply) => {
      const number = (request.params as { number: string }).number;
      if (!NUMBER.test(number)) return reply.redirect('/factures?erreur=quote_unknown', 303);
      const started = await paypal.start(request.currentUser!.id, number);
      if (!started.ok) return reply.redirect(`/factures?erreur=${started.error}`, 303);
      return reply.redirect(started.approveUrl, 303);
    });

    // Webhooks are verified on the exact bytes received: this route keeps the body raw. It is a signed
    // server-to-server call (no CSRF token, no Origin), rate-limited per address, and does not exist
    // while PayPal is not configured.
    await app.register(async (hooks) => {
      hooks.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
      hooks.post('/api/paypal/webhook', { config: { skipCsrf: true, reach: 'machine', rateLimit: WEBHOOK_LIMIT } }, async (request, reply) => {
        if (!paypal.enabled) throw new AppError('not_found');
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await paypal.receiveWebhook(request.headers, body);
        return reply.code(result.status).send({ outcome: result.outcome });
      });
    });
  };
}
