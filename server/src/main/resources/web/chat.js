// Quanta web chat: talks to this server's OpenAI API (/v1/models, streaming /v1/chat/completions).
// No libraries, no requests anywhere but this server.
'use strict';

const $ = (id) => document.getElementById(id);
const store = {
  get: (k, d) => { try { const v = localStorage.getItem('quanta.' + k); return v === null ? d : v; } catch { return d; } },
  set: (k, v) => { try { localStorage.setItem('quanta.' + k, v); } catch { /* private mode */ } },
};

const ui = {
  model: $('model'), speed: $('speed'), newChat: $('new-chat'), toggle: $('toggle-settings'),
  messages: $('messages'), empty: $('empty'), composer: $('composer'), prompt: $('prompt'),
  send: $('send'), stop: $('stop'), status: $('status'), settings: $('settings'),
  key: $('api-key'), system: $('system'), temperature: $('temperature'), temperatureValue: $('temperature-value'),
  maxTokens: $('max-tokens'),
};

/** The conversation: {role, content} in order (the system prompt is added when sending). */
let history = [];
/** The generation in progress: {controller, view} or null. */
let running = null;

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = ui.key.value.trim();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

function setStatus(text, isError) {
  ui.status.textContent = text || '';
  ui.status.classList.toggle('error', !!isError);
}

/** The message of an error answer: OpenAI's {"error": {"message"}}, else the status line. */
async function errorText(res) {
  let msg = res.status + ' ' + res.statusText;
  try {
    const body = await res.json();
    if (body && body.error) msg = typeof body.error === 'string' ? body.error : (body.error.message || msg);
  } catch { /* not JSON */ }
  if (res.status === 401) msg = 'This server needs an API key: enter it under Settings. (' + msg + ')';
  return msg;
}

async function loadModels() {
  setStatus('Loading models…');
  let res;
  try {
    res = await fetch('/v1/models', { headers: headers() });
  } catch (e) {
    setStatus('Cannot reach the server: ' + e.message, true);
    return;
  }
  if (!res.ok) {
    ui.model.replaceChildren(new Option('no models (' + res.status + ')', ''));
    setStatus(await errorText(res), true);
    if (res.status === 401) { showSettings(true); ui.key.focus(); }
    return;
  }
  const ids = ((await res.json()).data || []).map((m) => m.id);
  ui.model.replaceChildren(...ids.map((id) => new Option(id, id)));
  if (ids.length === 0) ui.model.append(new Option('no models', ''));
  const last = store.get('model', '');
  if (ids.includes(last)) ui.model.value = last;
  setStatus(ids.length ? '' : 'The server lists no models.', ids.length === 0);
  updateButtons();
}

function showSettings(show) {
  ui.settings.hidden = !show;
  ui.toggle.setAttribute('aria-expanded', String(show));
  store.set('settings', show ? '1' : '0');
}

function addMessage(role, text) {
  ui.empty.hidden = true;
  const el = document.createElement('div');
  el.className = 'msg ' + role;
  const who = document.createElement('div');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : (role === 'assistant' ? (ui.model.value || 'assistant') : role);
  const body = document.createElement('div');
  body.className = 'text';
  body.textContent = text;
  const meta = document.createElement('div');
  meta.className = 'meta';
  el.append(who, body, meta);
  ui.messages.append(el);
  scrollDown();
  return { el, body, meta };
}

function scrollDown() {
  const m = ui.messages;
  if (m.scrollHeight - m.scrollTop - m.clientHeight < 120 || running === null) m.scrollTop = m.scrollHeight;
}

function updateButtons() {
  const busy = running !== null;
  ui.send.hidden = busy;
  ui.stop.hidden = !busy;
  ui.send.disabled = !ui.model.value || ui.prompt.value.trim() === '';
}

function formatSpeed(tokens, seconds) {
  return seconds > 0 && tokens > 1 ? (tokens / seconds).toFixed(1) : '–';
}

async function send() {
  const text = ui.prompt.value.trim();
  const model = ui.model.value;
  if (!text || !model || running) return;
  ui.prompt.value = '';
  autoGrow();
  history.push({ role: 'user', content: text });
  addMessage('user', text);
  const view = addMessage('assistant', '');
  view.el.classList.add('streaming');

  const messages = [];
  const system = ui.system.value.trim();
  if (system) messages.push({ role: 'system', content: system });
  messages.push(...history);
  const body = {
    model, messages, stream: true, stream_options: { include_usage: true },
    temperature: Number(ui.temperature.value),
  };
  const max = parseInt(ui.maxTokens.value, 10);
  if (max > 0) body.max_tokens = max;

  const controller = new AbortController();
  running = { controller, view };
  updateButtons();
  setStatus('');

  const t0 = performance.now();
  let first = 0, chunks = 0, usage = null, finish = null, answer = '', stopped = false, failed = null;
  const live = () => {
    const secs = (performance.now() - first) / 1000;
    const speed = formatSpeed(chunks, secs);
    ui.speed.textContent = speed + ' tok/s';
    view.meta.textContent = chunks + ' tokens · ' + speed + ' tok/s';
  };
  try {
    const res = await fetch('/v1/chat/completions', {
      method: 'POST', headers: headers(), body: JSON.stringify(body), signal: controller.signal,
    });
    if (!res.ok) throw new Error(await errorText(res));
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        for (const line of event.split('\n')) {
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (data === '[DONE]') continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message || String(chunk.error));
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices && chunk.choices[0];
          if (!choice) continue;
          if (choice.finish_reason) finish = choice.finish_reason;
          const piece = choice.delta && choice.delta.content;
          if (piece) {
            if (!first) first = performance.now();
            chunks++;
            answer += piece;
            view.body.textContent = answer;
            live();
            scrollDown();
          }
        }
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') stopped = true;
    else failed = e.message || String(e);
  }

  view.el.classList.remove('streaming');
  const end = performance.now();
  const tokens = usage ? usage.completion_tokens : chunks;
  const secs = first ? (end - first) / 1000 : 0;
  const speed = formatSpeed(tokens, secs);
  if (failed) {
    view.el.classList.add('error');
    view.body.textContent = answer ? answer + '\n\n' + failed : failed;
    view.meta.textContent = 'error';
    setStatus(failed, true);
  } else {
    const parts = [tokens + ' tokens', speed + ' tok/s', ((end - t0) / 1000).toFixed(2) + ' s'];
    if (usage) parts.push(usage.prompt_tokens + ' prompt tokens');
    if (stopped) parts.push('stopped');
    else if (finish === 'length') parts.push('hit the token limit');
    view.meta.textContent = parts.join(' · ');
    if (speed !== '–') ui.speed.textContent = speed + ' tok/s';
  }
  if (answer) history.push({ role: 'assistant', content: answer });
  else history.pop(); // nothing came back: the question is not part of the conversation
  running = null;
  updateButtons();
  ui.prompt.focus();
}

function stop() {
  if (running) running.controller.abort();
}

function newChat() {
  stop();
  history = [];
  for (const el of [...ui.messages.querySelectorAll('.msg')]) el.remove();
  ui.empty.hidden = false;
  setStatus('');
  ui.prompt.focus();
}

function autoGrow() {
  ui.prompt.style.height = 'auto';
  ui.prompt.style.height = Math.min(ui.prompt.scrollHeight + 2, window.innerHeight * 0.4) + 'px';
}

// ---- wiring ----
ui.key.value = store.get('apiKey', '');
ui.system.value = store.get('system', '');
ui.temperature.value = store.get('temperature', '0.8');
ui.temperatureValue.textContent = Number(ui.temperature.value).toFixed(2);
ui.maxTokens.value = store.get('maxTokens', '');
showSettings(store.get('settings', '1') === '1');

ui.key.addEventListener('change', () => { store.set('apiKey', ui.key.value.trim()); loadModels(); });
ui.system.addEventListener('input', () => store.set('system', ui.system.value));
ui.temperature.addEventListener('input', () => {
  ui.temperatureValue.textContent = Number(ui.temperature.value).toFixed(2);
  store.set('temperature', ui.temperature.value);
});
ui.maxTokens.addEventListener('input', () => store.set('maxTokens', ui.maxTokens.value));
ui.model.addEventListener('change', () => { store.set('model', ui.model.value); updateButtons(); });
ui.toggle.addEventListener('click', () => showSettings(ui.settings.hidden));
ui.newChat.addEventListener('click', newChat);
ui.stop.addEventListener('click', stop);
ui.composer.addEventListener('submit', (e) => { e.preventDefault(); send(); });
ui.prompt.addEventListener('input', () => { autoGrow(); updateButtons(); });
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
});

loadModels();
updateButtons();
