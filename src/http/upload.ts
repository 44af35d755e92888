// multipart/form-data with at most one file, kept in memory (it is bounded by
// MAX_UPLOAD_BYTES) until the service has checked its bytes and stored it.
import type { RequestHandler } from 'express';
import multer from 'multer';
import { config } from '../config';
import { HttpError } from './errors';

export function singleFileUpload(field: string): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: config.uploads.maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
  }).single(field);

  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    parse(req, res, (error: unknown) => {
      if (!error) return next();
      if (error instanceof multer.MulterError) {
        if (error.code === 'LIMIT_FILE_SIZE') {
          return next(new HttpError(413, `The file is too large: at most ${config.uploads.maxBytes} bytes.`));
        }
        const detail = error.code === 'LIMIT_UNEXPECTED_FILE' ? `Unexpected file field "${error.field}": send the file as "${field}".` : error.message;
        return next(new HttpError(400, detail));
      }
      // Malformed multipart bodies (bad boundary, truncated parts).
      next(new HttpError(400, 'Malformed multipart/form-data body.'));
    });
  };
}
