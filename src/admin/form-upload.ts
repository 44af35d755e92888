// The admin's multipart forms: one optional image beside text fields. An
// image over MAX_UPLOAD_BYTES does not break the form: it is read but not
// kept, and the form shows uploadTooLarge() as the image field's error, with
// everything else that was typed.
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { boundedMemoryStorage, isTooLarge } from '../http/upload';

const upload = multer({ storage: boundedMemoryStorage(), limits: { files: 1, fields: 30, fieldSize: 64 * 1024 } }).single('image');
const tooLarge = new WeakSet<Request>();

/** A body that is not well-formed multipart is the client's error (400), never a 500. */
export const readMultipart: RequestHandler = (req, res, next) => {
  upload(req, res, (error?: unknown) => {
    if (error && !(error instanceof multer.MulterError)) return next(Object.assign(new Error('The form could not be read.'), { status: 400, cause: error }));
    if (isTooLarge(req.file)) {
      tooLarge.add(req);
      delete req.file;
    }
    next(error);
  });
};

export const uploadTooLarge = (req: Request): boolean => tooLarge.has(req);
