// Uploaded images, read-only. express.static refuses paths that escape the
// folder; with fallthrough its refusals and misses become our JSON 404.
import express, { Router } from 'express';
import { z } from 'zod';
import type { Api } from './api';
import { HttpError } from './errors';
import { problemSchema } from './problem';
import { uploadDir } from '../lib/media';

export function mediaRouter(): Router {
  const router = Router();
  router.use((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    next(new HttpError(405, 'Method not allowed.', {}, { Allow: 'GET, HEAD' }));
  });
  router.use(
    express.static(uploadDir(), {
      dotfiles: 'deny',
      index: false,
      redirect: false,
      fallthrough: true,
      immutable: true,
      maxAge: '30d', // names are random and never reused
      setHeaders: (res) => {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      },
    }),
  );
  return router;
}

const imageBytes = { schema: { type: 'string' as const, format: 'binary' } };

export function documentMedia(api: Api): void {
  api.registry.registerPath({
    method: 'get',
    path: '/media/{name}',
    operationId: 'media_retrieve',
    summary: 'A product image',
    description: 'The URLs come from `image` in products; the type is the one detected at upload.',
    tags: ['products'],
    security: [],
    request: { params: z.object({ name: z.string().meta({ example: '3f2b9c1e-8d4a-4c1b-9f0e-2a7d5b6c8e90.png' }) }) },
    responses: {
      200: {
        description: 'The image',
        content: { 'image/jpeg': imageBytes, 'image/png': imageBytes, 'image/webp': imageBytes, 'image/gif': imageBytes },
      },
      404: { description: 'No such image', content: { 'application/problem+json': { schema: problemSchema } } },
    },
  });
}
