import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely's view of the tables. Migrations under ./migrations are the source of truth. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export type Locale = 'fr' | 'en';
export type UserRole = 'customer' | 'operator';

export interface SettingsTable {
  key: string;
  value: Json<unknown>;
  updated_at: Timestamp;
}

export interface PlansTable {
  code: string;
  name: string;
  /** null for a plan sold on a custom quote (Diamant) */
  price_cents: number | null;
  bandwidth_mbps: number | null;
  sla_percent: string | null;
  /** null means unlimited */
  max_sessions: number | null;
  storage_bytes: ColumnType<number | null, number | null, number | null>;
  custom_quote: boolean;
  position: number;
  updated_at: Timestamp;
}

export interface TermsVersionsTable {
  version: number;
  title: string;
  body: string;
  published_at: Timestamp;
}

export interface OrganisationsTable {
  id: Generated<number>;
  name: string;
  legal_form: string | null;
  registration_number: string | null;
  address: string | null;
  postcode: string | null;
  city: string | null;
  country: string;
  email: string | null;
  phone: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: Generated<number>;
  alias: string;
  name: string;
  email: string;
  role: UserRole;
  organisation_id: number | null;
  password_hash: string | null;
  password_changed_at: Timestamp | null;
  email_verified_at: Timestamp | null;
  /** when the holder was last told of failed sign-ins (at most once a day) */
  signin_alert_at: Timestamp | null;
  locale: Locale;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** the account was closed: its personal data erased, its documents kept */
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export type TokenPurpose = 'set_password' | 'reset_password' | 'operator_setup' | 'confirm_email' | 'confirm_org_email';

export interface UserTokensTable {
  id: Generated<number>;
  user_id: number | null;
  purpose: TokenPurpose;
  token_hash: Buffer;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
  /** confirm_email / confirm_org_email: the address the link makes the account's */
  email: string | null;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: Buffer;
  user_id: number;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface SigninAttemptsTable {
  id: Generated<number>;
  /** the user id as text when the identifier matched an account, else the lower-cased identifier */
  account_key: string;
  ip: string | null;
  succeeded: boolean;
  at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  actor_user_id: number | null;
  subject_user_id: number | null;
  action: string;
  ip: string | null;
  details: Json<Record<string, unknown>>;
}

export type MailStatus = 'pending' | 'sent' | 'outbox' | 'failed';

export interface MailMessagesTable {
  id: Generated<number>;
  recipients: string[];
  subject: string;
  text_body: string;
  html_body: string;
  template: string;
  user_id: number | null;
  status: MailStatus;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  /** files to attach at delivery, resolved then (e.g. a document's PDF) */
  attachments: ColumnType<MailAttachmentRef[], string | undefined, string>;
  /** the message carries a single-use link: its stored copy loses it once delivered */
  holds_link: Generated<boolean>;
  link_masked_at: Timestamp | null;
}

/**
 * What a mail attaches: a reference resolved at delivery (a billing document's stored PDF), or a
 * small text kept whole with the message (a session's .ics, as it was when the message was written),
 * so the stored message alone is what "Renvoyer" sends again.
 */
export type MailAttachmentRef = DocumentPdfAttachment | InlineAttachment;
export type DocumentPdfAttachment = { kind: 'document_pdf'; documentId: number; filename: string };
export type InlineAttachment = { kind: 'inline'; filename: string; contentType: string; content: string };

/** hosting: a new instance for a year; upgrade: a dearer plan for an instance, for the rest of its period */
export type OrderKind = 'hosting' | 'upgrade' | 'renewal';
/** requested: a Diamant request awaiting the operator's quote ("à chiffrer") */
export type OrderStatus = 'draft' | 'requested' | 'validated' | 'paid' | 'expired' | 'cancelled' | 'ended';

/** Limits fixed for one customer (Diamant), overriding the plan's; null means unlimited. */
export interface CustomLimits {
  maxSessions: number | null;
  bandwidthMbps: number | null;
  storageBytes: number | null;
  slaPercent: number | null;
}

/** A line of a custom quote; `yearly` lines are renewed with the hosting, the others are once. */
export interface CustomTermsLine {
  label: string;
  quantity: number;
  unitPriceCents: number;
  yearly: boolean;
}

/** The custom terms of a Diamant order, fixed by the operator's quote: what its renewal reuses. */
export interface CustomTerms {
  limits: CustomLimits;
  /** the yearly hosting line first */
  lines: CustomTermsLine[];
}
export type PaymentMethod = 'transfer' | 'cheque' | 'paypal';
export type Flavour = 'diacamma.asso' | 'diacamma.syndic';

export interface OrdersTable {
  id: Generated<number>;
  user_id: number;
  organisation_id: number;
  kind: ColumnType<OrderKind, OrderKind | undefined, never>;
  /** upgrade: the instance whose plan changes, and the plan it leaves */
  instance_id: number | null;
  from_plan_code: string | null;
  /** renewal: the period it pays for (calendar dates, both included) */
  renews_from: ColumnType<string | null, string | null | undefined, string | null>;
  renews_to: ColumnType<string | null, string | null | undefined, string | null>;
  status: OrderStatus;
  instance_name: string;
  plan_code: string;
  flavour: Flavour;
  admin_password_enc: Buffer | null;
  payment_method: PaymentMethod;
  terms_version: number | null;
  terms_accepted_at: Timestamp | null;
  terms_accepted_ip: string | null;
  terms_accepted_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  validated_at: Timestamp | null;
  paid_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  /** when the operator was told that this order's quote lapsed partly paid (it is then not expired) */
  partly_paid_alert_at: Timestamp | null;
  /** Diamant: the customer's needs, in their words */
  needs: string | null;
  /** Diamant: the limits and lines of the operator's quote */
  custom_terms: ColumnType<CustomTerms | null, string | null | undefined, string | null>;
  requested_at: Timestamp | null;
}

export interface ReleasedInstanceNamesTable {
  name: string;
  released_at: Timestamp;
}

export interface DocumentCountersTable {
  kind: string;
  year: number;
  last_number: number;
}

export interface LedgerHeadTable {
  id: number;
  last_document_id: number | null;
  chain_sha256: Buffer;
}

export interface DocumentsTable {
  id: Generated<number>;
  kind: 'quote' | 'invoice' | 'credit_note';
  number: string;
  year: number;
  seq: number;
  order_id: number | null;
  user_id: number | null;
  related_document_id: number | null;
  issued_at: Timestamp;
  issue_date: string;
  valid_until: string | null;
  due_date: string | null;
  currency: ColumnType<string, string | undefined, never>;
  net_cents: number;
  vat_cents: number;
  gross_cents: number;
  payment_reference: string;
  content: Json<unknown>;
  content_sha256: Buffer;
  prev_chain_sha256: Buffer;
  chain_sha256: Buffer;
}

export interface DocumentFilesTable {
  document_id: number;
  pdf: Buffer;
  pdf_sha256: Buffer;
  created_at: Timestamp;
}

export interface QuoteCancellationsTable {
  quote_id: number;
  cancelled_at: Timestamp;
  cancelled_by: number | null;
  reason: string;
}

export interface PaymentsTable {
  id: Generated<number>;
  quote_id: number;
  method: PaymentMethod;
  amount_cents: number;
  currency: ColumnType<string, string | undefined, never>;
  received_on: string;
  reference: string;
  bank: string | null;
  paypal_capture_id: string | null;
  recorded_by: number | null;
  created_at: Timestamp;
  /** the quote it was received against, when that quote was replaced and the payment carried to its successor */
  carried_from_quote_id: number | null;
  cancelled_at: Timestamp | null;
  cancelled_by: number | null;
  cancel_reason: string | null;
}

/** View: what each quote has received (payments in force, euros) — the one place it is summed. */
export interface QuotePaidTotalsView {
  quote_id: number;
  paid_cents: ColumnType<string | number, never, never>;
}

export interface PaypalOrdersTable {
  id: Generated<number>;
  quote_id: number;
  paypal_order_id: string;
  request_id: string;
  status: string;
  amount_cents: number;
  approve_url: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaypalEventsTable {
  id: Generated<number>;
  received_at: Timestamp;
  event_id: string | null;
  event_type: string | null;
  raw_body: string;
  headers: Json<Record<string, string>>;
  verified: boolean;
  outcome: string;
}

/** Webhooks that failed verification: counted per day and reason, never stored. */
export interface PaypalWebhookRejectionsTable {
  day: string;
  reason: string;
  count: number;
  last_at: Timestamp;
}

/** Why an instance ended: not renewed and unpaid, the customer's own choice, the account closed. */
export type EndReason = 'unpaid' | 'customer' | 'account_closed';
export type InstanceState = 'creating' | 'active' | 'suspended' | 'maintenance' | 'deleted' | 'failed';
export type ActionKind = 'provision' | 'set_password' | 'archive' | 'restore' | 'delete_archive' | 'import';
export type ActionState = 'scheduled' | 'running' | 'done' | 'failed';

export interface InstancesTable {
  id: Generated<number>;
  order_id: number;
  user_id: number;
  name: string;
  plan_code: string;
  flavour: Flavour;
  state: InstanceState;
  failure_reason: string | null;
  period_start: string | null;
  period_end: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  activated_at: Timestamp | null;
  deleted_at: Timestamp | null;
  /** why an ended instance ended (set when it is destroyed) */
  end_reason: ColumnType<EndReason | null, EndReason | null | undefined, EndReason | null>;
  disk_bytes: ColumnType<number | null, number | null | undefined, number | null>;
  disk_measured_at: Timestamp | null;
  storage_warned_at: Timestamp | null;
  failed_probes: Generated<number>;
  down_since: Timestamp | null;
  /** the subscription lapsed unpaid (or was given up): the front door shows the suspension page */
  suspended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** the retention delay after the end ran out: the instance is to be ended */
  retention_over_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Diamant: the limits of its custom quote, overriding the plan's */
  custom_limits: ColumnType<CustomLimits | null, string | null | undefined, string | null>;
}

export interface LifecycleRunsTable {
  day: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  summary: Json<unknown> | null;
}

export type LifecycleNoticeKind = 'renewal_issued' | `reminder_${number}` | 'grace' | 'suspended' | 'ended' | 'retention_over';

export interface LifecycleNoticesTable {
  instance_id: number;
  period_end: string;
  kind: LifecycleNoticeKind;
  order_id: number | null;
  day: string;
  sent_at: Timestamp;
}

export interface InstanceUsageDailyTable {
  instance_id: number;
  day: string;
  bytes_in: ColumnType<number, number | undefined, number>;
  bytes_out: ColumnType<number, number | undefined, number>;
  peak_sessions: ColumnType<number, number | undefined, number>;
}

export interface InstanceProbesTable {
  instance_id: number;
  at: Timestamp;
  ok: boolean;
}

export interface HostingActionsTable {
  id: Generated<number>;
  instance_id: number;
  kind: ActionKind;
  state: ActionState;
  payload_enc: Buffer | null;
  attempts: Generated<number>;
  last_error: string | null;
  requested_by: number | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export type SupportSubject = 'support' | 'hosting' | 'diamant' | 'other';
export type SupportFormat = 'on_site' | 'remote_presentation' | 'remote_control';

export interface SupportRequestsTable {
  id: Generated<number>;
  user_id: number | null;
  subject: SupportSubject;
  organisation: string;
  contact: string;
  email: string;
  phone: string;
  instance_name: string;
  difficulties: string;
  expectations: string;
  format: SupportFormat;
  availability: string;
  ip: string | null;
  created_at: Timestamp;
}

export interface SupportQuotesTable {
  document_id: number;
  request_id: number;
  replaces_document_id: number | null;
  hours: ColumnType<string, string | number, string | number>;
  invoicing: 'deposit' | 'completion';
  deposit_percent: number;
  created_at: Timestamp;
}

export interface SupportInvoicesTable {
  document_id: number;
  quote_id: number;
  kind: 'deposit' | 'final';
  created_by: number | null;
  created_at: Timestamp;
}

export type SupportSessionState = 'planned' | 'done' | 'cancelled';

export interface SupportSessionsTable {
  id: Generated<number>;
  uid: string;
  quote_id: number;
  sequence: Generated<number>;
  state: SupportSessionState;
  topic: Generated<string>;
  /** the agreed local date-time, 'YYYY-MM-DDTHH:MM' in `tz` */
  starts_local: string;
  tz: Generated<string>;
  starts_at: Timestamp;
  duration_minutes: number;
  format: SupportFormat;
  details: string;
  participants: string[];
  hours_done: ColumnType<string | null, string | number | null, string | number | null>;
  reminder_sent_at: Timestamp | null;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface QuoteDecisionsTable {
  quote_id: number;
  decision: 'accepted' | 'refused';
  user_id: number;
  signer_name: string;
  message: string;
  ip: string | null;
  decided_at: Timestamp;
}

export type ArchiveOrigin = 'created' | 'imported' | 'automatic' | 'before_restore' | 'final';
export type ArchiveState = 'ready' | 'restoring';

export interface ArchivesTable {
  id: Generated<number>;
  instance_id: number;
  name: string;
  /** the file's key in the ArchiveStore */
  store_key: string;
  size_bytes: ColumnType<number, number, number>;
  sha256: string;
  origin: ArchiveOrigin;
  state: ArchiveState;
  /** what `target` says: the applied migrations, summarised (e.g. "diacamma.member 0012, …") */
  diacamma_version: string;
  migrations: number;
  created_by: number | null;
  created_at: Timestamp;
  /** automatic and safety archives are removed after this */
  expires_at: Timestamp | null;
}

export interface DB {
  settings: SettingsTable;
  plans: PlansTable;
  terms_versions: TermsVersionsTable;
  organisations: OrganisationsTable;
  users: UsersTable;
  user_tokens: UserTokensTable;
  sessions: SessionsTable;
  signin_attempts: SigninAttemptsTable;
  audit_log: AuditLogTable;
  mail_messages: MailMessagesTable;
  orders: OrdersTable;
  released_instance_names: ReleasedInstanceNamesTable;
  document_counters: DocumentCountersTable;
  ledger_head: LedgerHeadTable;
  documents: DocumentsTable;
  document_files: DocumentFilesTable;
  quote_cancellations: QuoteCancellationsTable;
  payments: PaymentsTable;
  quote_paid_totals: QuotePaidTotalsView;
  paypal_orders: PaypalOrdersTable;
  paypal_events: PaypalEventsTable;
  paypal_webhook_rejections: PaypalWebhookRejectionsTable;
  instances: InstancesTable;
  hosting_actions: HostingActionsTable;
  instance_usage_daily: InstanceUsageDailyTable;
  instance_probes: InstanceProbesTable;
  support_requests: SupportRequestsTable;
  support_quotes: SupportQuotesTable;
  support_sessions: SupportSessionsTable;
  support_invoices: SupportInvoicesTable;
  quote_decisions: QuoteDecisionsTable;
  archives: ArchivesTable;
  lifecycle_runs: LifecycleRunsTable;
  lifecycle_notices: LifecycleNoticesTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Organisation = Selectable<OrganisationsTable>;
export type Plan = Selectable<PlansTable>;
export type MailMessage = Selectable<MailMessagesTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type Order = Selectable<OrdersTable>;
export type DocumentRow = Selectable<DocumentsTable>;
export type Payment = Selectable<PaymentsTable>;
export type Instance = Selectable<InstancesTable>;
export type HostingAction = Selectable<HostingActionsTable>;
export type SupportRequest = Selectable<SupportRequestsTable>;
export type SupportQuote = Selectable<SupportQuotesTable>;
export type SupportSession = Selectable<SupportSessionsTable>;
export type QuoteDecision = Selectable<QuoteDecisionsTable>;
export type Archive = Selectable<ArchivesTable>;
