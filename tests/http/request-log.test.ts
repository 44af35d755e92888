// One line per request with its id, method, path and status, at a level that
// follows the status; lines logged while handling it carry the same id.
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { requestLog } from '../../src/http/request-log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('request logging', () => {
  it('logs each request once, with the id it answers in x-request-id', async () => {
    const { lines, logger } = capture();
    const app = express().use(requestLog(logger));
    app.get('/ok', (req, res) => {
      req.log.info({ step: 'inside' }, 'working');
      res.json({});
    });
    app.get('/missing', (_req, res) => res.status(404).json({}));
    app.get('/broken', (_req, res) => res.status(500).json({}));

    const ok = await request(app).get('/ok?x=1').set('x-request-id', 'trace-7').expect(200);
    await request(app).get('/missing').expect(404);
    await request(app).get('/broken').expect(500);

    expect(ok.headers['x-request-id']).toBe('trace-7');
    expect(lines.find((l) => l.step === 'inside')).toMatchObject({ reqId: 'trace-7', msg: 'working' });
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => [l.level, (l.req as { url: string }).url, (l.res as { status: number }).status])).toEqual([
      [30, '/ok?x=1', 200],
      [40, '/missing', 404],
      [50, '/broken', 500],
    ]);
    expect(completed[0]).toMatchObject({ reqId: 'trace-7', req: { method: 'GET' }, responseTime: expect.any(Number) });
  });

  it('writes the completed line to the access logger and what handlers log to the main one, with one id', async () => {
    const main = capture();
    const access = capture();
    const app = express().use(requestLog(main.logger, access.logger));
    app.get('/ok', (req, res) => {
      req.log.warn({ step: 'inside' }, 'working');
      res.json({});
    });
    await request(app).get('/ok').set('x-request-id', 'trace-9').expect(200);
    expect(main.lines.map((l) => [l.msg, l.reqId])).toEqual([['working', 'trace-9']]);
    expect(access.lines.map((l) => [l.msg, l.reqId])).toEqual([['request completed', 'trace-9']]);
  });

  it('writes nothing for requests below the configured level', async () => {
    const { lines, logger } = capture();
    logger.level = 'warn';
    const app = express().use(requestLog(logger)).get('/ok', (_req, res) => res.json({}));
    await request(app).get('/ok').expect(200);
    expect(lines).toEqual([]);
  });
});
