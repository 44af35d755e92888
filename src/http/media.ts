// Uploaded images, read-only. express.static refuses paths that escape the
// folder; with fallthrough its refusals and misses become our JSON 404.
import express, { Router } from 'express';
import { uploadDir } from '../lib/media';

export function mediaRouter(): Router {
  const router = Router();
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
