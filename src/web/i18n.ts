export type Locale = 'fr' | 'en';
export const LOCALES: readonly Locale[] = ['fr', 'en'];
export const DEFAULT_LOCALE: Locale = 'fr';

/**
 * Each module declares its messages in French (the reference) and English; the English table must
 * have every French key, which the compiler checks. `{name}` placeholders are filled by `t`.
 */
export type Messages<K extends string> = { fr: Record<K, string>; en: Record<K, string> };

export function defineMessages<K extends string>(messages: Messages<K>): Messages<K> {
  return messages;
}

export type Translator<K extends string> = (key: K, params?: Record<string, string | number>) => string;

export function translator<K extends string>(messages: Messages<K>, locale: Locale): Translator<K> {
  const table = messages[locale];
  return (key, params) => {
    const text = table[key] ?? messages.fr[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}

export function parseLocale(value: unknown): Locale | null {
  return value === 'fr' || value === 'en' ? value : null;
}

const euro = {
  fr: new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }),
  en: new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }),
};

export function formatMoney(cents: number, locale: Locale): string {
  return euro[locale].format(cents / 100);
}

export function formatDateTime(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Europe/Paris',
  }).format(date);
}

export function formatBytes(bytes: number, locale: Locale): string {
  const gb = bytes / 1024 ** 3;
  const unit = locale === 'fr' ? 'Go' : 'GB';
  if (gb >= 1) return `${new Intl.NumberFormat(locale).format(Math.round(gb * 10) / 10)} ${unit}`;
  const mb = bytes / 1024 ** 2;
  return `${new Intl.NumberFormat(locale).format(Math.round(mb))} ${locale === 'fr' ? 'Mo' : 'MB'}`;
}
