import type { Container } from '../../container.ts';
import { addDays, daysBetween } from '../../platform/dates.ts';
import { features } from '../../web/features.ts';
import type { PortalBanner } from '../../web/portal-menu.ts';
import { renewalStatus } from '../instances/renewal-status.ts';
import { portalRenewalBanner, type PortalRenewal } from './lifecycle.views.ts';

/**
 * The renewal banner of "Mon espace". Only instances whose renewal order is due (within the
 * renewal lead of their end) or whose end has passed are looked at further; the others cost nothing.
 */
export function lifecyclePortalBanners(c: Container): PortalBanner[] {
  if (!features().renewal) return [];
  const { instances, settings } = c.services;
  return [
    async (user, locale) => {
      const mine = (await instances.listForUser(user.id)).filter((i) => i.period_end);
      if (mine.length === 0) return null;
      const [l, plans] = await Promise.all([settings.lifecycle(), settings.plans()]);
      const today = c.services.billing.today();
      const due = mine.filter((i) => daysBetween(addDays(String(i.period_end), 1 - l.renewalLeadDays), today) >= 0);
      const renewals: PortalRenewal[] = [];
      for (const instance of due) {
        const status = await renewalStatus(c.services, instance, today);
        if (!status) continue;
        const code = status.order?.plan_code ?? instance.plan_code;
        renewals.push({ instance, status, planName: plans.find((p) => p.code === code)?.name ?? code });
      }
      return portalRenewalBanner(locale, renewals);
    },
  ];
}
