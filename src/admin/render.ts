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

/**
 * A sortable column's header: a link that sorts by `column` ascending, or
 * descending when it already sorts ascending, with aria-sort and an arrow on
 * the column the list is sorted by. `href(sort)` is the list's URL for a sort
 * (its query string encoded; labels are the code's own), emitted raw.
 */
export function sortHeader(column: string, label: string, current: string | undefined, href: (sort: string) => string): string {
  const state = current === column ? 'ascending' : current === `-${column}` ? 'descending' : null;
  // An encoded query string holds no < > or ", and its & separators stay as they are.
  const escape = (text: string) => text.replace(/[<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const arrow = state ? ` <span aria-hidden="true">${state === 'ascending' ? '▲' : '▼'}</span>` : '';
  return `<th scope="col"${state ? ` aria-sort="${state}"` : ''}><a href="${escape(href(current === column ? `-${column}` : column))}">${escape(label)}</a>${arrow}</th>`;
}
