// RFC 9457 problem documents. `detail` is always present: DRF clients read it.
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().optional(),
    errors: z.record(z.string(), z.array(z.string())).optional(),
    request_id: z.string().optional(),
  })
  .catchall(z.unknown())
  .meta({
    id: 'Problem',
    description: 'An RFC 9457 problem document',
    example: { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Invalid input.', errors: { email: ['Enter a valid email address.'] } },
  });

export type Problem = z.infer<typeof problemSchema>;

export function sendProblem(res: Response, status: number, detail: string, extra: Record<string, unknown> = {}): void {
  const body: Problem = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...extra,
  };
  const requestId = res.getHeader('x-request-id');
  if (typeof requestId === 'string') body.request_id = requestId;
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

export const insufficientStockProblem = problemSchema
  .extend({
    code: z.literal('insufficient_stock'),
    shortages: z.array(
      z.strictObject({ product_id: z.number().int(), name: z.string().nullable(), requested: z.number().int(), available: z.number().int() }),
    ),
  })
  .meta({ id: 'InsufficientStockProblem', description: 'Each product that is short, with what is available' });

export const illegalStatusChangeProblem = problemSchema
  .extend({
    code: z.literal('illegal_status_change'),
    order_status: z.string(),
    allowed: z.array(z.string()),
  })
  .meta({ id: 'IllegalStatusChangeProblem', description: 'The order\'s current status and the changes allowed to you' });

export const pendingOrderLimitProblem = problemSchema
  .extend({
    code: z.literal('pending_order_limit'),
    max_pending_orders: z.number().int(),
  })
  .meta({ id: 'PendingOrderLimitProblem', description: 'The account already holds the most pending (unpaid) orders allowed' });
