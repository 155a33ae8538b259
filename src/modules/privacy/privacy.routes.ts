import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import contentDisposition from 'content-disposition';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { errorText } from '../../errors/app-error.ts';
import { str } from '../../web/forms.ts';
import { clientMeta, requireSignedIn } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { cookieNames, cookieOptions } from '../../web/security/cookies.ts';
import { dropCsrfSecret } from '../../web/security/csrf.ts';
import { closeAccount } from './use-cases/close-account.ts';
import { exportAccountData } from './use-cases/export-account-data.ts';
import { closedPage, privacyPage } from './privacy.views.ts';

/** "Vos données" (linked from « Votre compte »): the download of everything, and the closure. */
export function privacyRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { instances, archives } = c.services;
  const secure = c.config.scheme === 'https';
  const cookies = cookieNames(secure);

  async function show(request: FastifyRequest, reply: FastifyReply, form: { confirmation: string; errors: Record<string, string> } = { confirmation: '', errors: {} }, status = 200) {
    const live = await instances.listForUser(request.currentUser!.id);
    const withoutArchive: string[] = [];
    for (const i of live) if (!(await archives.list(i.id)).some((a) => a.state === 'ready')) withoutArchive.push(i.name);
    const ctx = await pageContext(request, reply);
    return sendHtml(reply, privacyPage(ctx, { instances: live.map((i) => i.name), withoutArchive, ...form }), status);
  }

  return async (app) => {
    app.addHook('preHandler', requireSignedIn);

    app.get('/compte/donnees', async (request, reply) => show(request, reply));

    app.get('/compte/donnees/archive.zip', async (request, reply) => {
      const { filename, stream } = await exportAccountData(c.deps, request.currentUser!.id, clientMeta(request));
      return reply.header('content-type', 'application/zip').header('content-disposition', contentDisposition(filename)).header('cache-control', 'no-store').send(stream);
    });

    app.post('/compte/cloturer', async (request, reply) => {
      const confirmation = str(request.body, 'confirmation', 254);
      const result = await closeAccount(c.deps, request.currentUser!, { confirmation, endInstances: str(request.body, 'end_instances', 2) === '1' }, clientMeta(request));
      if (!result.ok) {
        const locale = (await pageContext(request, reply)).locale;
        return show(request, reply, { confirmation, errors: { confirmation: errorText({ code: result.error, params: result.params ?? {} }, locale) } }, result.error === 'closure_confirmation' ? 422 : 409);
      }
      // Signed out here too (every session of the account is already revoked).
      reply.clearCookie(cookies.session, cookieOptions(secure));
      dropCsrfSecret(reply, { secure, cookieName: cookies.csrf });
      request.currentUser = null;
      return sendHtml(reply, closedPage(await pageContext(request, reply)));
    });
  };
}
