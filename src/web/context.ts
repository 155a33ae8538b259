import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Locale } from './i18n.ts';
import type { NavLink } from './portal-menu.ts';

export interface CurrentUser {
  id: number;
  alias: string;
  name: string;
  email: string;
  role: 'customer' | 'operator';
  organisationId: number | null;
  sessionId: number;
}

/** What every page template receives. */
export interface PageContext {
  locale: Locale;
  user: CurrentUser | null;
  csrfToken: string;
  /** path and query of the current page, for the language switch */
  url: string;
  siteName: string;
  /** the signed-in customer's portal entries, for the header (empty otherwise) */
  nav: NavLink[];
}

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    currentUser: CurrentUser | null;
    /** the client's address, decided for the whole port by ClientAddress (TRUST_PROXY) */
    readonly clientIp: string;
  }
}

export type PageContextFactory = (request: FastifyRequest, reply: FastifyReply) => Promise<PageContext>;
