// docs.js: the interactive API reference (swagger-ui, compiled into the
// binary) over /api/openapi.json. "Try it out" runs on this origin: the
// todod_token cookie goes along, or a token pasted under "Authorize".
window.addEventListener('DOMContentLoaded', () => {
  window.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    validatorUrl: null,
    withCredentials: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
  });
});
