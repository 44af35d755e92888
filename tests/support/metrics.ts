// Reading GET /metrics as Prometheus would: the sample lines of the text
// format, and the value of one series before and after what a test does.
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';

export const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
export const appWithMetricsToken = () => createApp({ config: loadConfig({ ...process.env, METRICS_TOKEN }) });

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format, the sample lines only. */
export function samples(text: string): Sample[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const [, name, labelText = '', value] = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    return { name: name!, labels, value: Number(value) };
  });
}

/** One scrape with the token. The registry is the process's, so any app of this worker shows what every app did. */
export async function scrape(): Promise<Sample[]> {
  const res = await request(appWithMetricsToken()).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
  return samples(res.text);
}

/** The sum of the series matching `labels` (0 when none exists yet). */
export function valueOf(all: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

/** How much each of `series` grew while `act` ran. */
export async function growth(series: [string, Record<string, string>?][], act: () => Promise<unknown>): Promise<number[]> {
  const before = await scrape();
  await act();
  const after = await scrape();
  return series.map(([name, labels]) => valueOf(after, name, labels) - valueOf(before, name, labels));
}
