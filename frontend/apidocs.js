// /api/docs: Swagger UI over the app's own OpenAPI document, bundled (no CDN).
//   EgovApiDocs.open('#docs', '/api/openapi.json')

import 'swagger-ui-dist/swagger-ui.css';
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-bundle.js';

function open(el, url) {
  return SwaggerUIBundle({
    url,
    domNode: typeof el === 'string' ? document.querySelector(el) : el,
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
    // requests made by "Try it out" carry the page's session cookie and CSRF token like the app's own
    requestInterceptor: req => {
      const token = document.querySelector('meta[name="csrf-token"]');
      if (token) {
        req.headers['X-CSRFToken'] = token.content;
      }
      return req;
    }
  });
}

window.EgovApiDocs = { open };
