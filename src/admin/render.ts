// Server-rendered pages: Eta templates (escaped by default with <%= %>) in
// views/, always inside the layout, with the signed-in staff member and a
// fresh CSRF token for every form.
import path from 'node:path';
import type { Response } from 'express';
import { Eta } from 'eta';
import { config } from '../config';

const eta = new Eta({ views: path.join(__dirname, 'views'), cache: config.nodeEnv === 'production' });
// Eta's own escaping, minus U+0000: HTML has no way to show one, so a value
// refused for holding a NUL is shown again without it.
const escapeHtml = eta.config.escapeFunction;
eta.configure({ escapeFunction: (value: unknown) => escapeHtml(value).replaceAll('\u0000', '') });

export function render(res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const html = eta.render(view, { ...res.locals, ...data });
  res.status(status).type('html').send(html);
}

/** `?a=1&b=2` for links that keep the list's other parameters. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
