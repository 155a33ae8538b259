import type { CurrentUser } from './context.ts';
import type { Html } from './html.ts';
import type { Locale } from './i18n.ts';

/**
 * The customer's portal entries: the tiles of "Mon espace" and the portal bar of the header come from
 * this one list. Each module registers its own (orders, billing, accounts…); a later feature (archives,
 * "Vos séances", "Demande information") adds an entry without touching the home page or the layout.
 */
export interface PortalEntry {
  /** stable id, also the tile's anchor */
  id: string;
  /** position in the menu; entries sort by it */
  order: number;
  href: string;
  label: (locale: Locale) => string;
  /** one line saying what the entry is for */
  hint: (locale: Locale) => string;
  /** what waits for the person there, e.g. "1 devis à payer"; empty when nothing does */
  waiting?: (user: CurrentUser, locale: Locale) => Promise<string[]>;
  /**
   * whether this person sees the entry (a feature switch, a configuration, what they have); default:
   * yes. It runs for the header of every page: what it reads is kept in memory by its owner.
   */
  shown?: (user: CurrentUser) => boolean | Promise<boolean>;
}

export interface NavLink {
  href: string;
  label: string;
}

export interface PortalTile extends NavLink {
  id: string;
  hint: string;
  waiting: string[];
}

/**
 * What "Mon espace" must say before its tiles (a renewal to pay, an instance in its grace period):
 * a module registers one, which answers nothing most of the time. It runs on "Mon espace" only.
 */
export type PortalBanner = (user: CurrentUser, locale: Locale) => Promise<Html | null>;

export class PortalMenu {
  readonly #entries: PortalEntry[] = [];
  readonly #banners: PortalBanner[] = [];

  /** Banners shown at the top of "Mon espace", in the order registered. */
  addBanner(...banners: PortalBanner[]): this {
    this.#banners.push(...banners);
    return this;
  }

  /** "Mon espace": the banners that have something to say for this person. */
  async banners(user: CurrentUser, locale: Locale): Promise<Html[]> {
    if (user.role !== 'customer') return [];
    return (await Promise.all(this.#banners.map((b) => b(user, locale)))).filter((b): b is Html => b !== null);
  }

  add(...entries: PortalEntry[]): this {
    for (const e of entries) {
      if (this.#entries.some((x) => x.id === e.id)) throw new Error(`portal entry ${e.id} registered twice`);
      this.#entries.push(e);
    }
    this.#entries.sort((a, b) => a.order - b.order);
    return this;
  }

  async #for(user: CurrentUser): Promise<PortalEntry[]> {
    if (user.role !== 'customer') return [];
    const shown = await Promise.all(this.#entries.map((e) => e.shown?.(user) ?? true));
    return this.#entries.filter((_, i) => shown[i]);
  }

  /** The header's portal bar: labels and links only (no query: it is on every page). */
  async nav(user: CurrentUser | null, locale: Locale): Promise<NavLink[]> {
    return user ? (await this.#for(user)).map((e) => ({ href: e.href, label: e.label(locale) })) : [];
  }

  /** "Mon espace": every entry with its explanation and what waits there. */
  async tiles(user: CurrentUser, locale: Locale): Promise<PortalTile[]> {
    return Promise.all(
      (await this.#for(user)).map(async (e) => ({ id: e.id, href: e.href, label: e.label(locale), hint: e.hint(locale), waiting: (await e.waiting?.(user, locale)) ?? [] })),
    );
  }
}

/** "1 devis à payer", "2 instances en création": a count with its singular or plural wording. */
export function countOf(n: number, one: string, many: string): string {
  return (n === 1 ? one : many).replace('{n}', String(n));
}
