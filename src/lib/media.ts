// Product images on disk. The type is decided by the file's first bytes, never
// by its name or the client's Content-Type; names are chosen by the server.
import { randomUUID } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { config } from '../config';

export interface ImageType {
  extension: 'jpg' | 'png' | 'webp' | 'gif';
  mime: string;
}

const startsWith = (buffer: Buffer, bytes: number[], offset = 0) =>
  buffer.length >= offset + bytes.length && bytes.every((byte, i) => buffer[offset + i] === byte);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

export function detectImageType(buffer: Buffer): ImageType | null {
  if (startsWith(buffer, [0xff, 0xd8, 0xff])) return { extension: 'jpg', mime: 'image/jpeg' };
  if (startsWith(buffer, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { extension: 'png', mime: 'image/png' };
  if (startsWith(buffer, ascii('GIF87a')) || startsWith(buffer, ascii('GIF89a'))) return { extension: 'gif', mime: 'image/gif' };
  if (startsWith(buffer, ascii('RIFF')) && startsWith(buffer, ascii('WEBP'), 8)) return { extension: 'webp', mime: 'image/webp' };
  return null;
}

export const uploadDir = () => path.resolve(config.uploads.dir);

export async function saveImage(buffer: Buffer, type: ImageType): Promise<string> {
  const name = `${randomUUID()}.${type.extension}`;
  await mkdir(uploadDir(), { recursive: true });
  await writeFile(path.join(uploadDir(), name), buffer, { flag: 'wx' });
  return name;
}

/** Removes a stored image; a file that is already gone is not an error. */
export async function removeImage(name: string | null | undefined): Promise<void> {
  if (!name || path.basename(name) !== name) return;
  await unlink(path.join(uploadDir(), name)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** The public URL of a stored image, or null. */
export function mediaUrl(baseUrl: string, name: string | null): string | null {
  return name ? `${baseUrl}/media/${name}` : null;
}
