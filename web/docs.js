// docs.js: the interactive API reference (swagger-ui, compiled into the
// binary) over /api/openapi.json. "Try it out" runs on this origin: the
// todod_token cookie goes along, or a token pasted under "Authorize".
// swagger-ui leaves a few accessibility gaps; they are closed here as it
// renders (attributes only: its own elements stay as they are).

function mend(root) {
  for (const select of root.querySelectorAll('select#servers:not([aria-label])')) {
    select.setAttribute('aria-label', 'Server');
  }
  // everything inside a landmark: name the parts around swagger-ui's <main>
  const regions = [['.information-container', 'About this API'], ['.scheme-container', 'Server and authorization']];
  for (const [selector, label] of regions) {
    for (const el of root.querySelectorAll(`${selector}:not([aria-label])`)) {
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', label);
    }
  }
  // tags are h3 under the h1 title, and models h4: read them as h2 and h3
  for (const h of root.querySelectorAll('h3.opblock-tag:not([aria-level])')) h.setAttribute('aria-level', '2');
  for (const h of root.querySelectorAll('.models h4:not([aria-level])')) h.setAttribute('aria-level', '2');
}

window.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('swagger-ui');
  new MutationObserver(() => mend(root)).observe(root, { childList: true, subtree: true });
  window.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: false, // its links sit inside buttons
    tryItOutEnabled: false,
    persistAuthorization: false,
    validatorUrl: null,
    withCredentials: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
  });
});
