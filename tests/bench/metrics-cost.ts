// `npm run bench -- metrics-cost`: what the request metrics add to every
// request, measured in-process where the noise of a 2-core machine under load
// cannot hide a few microseconds: the middleware and its 'close' listener on
// a request object, a million times, against the same loop without it. The
// product read costs about 480-530 us of server CPU (side-by-side's CPU table),
// which is what the answer is a share of.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { requestMetrics } from '../../src/http/request-metrics';
import { metricsRegistry } from '../../src/lib/metrics';

const ROUNDS = 1_000_000;
const PRODUCT_READ_US = 500;

function fakeExchange(): { req: Request; res: Response & EventEmitter } {
  const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true });
  const req = { method: 'GET', baseUrl: '', route: { path: '/api/products/:id' } };
  return { req: req as unknown as Request, res: res as unknown as Response & EventEmitter };
}

function timeLoop(step: (req: Request, res: Response & EventEmitter) => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i += 1) {
    const { req, res } = fakeExchange();
    step(req, res);
    res.emit('close');
  }
  return Number(process.hrtime.bigint() - started) / ROUNDS / 1000;
}

export async function metricsCostBench(): Promise<void> {
  const documented = (path: string) => (path === '/api/products/:id' ? '/api/products/{id}/' : undefined);
  const metrics = requestMetrics(documented);
  const next = () => undefined;
  const bare = (_req: Request, res: Response & EventEmitter) => void res.once('close', () => undefined);
  const measured = (req: Request, res: Response) => metrics(req, res, next);
  // Warm both up, then alternate so drift hits both alike.
  timeLoop(bare);
  timeLoop(measured);
  const runs = { bare: [] as number[], metrics: [] as number[] };
  for (let round = 0; round < 5; round += 1) {
    runs.bare.push(timeLoop(bare));
    runs.metrics.push(timeLoop(measured));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const cost = median(runs.metrics) - median(runs.bare);
  const scrapeStarted = process.hrtime.bigint();
  const text = await metricsRegistry.metrics();
  const scrapeMs = Number(process.hrtime.bigint() - scrapeStarted) / 1e6;
  console.log(`request metrics: ${cost.toFixed(2)} us per request (loop with it ${median(runs.metrics).toFixed(2)} us, without ${median(runs.bare).toFixed(2)} us),`
    + ` ${((cost / PRODUCT_READ_US) * 100).toFixed(2)}% of a product read's ~${PRODUCT_READ_US} us of server CPU`);
  console.log(`one scrape (no database): ${scrapeMs.toFixed(1)} ms, ${text.length} bytes`);
}
