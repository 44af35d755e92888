// The orders list as CSV, written as it is read: one batch of rows in memory
// at a time, waiting for the client whenever the socket's buffer is full, and
// stopping when the client goes away. Cells are quoted per RFC 4180, and a
// cell a spreadsheet would run as a formula is defused.
import { once } from 'node:events';
import type { Response } from 'express';
import type { AdminOrderRow } from '../modules/orders/orders.admin';

const HEADER = ['order', 'placed_at', 'status', 'cancel_reason', 'payment', 'customer', 'username', 'email', 'city', 'country', 'lines', 'total', 'currency'];

/**
 * One CSV cell. A leading = + - @ (or tab, carriage return) makes Excel and
 * its kin read a formula (`=HYPERLINK(...)` in a customer's name): a leading
 * ' keeps it text (OWASP's CSV injection advice). Then quotes, commas and
 * line breaks are quoted.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: (string | number | null)[]) => `${cells.map(csvCell).join(',')}\r\n`;

function orderLine(o: AdminOrderRow, currency: string): string {
  return csvLine([o.id, o.created_at, o.status, o.cancel_reason, o.payment, o.customer, o.username, o.email, o.city, o.country, o.lines, o.total, currency]);
}

/** Streams the batches to `res` as an attachment named `filename`. */
export async function writeOrdersCsv(res: Response, batches: AsyncIterable<AdminOrderRow[]>, currency: string, filename: string): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(csvLine(HEADER));
  for await (const batch of batches) {
    if (res.destroyed) return; // the client left: read no further batch
    const chunk = batch.map((o) => orderLine(o, currency)).join('');
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  }
  res.end();
}
