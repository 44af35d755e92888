// autocannon, run in this process, with what each run cost in CPU: the
// server's (from /proc) and the load generator's own, which shares the two
// cores with the server and PostgreSQL and so is worth knowing.
import autocannon from 'autocannon';
import { cpuSeconds, machineBusySeconds, peakRssMb, resetPeakRss } from './processes';

export type Load = Omit<autocannon.Options, 'url' | 'connections' | 'duration'>;

export interface Measured {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50: number;
  p99: number;
  /** Status codes other than 2xx, and connection errors/timeouts, with their counts. */
  failures: Record<string, number>;
  /** Percent of one core used during the run. */
  serverCpu: number;
  loaderCpu: number;
  /** Percent of one core the whole machine was busy: more than server + loader + PostgreSQL means someone else was running. */
  machineCpu: number;
  /** The server's peak resident memory during this run alone, in MB. */
  peakRss: number;
}

/** `load.path` is appended to `base`: autocannon takes the default path from the URL, not from `path`. */
export function start(base: string, load: Load, connections: number, seconds: number): autocannon.Instance {
  const { path = '', ...rest } = load;
  return autocannon({ url: base + path, connections, duration: seconds, timeout: 30, ...rest });
}

export async function measure(url: string, pid: number, load: Load, connections: number, seconds: number): Promise<Measured> {
  resetPeakRss(pid);
  const serverBefore = cpuSeconds(pid);
  const loaderBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const wall = performance.now();
  const result = await start(url, load, connections, seconds);
  const elapsed = (performance.now() - wall) / 1000;
  const loader = process.cpuUsage(loaderBefore);
  const failures: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith('2') && Number(count) > 0) failures[code] = Number(count);
  }
  if (result.errors) failures.errors = result.errors;
  if (result.timeouts) failures.timeouts = result.timeouts;
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures,
    serverCpu: (100 * (cpuSeconds(pid) - serverBefore)) / elapsed,
    loaderCpu: (100 * (loader.user + loader.system)) / 1e6 / elapsed,
    machineCpu: (100 * (machineBusySeconds() - machineBefore)) / elapsed,
    peakRss: peakRssMb(pid),
  };
}
