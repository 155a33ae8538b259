import type { SupportFormat, SupportSubject } from '../../platform/db/schema.ts';
import type { Locale } from '../../web/i18n.ts';

/** The words of the form's choices, shared by the pages and the e-mails. */
export const SUBJECT_LABELS: Record<Locale, Record<SupportSubject, string>> = {
  fr: { support: 'Accompagnement', hosting: 'Hébergement', diamant: 'Diamant', other: 'Autre' },
  en: { support: 'Accompaniment', hosting: 'Hosting', diamant: 'Diamant', other: 'Other' },
};

export const FORMAT_LABELS: Record<Locale, Record<SupportFormat, string>> = {
  fr: { on_site: 'Sur site', remote_presentation: 'À distance — présentation', remote_control: 'À distance — prise de contrôle' },
  en: { on_site: 'On site', remote_presentation: 'Remote — presentation', remote_control: 'Remote — remote control' },
};
