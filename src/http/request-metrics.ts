// Every request's duration, in the histogram GET /metrics serves, under its
// route's template (`/api/products/{id}/`), never its URL: an id or a
// scanner's made-up path would make a new series each. Requests that no route
// matched (404s of unknown paths) share one label.
import type { Request, RequestHandler } from 'express';
import { httpRequestDuration, httpRequestsInFlight } from '../lib/metrics';

export const UNMATCHED_ROUTE = 'unmatched';

// Route paths are the app's own, so there are few; the cap only guards
// against a router mounted on a parameterised path.
const MAX_TEMPLATES = 500;
const templates = new Map<string, string>();

/** `/api/products/:id` (Express) as the API documents it: `/api/products/{id}/`. */
export type TemplateOf = (expressPath: string) => string | undefined;

function routeLabel(req: Request, documented: TemplateOf): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route !== 'string') {
    // A router's own middleware answered (static files under /media, /docs): its mount path.
    return req.baseUrl ? labelFor(`${req.baseUrl}/*`, documented) : UNMATCHED_ROUTE;
  }
  return labelFor(req.baseUrl + route, documented);
}

function labelFor(expressPath: string, documented: TemplateOf): string {
  let label = templates.get(expressPath);
  if (label === undefined) {
    if (templates.size >= MAX_TEMPLATES) return UNMATCHED_ROUTE;
    label = documented(expressPath) ?? expressPath.replace(/:(\w+)/g, '{$1}');
    templates.set(expressPath, label);
  }
  return label;
}

export function requestMetrics(documented: TemplateOf = () => undefined): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    httpRequestsInFlight.inc();
    res.once('close', () => {
      httpRequestsInFlight.dec();
      // A client that hung up before the response finished has no status to count.
      if (!res.writableFinished) return;
      httpRequestDuration.observe(
        { method: req.method, route: routeLabel(req, documented), status: res.statusCode },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
