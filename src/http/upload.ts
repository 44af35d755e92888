// multipart/form-data with at most one file, kept in memory (it is bounded by
// MAX_UPLOAD_BYTES) until the service has checked its bytes and stored it.
import type { RequestHandler } from 'express';
import multer from 'multer';
import { config } from '../config';
import { HttpError } from './errors';

export const fileTooLargeMessage = () => `The file is too large: at most ${config.uploads.maxBytes} bytes.`;

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
          return next(new HttpError(413, fileTooLargeMessage()));
        }
        const detail = error.code === 'LIMIT_UNEXPECTED_FILE' ? `Unexpected file field "${error.field}": send the file as "${field}".` : error.message;
        return next(new HttpError(400, detail));
      }
      // Malformed multipart bodies (bad boundary, truncated parts).
      next(new HttpError(400, 'Malformed multipart/form-data body.'));
    });
  };
}

/**
 * Memory storage for a form that shows a file over MAX_UPLOAD_BYTES as its
 * field's error: such a file is read to its end and dropped (its size is kept,
 * its bytes are not) instead of aborting the body, so the fields sent after it
 * are parsed too and the form can be shown again with all that was typed.
 */
export function boundedMemoryStorage(maxBytes = config.uploads.maxBytes): multer.StorageEngine {
  return {
    _handleFile(_req, file, done) {
      const chunks: Buffer[] = [];
      let size = 0;
      file.stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
        else chunks.length = 0;
      });
      file.stream.once('error', done);
      file.stream.once('end', () => done(null, size > maxBytes ? { size } : { size, buffer: Buffer.concat(chunks) }));
    },
    _removeFile(_req, _file, done) {
      done(null);
    },
  };
}

/** A file that boundedMemoryStorage read but did not keep. */
export const isTooLarge = (file: Express.Multer.File | undefined, maxBytes = config.uploads.maxBytes): boolean => file !== undefined && file.size > maxBytes;
