// Where the suite's databases live. Each Jest worker gets its own database,
// cloned from a migrated template, so tests in different workers never meet.
export const TEMPLATE_ENV = 'SHOP_TEST_TEMPLATE_URL';

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

export function workerDatabaseUrl(templateUrl: string, worker: string | number): string {
  return databaseUrl(templateUrl, `${databaseName(templateUrl)}_w${worker}`);
}
