// The lab in a real headless Chromium (Debian's, driven by playwright-core): the page loads and
// its figures update; a spike raises task-service's queue depth, which then drains; a replay of
// duplicates is suppressed by every consumer and leaves billing's charged total where it was; a
// billing instance killed from the page shows down while its lag builds, and drains once it is back.
// Usage: node test/lab.browser.mjs GATEWAY_URL SCREENSHOT_DIR   (env LAB_USER_TOKEN: a user's JWT)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [gateway, shots] = process.argv.slice(2);
if (!gateway || !shots || !process.env.LAB_USER_TOKEN) {
  console.error('usage: LAB_USER_TOKEN=<jwt> node test/lab.browser.mjs GATEWAY_URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // As root on a closed network: no sandbox, and none of Chromium's own background connections.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });

const figure = async (name) => {
  const text = await page.locator(`[data-figure="${name}"]`).first().textContent({ timeout: 5000 });
  return Number(text);
};
/** Polls fn every 250 ms until it returns a truthy value or the timeout passes; returns the last value. */
const until = async (fn, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  let value;
  while (Date.now() < deadline) {
    value = await fn().catch(() => undefined);
    if (value) return value;
    await page.waitForTimeout(250);
  }
  return value;
};

try {
  await page.goto(`${gateway}/lab`);
  await page.waitForFunction(() => Number(document.body.dataset.ticks || 0) >= 3, null, { timeout: 30000 });
  check(await page.locator('#connection').getAttribute('data-state') === 'live', 'the page is live and its figures update');
  check(await page.locator('.service').count() === 6, 'the diagram shows the gateway and the five services');
  check(await page.locator('canvas').count() >= 4, 'four uPlot charts are drawn');
  await page.screenshot({ path: `${shots}/lab-loaded.png`, fullPage: true });

  // A spike: the queue absorbs it, then the workers drain it.
  const before = await figure('task-service.queue depth');
  await page.locator('[data-control="spike"] button').click();
  const peak = await until(async () => { const d = await figure('task-service.queue depth'); return d >= 200 ? d : 0; }, 60000);
  check(peak >= 200, `the spike raised the queue depth from ${before} to ${peak}`);
  await page.screenshot({ path: `${shots}/lab-spike.png`, fullPage: true });
  const spiked = await until(async () => (await page.locator('[data-control="spike"] output').textContent()).match(/(\d+) tasks accepted/), 60000);
  check(spiked && Number(spiked[1]) > 0, `the spike's tasks were accepted: ${spiked && spiked[0]}`);
  const drained = await until(async () => (await figure('task-service.queue depth')) <= 5, 180000);
  check(drained, `the queue drained (depth ${await figure('task-service.queue depth')})`);
  await page.screenshot({ path: `${shots}/lab-drained.png`, fullPage: true });

  // Duplicates: some purchases first, applied by billing; then the same events again.
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${gateway}/api/v1/actions`, { method: 'POST', headers: { Authorization: `Bearer ${process.env.LAB_USER_TOKEN}`,
      'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'purchase', attributes: { sku: `lab-${i}` } }) });
    check(r.status === 202, `purchase ${i} accepted (${r.status})`);
  }
  // Settled: billing has consumed everything (lag 0: the spike's task charges too) and its total holds still.
  let charged = 0;
  const settled = await until(async () => {
    const now = await figure('billing-service.charged (minor units)');
    const caughtUp = Number(await page.locator('[data-lag="billing-service"]').textContent()) === 0;
    const stable = caughtUp && now === charged && now >= 20 * 99;
    charged = now;
    if (!stable) await page.waitForTimeout(1500);
    return stable;
  }, 90000);
  check(settled, `billing charged the purchases: ${charged} minor units`);
  const duplicatesBefore = await figure('billing-service.duplicates suppressed');
  await page.locator('[data-control="replay-duplicates"] button').click();
  const replayed = await until(async () => (await page.locator('[data-control="replay-duplicates"] output').textContent()).match(/(\d+) actions published again/), 30000);
  check(replayed, `duplicates were published: ${replayed && replayed[0]}`);
  const count = replayed ? Number(replayed[1]) : 0;
  const suppressed = await until(async () => (await figure('billing-service.duplicates suppressed')) >= duplicatesBefore + count, 60000);
  check(suppressed, `billing suppressed all ${count} duplicates`);
  await page.waitForTimeout(2000); // a charge applied after the suppression counter moved would show here
  const after = await figure('billing-service.charged (minor units)');
  check(after === charged, `billing's charged total is unchanged at ${charged} (now ${after})`);
  await page.screenshot({ path: `${shots}/lab-duplicates.png`, fullPage: true });

  // A billing instance killed while purchases flow: down, lag builds; back, lag drains. Clients see nothing.
  const statuses = [];
  let buying = true;
  const buyer = (async () => {
    for (let i = 0; buying; i++) {
      const r = await fetch(`${gateway}/api/v1/actions`, { method: 'POST', headers: { Authorization: `Bearer ${process.env.LAB_USER_TOKEN}`,
        'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'purchase', attributes: { sku: `kill-${i}` } }) });
      statuses.push(r.status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await page.locator('[data-control="kill-billing"] button').click();
  const down = await until(async () => (await page.locator('[data-service="billing-service"] .instance[data-up="false"]').count()) > 0, 30000);
  check(down, 'the killed billing instance shows down');
  const lagged = await until(async () => Number(await page.locator('[data-lag="billing-service"]').textContent()) > 0, 30000);
  check(lagged, 'billing-service\'s lag builds while it is down');
  await page.screenshot({ path: `${shots}/lab-killed.png`, fullPage: true });
  const back = await until(async () => (await page.locator('[data-service="billing-service"] .instance[data-up="true"]').count()) > 0
    && (await page.locator('[data-service="billing-service"] .instance[data-up="false"]').count()) === 0, 90000);
  check(back, 'the agent started it again and it shows up');
  buying = false;
  await buyer;
  const drainedLag = await until(async () => Number(await page.locator('[data-lag="billing-service"]').textContent()) === 0, 90000);
  check(drainedLag, 'billing-service\'s lag drained to 0');
  check(statuses.length > 0 && statuses.every((s) => s === 202), `every purchase meanwhile was accepted (${statuses.length}, not 202: ${statuses.filter((s) => s !== 202).length})`);
  await page.screenshot({ path: `${shots}/lab-recovered.png`, fullPage: true });

  // Replica lag made visible: the replay of server s0's replica paused from the page (it resumes by itself 30 s later).
  check((await page.locator('[data-store="postgres"] li').count()) >= 4, 'PostgreSQL shows each server and its replica');
  await page.locator('[data-control="pause-replica"] button').click();
  const paused = await until(async () => (await page.locator('[data-replica="s0"][data-replica-paused="true"]').count()) > 0, 30000);
  check(paused, "s0's replica shows its replay paused");
  // While it is paused, writes read back with their consistency token are still right: the primary answers them.
  const primaryBefore = await figure('profile-service.primary reads/s');
  await page.locator('[data-control="read-your-writes"] button').click();
  const primaryRose = await until(async () => (await figure('profile-service.primary reads/s')) > primaryBefore, 20000);
  check(primaryRose, 'reads of fresh writes went to the primary while the replica was paused');
  const readBack = await until(async () => (await page.locator('[data-control="read-your-writes"] output').textContent())
    .match(/(\d+) writes read back right, (\d+) not/), 60000);
  check(readBack && Number(readBack[1]) > 0 && Number(readBack[2]) === 0, `read-your-writes held: ${readBack && readBack[0]}`);
  await page.screenshot({ path: `${shots}/lab-replica-paused.png`, fullPage: true });
  check(pageErrors.length === 0, `no errors in the page${pageErrors.length ? ': ' + pageErrors.join('; ') : ''}`);
} catch (e) {
  failures.push(String(e));
  await page.screenshot({ path: `${shots}/lab-failure.png`, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
console.log(failures.length ? `lab browser test: ${failures.length} failed:\n  ${failures.join('\n  ')}` : 'lab browser test: all passed');
process.exit(failures.length ? 1 : 0);
