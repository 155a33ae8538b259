import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DomainError, FieldErrorCode } from '../../errors/app-error.ts';
import type { Clock } from '../../platform/clock.ts';
import type { DB, SupportFormat, SupportSession } from '../../platform/db/schema.ts';
import { validEmail } from '../accounts/accounts.validation.ts';
import type { SupportSessionsRepository } from './support-sessions.repository.ts';
import { instantOf, SESSION_TZ } from './session-time.ts';
import type { CalendarSession } from './session-ics.ts';

/** What the planning form gives, as typed. */
export interface SessionForm {
  topic: string;
  date: string;
  time: string;
  duration: string;
  format: string;
  details: string;
  participants: string;
}

export interface SessionInput {
  topic: string;
  startsLocal: string;
  startsAt: Date;
  durationMinutes: number;
  format: SupportFormat;
  details: string;
  participants: string[];
}

export type SessionErrors = Record<string, FieldErrorCode | DomainError>;

/** Remote sessions last 1 or 2 hours; on site, half a day (4 h) or a day (7 h). */
export const DURATIONS: Record<SupportFormat, readonly number[]> = {
  remote_presentation: [60, 120],
  remote_control: [60, 120],
  on_site: [240, 420],
};
export const TOPIC_MAX = 200;
export const DETAILS_MAX = 500;
export const PARTICIPANTS_MAX = 20;

const FORMATS: readonly SupportFormat[] = ['on_site', 'remote_presentation', 'remote_control'];

/** "a@x.org, b@y.org" or one a line → the addresses, trimmed, without repeats. */
export function participantList(text: string): string[] {
  const seen = new Set<string>();
  for (const p of text.split(/[\s,;]+/)) if (p) seen.add(p);
  return [...seen];
}

function webAddress(text: string): boolean {
  if (text.length > DETAILS_MAX || !/^https?:\/\/\S+$/i.test(text)) return false;
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** The rules of sessions: what a planned session must hold, the overlaps, the reads. */
export class SupportSessionsService {
  readonly #repo: SupportSessionsRepository;
  readonly #clock: Clock;

  constructor(d: { repo: SupportSessionsRepository; clock: Clock }) {
    this.#repo = d.repo;
    this.#clock = d.clock;
  }

  /** The planning form checked: every problem at once, each named on its field. */
  parse(form: SessionForm): { ok: true; input: SessionInput } | { ok: false; errors: SessionErrors } {
    const errors: SessionErrors = {};
    if (form.topic.length > TOPIC_MAX) errors.topic = 'too_long';
    const format = FORMATS.includes(form.format as SupportFormat) ? (form.format as SupportFormat) : null;
    if (!format) errors.format = 'support_choice_required';
    let startsAt: Date | null = null;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(form.date)) errors.date = 'session_date_invalid';
    if (!/^\d{2}:\d{2}$/.test(form.time)) errors.time = 'session_time_invalid';
    if (!errors.date && !errors.time) {
      const at = instantOf(`${form.date}T${form.time}`);
      if (!at) {
        // Either the date is no date (31 February) or the hour is the one skipped in spring.
        if (instantOf(`${form.date}T12:00`)) errors.time = 'session_time_skipped';
        else errors.date = 'session_date_invalid';
      } else if (at.getTime() <= this.#clock.now().getTime()) errors.date = 'session_in_past';
      else startsAt = new Date(at.getTime());
    }
    const duration = /^\d{2,3}$/.test(form.duration) ? Number(form.duration) : Number.NaN;
    if (format && !DURATIONS[format].includes(duration)) errors.duration = 'session_duration_invalid';
    if (format === 'on_site') {
      if (!form.details || form.details.length > DETAILS_MAX) errors.details = 'session_address_required';
    } else if (format && !webAddress(form.details)) errors.details = 'session_url_invalid';
    const participants = participantList(form.participants);
    const invalid = participants.filter((p) => !validEmail(p));
    if (participants.length === 0) errors.participants = 'session_participants_required';
    else if (invalid.length > 0) errors.participants = { code: 'session_participants_invalid', params: { emails: invalid.join(', ') } };
    else if (participants.length > PARTICIPANTS_MAX) errors.participants = { code: 'session_participants_too_many', params: { max: PARTICIPANTS_MAX } };
    if (Object.keys(errors).length > 0 || !startsAt || !format) return { ok: false, errors };
    return { ok: true, input: { topic: form.topic, startsLocal: `${form.date}T${form.time}`, startsAt, durationMinutes: duration, format, details: form.details, participants } };
  }

  /** Hours done as typed ("1,5"), by half hours from 0 to 12, or null. */
  parseHoursDone(text: string): number | null {
    const t = text.replace(/\s/g, '').replace(',', '.');
    if (!/^\d{1,2}(\.\d{1,2})?$/.test(t)) return null;
    const h = Number(t);
    return h >= 0 && h <= 12 && Number.isInteger(h * 2) ? h : null;
  }

  /** The operator's other planned sessions at that time (one operator: one session at a time). */
  overlapping(input: Pick<SessionInput, 'startsAt' | 'durationMinutes'>, exceptId: number | null, db?: Kysely<DB>): Promise<SupportSession[]> {
    return this.#repo.overlapping(input.startsAt, new Date(input.startsAt.getTime() + input.durationMinutes * 60_000), exceptId, db);
  }

  async create(trx: Kysely<DB>, quoteId: number, input: SessionInput, by: number | null, uidDomain: string): Promise<SupportSession> {
    const now = this.#clock.now();
    return this.#repo.insert(trx, {
      // Stable for the session's life: every update and the cancellation name this same event.
      uid: `seance-${crypto.randomUUID()}@${uidDomain}`,
      quote_id: quoteId,
      state: 'planned',
      topic: input.topic,
      starts_local: input.startsLocal,
      tz: SESSION_TZ,
      starts_at: input.startsAt,
      duration_minutes: input.durationMinutes,
      format: input.format,
      details: input.details,
      participants: input.participants,
      created_by: by,
      created_at: now,
      updated_at: now,
    });
  }

  lock(trx: Kysely<DB>, id: number) {
    return this.#repo.lock(trx, id);
  }

  /** A change the participants are told of: SEQUENCE + 1; a new start re-arms the reminder. */
  update(trx: Kysely<DB>, current: SupportSession, input: SessionInput): Promise<SupportSession> {
    const moved = new Date(current.starts_at).getTime() !== input.startsAt.getTime();
    return this.#repo.update(trx, current.id, { topic: input.topic, starts_local: input.startsLocal, starts_at: input.startsAt, duration_minutes: input.durationMinutes, format: input.format, details: input.details, participants: input.participants, now: this.#clock.now(), rearm: moved });
  }

  cancel(trx: Kysely<DB>, id: number): Promise<SupportSession> {
    return this.#repo.cancel(trx, id, this.#clock.now());
  }

  markDone(trx: Kysely<DB>, id: number, hours: number): Promise<SupportSession> {
    return this.#repo.markDone(trx, id, hours, this.#clock.now());
  }

  get(id: number, db?: Kysely<DB>) {
    return this.#repo.get(id, db);
  }

  forQuotes(quoteIds: readonly number[], db?: Kysely<DB>) {
    return this.#repo.forQuotes(quoteIds, db);
  }

  forUser(userId: number) {
    return this.#repo.forUser(userId);
  }

  all() {
    return this.#repo.all();
  }

  remindable(from: Date, to: Date) {
    return this.#repo.remindable(from, to);
  }

  claimReminder(trx: Kysely<DB>, s: SupportSession): Promise<boolean> {
    return this.#repo.claimReminder(trx, s.id, new Date(s.starts_at), this.#clock.now());
  }
}

/** Hours of the sessions still planned (their durations). */
export function plannedHours(sessions: readonly Pick<SupportSession, 'state' | 'duration_minutes'>[]): number {
  return sessions.reduce((sum, s) => sum + (s.state === 'planned' ? s.duration_minutes / 60 : 0), 0);
}

/** Hours done over the sessions marked done. */
export function hoursDone(sessions: readonly Pick<SupportSession, 'state' | 'hours_done'>[]): number {
  return sessions.reduce((sum, s) => sum + (s.state === 'done' ? Number(s.hours_done ?? 0) : 0), 0);
}

export function calendarSession(s: SupportSession): CalendarSession {
  return { uid: s.uid, sequence: s.sequence, state: s.state, topic: s.topic, startsAt: new Date(s.starts_at), tz: s.tz, durationMinutes: s.duration_minutes, format: s.format, details: s.details, participants: s.participants };
}
