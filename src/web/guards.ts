import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** Only same-site paths are accepted as a return address (no open redirect). */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  return value.length <= 500 ? value : null;
}

/** preHandler: a signed-in person, else the sign-in page, coming back here afterwards. */
export async function requireSignedIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.currentUser) return;
  if (request.method === 'GET') {
    return reply.redirect(`/connexion?retour=${encodeURIComponent(request.url)}`, 303);
  }
  throw new AppError('sign_in_required');
}

/** preHandler: the operator only; a customer gets a 403, a visitor the sign-in page. */
export async function requireOperator(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.currentUser) return requireSignedIn(request, reply);
  if (request.currentUser.role !== 'operator') throw new AppError('forbidden');
}

export function clientMeta(request: FastifyRequest): { ip: string | null; userAgent: string | null } {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 300) : null };
}
