// Drives the web chat of a running `quanta serve` in headless chromium (playwright-core, Debian's chromium).
// Started by WebChatBrowserTest with:
//   QUANTA_URL   the server, e.g. http://127.0.0.1:41234
//   QUANTA_KEY   its API key
//   QUANTA_MODEL the model id the page should list
//   SCREENSHOT   where to save a screenshot (PNG)
//   CHROMIUM     the browser (default /usr/bin/chromium)
// Prints one line per check; exits 1 on the first failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.env.QUANTA_URL;
const key = process.env.QUANTA_KEY;
const modelId = process.env.QUANTA_MODEL;
const screenshot = process.env.SCREENSHOT;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base || !key || !modelId || !screenshot) {
  console.error('set QUANTA_URL, QUANTA_KEY, QUANTA_MODEL and SCREENSHOT');
  process.exit(2);
}

const log = (msg) => console.log('webchat: ' + msg);
function check(ok, msg) {
  if (!ok) throw new Error('check failed: ' + msg);
  log('ok: ' + msg);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The server's Prometheus gauges and counters, read with the key. */
async function metrics() {
  const res = await fetch(base + '/metrics', { headers: { Authorization: 'Bearer ' + key } });
  const text = await res.text();
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) (\S+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

const profile = mkdtempSync(join(tmpdir(), 'quanta-chromium-'));
const origin = new URL(base).origin;
const foreign = [];
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1200, height: 760 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The page must not load anything from anywhere else: record and refuse such requests.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + '/') || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // 1. The page and its files load without a key; the model list asks for one.
  const res = await page.goto(base + '/');
  check(res.status() === 200, 'GET / answers 200 without a key');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('API key'), null, { timeout: 15000 });
  check(true, 'without a key the page says the server needs one');

  // 2. Enter the key: it is stored and the models load.
  await page.fill('#api-key', key);
  await page.press('#api-key', 'Tab');
  await page.waitForFunction((id) => [...document.querySelectorAll('#model option')].some((o) => o.value === id), modelId, { timeout: 15000 });
  check(await page.evaluate(() => localStorage.getItem('quanta.apiKey')) === key, 'the key is kept in localStorage');
  check(await page.inputValue('#model') === modelId, 'the model list shows ' + modelId);

  // 3. Settings: a system prompt and a temperature.
  await page.fill('#system', 'You are a storyteller for children.');
  await page.evaluate(() => {
    const t = document.getElementById('temperature');
    t.value = '0.7';
    t.dispatchEvent(new Event('input', { bubbles: true }));
  });
  check(await page.textContent('#temperature-value') === '0.70', 'the temperature slider shows 0.70');
  await page.fill('#max-tokens', '40');

  // Record every change of the newest answer's text, with a timestamp, to see it grow.
  const watchAnswer = () => page.evaluate(() => {
    window.__growth = [];
    const obs = new MutationObserver(() => {
      const answers = document.querySelectorAll('.msg.assistant .text');
      const last = answers[answers.length - 1];
      if (last) window.__growth.push([performance.now(), last.textContent.length]);
    });
    obs.observe(document.getElementById('messages'), { childList: true, subtree: true, characterData: true });
  });

  // 4. Send a message; the answer streams in.
  await watchAnswer();
  const sentAt = Date.now();
  await page.fill('#prompt', 'Once upon a time');
  await page.press('#prompt', 'Enter');
  await page.waitForSelector('.msg.user');
  await page.waitForSelector('.msg.assistant:not(.streaming)', { timeout: 120000 });
  const answer = await page.textContent('.msg.assistant .text');
  const meta = await page.textContent('.msg.assistant .meta');
  const growth = await page.evaluate(() => window.__growth);
  const lengths = [...new Set(growth.map((g) => g[1]).filter((n) => n > 0))];
  log('answer (' + (Date.now() - sentAt) + ' ms): ' + JSON.stringify(answer.slice(0, 120)) + ' … meta: ' + meta);
  check(answer.trim().length > 0 && !(await page.$('.msg.assistant.error')), 'an answer came back');
  check(lengths.every((n, i) => i === 0 || n > lengths[i - 1]), 'the answer only ever grew (' + lengths.slice(0, 6).join(', ') + ', …)');
  check(/\d+ tokens · [\d.]+ tok\/s/.test(meta), 'the answer shows its token count and tokens/s');
  const n = parseInt(meta, 10);
  check(n > 0 && n <= 40 && (n < 40 || meta.includes('token limit')), 'Max tokens limits the answer (' + n + ' of at most 40)');
  check(/^[\d.]+ tok\/s$/.test((await page.textContent('#speed')).trim()), 'the header shows tokens/s: ' + (await page.textContent('#speed')));
  check(await page.isVisible('#send') && !(await page.isVisible('#stop')), 'Send is back once the answer is done');

  // 4b. Streaming is visible: a longer answer grows over time. On a fast machine a short answer can
  // arrive in one network read, so retry with longer, varied answers until one spans several reads.
  let streamed = false;
  for (let attempt = 1; attempt <= 6 && !streamed; attempt++) {
    await page.click('#new-chat');
    await page.fill('#max-tokens', '200');
    await page.evaluate(() => {
      const t = document.getElementById('temperature');
      t.value = '1.5';
      t.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await watchAnswer();
    await page.fill('#prompt', 'Tell me a long story about a dog, a cat and a bird.');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.msg.assistant:not(.streaming)', { timeout: 120000 });
    const g = (await page.evaluate(() => window.__growth)).filter((x) => x[1] > 0);
    const ls = [...new Set(g.map((x) => x[1]))];
    streamed = ls.length >= 3 && ls.every((n, i) => i === 0 || n > ls[i - 1]) && g[g.length - 1][0] > g[0][0];
    log('streaming attempt ' + attempt + ': ' + ls.length + ' distinct lengths over ' + (g.length ? (g[g.length - 1][0] - g[0][0]).toFixed(0) : 0) + ' ms');
  }
  check(streamed, 'an answer grew over time (several lengths, spanning time)');

  // 5. New chat clears the conversation.
  await page.click('#new-chat');
  check(await page.$$eval('.msg', (els) => els.length) === 0 && await page.isVisible('#empty'), 'New chat clears the conversation');

  // 6. Stop a longer generation: the stream ends at once and the server frees the slot.
  await page.fill('#max-tokens', ''); // no limit: the answer runs until stopped (or the end of the story)
  const before = await metrics();
  let stopped = false;
  for (let attempt = 1; attempt <= 6 && !stopped; attempt++) {
    await page.click('#new-chat');
    await page.evaluate(() => {
      const t = document.getElementById('temperature');
      t.value = '1.5'; // varied text runs longer before the end-of-story token
      t.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.fill('#prompt', 'Tell me a very long story about a dog, a cat and a bird who go on a journey together.');
    await page.press('#prompt', 'Enter');
    await page.waitForFunction(() => {
      const t = document.querySelector('.msg.assistant .text');
      return (t && t.textContent.length > 0) || !document.querySelector('.msg.assistant.streaming');
    }, null, { timeout: 60000 });
    const clicked = await page.evaluate(() => {
      const stop = document.getElementById('stop');
      if (stop.hidden) return false;
      stop.click();
      return true;
    });
    await page.waitForSelector('.msg.assistant:not(.streaming)', { timeout: 30000 });
    const m = await page.textContent('.msg.assistant .meta');
    stopped = clicked && m.includes('stopped');
    log('stop attempt ' + attempt + ': ' + (stopped ? 'stopped while generating' : 'the answer ended first') + ' (' + m + ')');
  }
  check(stopped, 'Stop ended a generation in progress');
  check(await page.isVisible('#send') && !(await page.isVisible('#stop')), 'Send is back after Stop');
  let after = await metrics();
  for (let i = 0; i < 100 && (after.quanta_slots_active !== 0 || after.quanta_requests_cancelled_total <= before.quanta_requests_cancelled_total); i++) {
    await sleep(100);
    after = await metrics();
  }
  check(after.quanta_slots_active === 0, 'the server is idle again (quanta_slots_active 0)');
  check(after.quanta_requests_cancelled_total > before.quanta_requests_cancelled_total,
    'the server cancelled the stopped request (quanta_requests_cancelled_total ' + before.quanta_requests_cancelled_total + ' -> ' + after.quanta_requests_cancelled_total + ')');

  // 7. A conversation for the screenshot: two turns (the second sees the first).
  await page.click('#new-chat');
  await page.fill('#max-tokens', '60');
  await page.evaluate(() => {
    const t = document.getElementById('temperature');
    t.value = '0.7';
    t.dispatchEvent(new Event('input', { bubbles: true }));
  });
  for (const text of ['Once upon a time, there was a little girl named Lily.', 'What did Lily find in the garden?']) {
    const n = (await page.$$eval('.msg.assistant', (els) => els.length)) + 1;
    await page.fill('#prompt', text);
    await page.press('#prompt', 'Enter');
    await page.waitForFunction((k) => document.querySelectorAll('.msg.assistant:not(.streaming)').length === k, n, { timeout: 120000 });
  }
  check(await page.$$eval('.msg', (els) => els.length) === 4 && !(await page.$('.msg.error')), 'a second turn continues the conversation');
  await page.screenshot({ path: screenshot });
  log('screenshot: ' + screenshot);

  check(consoleErrors.length === 0, 'no script errors' + (consoleErrors.length ? ': ' + consoleErrors.join('; ') : ''));
  check(foreign.length === 0, 'the page requested nothing from elsewhere' + (foreign.length ? ': ' + foreign.join(', ') : ''));
  log('PASS');
} catch (e) {
  console.error('webchat: FAIL: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
