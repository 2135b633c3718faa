// api.js: the one way the pages speak to todod's JSON API.
// The session is the HttpOnly todod_token cookie: scripts never see a token.
// Any 401 on a signed-in page means the session expired or was revoked:
// go to /signin with a message and come back here afterwards.

export class ApiError extends Error {
  constructor(status, code, message, fields = {}, retryAfter = null) {
    super(message);
    this.status = status; // 0: no answer (network)
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

// Where the browser is now, as a same-origin relative path.
export function here() {
  return location.pathname + location.search;
}

// The path to return to after signing in: only a same-origin relative path
// ("/tasks?q=x"), never "//host", "/\host" or an absolute URL.
export function safeNext(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return null;
  }
  try {
    const url = new URL(value, location.origin);
    if (url.origin !== location.origin) return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

export function goToSignin(expired) {
  const params = new URLSearchParams();
  if (expired) params.set('expired', '1');
  params.set('next', here());
  location.assign('/signin?' + params.toString());
}

// Calls the API. Resolves to {status, data, headers}; rejects with ApiError.
// options.signedIn (default true): a 401 sends the browser to /signin.
export async function api(method, path, body, options = {}) {
  const signedIn = options.signedIn ?? true;
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (options.keepalive) init.keepalive = true;
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach todod. Check your connection.');
  }
  let data = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (res.ok) return { status: res.status, data, headers: res.headers };
  const err = data?.error ?? {};
  if (res.status === 401 && signedIn) {
    goToSignin(true);
    // the page is going away: nothing else should react to this error
    throw new ApiError(401, 'unauthorized', 'Your session has expired, please sign in again.');
  }
  const retry = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
  throw new ApiError(res.status, err.code ?? 'internal', err.message ?? `The server answered ${res.status}.`,
    err.fields ?? {}, Number.isFinite(retry) ? retry : null);
}

// "in 3 minutes" for a Retry-After in seconds.
export function inWords(seconds) {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

// Number of Unicode code points, as the API counts characters.
export function chars(text) {
  return [...text].length;
}

// Shows message next to a field (and marks it invalid), or clears it.
export function setFieldError(input, message) {
  const out = document.getElementById(`${input.id}-error`);
  if (out) out.textContent = message || '';
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}
