/**
 * Every benchmark in one run, then a summary: start-up, account page req/s vs bare Fastify, memory,
 * order paid → instance serving and hosting-action latency, the front door vs direct vs nginx.
 * The memory figures are read on the same server runs as the req/s figures (RSS after start, after
 * ~5 s idle, after the load), and the front door is measured in its short form (5 s runs, without
 * the capped and no-keepalive variants of bench/front-door.ts, 10 s warm-up), so that the whole stays
 * under ~4 minutes.
 *
 *   Run: node_modules/.bin/node bench/all.ts          (BENCH_BACKENDS=pglite,postgres)
 */
import { formatAccountRps, runAccountRps, TARGET_RATIO } from './account-rps.ts';
import { formatFrontDoor, frontDoorRatios, runFrontDoor, TARGET_VS_NGINX } from './front-door.ts';
import { formatMemory, IDLE_MS, memoryOf } from './memory.ts';
import { ACTION_TARGET_S, formatProvision, PROVISION_TARGET_S, runProvision } from './provision.ts';
import { formatStartup, runStartup } from './startup.ts';
import { BACKENDS, machine, median } from './support/lib.ts';

const started = performance.now();
console.log(`ecrin benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine()}`);
console.log(`Backends: ${BACKENDS.join(', ')}\n`);

console.log('1/4 start-up …');
const startup = await runStartup();
console.log('2/4 account page req/s, bare Fastify, memory …');
const accounts = await runAccountRps(BACKENDS, { idleMs: IDLE_MS });
console.log('3/4 order paid → instance serving, hosting action …');
const provision = await runProvision(BACKENDS);
console.log('4/4 front door vs direct vs nginx …');
const frontDoor = await runFrontDoor({ durationS: 5, warmupS: 10, sequential: 500, capped: false, nginxWithoutKeepalive: false, rounds: 3 });

console.log('\n## Start-up (spawn → first 200 on /readyz)\n');
console.log(formatStartup(startup));
console.log('\n## "Votre compte" (GET /compte, signed in) vs bare Fastify hello-world\n');
console.log(formatAccountRps(accounts));
console.log('\n## Resident memory of the server process\n');
console.log(formatMemory(accounts.map(memoryOf)));
console.log('\n## Order paid → instance serving; "Mot de passe" → "terminée"\n');
console.log(formatProvision(provision));
console.log(`\n## Front door: GET /blob?size=${frontDoor.blobBytes}, direct vs ecrin vs nginx\n`);
console.log(formatFrontDoor(frontDoor));

console.log('\n## Summary\n');
for (const s of startup) console.log(`- ${s.backend}: cold start ${s.coldS.toFixed(2)} s, warm restart ${s.warmMedianS.toFixed(2)} s (median of ${s.warmS.length})`);
for (const a of accounts) {
  const verdict = a.ratio === null ? '' : a.ratio >= TARGET_RATIO ? 'target met' : `target ≥ ${TARGET_RATIO * 100} % MISSED`;
  console.log(
    `- ${a.backend}: GET /compte ${Math.round(a.account.rps)} req/s = ${a.ratio === null ? '?' : (a.ratio * 100).toFixed(1)} % of bare Fastify (${Math.round(a.hello?.rps ?? 0)} req/s), ${verdict}; by server CPU per request ${a.cpuRatio === null ? '?' : (a.cpuRatio * 100).toFixed(1)} %; ` +
      `non-2xx ${a.account.non2xx}, errors ${a.account.errors}; RSS ${a.memory.afterStartMiB.toFixed(0)} → ${a.memory.afterIdleMiB?.toFixed(0) ?? '?'} → ${a.memory.afterLoadMiB.toFixed(0)} MiB`,
  );
}
for (const p of provision) {
  const paid = median(p.paidToServingS);
  const action = median(p.actionS);
  console.log(
    `- ${p.backend}: order paid → serving ${paid.toFixed(2)} s (median of ${p.paidToServingS.length}, target ≤ ${PROVISION_TARGET_S} s ${paid <= PROVISION_TARGET_S ? 'met' : 'MISSED'}); ` +
      `"Mot de passe" → "terminée" ${action.toFixed(2)} s (target ≤ ${ACTION_TARGET_S} s ${action <= ACTION_TARGET_S ? 'met' : 'MISSED'})`,
  );
}
{
  const { vsDirect, vsNginx } = frontDoorRatios(frontDoor);
  console.log(`- front door: ${(vsDirect * 100).toFixed(1)} % of direct, ${(vsNginx * 100).toFixed(1)} % of nginx (target ≥ ${TARGET_VS_NGINX * 100} % ${vsNginx >= TARGET_VS_NGINX ? 'met' : 'MISSED'})`);
}
console.log(`\nTotal time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
