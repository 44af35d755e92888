// The knobs the side-by-side table and the ladder share (README, "Benchmarks").
import path from 'node:path';

const env = process.env;
export const SECONDS = Number(env.BENCH_SECONDS ?? 8);
export const WARMUP = Number(env.BENCH_WARMUP_SECONDS ?? 2);
export const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32);
/** The checkout whose server is measured: this one, or e.g. an export of another commit. */
export const SERVER_DIR = path.resolve(env.BENCH_SERVER_DIR ?? path.join(__dirname, '../..'));

export const progress = (line: string) => process.stderr.write(`${line}\n`);
