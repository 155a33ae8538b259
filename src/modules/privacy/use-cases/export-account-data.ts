import type { Readable } from 'node:stream';
import type { Clock } from '../../../platform/clock.ts';
import type { Archive } from '../../../platform/db/schema.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { AccountsService, RequestMeta } from '../../accounts/accounts.service.ts';
import type { ArchivesService } from '../../archives/archives.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { InstancesService } from '../../instances/instances.service.ts';
import type { OrdersService } from '../../orders/orders.service.ts';
import type { PaymentsService } from '../../payments/payments.service.ts';
import type { SupportService } from '../../support/support.service.ts';
import { zipStream, type ZipEntry } from '../zip-stream.ts';

export interface ExportAccountDataDeps {
  accounts: AccountsService;
  orders: OrdersService;
  billing: BillingService;
  payments: PaymentsService;
  instances: InstancesService;
  archives: ArchivesService;
  support: SupportService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  instanceUrl: (name: string) => string;
}

const DOCUMENT_FOLDER = { quote: 'devis', invoice: 'factures', credit_note: 'avoirs' } as const;

/** A name safe in a ZIP on every system. */
function safeName(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'archive';
}

/**
 * "Télécharger mes données": one ZIP, streamed as it is written — `compte.json` (the account, the
 * organisation, orders, documents, payments, instances, accompaniment requests), `documents/`
 * (every quote, invoice and credit note as issued, one PDF read at a time), and for each instance
 * its newest verified archive (.lbkf, read from the archive store as the ZIP reaches it, stored
 * without recompression); an instance without one is named in README.txt. Nothing is created in
 * the request (an archive is made with « Archiver »). Memory stays bounded whatever the sizes: the
 * ZIP pulls each entry only when the previous one is written and the client has taken it.
 */
export async function exportAccountData(d: ExportAccountDataDeps, userId: number, meta: RequestMeta): Promise<{ filename: string; stream: Readable }> {
  const account = await d.accounts.getAccount(userId);
  if (!account) throw new Error(`no account ${userId}`);
  const { user, organisation } = account;
  const today = d.billing.today();
  const documents = (await d.billing.listDocuments({ userId, limit: 100_000, offset: 0, today })).slice().sort((a, b) => a.id - b.id);
  const payments = [];
  for (const doc of documents.filter((x) => x.kind === 'quote')) {
    for (const p of await d.payments.listForQuote(doc.id)) {
      if (p.quote_id !== doc.id) continue; // (a carried payment is listed once, on the quote that holds it)
      payments.push({ quote: p.quote_number, method: p.method, amountCents: p.amount_cents, receivedOn: p.received_on, reference: p.reference, carriedFrom: p.carried_from_number, cancelledAt: p.cancelled_at, cancelReason: p.cancel_reason });
    }
  }
  const instances = await d.instances.listForUser(userId);
  const withArchive: { name: string; archive: Archive | null; path: string | null }[] = [];
  for (const i of instances) {
    const newest = (await d.archives.list(i.id)).filter((a) => a.state === 'ready').sort((a, b) => new Date(b.created_at).getTime() - new Date(a.created_at).getTime())[0] ?? null;
    withArchive.push({ name: i.name, archive: newest, path: newest ? `instances/${i.name}/${safeName(newest.name)}-${newest.id}.lbkf` : null });
  }
  const data = {
    exportedAt: d.clock.now().toISOString(),
    account: { alias: user.alias, name: user.name, email: user.email, locale: user.locale, createdAt: user.created_at, emailVerifiedAt: user.email_verified_at },
    organisation: organisation && {
      name: organisation.name,
      legalForm: organisation.legal_form,
      registrationNumber: organisation.registration_number,
      address: organisation.address,
      postcode: organisation.postcode,
      city: organisation.city,
      country: organisation.country,
      email: organisation.email,
      phone: organisation.phone,
    },
    orders: (await d.orders.listForUser(userId)).map((o) => ({
      id: o.id,
      kind: o.kind,
      status: o.status,
      instanceName: o.instance_name,
      plan: o.plan_code,
      flavour: o.flavour,
      paymentMethod: o.payment_method,
      needs: o.needs,
      customTerms: o.custom_terms,
      termsVersion: o.terms_version,
      termsAcceptedAt: o.terms_accepted_at,
      termsAcceptedIp: o.terms_accepted_ip,
      createdAt: o.created_at,
      validatedAt: o.validated_at,
      paidAt: o.paid_at,
      cancelledAt: o.cancelled_at,
    })),
    documents: documents.map((x) => ({ kind: x.kind, number: x.number, issueDate: x.issue_date, validUntil: x.valid_until, dueDate: x.due_date, netCents: x.net_cents, grossCents: x.gross_cents, paidCents: Number(x.paid_cents), invoice: x.invoice_number, related: x.related_number, cancelled: x.cancelled, file: `documents/${DOCUMENT_FOLDER[x.kind]}/${x.number}.pdf` })),
    payments,
    instances: instances.map((i) => ({ name: i.name, url: d.instanceUrl(i.name), plan: i.plan_code, customLimits: i.custom_limits, flavour: i.flavour, state: i.state, periodStart: i.period_start, periodEnd: i.period_end, archive: withArchive.find((w) => w.name === i.name)?.path ?? null })),
    supportRequests: (await d.support.listForUser(userId)).map((r) => ({ id: r.id, subject: r.subject, organisation: r.organisation, contact: r.contact, email: r.email, phone: r.phone, instanceName: r.instance_name, difficulties: r.difficulties, expectations: r.expectations, format: r.format, availability: r.availability, createdAt: r.created_at })),
  };
  const missing = withArchive.filter((w) => !w.archive).map((w) => w.name);
  const readme = [
    `Données du compte ${user.alias}, exportées le ${data.exportedAt}.`,
    '',
    '- compte.json : votre compte, votre personne morale, vos commandes, vos documents, vos règlements, vos instances et vos demandes d’accompagnement.',
    '- documents/ : chaque devis, facture et avoir, tel qu’il a été émis (PDF).',
    '- instances/ : pour chaque instance, sa dernière archive vérifiée (.lbkf), à restaurer sur un Diacamma (lucterios_admin.py restore).',
    ...(missing.length > 0 ? ['', `Sans archive : ${missing.join(', ')}. Aucune archive vérifiée n’existe encore pour ${missing.length > 1 ? 'ces instances' : 'cette instance'} : créez-en une avec « Archiver » sur la page de l’instance, puis téléchargez de nouveau vos données.`] : []),
    '',
  ].join('\r\n');

  const entries: ZipEntry[] = [
    { name: 'compte.json', mtime: d.clock.now(), data: Buffer.from(JSON.stringify(data, null, 2)) },
    { name: 'README.txt', mtime: d.clock.now(), data: Buffer.from(readme) },
  ];
  for (const doc of documents) {
    entries.push({
      name: `documents/${DOCUMENT_FOLDER[doc.kind]}/${doc.number}.pdf`,
      mtime: new Date(`${doc.issue_date}T12:00:00Z`),
      load: async () => {
        const pdf = await d.billing.pdf(doc.id);
        if (!pdf) throw new Error(`document ${doc.number} has no PDF`);
        return pdf;
      },
    });
  }
  for (const w of withArchive) {
    const archive = w.archive;
    if (!archive || !w.path) continue;
    // Already gzip: stored as is; its recorded size is checked against the bytes read.
    entries.push({ name: w.path, mtime: new Date(archive.created_at), size: Number(archive.size_bytes), open: () => d.archives.read(archive) });
  }
  const out = zipStream(entries);
  // A file that cannot be read mid-way cuts the download (the client sees it incomplete), never a hang.
  out.once('error', (err: unknown) => d.logger.error({ err, userId }, 'account data export failed'));
  await d.audit.record({ action: 'account.data_exported', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: d.clock.now(), details: { documents: documents.length, archives: withArchive.filter((w) => w.archive).length } });
  return { filename: `donnees-${safeName(user.alias)}-${today}.zip`, stream: out };
}
