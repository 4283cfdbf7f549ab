// The playground page: a small Slack client for the people of the seeded workspace.
// Plain browser JavaScript, no build step. It renders the subset of Block Kit the bot uses.
'use strict';

const ui = {
  config: null,
  me: null,
  /** Last state per person, from /ui/state. */
  states: {},
  /** Open channel per person. */
  channelOf: {},
  /** Newest item time each person has seen, per channel. */
  seen: {},
  /** Login reports by message id. */
  logins: {},
  modalId: null,
  refreshing: null,
  again: false,
};

const EMOJI = {
  closed_lock_with_key: '🔐',
  key: '🔑',
  lock: '🔒',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  warning: '⚠️',
  white_check_mark: '✅',
  x: '❌',
  no_entry: '⛔',
  tada: '🎉',
  eyes: '👀',
  rotating_light: '🚨',
  inbox_tray: '📥',
};

/** The app's Home tab, beside the channels. */
const HOME = 'home';

// ---------- small DOM helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'html') el.innerHTML = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children; arrays among them are flattened. */
function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

function escapeHtml(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Slack escapes &, < and > in text; the page shows them as characters. */
function unescapeSlack(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}

function person(id) {
  return ui.config.people.find((p) => p.id === id);
}

function initials(name) {
  return name.split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();
}

// ---------- mrkdwn ----------

/** Slack mrkdwn to HTML: code, mentions, links, bold/italic/strike, quotes, emoji. */
function mrkdwn(text) {
  const stash = [];
  const keep = (html) => `\u0000${stash.push(html) - 1}\u0000`;
  let s = String(text || '');
  s = s.replace(/```([\s\S]*?)```/g, (_m, code) => {
    const isToken = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(code.trim());
    return keep(`<pre class="code${isToken ? ' token' : ''}"${isToken ? ' data-testid="token"' : ''}>${escapeHtml(unescapeSlack(code))}</pre>`);
  });
  s = s.replace(/`([^`\n]+)`/g, (_m, code) => keep(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  s = s.replace(/<([@#!])([^|>]*)(?:\|([^>]*))?>/g, (_m, sigil, id, label) => {
    if (sigil === '@') {
      const p = person(id);
      return keep(`<span class="mention">@${escapeHtml(p ? p.name : label || id)}</span>`);
    }
    if (sigil === '!' && id.startsWith('date^')) {
      // A Slack date token: shown in the reader's own time zone, as Slack does.
      const when = new Date(Number(id.split('^')[1]) * 1000);
      return keep(`<span class="date" title="${escapeHtml(label || '')}">${escapeHtml(when.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }))}</span>`);
    }
    if (sigil === '!') {
      const name = label || `@${id.split('^')[0]}`;
      return keep(`<span class="mention">${escapeHtml(name)}</span>`);
    }
    return keep(`<span class="mention">#${escapeHtml(label || id)}</span>`);
  });
  s = s.replace(/<([^|>\s]+)(?:\|([^>]*))?>/g, (_m, url, label) =>
    keep(`<a href="${escapeHtml(url)}" target="_blank" rel="noreferrer">${escapeHtml(unescapeSlack(label || url))}</a>`),
  );
  const lines = s.split('\n').map((line) => {
    // A quote is a raw '>' at the start; an escaped '&gt;' is a literal character.
    const quoted = line.startsWith('>');
    let body = escapeHtml(unescapeSlack(quoted ? line.slice(1) : line));
    body = body
      .replace(/(^|[\s(])\*([^*\n]+?)\*(?=$|[\s.,;:!?)])/g, '$1<b>$2</b>')
      .replace(/(^|[\s(])_([^_\n]+?)_(?=$|[\s.,;:!?)])/g, '$1<i>$2</i>')
      .replace(/(^|[\s(])~([^~\n]+?)~(?=$|[\s.,;:!?)])/g, '$1<s>$2</s>')
      .replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
    return quoted ? `<blockquote>${body}</blockquote>` : body;
  });
  let html = lines.join('<br>').replace(/<\/blockquote><br><blockquote>/g, '<br>');
  html = html.replace(/\u0000(\d+)\u0000/g, (_m, i) => stash[Number(i)]);
  return html;
}

function textObject(t, cls) {
  if (!t) return null;
  if (t.type === 'plain_text') return h('div', { class: cls }, t.text);
  return h('div', { class: cls, html: mrkdwn(t.text) });
}

// ---------- Block Kit ----------

function buttonEl(el, onClick) {
  const b = h(
    'button',
    {
      class: `btn${el.style ? ` ${el.style}` : ''}`,
      'data-testid': 'button',
      'data-action': el.action_id,
      type: 'button',
    },
    el.text ? el.text.text : el.action_id,
  );
  b.addEventListener('click', async () => {
    if (el.confirm && !(await confirmDialog(el.confirm))) return;
    b.disabled = true;
    b.classList.add('busy');
    try {
      await onClick(el);
    } finally {
      setTimeout(() => {
        b.disabled = false;
        b.classList.remove('busy');
      }, 600);
    }
  });
  return b;
}

function renderBlocks(blocks, onButton) {
  return blocks.map((block) => {
    switch (block.type) {
      case 'section': {
        const row = h('div', { class: 'block section' }, textObject(block.text, 'text'));
        if (block.fields) row.append(h('div', { class: 'fields' }, block.fields.map((f) => textObject(f, 'field'))));
        if (block.accessory && block.accessory.type === 'button') row.append(buttonEl(block.accessory, onButton));
        return row;
      }
      case 'context':
        return h(
          'div',
          { class: 'block context' },
          (block.elements || []).map((e) => (e.type === 'image' ? null : textObject(e, 'context-el'))),
        );
      case 'actions':
        return h(
          'div',
          { class: 'block actions' },
          (block.elements || []).filter((e) => e.type === 'button').map((e) => buttonEl(e, onButton)),
        );
      case 'header':
        return h('div', { class: 'block header' }, block.text ? block.text.text : '');
      case 'divider':
        return h('hr', { class: 'block divider' });
      case 'input':
        return inputBlock(block);
      default:
        return h('div', { class: 'block unsupported' }, `[${block.type} block]`);
    }
  });
}

function inputBlock(block) {
  const el = block.element || {};
  const id = `in-${block.block_id}`;
  const attrs = {
    id,
    'data-block': block.block_id,
    'data-action': el.action_id,
    'data-testid': `input-${block.block_id}`,
    maxlength: el.max_length,
  };
  const field = el.multiline ? h('textarea', { ...attrs, rows: 4 }) : h('input', { ...attrs, type: 'text' });
  if (el.initial_value) field.value = el.initial_value;
  return h(
    'div',
    { class: 'block input', 'data-block-id': block.block_id },
    h('label', { for: id }, block.label ? block.label.text : '', block.optional ? h('span', { class: 'optional' }, ' (optional)') : null),
    field,
    block.hint ? h('div', { class: 'hint' }, block.hint.text) : null,
    h('div', { class: 'error', 'data-testid': `error-${block.block_id}` }),
  );
}

// ---------- dialogs ----------

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const root = document.getElementById('modal-root');
    const done = (answer) => {
      overlay.remove();
      resolve(answer);
    };
    const overlay = h(
      'div',
      { class: 'overlay confirm' },
      h(
        'div',
        { class: 'modal', role: 'dialog', 'data-testid': 'confirm' },
        h('div', { class: 'modal-title' }, confirm.title ? confirm.title.text : 'Are you sure?'),
        h('div', { class: 'modal-body' }, textObject(confirm.text, 'text')),
        h(
          'div',
          { class: 'modal-footer' },
          h('button', { class: 'btn', type: 'button', 'data-testid': 'confirm-no', onclick: () => done(false) }, confirm.deny ? confirm.deny.text : 'Cancel'),
          h('button', { class: 'btn danger', type: 'button', 'data-testid': 'confirm-yes', onclick: () => done(true) }, confirm.confirm ? confirm.confirm.text : 'Yes'),
        ),
      ),
    );
    root.append(overlay);
  });
}

function renderModal(modal) {
  const root = document.getElementById('modal-root');
  const existing = root.querySelector('.overlay.view');
  if (!modal) {
    if (existing) existing.remove();
    ui.modalId = null;
    return;
  }
  // Keep what the person typed while the same dialog stays open.
  if (existing && ui.modalId === modal.id) return;
  if (existing) existing.remove();
  ui.modalId = modal.id;
  const me = ui.me;
  const submit = async () => {
    const values = {};
    for (const f of overlay.querySelectorAll('[data-block]')) {
      values[f.dataset.block] = { [f.dataset.action]: f.value };
    }
    for (const e of overlay.querySelectorAll('.error')) e.textContent = '';
    submitBtn.disabled = true;
    try {
      const res = await api('POST', '/ui/submit', { user: me, view: modal.id, values });
      if (res.errors) {
        for (const [block, message] of Object.entries(res.errors)) {
          const e = overlay.querySelector(`[data-block-id="${CSS.escape(block)}"] .error`);
          if (e) e.textContent = message;
        }
      }
    } finally {
      submitBtn.disabled = false;
      refresh();
    }
  };
  const close = async () => {
    await api('POST', '/ui/close', { user: me, view: modal.id });
    refresh();
  };
  const submitBtn = modal.submit
    ? h('button', { class: 'btn primary', type: 'button', 'data-testid': 'modal-submit', onclick: submit }, modal.submit.text)
    : null;
  const overlay = h(
    'div',
    { class: 'overlay view' },
    h(
      'div',
      { class: 'modal', role: 'dialog', 'data-testid': 'modal' },
      h('div', { class: 'modal-title' }, modal.title ? modal.title.text : '', h('button', { class: 'x', type: 'button', title: 'Close', onclick: close }, '×')),
      h('div', { class: 'modal-body' }, renderBlocks(modal.blocks || [], () => undefined)),
      h(
        'div',
        { class: 'modal-footer' },
        h('button', { class: 'btn', type: 'button', 'data-testid': 'modal-close', onclick: close }, modal.close ? modal.close.text : 'Close'),
        submitBtn,
      ),
    ),
  );
  root.append(overlay);
  const first = overlay.querySelector('textarea, input');
  if (first) first.focus();
}

// ---------- timeline ----------

function timeOf(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function loginPanel(report) {
  if (report.error || !report.report) {
    return h('div', { class: 'login-report failed', 'data-testid': 'login-report', 'data-checked': report.checkedAt }, report.error || 'No answer.');
  }
  const r = report.report;
  return h(
    'div',
    { class: 'login-report', 'data-testid': 'login-report', 'data-checked': report.checkedAt },
    h('div', { class: 'login-summary' }, r.summary),
    r.username ? h('div', { class: 'login-who' }, 'Signed in as ', h('code', {}, r.username), ' (from the token\'s own claims)') : null,
    h(
      'table',
      { class: 'checks' },
      r.checks.map((c) =>
        h(
          'tr',
          { 'data-testid': 'login-check', 'data-verdict': c.verdict },
          h('td', {}, c.what),
          h('td', {}, h('code', {}, `${c.method} ${c.path}`)),
          h('td', {}, h('span', { class: `verdict ${c.verdict}` }, c.verdict), ' ', h('span', { class: 'status' }, String(c.status))),
        ),
      ),
    ),
    h('div', { class: 'login-note' }, 'As Karpor\'s dashboard sees it: 200 allowed, 403 forbidden for this role, 401 token not accepted. The local hub has no handler for Karpor\'s writes: a write it lets through ends in 404.'),
  );
}

function messageEl(item) {
  const me = person(ui.me);
  const onButton = (el) => api('POST', '/ui/action', { user: ui.me, item: item.id, actionId: el.action_id, value: el.value }).finally(refresh);
  const isCommand = item.kind === 'command';
  const isNotice = item.kind === 'notice';
  const author = isCommand ? me.name : isNotice ? 'Playground' : 'Karpor tokens';
  const avatar = isCommand ? h('div', { class: 'avatar person' }, initials(me.name)) : isNotice ? h('div', { class: 'avatar notice' }, 'i') : h('div', { class: 'avatar bot' }, '🔐');
  const body = h(
    'div',
    { class: 'msg-body' },
    h(
      'div',
      { class: 'meta' },
      h('b', {}, author),
      !isCommand && !isNotice ? h('span', { class: 'app-badge' }, 'APP') : null,
      h('time', {}, timeOf(item.at)),
      item.edited ? h('span', { class: 'edited' }, '(edited)') : null,
    ),
    item.ephemeral ? h('div', { class: 'only-you', 'data-testid': 'only-you' }, '👁 Only visible to you') : null,
  );
  if (isCommand) body.append(h('div', { class: 'text command-text' }, h('code', {}, item.text)));
  else if (item.blocks && item.blocks.length) body.append(...renderBlocks(item.blocks, onButton));
  else body.append(h('div', { class: 'text', html: mrkdwn(item.text) }));
  if (item.hasToken) {
    const btn = h('button', { class: 'btn login', type: 'button', 'data-testid': 'karpor-login' }, 'Log in to Karpor with this token');
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        ui.logins[item.id] = await api('POST', '/ui/karpor-login', { user: ui.me, item: item.id });
      } catch (err) {
        ui.logins[item.id] = { error: String(err.message || err) };
      }
      ui.logins[item.id].checkedAt = Date.now();
      btn.disabled = false;
      renderTimeline();
    });
    body.append(h('div', { class: 'block actions' }, btn));
    if (ui.logins[item.id]) body.append(loginPanel(ui.logins[item.id]));
  }
  return h(
    'div',
    {
      class: `msg${item.ephemeral ? ' ephemeral' : ''}${isCommand ? ' command' : ''}${isNotice ? ' notice' : ''}`,
      'data-testid': 'message',
      'data-item': item.id,
      'data-kind': item.kind,
      'data-ephemeral': item.ephemeral ? 'true' : 'false',
    },
    avatar,
    body,
  );
}

function renderHome() {
  const state = ui.states[ui.me];
  const timeline = document.getElementById('timeline');
  timeline.dataset.channel = HOME;
  const onButton = (el) => api('POST', '/ui/home-action', { user: ui.me, actionId: el.action_id, value: el.value }).finally(refresh);
  fill(timeline,
    state && state.home
      ? h('div', { class: 'home', 'data-testid': 'home' }, renderBlocks(state.home.blocks, onButton))
      : h('div', { class: 'empty' }, 'Opening the Home tab…'),
  );
  fill(document.getElementById('channel-header'),
    h('div', { class: 'channel-title', 'data-testid': 'channel-title' }, '🏠 Home'),
    h('div', { class: 'channel-sub' }, `The Karpor tokens app's Home tab, as the bot publishes it for ${person(ui.me).name.split(' ')[0]} (views.publish).`),
  );
}

function currentChannel() {
  const state = ui.states[ui.me];
  if (!state) return null;
  const id = ui.channelOf[ui.me] || state.channels[0].id;
  return state.channels.find((c) => c.id === id) || state.channels[0];
}

function markSeen(channel) {
  const newest = channel.items.reduce((m, i) => Math.max(m, i.at), 0);
  ui.seen[ui.me] = ui.seen[ui.me] || {};
  ui.seen[ui.me][channel.id] = Math.max(ui.seen[ui.me][channel.id] || 0, newest);
}

function unread(userId, channel) {
  const seen = (ui.seen[userId] && ui.seen[userId][channel.id]) || 0;
  return channel.items.filter((i) => i.at > seen && i.kind !== 'command').length;
}

function renderTimeline() {
  if (ui.channelOf[ui.me] === HOME) return renderHome();
  const channel = currentChannel();
  const timeline = document.getElementById('timeline');
  if (!channel) return;
  const atBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 40;
  const before = timeline.dataset.channel === channel.id ? Number(timeline.dataset.count || 0) : -1;
  timeline.dataset.channel = channel.id;
  const items = [...channel.items].sort((a, b) => a.at - b.at);
  timeline.dataset.count = String(items.length);
  fill(timeline,
    items.length
      ? h('div', { class: 'day' }, 'Today')
      : h(
          'div',
          { class: 'empty' },
          channel.kind === 'dm'
            ? `This is ${person(ui.me).name}'s direct message with the Karpor tokens app. Type ${ui.config.command} help below.`
            : 'Approval requests appear here for the approvers.',
        ),
    items.map(messageEl),
  );
  if (atBottom || before !== items.length) timeline.scrollTop = timeline.scrollHeight;
  markSeen(channel);

  const header = document.getElementById('channel-header');
  fill(header,
    h('div', { class: 'channel-title', 'data-testid': 'channel-title' }, channel.kind === 'dm' ? '🔐 Karpor tokens' : `# ${channel.name}`),
    h(
      'div',
      { class: 'channel-sub' },
      channel.kind === 'dm'
        ? `${person(ui.me).name}'s DM with the app. Tokens arrive here, visible only to ${person(ui.me).name.split(' ')[0]}.`
        : 'Where the bot posts approval requests (policy: approvalsChannel).',
    ),
  );
}

function renderSidebar() {
  const people = document.getElementById('people');
  fill(people,
    ui.config.people.map((p) => {
      const groups = ui.config.groups.filter((g) => g.users.includes(p.id));
      const state = ui.states[p.id];
      const count = state ? state.channels.reduce((n, c) => n + unread(p.id, c), 0) : 0;
      return h(
        'button',
        {
          class: `person${p.id === ui.me ? ' active' : ''}`,
          type: 'button',
          'data-testid': `person-${p.id}`,
          'data-handle': p.handle,
          onclick: () => choosePerson(p.id),
        },
        h('div', { class: 'avatar person' }, initials(p.name)),
        h(
          'div',
          { class: 'person-text' },
          h('div', { class: 'person-name' }, p.name, p.id !== ui.me && count ? h('span', { class: 'badge' }, String(count)) : null),
          h('div', { class: 'person-about' }, p.about),
          h('div', { class: 'chips' }, groups.length ? groups.map((g) => h('span', { class: 'chip' }, `@${g.handle}`)) : h('span', { class: 'chip none' }, 'no group')),
        ),
      );
    }),
  );

  const state = ui.states[ui.me];
  const channels = document.getElementById('channels');
  if (state) {
    const onHome = ui.channelOf[ui.me] === HOME;
    const current = onHome ? { id: HOME } : currentChannel();
    const homeButton = h(
      'button',
      {
        class: `channel${onHome ? ' active' : ''}`,
        type: 'button',
        'data-testid': 'channel-home',
        onclick: () => {
          ui.channelOf[ui.me] = HOME;
          render();
          api('POST', '/ui/home-opened', { user: ui.me }).finally(refresh);
        },
      },
      '🏠 Home',
    );
    fill(channels,
      homeButton,
      state.channels.map((c) => {
        const n = c.id === current.id ? 0 : unread(ui.me, c);
        return h(
          'button',
          {
            class: `channel${c.id === current.id ? ' active' : ''}`,
            type: 'button',
            'data-testid': c.kind === 'dm' ? 'channel-dm' : 'channel-approvals',
            onclick: () => {
              ui.channelOf[ui.me] = c.id;
              render();
            },
          },
          c.kind === 'dm' ? '🔐 Karpor tokens (DM)' : `# ${c.name}`,
          n ? h('span', { class: 'badge' }, String(n)) : null,
        );
      }),
    );
  }

  const groups = document.getElementById('groups');
  fill(groups,
    ui.config.groups.map((g) =>
      h('div', { class: 'group' }, h('span', { class: 'chip' }, `@${g.handle}`), ' ', g.users.map((u) => person(u).name.split(' ')[0]).join(', ')),
    ),
  );
}

function render() {
  if (!ui.config || !ui.me) return;
  renderTimeline();
  renderSidebar();
  const state = ui.states[ui.me];
  renderModal(state ? state.modal : null);
}

function choosePerson(id) {
  ui.me = id;
  localStorage.setItem('playground.me', id);
  document.getElementById('composer-input').placeholder = id === 'U0PLATFORM' ? `${ui.config.command} admin 1h` : `${ui.config.command} guest 2h`;
  // Dialogs belong to the person who opened them.
  renderModal(null);
  render();
  refresh();
}

async function refresh() {
  if (ui.refreshing) {
    ui.again = true;
    return ui.refreshing;
  }
  ui.refreshing = (async () => {
    do {
      ui.again = false;
      const all = await Promise.all(ui.config.people.map((p) => api('GET', `/ui/state?user=${encodeURIComponent(p.id)}`).catch(() => null)));
      all.forEach((s, i) => {
        if (s) ui.states[ui.config.people[i].id] = s;
      });
      render();
    } while (ui.again);
  })().finally(() => {
    ui.refreshing = null;
  });
  return ui.refreshing;
}

// ---------- start ----------

async function start() {
  ui.config = await api('GET', '/ui/config');
  document.getElementById('hub-server').textContent = ui.config.hubServer;
  document.getElementById('policy').textContent = ui.config.policyYaml;
  const suggestions = ['help', 'guest 2h', 'admin 1h', 'status', 'revoke all'];
  fill(document.getElementById('suggestions'),
    h('span', { class: 'try' }, 'Try:'),
    suggestions.map((s) =>
      h('button', {
        class: 'chip suggestion',
        type: 'button',
        onclick: () => {
          const input = document.getElementById('composer-input');
          input.value = `${ui.config.command} ${s}`;
          input.focus();
        },
      }, `${ui.config.command} ${s}`),
    ),
  );
  const saved = localStorage.getItem('playground.me');
  ui.me = ui.config.people.some((p) => p.id === saved) ? saved : ui.config.people[0].id;

  document.getElementById('composer').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = document.getElementById('composer-input');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    const channel = currentChannel();
    try {
      await api('POST', '/ui/command', { user: ui.me, channel: channel.id, text });
    } finally {
      refresh();
    }
  });

  const events = new EventSource('/ui/events');
  events.addEventListener('change', () => refresh());
  // If the event stream drops, keep the page current anyway.
  setInterval(() => {
    if (events.readyState !== EventSource.OPEN) refresh();
  }, 2000);
  choosePerson(ui.me);
}

start().catch((err) => {
  document.body.prepend(h('div', { class: 'fatal' }, `The playground server cannot be reached: ${err.message}`));
});
