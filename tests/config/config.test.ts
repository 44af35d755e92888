import { readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { assertServingConfig, loadConfig } from '../../src/config';

const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://shop@db.internal:5432/shop' };

describe('configuration', () => {
  it('refuses to start in production without a JWT secret, or with a short one', () => {
    const PUBLIC_URL = 'https://shop.example.com';
    expect(() => loadConfig({ ...PRODUCTION, PUBLIC_URL })).toThrow(/JWT_SECRET is required/);
    expect(() => loadConfig({ ...PRODUCTION, PUBLIC_URL, JWT_SECRET: 'too-short' })).toThrow(/at least 32 characters/);
    expect(loadConfig({ ...PRODUCTION, PUBLIC_URL, JWT_SECRET: 'x'.repeat(32) }).auth.jwtSecret).toBe('x'.repeat(32));
  });

  it('refuses production without DATABASE_URL: the embedded database would come with the public demo admin', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://shop.example.com', JWT_SECRET: 'x'.repeat(32) })).toThrow(
      /DATABASE_URL is required/,
    );
  });

  it('refuses to serve in production without PUBLIC_URL, so links never come from a Host header, but lets CLI steps run', () => {
    const settings = loadConfig({ ...PRODUCTION, JWT_SECRET: 'x'.repeat(32) });
    expect(() => assertServingConfig(settings)).toThrow(/PUBLIC_URL is required/);
    expect(() => assertServingConfig(loadConfig({ ...PRODUCTION, JWT_SECRET: 'x'.repeat(32), PUBLIC_URL: 'https://shop.example.com' }))).not.toThrow();
  });

  it('outside production makes up a random secret, different each time', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const a = loadConfig({ NODE_ENV: 'development' }).auth.jwtSecret;
    const b = loadConfig({ NODE_ENV: 'development' }).auth.jwtSecret;
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(a).not.toBe(b);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/JWT_SECRET is not set/));
    warn.mockRestore();
  });

  it('links password resets to the frontend at PUBLIC_URL unless PASSWORD_RESET_URL says otherwise, and takes only an smtp(s) SMTP_URL', () => {
    const secret = { JWT_SECRET: 'x'.repeat(40) };
    expect(loadConfig({ ...secret, PUBLIC_URL: 'https://shop.example.com/' }).passwordReset.url).toBe('https://shop.example.com/reset-password?uid={uid}&token={token}');
    expect(loadConfig({ ...secret, PASSWORD_RESET_URL: 'https://app.example.com/#/reset/{uid}/{token}' }).passwordReset.url).toBe('https://app.example.com/#/reset/{uid}/{token}');
    expect(loadConfig({ ...secret, SMTP_URL: 'smtps://u:p@mail.example.com:465' }).mail.smtpUrl).toBe('smtps://u:p@mail.example.com:465');
    expect(() => loadConfig({ ...secret, SMTP_URL: 'https://mail.example.com' })).toThrow(/SMTP_URL: an smtp:\/\/ or smtps:\/\/ URL/);
    expect(() => loadConfig({ ...secret, MAIL_LEASE_SECONDS: '10', MAIL_SEND_TIMEOUT_MS: '20000' })).toThrow(/MAIL_LEASE_SECONDS: must be at least twice MAIL_SEND_TIMEOUT_MS/);
    expect(loadConfig(secret).mail).toMatchObject({ smtpUrl: undefined, maxAttempts: 8, retryBaseMs: 30_000, retryMaxMs: 3_600_000, leaseMs: 120_000 });
  });

  it('has the documented defaults', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(40) });
    expect(config).toMatchObject({
      port: 8000,
      corsOrigins: ['http://localhost:4200'],
      auth: { accessTokenSeconds: 300, refreshTokenSeconds: 86_400, bcryptRounds: 12, rateLimitPerMinute: 20 },
      uploads: { dir: 'uploads', maxBytes: 5 * 1024 * 1024 },
      database: { url: undefined, migrateOnStart: true },
    });
  });

  it('names each bad variable in one clear error', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', BCRYPT_ROUNDS: '99', DATABASE_URL: 'not a url', MIGRATE_ON_START: 'maybe' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration:/);
    for (const name of ['PORT', 'BCRYPT_ROUNDS', 'DATABASE_URL', 'MIGRATE_ON_START']) expect(message).toContain(name);
  });

  it('reads comma-separated CORS origins and boolean flags', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(40), CORS_ORIGINS: 'http://a.test, https://b.test', MIGRATE_ON_START: 'false' });
    expect(config.corsOrigins).toEqual(['http://a.test', 'https://b.test']);
    expect(config.database.migrateOnStart).toBe(false);
  });

  it('accepts .env.example as it is, so copying it to .env is a working start', () => {
    const example = dotenv.parse(readFileSync(path.resolve(__dirname, '../../.env.example')));
    expect(() => loadConfig({ ...example, JWT_SECRET: 'x'.repeat(40) })).not.toThrow();
  });
});
