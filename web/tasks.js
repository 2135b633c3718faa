// tasks.js: the signed-in view. Who is signed in and the counts come with
// the page (data-* on <body>), so the one API call after the HTML is the
// list. Filter, search and sort live in the URL. Changes show at once and
// are rolled back, with a message, when the server refuses them; what was
// typed stays where it was typed until it is saved.
import { api, chars, setFieldError } from './api.js';

const $ = (id) => document.getElementById(id);
const PAGE = 50;
const UNDO_MS = 5000;
const STATUSES = ['all', 'pending', 'completed'];
const SORTS = ['created', 'updated', 'title'];

const boot = document.body.dataset;
const counts = { pending: Number(boot.pending) || 0, done: Number(boot.done) || 0 };
const view = { status: 'all', q: '', sort: 'created', order: 'desc' };
const list = { tasks: [], total: 0, loading: false, seq: 0, retry: null, retryMs: 2000 };
let pendingDelete = null; // {task, index, timer}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

// ---- URL -------------------------------------------------------------------

function readUrl() {
  const p = new URLSearchParams(location.search);
  view.status = STATUSES.includes(p.get('status')) ? p.get('status') : 'all';
  view.q = (p.get('q') ?? '').slice(0, 200);
  view.sort = SORTS.includes(p.get('sort')) ? p.get('sort') : 'created';
  view.order = ['asc', 'desc'].includes(p.get('order')) ? p.get('order') : 'desc';
}

function viewQuery() {
  const p = new URLSearchParams();
  if (view.status !== 'all') p.set('status', view.status);
  if (view.q) p.set('q', view.q);
  if (view.sort !== 'created') p.set('sort', view.sort);
  if (view.order !== 'desc') p.set('order', view.order);
  return p;
}

function writeUrl(push) {
  const query = viewQuery().toString();
  const url = location.pathname + (query ? `?${query}` : '');
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

function syncControls() {
  for (const b of document.querySelectorAll('[data-status]')) {
    b.setAttribute('aria-pressed', String(b.dataset.status === view.status));
  }
  const search = $('search');
  if (search.value !== view.q) search.value = view.q;
  $('sort').value = `${view.sort}:${view.order}`;
}

// ---- messages --------------------------------------------------------------

function announce(text) {
  $('status').textContent = '';
  // a fresh node text is announced even when it repeats
  requestAnimationFrame(() => { $('status').textContent = text; });
}

function banner(text) {
  $('banner').textContent = text || '';
}

function renderCounts() {
  $('counts').innerHTML = '';
  const strong = (n) => { const s = document.createElement('strong'); s.textContent = String(n); return s; };
  $('counts').append(strong(counts.pending), ' pending · ', strong(counts.done), ' done');
}

// ---- the list ----------------------------------------------------------------

function icon(path) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  p.setAttribute('fill', 'none');
  p.setAttribute('stroke', 'currentColor');
  p.setAttribute('stroke-width', '2');
  p.setAttribute('stroke-linecap', 'round');
  p.setAttribute('stroke-linejoin', 'round');
  svg.append(p);
  return svg;
}

const PENCIL = 'M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4';
const TRASH = 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3';

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'for' || k === 'role') node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function itemFor(task) {
  const id = `task-${task.id}`;
  const check = el('input', { type: 'checkbox', class: 'check', id: `${id}-done`, checked: task.completed });
  check.setAttribute('aria-label', `Done: ${task.title}`);
  check.addEventListener('change', () => toggle(task, check));

  const created = new Date(task.created_at);
  const time = el('time', { dateTime: task.created_at, title: fullFormat.format(created) }, dateFormat.format(created));
  const body = el('div', { class: 'task-body' },
    el('p', { class: 'task-title', id: `${id}-title` }, task.title),
    task.description ? el('p', { class: 'task-desc' }, task.description) : null,
    el('p', { class: 'task-meta' },
      el('span', { class: task.completed ? 'badge done' : 'badge' }, task.completed ? 'Done' : 'Pending'),
      el('span', {}, 'Created ', time)),
    el('p', { class: 'field-error', id: `${id}-error`, role: 'alert' }));

  const edit = el('button', { type: 'button', class: 'icon-button', 'aria-label': `Edit: ${task.title}` }, icon(PENCIL));
  edit.addEventListener('click', () => startEdit(task));
  const del = el('button', { type: 'button', class: 'icon-button danger', 'aria-label': `Delete: ${task.title}` }, icon(TRASH));
  del.addEventListener('click', () => remove(task));

  const li = el('li', { class: task.completed ? 'task done' : 'task', id, 'data-id': String(task.id) },
    check, body, el('div', { class: 'task-actions' }, edit, del));
  return li;
}

function render() {
  const ul = $('list');
  ul.replaceChildren(...list.tasks.map(itemFor));
  ul.setAttribute('aria-busy', 'false');
  const empty = list.tasks.length === 0 && !list.loading;
  $('empty').hidden = !empty;
  if (empty) {
    const filtered = view.q || view.status !== 'all';
    $('empty-title').textContent = filtered ? 'No matching tasks' : 'Nothing here yet';
    $('empty-text').textContent = filtered
      ? 'Try another search or filter.'
      : 'Add your first task above: type a title and press Enter.';
  }
  $('more').hidden = list.tasks.length >= list.total;
}

function replaceItem(task) {
  const old = $(`task-${task.id}`);
  const fresh = itemFor(task);
  if (old) old.replaceWith(fresh);
  return fresh;
}

function apiPath(offset) {
  const p = new URLSearchParams({ status: view.status, sort: view.sort, order: view.order, limit: String(PAGE), offset: String(offset) });
  if (view.q) p.set('q', view.q);
  return `/api/tasks?${p}`;
}

// Loads the first page (reset) or the next one. A newer load wins.
async function load(reset) {
  if (!reset && (list.loading || list.tasks.length >= list.total)) return;
  const seq = ++list.seq;
  list.loading = true;
  clearTimeout(list.retry);
  if (reset) $('list').setAttribute('aria-busy', 'true');
  try {
    const { data } = await api('GET', apiPath(reset ? 0 : list.tasks.length));
    if (seq !== list.seq) return;
    list.tasks = reset ? data.tasks : list.tasks.concat(data.tasks.filter((t) => !list.tasks.some((o) => o.id === t.id)));
    list.total = data.total;
    list.retryMs = 2000;
    banner('');
    list.loading = false;
    render();
    if (reset) announce(`${data.total} task${data.total === 1 ? '' : 's'}`);
    maybeLoadMore();
  } catch (err) {
    if (seq !== list.seq) return;
    list.loading = false;
    if (err.status === 401) return; // on the way to /signin
    if (err.status === 0) {
      banner('Connection lost. Retrying…');
      list.retry = setTimeout(() => load(reset), list.retryMs);
      list.retryMs = Math.min(list.retryMs * 2, 15000);
    } else {
      banner(`Could not load your tasks: ${err.message}`);
    }
  }
}

// The next page loads when the end of the list comes near the viewport.
function maybeLoadMore() {
  const near = $('sentinel').getBoundingClientRect().top < window.innerHeight + 200;
  if (near && list.tasks.length < list.total) load(false);
}

// ---- changes -----------------------------------------------------------------

function itemError(task, text) {
  const out = $(`task-${task.id}-error`);
  if (out) out.textContent = text || '';
}

async function toggle(task, check) {
  const before = task.completed;
  const next = check.checked;
  task.completed = next;
  counts.pending += next ? -1 : 1;
  counts.done += next ? 1 : -1;
  renderCounts();
  const li = replaceItem(task);
  li.querySelector('.check').focus();
  try {
    const { data } = await api('PATCH', `/api/tasks/${task.id}/complete`, { completed: next });
    Object.assign(task, data);
    announce(next ? `Done: ${task.title}` : `Pending again: ${task.title}`);
  } catch (err) {
    if (err.status === 401) return;
    task.completed = before;
    counts.pending += next ? 1 : -1;
    counts.done += next ? -1 : 1;
    renderCounts();
    const back = replaceItem(task);
    back.querySelector('.check').focus();
    itemError(task, `Could not save: ${err.message} The change was undone.`);
  }
}

function startEdit(task) {
  const li = $(`task-${task.id}`);
  if (!li) return;
  const id = `edit-${task.id}`;
  const title = el('input', { type: 'text', id: `${id}-title`, value: task.title, autocomplete: 'off' });
  title.setAttribute('aria-describedby', `${id}-title-error`);
  const desc = el('textarea', { id: `${id}-description`, rows: 2, value: task.description ?? '', placeholder: 'Details (optional)' });
  desc.setAttribute('aria-describedby', `${id}-description-error`);
  const save = el('button', { type: 'submit', class: 'button small' }, 'Save');
  const cancel = el('button', { type: 'button', class: 'button ghost small' }, 'Cancel');
  const form = el('form', { class: 'edit-form', noValidate: true, 'aria-label': `Edit: ${task.title}` },
    el('label', { class: 'visually-hidden', for: title.id }, 'Title'), title,
    el('p', { class: 'field-error', id: `${id}-title-error` }),
    el('label', { class: 'visually-hidden', for: desc.id }, 'Description'), desc,
    el('p', { class: 'field-error', id: `${id}-description-error` }),
    el('p', { class: 'field-error', id: `${id}-error`, role: 'alert' }),
    el('div', { class: 'edit-actions' }, cancel, save));
  li.replaceChildren(form);
  title.focus();
  title.select();

  const close = () => { replaceItem(task).querySelector('.icon-button').focus(); };
  cancel.addEventListener('click', close);
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = title.value.trim();
    const d = desc.value;
    setFieldError(title, chars(t) >= 1 && chars(t) <= 200 ? '' : 'A title must be 1 to 200 characters.');
    setFieldError(desc, chars(d) <= 1000 ? '' : 'A description must be at most 1000 characters.');
    if (title.getAttribute('aria-invalid') || desc.getAttribute('aria-invalid')) return;
    save.disabled = true;
    $(`${id}-error`).textContent = '';
    try {
      const { data } = await api('PATCH', `/api/tasks/${task.id}`, { title: t, description: d.trim() ? d : null });
      Object.assign(task, data);
      close();
      announce(`Saved: ${task.title}`);
    } catch (err) {
      if (err.status === 401) return;
      save.disabled = false;
      if (err.status === 422) {
        setFieldError(title, err.fields.title ? `Title ${err.fields.title}.` : '');
        setFieldError(desc, err.fields.description ? `Description ${err.fields.description}.` : '');
      }
      // what was typed stays in the form
      $(`${id}-error`).textContent = `Could not save: ${err.message} Your text is kept; try again.`;
    }
  });
}

function hideToast() {
  $('toast').hidden = true;
}

// Deletion waits UNDO_MS for an undo before it is sent.
async function commitDelete() {
  const pending = pendingDelete;
  if (!pending) return;
  pendingDelete = null;
  clearTimeout(pending.timer);
  hideToast();
  try {
    await api('DELETE', `/api/tasks/${pending.task.id}`, undefined, { keepalive: true });
  } catch (err) {
    if (err.status === 401) return;
    if (err.status === 404) return; // already gone
    restore(pending);
    itemError(pending.task, `Could not delete: ${err.message} The task is back.`);
  }
}

function restore(pending) {
  const { task, index } = pending;
  list.tasks.splice(Math.min(index, list.tasks.length), 0, task);
  list.total += 1;
  if (task.completed) counts.done += 1;
  else counts.pending += 1;
  renderCounts();
  render();
}

function remove(task) {
  if (pendingDelete) commitDelete();
  const index = list.tasks.indexOf(task);
  if (index < 0) return;
  const li = $(`task-${task.id}`);
  const after = li?.nextElementSibling ?? li?.previousElementSibling;
  list.tasks.splice(index, 1);
  list.total -= 1;
  if (task.completed) counts.done -= 1;
  else counts.pending -= 1;
  renderCounts();
  render();
  const focusId = after?.id;
  ($(focusId)?.querySelector('.check') ?? $('new-title')).focus();
  pendingDelete = { task, index, timer: setTimeout(commitDelete, UNDO_MS) };
  $('toast-text').textContent = `Deleted “${task.title}”`;
  $('toast').hidden = false;
  announce(`Deleted: ${task.title}. Undo is available for five seconds.`);
}

$('toast-undo').addEventListener('click', () => {
  const pending = pendingDelete;
  if (!pending) return;
  pendingDelete = null;
  clearTimeout(pending.timer);
  hideToast();
  restore(pending);
  $(`task-${pending.task.id}`)?.querySelector('.check').focus();
  announce(`Restored: ${pending.task.title}`);
});

// ---- adding ----------------------------------------------------------------

const addForm = $('add-form');
const newTitle = $('new-title');
const newDesc = $('new-description');

// What is typed in the composer survives a trip to /signin (an expired
// session) or a reload, until it is added.
const DRAFT = 'todod.draft';
function saveDraft() {
  try {
    sessionStorage.setItem(DRAFT, JSON.stringify({ title: newTitle.value, description: newDesc.value }));
  } catch {
    // storage may be off: the draft then lives as long as the page
  }
}
function restoreDraft() {
  try {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT) ?? 'null');
    if (draft) {
      newTitle.value = draft.title ?? '';
      newDesc.value = draft.description ?? '';
    }
  } catch {
    // nothing kept
  }
}
newTitle.addEventListener('input', saveDraft);
newDesc.addEventListener('input', saveDraft);

newDesc.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) addForm.requestSubmit();
});

addForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const title = newTitle.value.trim();
  const description = newDesc.value;
  setFieldError(newTitle, chars(title) >= 1 && chars(title) <= 200 ? '' : 'A title must be 1 to 200 characters.');
  setFieldError(newDesc, chars(description) <= 1000 ? '' : 'A description must be at most 1000 characters.');
  if (newTitle.getAttribute('aria-invalid')) { newTitle.focus(); return; }
  if (newDesc.getAttribute('aria-invalid')) { newDesc.focus(); return; }
  const button = addForm.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const body = { title };
    if (description.trim()) body.description = description;
    const { data } = await api('POST', '/api/tasks', body);
    newTitle.value = '';
    newDesc.value = '';
    saveDraft();
    counts.pending += 1;
    renderCounts();
    announce(`Added: ${data.title}`);
    if (view.sort === 'created' && view.order === 'desc' && view.status !== 'completed' && !view.q) {
      list.tasks.unshift(data);
      list.total += 1;
      render();
    } else {
      load(true);
    }
  } catch (err) {
    if (err.status === 401) return;
    // what was typed stays in the fields
    if (err.status === 422) {
      setFieldError(newTitle, err.fields.title ? `Title ${err.fields.title}.` : '');
      setFieldError(newDesc, err.fields.description ? `Description ${err.fields.description}.` : '');
    } else {
      setFieldError(newTitle, `Could not add the task: ${err.message} Your text is kept; try again.`);
    }
  } finally {
    button.disabled = false;
    newTitle.focus();
  }
});

// ---- filter, search, sort ----------------------------------------------------

for (const b of document.querySelectorAll('[data-status]')) {
  b.addEventListener('click', () => {
    if (view.status === b.dataset.status) return;
    view.status = b.dataset.status;
    syncControls();
    writeUrl(true);
    load(true);
  });
}

let searchTimer = null;
$('search').addEventListener('input', (e) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    const q = e.target.value.slice(0, 200);
    if (q === view.q) return;
    // the first keystroke of a search makes a history entry, the rest replace it
    const push = !view.q;
    view.q = q;
    writeUrl(push);
    load(true);
  }, 250);
});

$('sort').addEventListener('change', (e) => {
  const [sort, order] = e.target.value.split(':');
  view.sort = sort;
  view.order = order;
  writeUrl(true);
  load(true);
});

window.addEventListener('popstate', () => {
  readUrl();
  syncControls();
  load(true);
});

// ---- session -----------------------------------------------------------------

$('signout').addEventListener('click', async () => {
  await commitDelete();
  try {
    await api('POST', '/api/auth/logout', undefined, { signedIn: false });
  } catch {
    // signed out already, or the server is away: the cookie goes either way
  }
  location.assign('/signin');
});

window.addEventListener('pagehide', () => { commitDelete(); });
window.addEventListener('online', () => { if ($('banner').textContent) load(true); });

// ---- start -------------------------------------------------------------------

$('who').textContent = boot.name ? `${boot.name} · ${boot.email}` : '';
$('who').title = boot.email ?? '';
$('more-button').addEventListener('click', () => load(false));
new IntersectionObserver(maybeLoadMore, { rootMargin: '200px' }).observe($('sentinel'));

readUrl();
syncControls();
renderCounts();
restoreDraft();
load(true);
