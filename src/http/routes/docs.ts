import { Hono } from "hono";
import { buildOpenApiDocument } from "../openapi.js";

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>stackledger API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<noscript><p>The API description is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></noscript>
<script id="api-reference" data-url="/v1/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>`;

/** GET /v1/openapi.json and GET /docs (a reader for it). */
export function docsRoutes() {
  const app = new Hono();
  let document: Record<string, unknown> | undefined;
  app.get("/v1/openapi.json", (c) => {
    document ??= buildOpenApiDocument();
    return c.json(document);
  });
  app.get("/docs", (c) => c.html(PAGE));
  return app;
}
