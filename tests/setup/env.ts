// Runs in every worker before any module: the settings the app reads at import.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEMPLATE_ENV, workerDatabaseUrl } from '../support/test-databases';

const templateUrl = process.env[TEMPLATE_ENV];
if (!templateUrl) throw new Error('The global setup did not prepare a test database');

Object.assign(process.env, {
  NODE_ENV: 'test',
  DATABASE_URL: workerDatabaseUrl(templateUrl, process.env.JEST_WORKER_ID ?? '1'),
  JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-signing',
  BCRYPT_ROUNDS: '4',
  // Factories hash many passwords at once; the gate's refusals have their own tests.
  PASSWORD_HASH_MAX_WAIT_MS: '30000',
  LOG_LEVEL: 'silent',
  AUTH_RATE_LIMIT_PER_MIN: '0',
  PUBLIC_URL: '',
  CORS_ORIGINS: 'http://localhost:4200',
  UPLOAD_DIR: process.env.UPLOAD_DIR_FOR_TESTS ?? mkdtempSync(path.join(tmpdir(), 'shop-uploads-')),
  // Server processes without SMTP_URL write .eml files: never into the checkout.
  MAIL_DIR: mkdtempSync(path.join(tmpdir(), 'shop-mail-')),
});
