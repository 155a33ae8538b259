/**
 * How fast a paid order becomes a working instance, and how fast a hosting action runs, measured
 * from outside a real `ecrin serve` (its own process, LOG_LEVEL=warn, mail to an SMTP sink in this
 * process), on PGlite and PostgreSQL.
 *
 * 1. "Order paid → instance answers": a customer signs up and orders Opale over HTTP (form posts
 *    with the CSRF token), accepts the CGV, validates; the operator records the bank transfer
 *    (POST /backoffice/documents/DEV-…/reglements). From the moment that POST is sent, GET / with
 *    `Host: NAME.localhost:PORT` is polled every 50 ms until the front door answers 200 or 302 (the
 *    stand-in's redirect to /login). 3 orders, one after the other; median reported.
 * 2. "Action latency": the customer posts the instance page's "Mot de passe" form, then polls
 *    GET /instances/actions/tableau every 50 ms until the action shows "terminée". 3 actions; median.
 *
 * Before each payment and each "Mot de passe" the script pauses a random 0–2 s (see DEPHASE_MS).
 *
 *   Run: node_modules/.bin/node bench/provision.ts
 *   Env: BENCH_BACKENDS=pglite,postgres  BENCH_ORDERS=3  BENCH_DEPHASE_MS=2000
 */
import { startSmtpSink } from '../test/support/smtp-sink.ts';
import { killOnExitProcessesIn } from './support/orphans.ts';
import { operatorClient, orderAndValidate, signUpCustomer, todayInParis, type PortalClient } from './support/portal.ts';
import { createOperator, request } from './support/session.ts';
import { BACKENDS, isMain, machine, median, prepareBackend, sleep, startEcrin, table, type Backend } from './support/lib.ts';

export const PROVISION_TARGET_S = 5;
export const ACTION_TARGET_S = 2;
const ORDERS = Number(process.env.BENCH_ORDERS ?? 3);
const POLL_MS = 50;
const TIMEOUT_MS = 60_000;
/**
 * A random pause (0–2 s) before each payment and each "Mot de passe": the job workers of `serve`
 * look for work every 2 s, and a script that acts right after the previous job finished would
 * always land at the same point of that cycle (the worst one). People do not act in step with it.
 */
const DEPHASE_MS = Number(process.env.BENCH_DEPHASE_MS ?? 2000);

export interface ProvisionRun {
  backend: Backend;
  /** POST of the transfer sent → first 200/302 through the front door, seconds, per order */
  paidToServingS: number[];
  /** the same, from the operator's 303 (the payment recorded and the quote settled) */
  settledToServingS: number[];
  /** what the front door answered before that (status → count), over all polls */
  before: Record<string, number>;
  /** "Mot de passe" POST sent → the action shown "terminée", seconds, per action */
  actionS: number[];
}

async function frontDoorStatus(port: number, name: string): Promise<number> {
  try {
    return (await request(port, 'GET', '/', { host: `${name}.localhost:${port}` })).status;
  } catch {
    return 0;
  }
}

async function recordTransfer(operator: PortalClient, quoteNumber: string): Promise<void> {
  await operator.get(`/backoffice/documents/${quoteNumber}`);
  const res = await operator.post(`/backoffice/documents/${quoteNumber}/reglements`, { method: 'transfer', amount: '44,99', received_on: todayInParis(), reference: `VIR ${quoteNumber}`, bank: 'Banque du banc' });
  if (res.status !== 303 || !/reglement=paye/.test(String(res.headers.location))) {
    throw new Error(`recording the transfer of ${quoteNumber} → ${res.status} ${res.headers.location ?? ''}:\n${res.body.slice(0, 800)}`);
  }
}

const doneCount = (body: string) => (body.match(/>terminée</g) ?? []).length;

export async function runProvisionBench(backend: Backend): Promise<ProvisionRun> {
  const prepared = await prepareBackend(backend);
  const sink = await startSmtpSink();
  // the instance servers run in DATA_DIR/instances: none may outlive an interrupted run
  const cancelKill = killOnExitProcessesIn(String(prepared.env.DATA_DIR));
  try {
    const linkPath = await createOperator(prepared.env);
    const { child } = await startEcrin({ ...prepared.env, SMTP_URL: sink.url });
    try {
      const port = child.port;
      const operator = await operatorClient(port, linkPath);
      const customer = await signUpCustomer(port, sink, 'banc-provision');
      const run: ProvisionRun = { backend, paidToServingS: [], settledToServingS: [], before: {}, actionS: [] };
      const names: string[] = [];

      // --- 1. order paid → the instance answers through the front door ----------------------------
      for (let i = 1; i <= ORDERS; i++) {
        const name = `banc-${backend}-${i}`;
        names.push(name);
        const { quoteNumber } = await orderAndValidate(customer, name, `Potager-Bio-${i}-2026`);
        await sleep(Math.random() * DEPHASE_MS);
        const t0 = performance.now();
        await recordTransfer(operator, quoteNumber);
        const t1 = performance.now();
        let status = 0;
        while (performance.now() - t0 < TIMEOUT_MS) {
          status = await frontDoorStatus(port, name);
          if (status === 200 || status === 302) break;
          run.before[status] = (run.before[status] ?? 0) + 1;
          await sleep(POLL_MS);
        }
        const t2 = performance.now();
        if (status !== 200 && status !== 302) throw new Error(`${name}: not serving ${TIMEOUT_MS / 1000} s after the payment (last status ${status})\n${child.output().slice(-2000)}`);
        run.paidToServingS.push((t2 - t0) / 1000);
        run.settledToServingS.push((t2 - t1) / 1000);
      }

      // --- 2. "Mot de passe" → "terminée" ---------------------------------------------------------
      const list = await customer.get('/instances');
      for (const [i, name] of names.entries()) {
        const id = new RegExp(`<strong>${name}</strong>[\\s\\S]*?href="/instances/(\\d+)"`).exec(list.body)?.[1];
        if (!id) throw new Error(`no instance ${name} in /instances`);
        const page = await customer.get(`/instances/${id}`);
        if (page.status !== 200 || !page.body.includes('id="mot-de-passe"')) throw new Error(`GET /instances/${id} → ${page.status}, no "Mot de passe" form`);
        const before = doneCount((await customer.get('/instances/actions/tableau', { 'hx-request': 'true' })).body);
        const password = `Serre-Chaude-${i}-2027`;
        await sleep(Math.random() * DEPHASE_MS);
        const t0 = performance.now();
        const posted = await customer.post(`/instances/${id}/mot-de-passe`, { password, password_confirm: password });
        if (posted.status !== 303) throw new Error(`POST /instances/${id}/mot-de-passe → ${posted.status}:\n${posted.body.slice(0, 800)}`);
        let done = false;
        while (performance.now() - t0 < TIMEOUT_MS) {
          const table = (await customer.get('/instances/actions/tableau', { 'hx-request': 'true' })).body;
          if (/>en échec</.test(table)) throw new Error(`an action failed on ${name}:\n${table}`);
          if (!/hx-trigger/.test(table) && doneCount(table) === before + 1) {
            done = true;
            break;
          }
          await sleep(POLL_MS);
        }
        if (!done) throw new Error(`the password action on ${name} did not finish in ${TIMEOUT_MS / 1000} s`);
        run.actionS.push((performance.now() - t0) / 1000);
      }
      return run;
    } finally {
      await child.stop();
    }
  } finally {
    await sink.close();
    await prepared.release();
    cancelKill();
  }
}

export async function runProvision(backends: Backend[] = BACKENDS): Promise<ProvisionRun[]> {
  const runs: ProvisionRun[] = [];
  for (const backend of backends) runs.push(await runProvisionBench(backend));
  return runs;
}

const s = (v: number) => `${v.toFixed(2)} s`;
const verdict = (v: number, target: number) => (v <= target ? 'met' : 'MISSED');

export function formatProvision(runs: ProvisionRun[]): string {
  return table(
    ['backend', 'paid → serving, per order', 'median', `target ≤ ${PROVISION_TARGET_S} s`, 'from the 303, median', 'front door before', '"Mot de passe" → "terminée", per action', 'median', `target ≤ ${ACTION_TARGET_S} s`],
    runs.map((r) => [
      r.backend,
      r.paidToServingS.map((v) => v.toFixed(2)).join(' / '),
      s(median(r.paidToServingS)),
      verdict(median(r.paidToServingS), PROVISION_TARGET_S),
      s(median(r.settledToServingS)),
      Object.entries(r.before).map(([k, n]) => `${k}×${n}`).join(', ') || '-',
      r.actionS.map((v) => v.toFixed(2)).join(' / '),
      s(median(r.actionS)),
      verdict(median(r.actionS), ACTION_TARGET_S),
    ]),
  );
}

if (isMain(import.meta.url)) {
  console.log(`Order paid → instance serving, and hosting action latency, ${ORDERS} of each, polled every ${POLL_MS} ms — ${machine()}\n`);
  const runs = await runProvision();
  console.log(formatProvision(runs));
}
