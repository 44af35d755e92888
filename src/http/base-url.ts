// The absolute base for links in responses (pagination, image URLs).
import type { Request } from 'express';
import { config } from '../config';
import { HttpError } from './errors';

// host, IPv4 or [IPv6], with an optional port: anything else is not a Host
// header we will copy into links.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * PUBLIC_URL when set (required in production, so a forged Host header can
 * never reach a link); otherwise the request's own host, if well-formed.
 */
export function baseUrl(req: Request): string {
  if (config.publicUrl) return config.publicUrl;
  const host = req.get('host') ?? '';
  if (!HOST.test(host)) throw new HttpError(400, 'Invalid Host header.');
  return `${req.protocol}://${host}`;
}
