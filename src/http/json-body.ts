// JSON request bodies, parsed only on the routes that take one, each with its
// own size limit. Nesting is checked on the raw bytes before JSON.parse, in
// one linear pass, so nothing after it (our walk, zod) ever meets a deep
// structure: a few KB of brackets cannot exhaust the stack or the event loop.
import express, { type RequestHandler } from 'express';
import { HttpError } from './errors';

export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }

/** True when arrays/objects in this UTF-8 JSON text nest deeper than `max`. Brackets inside strings do not count. */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      depth += 1;
      if (depth > max) return true;
    } else if (CLOSERS.has(byte)) {
      depth -= 1;
    }
  }
  return false;
}

function checkBody(_req: unknown, _res: unknown, body: Buffer, encoding: string | null): void {
  // RFC 8259: JSON between systems is UTF-8; the byte scan relies on it.
  if (encoding && !/^utf-?8$/i.test(encoding)) {
    throw new HttpError(415, `Unsupported charset "${encoding}": JSON must be UTF-8.`);
  }
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new HttpError(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted.`, { code: 'json_too_deep' });
  }
}

const parsers = new Map<string, RequestHandler>();

/** The JSON parser for bodies up to `limit` (e.g. '16kb'), one instance per limit. */
export function jsonBody(limit: string): RequestHandler {
  let parser = parsers.get(limit);
  if (!parser) {
    parser = express.json({ limit, type: ['application/json', 'application/*+json'], verify: checkBody });
    parsers.set(limit, parser);
  }
  return parser;
}
