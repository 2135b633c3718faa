// signin.js: the sign-in form. Says "invalid email or password" without
// telling which, shows when to retry after too many attempts (429), and
// returns to the page that sent the browser here (a same-origin path only).
import { api, inWords, safeNext, setFieldError } from './api.js';

const form = document.getElementById('signin-form');
const email = document.getElementById('email');
const password = document.getElementById('password');
const message = document.getElementById('form-message');
const submit = form.querySelector('button[type="submit"]');
const params = new URLSearchParams(location.search);
const next = safeNext(params.get('next')) ?? '/tasks';

if (params.get('expired')) {
  message.classList.add('info');
  message.textContent = 'Your session has expired, please sign in again.';
}
if (params.get('next')) {
  // keep where to return if the person signs up instead
  document.getElementById('signup-link').href = `/signup?next=${encodeURIComponent(next)}`;
}
email.focus();

function show(text, info = false) {
  message.classList.toggle('info', info);
  message.textContent = text;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  setFieldError(email, email.value.trim() ? '' : 'Enter your email.');
  setFieldError(password, password.value ? '' : 'Enter your password.');
  if (!email.value.trim()) { email.focus(); return; }
  if (!password.value) { password.focus(); return; }
  submit.disabled = true;
  show('');
  try {
    await api('POST', '/api/auth/login', { email: email.value.trim(), password: password.value }, { signedIn: false });
    location.assign(next);
  } catch (err) {
    submit.disabled = false;
    if (err.status === 401) {
      show('Invalid email or password.');
      password.select();
      password.focus();
    } else if (err.status === 429) {
      const wait = err.retryAfter ? ` Try again in ${inWords(err.retryAfter)}.` : ' Try again later.';
      show(`Too many sign-in attempts.${wait}`);
    } else if (err.status === 422) {
      setFieldError(email, err.fields.email ? 'Enter a valid email address.' : '');
      setFieldError(password, err.fields.password ? 'Enter your password (8 to 128 characters).' : '');
      show('Please check the highlighted fields.');
    } else {
      show(err.message);
    }
  }
});
