// The pages of the local stack. Every signing action calls the signing HTTP
// API as Altinn's app frontend does (app-frontend-react: SigneeList,
// SigningDocumentList, SigningActions, queries.ts): the same routes, query
// parameters and bodies, the AltinnStudioRuntime cookie (credentials:
// 'include') and, on a call that changes state, X-XSRF-TOKEN copied from
// the XSRF-TOKEN cookie the API's GET answers set, as axios copies it.
// /dev/ is the pages server's own: login, inbox, instances, timeline.
// Text is set with textContent only; nothing received is parsed as HTML.
import { texts, languages } from './i18n.js';

const state = { config: null, me: null, lang: 'nb' };

// ---------- language ----------

function pickLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked && languages.includes(asked)) {
    localStorage.setItem('lang', asked);
  }
  const stored = localStorage.getItem('lang');
  state.lang = languages.includes(stored) ? stored : 'nb';
  document.documentElement.lang = state.lang;
}

function t(key, ...args) {
  let s = texts[state.lang][key] ?? texts.en[key] ?? key;
  args.forEach((a, i) => { s = s.replaceAll(`{${i}}`, String(a)); });
  return s;
}

// role names a register role (DAGL …), or gives its code.
function role(code) {
  const key = `role.${code}`;
  return t(key) === key ? code : t(key);
}

function locale() {
  return { nb: 'nb-NO', nn: 'nn-NO', en: 'en-GB' }[state.lang];
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}

function duration(from, to) {
  if (!from || !to) return '';
  const ms = new Date(to) - new Date(from);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// short is a GUID's first two groups: enough to tell the fixture's instances apart.
function short(guid) {
  return guid.slice(0, 13);
}

function size(n) {
  if (n < 1024) return `${n} B`;
  return `${(n / 1024).toFixed(1)} kB`;
}

// ---------- elements ----------

// h builds an element: attributes (on* are listeners, text sets textContent)
// and children (strings become text nodes, null and false are skipped).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const heading = (level, text, attrs = {}) => h(`h${level}`, { class: 'ds-heading', 'data-size': ['', 'lg', 'md', 'sm', 'xs'][level] || 'xs', ...attrs }, text);
const para = (text, attrs = {}) => h('p', { class: 'ds-paragraph', ...attrs }, text);
const button = (text, onclick, variant = 'primary', attrs = {}) => h('button', { type: 'button', class: 'ds-button', 'data-variant': variant, onclick, ...attrs }, text);
const link = (text, href, attrs = {}) => h('a', { class: 'ds-link', href, ...attrs }, text);
const tag = (text, color) => h('span', { class: 'ds-tag', 'data-color': color }, text);
const alert = (color, ...children) => h('div', { class: 'ds-alert', 'data-color': color }, ...children);

// table is a data table; hiddenCaption keeps its caption for screen readers
// only, where a heading right above already names it.
function table(caption, headers, rows, empty, hiddenCaption = false) {
  if (rows.length === 0) {
    return h('div', { class: 'stack' }, hiddenCaption ? null : heading(3, caption), para(empty, { class: 'ds-paragraph muted' }));
  }
  // The wrapper scrolls a wide table on a narrow screen: a named region
  // that takes focus, so the keyboard can scroll it too.
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', { class: 'ds-table', 'data-border': true, 'data-zebra': true },
      h('caption', { class: hiddenCaption ? 'ds-sr-only' : null }, caption),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

function announce(text) {
  const el = document.getElementById('announce');
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 50);
}

// result shows the outcome of an action in place and moves focus to it.
function result(box, color, text, extra = []) {
  box.replaceChildren(alert(color, para(text), ...extra));
  box.tabIndex = -1;
  box.focus();
}

// fill replaces el's children, leaving out null and false (replaceChildren
// would show them as text).
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// ---------- calls ----------

function cookie(name) {
  const found = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith(name + '='));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : '';
}

async function readBody(resp) {
  const text = await resp.text();
  try { return text ? JSON.parse(text) : null; } catch { return text; }
}

// api calls the signing HTTP API from the browser, as the app frontend does.
async function api(method, path, body) {
  const headers = {};
  if (method !== 'GET') {
    headers['X-XSRF-TOKEN'] = cookie('XSRF-TOKEN');
    headers['Content-Type'] = 'application/json';
  }
  const init = { method, headers, credentials: 'include' };
  if (body !== undefined) init.body = JSON.stringify(body);
  const resp = await fetch(state.config.apiUrl + path, init);
  return { status: resp.status, ok: resp.ok, body: await readBody(resp) };
}

// dev calls the pages server's own routes.
async function dev(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  return { status: resp.status, ok: resp.ok, body: await readBody(resp) };
}

function problemText(r) {
  const b = r.body;
  if (b && typeof b === 'object') {
    const issues = (b.validationIssues || []).map((i) => i.description).join(' ');
    return [`${r.status}`, b.title, b.detail, issues].filter(Boolean).join(' – ');
  }
  return `${r.status} ${typeof b === 'string' ? b : ''}`.trim();
}

// ---------- frame ----------

function renderHeader(active) {
  const top = document.getElementById('top');
  const nav = h('nav', { 'aria-label': t('nav.label') }, h('ul', {},
    [['/', 'nav.home', 'home'], ['/inbox', 'nav.inbox', 'inbox']].map(([href, key, id]) =>
      h('li', {}, link(t(key), href, { 'aria-current': active === id ? 'page' : null })))));
  // Choosing in a list changes nothing until its button is pressed (WCAG
  // 3.2.2): arrow keys move through a closed list without reloading the page.
  const personaSelect = h('select', { class: 'ds-input', id: 'persona-select', name: 'persona' },
    h('option', { value: '', text: t('persona.nobody'), selected: !state.me }),
    state.config.personas.map((p) => h('option', { value: p.id, text: p.name, selected: state.me?.id === p.id })));
  const langSelect = h('select', { class: 'ds-input', id: 'lang-select', name: 'lang' },
    languages.map((l) => h('option', { value: l, text: texts[l]['lang.name'], selected: l === state.lang, lang: l })));
  const control = (id, label, select, action, onsubmit) => h('form', { class: 'control', onsubmit: (e) => { e.preventDefault(); onsubmit(); } },
    h('div', { class: 'ds-field' }, h('label', { class: 'ds-label', for: id }, label), select),
    h('button', { type: 'submit', class: 'ds-button', 'data-variant': 'secondary' }, action));
  top.replaceChildren(
    h('div', { class: 'brand' }, link(t('brand'), '/', { 'data-color': 'neutral' })),
    nav,
    h('div', { class: 'controls' },
      control('persona-select', t('persona.label'), personaSelect, t('persona.switch'), () => switchPersona(personaSelect.value)),
      control('lang-select', t('lang.label'), langSelect, t('lang.switch'), () => { localStorage.setItem('lang', langSelect.value); location.reload(); })));
  document.getElementById('skip-link').textContent = t('skip');
}

async function switchPersona(id) {
  if (id) await dev('POST', '/dev/login', { persona: id });
  else await dev('POST', '/dev/logout', {});
  location.reload();
}

function notLoggedIn() {
  return alert('warning', para(t('login.needed')));
}

// executionTag says how an execution stands: running, its outcome, or how it failed.
function executionTag(e) {
  if (e.status === 'SUCCEEDED' && e.outcome) {
    return tag(t(`outcome.${e.outcome}`), e.outcome === 'signed' ? 'success' : 'warning');
  }
  return tag(t(`exec.${e.status}`), { RUNNING: 'info', SUCCEEDED: 'success' }[e.status] || 'danger');
}

// ---------- home ----------

async function renderHome(main) {
  document.title = t('home.title');
  const personas = h('div', { class: 'cards' }, state.config.personas.map((p) => {
    const current = state.me?.id === p.id;
    return h('section', { class: 'ds-card', 'aria-labelledby': `persona-${p.id}` },
      heading(3, p.name, { id: `persona-${p.id}` }),
      p.actsFor.length ? para(p.actsFor.map((o) => t('persona.actsFor', o.roles.map(role).join(', '), o.name)).join('; ')) : para(t('persona.own'), { class: 'ds-paragraph muted' }),
      current ? tag(t('persona.current'), 'success')
        : button(t('persona.login', p.name), () => switchPersona(p.id), 'secondary'));
  }));
  // Add a person: the pages server makes up their synthetic national ID.
  const addFeedback = h('div', {});
  const field = (id, label) => h('div', { class: 'ds-field' }, h('label', { class: 'ds-label', for: id }, label),
    h('input', { class: 'ds-input', id, name: id, required: true, maxlength: 100, autocomplete: 'off' }));
  const addForm = h('form', { class: 'control', 'aria-labelledby': 'add-persona-h', onsubmit: async (e) => {
    e.preventDefault();
    const form = e.target;
    const r = await dev('POST', '/dev/personas', { firstName: form.elements['persona-first'].value, lastName: form.elements['persona-last'].value });
    if (r.ok) location.reload();
    else result(addFeedback, 'danger', problemText(r));
  } },
  field('persona-first', t('persona.firstName')), field('persona-last', t('persona.lastName')),
  h('button', { type: 'submit', class: 'ds-button', 'data-variant': 'secondary' }, t('persona.addButton')));
  const list = await dev('GET', '/dev/instances');
  const instances = list.ok ? list.body.instances : [];
  const feedback = h('div', {});
  const rows = instances.map((i) => {
    const last = i.executions?.[0];
    const running = last?.status === 'RUNNING';
    // A new attempt follows one that did not end signed, as when the process comes back to the task.
    const mayStart = !last || (!running && last.outcome !== 'signed');
    const status = last ? executionTag(last) : tag(t('exec.none'), 'neutral');
    return [
      h('span', {}, `${i.org}/${i.app} `, h('span', { class: 'mono' }, short(i.guid))),
      i.owner,
      status,
      h('div', { class: 'row' },
        last ? link(t('home.open'), `/signing/${i.partyId}/${i.guid}`, { 'aria-label': t('home.openLabel', short(i.guid)) }) : null,
        last ? link(t('home.timeline'), `/timeline/${i.partyId}/${i.guid}`, { 'aria-label': t('home.timelineLabel', short(i.guid)) }) : null,
        !mayStart ? null : button(last ? t('home.restart') : t('home.start'), async (e) => {
          e.target.disabled = true;
          const r = await dev('POST', `/dev/instances/${i.partyId}/${i.guid}/start`, {});
          if (r.ok) location.assign(`/signing/${i.partyId}/${i.guid}`);
          else { e.target.disabled = false; result(feedback, 'danger', problemText(r)); }
        }, 'secondary', { 'aria-label': t(last ? 'home.restartLabel' : 'home.startLabel', short(i.guid)) })),
    ];
  });
  fill(main, 
    heading(1, t('home.title')),
    para(t('home.intro')),
    h('section', { class: 'stack', 'aria-labelledby': 'personas-h' }, heading(2, t('home.personas'), { id: 'personas-h' }), personas,
      heading(3, t('persona.add'), { id: 'add-persona-h' }), para(t('persona.addIntro'), { class: 'ds-paragraph muted' }), addForm, addFeedback),
    h('section', { class: 'stack', 'aria-labelledby': 'instances-h' },
      heading(2, t('home.instances'), { id: 'instances-h' }),
      para(t('home.instancesIntro'), { class: 'ds-paragraph muted' }),
      feedback,
      list.ok ? table(t('home.instancesCaption'), [t('col.instance'), t('col.owner'), t('col.task'), t('col.actions')], rows, t('home.noInstances'), true)
        : alert('danger', para(problemText(list)))));
}

// ---------- inbox ----------

async function renderInbox(main) {
  document.title = t('inbox.title');
  if (!state.me) {
    fill(main, heading(1, t('inbox.title')), notLoggedIn());
    return;
  }
  const [inbox, waiting] = await Promise.all([dev('GET', '/dev/inbox'), api('GET', '/signing-requests')]);
  const waitRows = waiting.ok ? waiting.body.signingRequests.map((r) => [
    h('span', {}, `${r.instance.org}/${r.instance.app} `, h('span', { class: 'mono' }, short(r.instance.instanceGuid))),
    r.orgNumber ? t('inbox.forOrg', orgName(r.orgNumber)) : t('inbox.forYou'),
    tag(t(`status.${r.status}`), 'info'),
    when(r.deadline),
    link(t('inbox.openSigning'), `/signing/${r.instance.instanceOwnerPartyId}/${r.instance.instanceGuid}`),
  ]) : [];
  const messages = inbox.ok ? inbox.body.messages : [];
  fill(main, 
    heading(1, t('inbox.heading', state.me.name)),
    h('div', { class: 'row' }, button(t('refresh'), () => render(), 'secondary')),
    h('section', { class: 'stack', 'aria-labelledby': 'waiting-h' },
      heading(2, t('inbox.waiting'), { id: 'waiting-h' }),
      waiting.ok ? table(t('inbox.waitingCaption'), [t('col.instance'), t('col.for'), t('col.status'), t('col.deadline'), t('col.actions')], waitRows, t('inbox.nothingWaits'), true)
        : alert('danger', para(problemText(waiting)))),
    h('section', { class: 'stack', 'aria-labelledby': 'messages-h' },
      heading(2, t('inbox.messages', messages.length), { id: 'messages-h' }),
      messages.length === 0 ? para(t('inbox.empty'), { class: 'ds-paragraph muted' })
        : h('ul', { class: 'messages' }, messages.map(messageCard))));
  announce(t('inbox.messages', messages.length));
}

function orgName(orgNumber) {
  return state.config.organisations.find((o) => o.orgNumber === orgNumber)?.name || orgNumber;
}

function messageCard(m) {
  const id = `msg-${m.id}`;
  const kindColor = { receipt: 'success', cancel: 'danger', 'owner-rejected': 'danger', remind: 'warning', reminder: 'warning' }[m.kind] || 'info';
  return h('li', {}, h('article', { class: 'ds-card', 'aria-labelledby': id, 'data-kind': m.kind },
    h('div', { class: 'ds-card__block stack' },
      h('div', { class: 'row' }, tag(t(`kind.${m.kind}`) === `kind.${m.kind}` ? m.kind : t(`kind.${m.kind}`), kindColor),
        h('span', { class: 'muted' }, t('inbox.sent', when(m.sentAt))),
        m.toPersona ? null : h('span', { class: 'muted' }, t('inbox.to', m.to))),
      heading(3, m.title, { id }),
      m.summary ? para(m.summary) : null),
    h('details', { class: 'ds-details' }, h('summary', {}, t('inbox.read')), h('div', {}, para(m.body, { class: 'ds-paragraph body-text' }))),
    h('div', { class: 'ds-card__block stack' },
      m.attachments.length ? h('div', { class: 'stack' }, heading(4, t('inbox.attachments')),
        h('ul', {}, m.attachments.map((a) => h('li', {}, link(a.name, a.url, { target: '_blank', rel: 'noopener' }), ` (${size(a.size)})`)))) : null,
      m.instance ? link(t('inbox.openSigning'), `/signing/${m.instance.partyId}/${m.instance.guid}`) : null)));
}

// ---------- the signing step ----------

function signeeStatus(s, task) {
  if (s.signedTime) return [t('signee.signed'), 'success'];
  if (s.status === 'replaced') return [t('signee.replaced'), 'neutral'];
  if (s.status === 'revoked') return [t('signee.revoked'), 'neutral'];
  if (task && task.status !== 'collecting') return [t('signee.notSigned'), 'neutral'];
  if (!s.delegationSuccessful) return [t('signee.delegationFailed'), 'danger'];
  if (s.notificationStatus === 'Failed') return [t('signee.notificationFailed'), 'danger'];
  if (s.group && s.groupOpen === false) return [t('signee.groupWaits', s.group), 'neutral'];
  // resolved and delegated: the workflow is still giving access and telling them.
  if (s.status === 'resolved' || s.status === 'delegated') return [t('signee.inviting'), 'info'];
  return [t('signee.waiting'), 'warning'];
}

async function renderSigning(main, partyId, guid) {
  document.title = t('signing.title');
  const inst = state.config.instances.find((i) => String(i.partyId) === partyId && i.guid === guid);
  if (!inst) {
    fill(main, heading(1, t('signing.title')), alert('danger', para(t('signing.unknown'))));
    return;
  }
  const top = [
    heading(1, t('signing.heading', `${inst.org}/${inst.app}`)),
    para(h('span', {}, t('signing.instance'), ' ', h('span', { class: 'mono' }, inst.guid), ' · ', t('signing.owner', inst.owner))),
    h('div', { class: 'row' },
      button(t('refresh'), () => render(), 'secondary'),
      link(t('home.timeline'), `/timeline/${partyId}/${guid}`)),
  ];
  if (!state.me) {
    fill(main, ...top, notLoggedIn());
    return;
  }
  const list = await dev('GET', '/dev/instances');
  const execs = list.ok ? (list.body.instances.find((i) => i.guid === guid)?.executions || []) : [];
  if (execs.length === 0) {
    fill(main, ...top, alert('info', para(t('signing.notStarted')), link(t('nav.home'), '/')));
    return;
  }
  const base = inst.path;
  const lang = `?language=${state.lang}`;
  // The frontend's reads: SigneeList, SigningDocumentList, SigningActions (organisations).
  const [signing, docs, orgs] = await Promise.all([
    api('GET', `${base}/signing`), api('GET', `${base}/signing/data-elements`), api('GET', `${base}/signing/organizations`)]);
  if (!signing.ok) {
    fill(main, ...top, alert('danger', para(t('signing.cannotRead')), para(problemText(signing))));
    return;
  }
  const task = signing.body.task || { status: 'collecting' };
  const signees = signing.body.signeeStates;
  const isOwner = state.me.partyId === inst.partyId;
  const feedback = h('div', { id: 'action-result' });

  const taskAlert = {
    collecting: ['info', t('task.collecting', task.deadline ? when(task.deadline) : '–')],
    completed: ['success', t('task.completed')],
    rejected: ['danger', task.rejectReason ? t('task.rejectedBecause', task.rejectReason) : t('task.rejected')],
    expired: ['warning', t('task.expired')],
    failed: ['danger', t('task.failed')],
  }[task.status] || ['info', task.status];

  const signeeRows = signees.map((s) => {
    const [label, color] = signeeStatus(s, task);
    return [s.name || '–', s.organization || '–', tag(label, color), s.signedTime ? when(s.signedTime) : '–'];
  });

  const docList = docs.ok ? docs.body.dataElements : [];
  const documents = h('section', { class: 'stack', 'aria-labelledby': 'docs-h' },
    heading(2, t('signing.documents'), { id: 'docs-h' }),
    !docs.ok ? alert('danger', para(problemText(docs)))
      : docList.length === 0 ? para(t('signing.noDocuments'), { class: 'ds-paragraph muted' })
        : h('ul', {}, docList.map((d) => h('li', {},
          link(d.filename || d.dataType, new URL(d.selfLinks.apps).pathname, { target: '_blank', rel: 'noopener' }),
          ` (${d.contentType}, ${size(d.size)})`))));

  // What the persona may sign: themselves if listed and not signed, and each
  // organisation they may sign for (GET …/signing/organizations) not signed yet.
  const open = task.status === 'collecting';
  const mine = signees.find((s) => s.partyId === state.me.partyId && !s.organization);
  const options = [];
  if (open && mine && !mine.signedTime && mine.groupOpen !== false) options.push({ value: '', label: t('sign.myself', state.me.name) });
  for (const o of (orgs.ok ? orgs.body.organizations : [])) {
    const s = signees.find((x) => x.partyId === o.partyId);
    if (open && s && !s.signedTime && s.groupOpen !== false) options.push({ value: o.orgNumber, label: t('sign.onBehalfOf', o.orgName) });
  }
  const actions = [];
  if (options.length > 0) {
    const confirm = h('input', { type: 'checkbox', class: 'ds-input', id: 'confirm', 'aria-describedby': 'confirm-error' });
    const confirmError = h('p', { class: 'ds-validation-message', id: 'confirm-error', 'data-color': 'danger', hidden: true });
    const radios = options.map((o, i) => h('div', { class: 'ds-field' },
      h('input', { type: 'radio', class: 'ds-input', name: 'signas', id: `signas-${i}`, value: o.value, checked: i === 0 }),
      h('label', { class: 'ds-label', for: `signas-${i}`, 'data-weight': 'regular' }, o.label)));
    actions.push(h('section', { class: 'ds-card stack', 'aria-labelledby': 'sign-h' },
      heading(2, t('sign.heading'), { id: 'sign-h' }),
      h('fieldset', { class: 'ds-fieldset' }, h('legend', { class: 'ds-label' }, t('sign.as')), radios),
      h('div', { class: 'ds-field' }, h('div', { class: 'row' }, confirm, h('label', { class: 'ds-label', for: 'confirm', 'data-weight': 'regular' }, t('sign.confirm')))),
      confirmError,
      h('div', { class: 'row' }, button(t('sign.button'), async (e) => {
        if (!confirm.checked) {
          confirmError.textContent = t('sign.confirmFirst');
          confirmError.hidden = false;
          confirm.setAttribute('aria-invalid', 'true');
          confirm.focus();
          return;
        }
        const onBehalfOf = main.querySelector('input[name=signas]:checked')?.value;
        feedback.replaceChildren();
        e.target.disabled = true;
        // As SigningActions does: POST …/actions?language=, onBehalfOf only for an organisation.
        const body = { action: 'sign' };
        if (onBehalfOf) body.onBehalfOf = onBehalfOf;
        const r = await api('POST', `${base}/actions${lang}`, body);
        if (r.ok) {
          await render();
          const box = document.getElementById('action-result');
          result(box, 'success', onBehalfOf ? t('sign.doneFor', orgName(onBehalfOf)) : t('sign.done'));
        } else {
          e.target.disabled = false;
          result(feedback, 'danger', t('action.failed', problemText(r)));
        }
      }))));
  } else if (open) {
    actions.push(para(mine?.signedTime ? t('sign.alreadySigned') : t('sign.nothing'), { class: 'ds-paragraph muted' }));
  }
  if (open && isOwner) {
    actions.push(h('section', { class: 'ds-card stack', 'aria-labelledby': 'submit-h' },
      heading(2, t('submit.heading'), { id: 'submit-h' }),
      para(t('submit.intro')),
      h('div', { class: 'row' }, button(t('submit.button'), async (e) => {
        feedback.replaceChildren();
        e.target.disabled = true;
        // As the frontend: the validation first, then PUT process/next with null.
        const v = await api('GET', `${base}/validate${lang}`);
        if (v.ok && v.body.length > 0) {
          e.target.disabled = false;
          result(feedback, 'warning', v.body.map((i) => i.description).join(' '));
          return;
        }
        const r = await api('PUT', `${base}/process/next${lang}`, null);
        if (r.ok) {
          await render();
          result(document.getElementById('action-result'), 'success', t('submit.done'));
        } else {
          e.target.disabled = false;
          result(feedback, r.status === 409 ? 'warning' : 'danger', t('action.failed', problemText(r)));
        }
      }))));
  }
  const mayReject = open && (isOwner || signees.some((s) => s.partyId === state.me.partyId || (orgs.ok && orgs.body.organizations.some((o) => o.partyId === s.partyId))));
  if (mayReject) {
    const reason = h('textarea', { class: 'ds-input', id: 'reject-reason', maxlength: 500, rows: 3, 'aria-describedby': 'reject-reason-help' });
    actions.push(h('section', { class: 'ds-card stack', 'aria-labelledby': 'reject-h' },
      heading(2, t('reject.heading'), { id: 'reject-h' }),
      h('div', { class: 'ds-field' },
        h('label', { class: 'ds-label', for: 'reject-reason' }, t('reject.reason')),
        h('p', { id: 'reject-reason-help', 'data-field': 'description' }, t('reject.help')),
        reason),
      h('div', { class: 'row' }, button(t('reject.button'), async (e) => {
        feedback.replaceChildren();
        e.target.disabled = true;
        // The frontend's reject is PUT process/next {"action":"reject"}; the reason is this API's addition.
        const body = { action: 'reject' };
        if (reason.value.trim()) body.reason = reason.value.trim();
        const r = await api('PUT', `${base}/process/next${lang}`, body);
        if (r.ok) {
          await render();
          result(document.getElementById('action-result'), 'success', t('reject.done'));
        } else {
          e.target.disabled = false;
          result(feedback, 'danger', t('action.failed', problemText(r)));
        }
      }, 'secondary', { 'data-color': 'danger' }))));
  }

  fill(main, ...top,
    alert(taskAlert[0], para(taskAlert[1])),
    feedback,
    h('section', { class: 'stack', 'aria-labelledby': 'signees-h' },
      heading(2, t('signing.signees'), { id: 'signees-h' }),
      table(t('signing.signeesCaption'), [t('col.name'), t('col.organisation'), t('col.status'), t('col.signedAt')], signeeRows, t('signing.noSignees'), true)),
    documents,
    ...actions);
}

// ---------- the timeline ----------

async function renderTimeline(main, partyId, guid) {
  document.title = t('timeline.title');
  const r = await dev('GET', `/dev/instances/${partyId}/${guid}/timeline`);
  if (!r.ok) {
    fill(main, heading(1, t('timeline.title')), alert('danger', para(problemText(r))));
    return;
  }
  const tl = r.body;
  const inst = tl.instance;
  const sections = [];
  for (const e of tl.executions) {
    const rows = (e.states || []).map((s) => [s.name, when(s.entered), s.exited ? when(s.exited) : '–', duration(s.entered, s.exited)]);
    sections.push(h('section', { class: 'stack', 'aria-label': t('timeline.execution', e.name) },
      heading(3, e.name, { class: 'ds-heading mono' }),
      h('div', { class: 'row' }, executionTag(e),
        h('span', { class: 'muted' }, `${when(e.start)}${e.stop ? ' – ' + when(e.stop) : ''}`),
        link(t('timeline.history'), e.history, { target: '_blank', rel: 'noopener' })),
      e.output ? para(h('span', {}, t('timeline.output'), ' ', h('span', { class: 'mono' }, e.output))) : null,
      e.error ? alert('danger', para(`${e.error}: ${e.cause || ''}`)) : null,
      table(t('timeline.states'), [t('col.state'), t('col.entered'), t('col.exited'), t('col.duration')], rows, t('timeline.noStates'))));
  }
  const auditRows = tl.audit.map((a) => [when(a.at), a.action, h('span', { class: 'mono' }, a.signeeKey || '–'), h('span', { class: 'mono' }, a.actor), a.detail || '']);
  const eventRows = tl.events.map((e) => [when(e.time), e.type, h('span', { class: 'mono' }, e.data?.signeeKey || '–'), h('span', { class: 'mono' }, e.id)]);
  const platformRows = tl.platform.map((p) => [when(p.at), p.service, p.what]);
  const callRows = Object.entries(tl.calls).filter(([, n]) => n > 0).map(([op, n]) => [h('span', { class: 'mono' }, op), String(n)]);
  fill(main, 
    heading(1, t('timeline.heading', `${inst.org}/${inst.app}`)),
    para(h('span', {}, t('signing.instance'), ' ', h('span', { class: 'mono' }, inst.guid), ' · ', t('signing.owner', inst.owner))),
    h('div', { class: 'row' }, button(t('refresh'), () => render(), 'secondary'), link(t('timeline.toSigning'), `/signing/${partyId}/${guid}`)),
    tl.errors.length ? alert('warning', ...tl.errors.map((x) => para(x))) : null,
    h('section', { class: 'stack', 'aria-labelledby': 'exec-h' }, heading(2, t('timeline.executions'), { id: 'exec-h' }),
      sections.length ? sections : para(t('timeline.noExecutions'), { class: 'ds-paragraph muted' })),
    h('section', { class: 'stack', 'aria-labelledby': 'audit-h' }, heading(2, t('timeline.audit'), { id: 'audit-h' }),
      table(t('timeline.auditCaption'), [t('col.time'), t('col.action'), t('col.signee'), t('col.actor'), t('col.detail')], auditRows, t('timeline.empty'))),
    h('section', { class: 'stack', 'aria-labelledby': 'events-h' }, heading(2, t('timeline.events'), { id: 'events-h' }),
      table(t('timeline.eventsCaption'), [t('col.time'), t('col.type'), t('col.signee'), t('col.id')], eventRows, t('timeline.empty'))),
    h('section', { class: 'stack', 'aria-labelledby': 'platform-h' }, heading(2, t('timeline.platform'), { id: 'platform-h' }),
      table(t('timeline.platformCaption'), [t('col.time'), t('col.service'), t('col.what')], platformRows, t('timeline.empty')),
      table(t('timeline.callsCaption'), [t('col.operation'), t('col.count')], callRows, t('timeline.empty'))));
}

// ---------- routing ----------

async function render() {
  const main = document.getElementById('main');
  const path = location.pathname;
  let m;
  main.setAttribute('aria-busy', 'true');
  main.dataset.ready = 'false';
  try {
    if ((m = path.match(/^\/signing\/(\d+)\/([0-9a-f-]{36})$/))) {
      renderHeader('');
      await renderSigning(main, m[1], m[2]);
    } else if ((m = path.match(/^\/timeline\/(\d+)\/([0-9a-f-]{36})$/))) {
      renderHeader('');
      await renderTimeline(main, m[1], m[2]);
    } else if (path === '/inbox') {
      renderHeader('inbox');
      await renderInbox(main);
    } else {
      renderHeader('home');
      await renderHome(main);
    }
  } catch (err) {
    fill(main, heading(1, t('error.title')), alert('danger', para(String(err))));
  } finally {
    main.removeAttribute('aria-busy');
    main.dataset.ready = 'true';
  }
}

async function boot() {
  pickLanguage();
  const cfg = await dev('GET', '/dev/config');
  state.config = cfg.body;
  const me = await dev('GET', '/dev/me');
  state.me = me.ok ? me.body : null;
  await render();
}

boot();
