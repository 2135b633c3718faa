// signup.js: the sign-up form. The API's rules are shown and checked as the
// person types; the server's own field errors land next to their fields.
import { api, chars, inWords, safeNext, setFieldError } from './api.js';

const form = document.getElementById('signup-form');
const message = document.getElementById('form-message');
const submit = form.querySelector('button[type="submit"]');
const next = safeNext(new URLSearchParams(location.search).get('next')) ?? '/tasks';
const inputs = {
  name: document.getElementById('name'),
  email: document.getElementById('email'),
  password: document.getElementById('password'),
};

// local@domain with a dot inside the domain; no blanks (as the API checks).
function isEmail(text) {
  const at = text.indexOf('@');
  if (at < 1 || text.indexOf('@', at + 1) !== -1 || /[\u0000-\u0020\u007f]/.test(text)) return false;
  const domain = text.slice(at + 1);
  return domain.length >= 3 && domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.') &&
    !domain.includes('..');
}

const rules = {
  name: (v) => { const n = chars(v.trim()); return n >= 1 && n <= 100; },
  email: (v) => { const t = v.trim(); return chars(t) <= 254 && isEmail(t); },
  password: (v) => { const n = chars(v); return n >= 8 && n <= 128; },
};
const messages = {
  name: 'Your name must be 1 to 100 characters.',
  email: 'Enter an email address like name@example.com (at most 254 characters).',
  password: 'Your password must be 8 to 128 characters.',
};

// Marks the rule under a field: met, broken (once touched) or still to meet.
function check(field, touched) {
  const ok = rules[field](inputs[field].value);
  const item = document.querySelector(`[data-rule="${field}"]`);
  item.classList.toggle('ok', ok);
  item.classList.toggle('bad', !ok && touched);
  if (ok) setFieldError(inputs[field], '');
  else if (touched) setFieldError(inputs[field], messages[field]);
  return ok;
}

for (const field of Object.keys(inputs)) {
  const input = inputs[field];
  input.addEventListener('input', () => check(field, input.getAttribute('aria-invalid') === 'true'));
  input.addEventListener('blur', () => { if (input.value) check(field, true); });
}
inputs.name.focus();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  message.textContent = '';
  const bad = Object.keys(inputs).filter((field) => !check(field, true));
  if (bad.length) {
    inputs[bad[0]].focus();
    return;
  }
  submit.disabled = true;
  try {
    await api('POST', '/api/auth/register', {
      name: inputs.name.value.trim(),
      email: inputs.email.value.trim(),
      password: inputs.password.value,
    }, { signedIn: false });
    location.assign(next);
  } catch (err) {
    submit.disabled = false;
    if (err.status === 409) {
      setFieldError(inputs.email, 'An account with this email already exists. Sign in instead?');
      inputs.email.focus();
    } else if (err.status === 422) {
      for (const [field, text] of Object.entries(err.fields)) {
        if (inputs[field]) setFieldError(inputs[field], `${field[0].toUpperCase()}${field.slice(1)} ${text}.`);
      }
      message.textContent = 'Please check the highlighted fields.';
      const first = Object.keys(err.fields).find((f) => inputs[f]);
      if (first) inputs[first].focus();
    } else if (err.status === 429) {
      message.textContent = `Too many accounts created from this address. Try again in ${inWords(err.retryAfter ?? 3600)}.`;
    } else {
      message.textContent = err.message;
    }
  }
});
