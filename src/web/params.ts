import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** A path id: digits only, within the int4 range; anything else is a page that does not exist. */
export function idParam(request: FastifyRequest, name = 'id'): number {
  const raw = (request.params as Record<string, unknown>)[name];
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw new AppError('not_found');
  const id = Number(raw);
  if (id < 1) throw new AppError('not_found');
  return id;
}

export function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query as Record<string, unknown> | undefined) ?? {};
}

const MAX_PAGE = 100_000;

/** `?page=N` of a paginated list: 1 when absent or malformed. */
export function pageParam(request: FastifyRequest): number {
  const raw = queryOf(request).page;
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw)) return 1;
  return Math.min(Math.max(1, Number(raw)), MAX_PAGE);
}
