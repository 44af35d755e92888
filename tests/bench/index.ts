// `npm run bench`: speed targets live here, never in timed tests.
import { catalogSearchBench } from './catalog-search';
import { checkoutBench } from './checkout';

const benches: Record<string, () => Promise<void>> = { 'catalog-search': catalogSearchBench, checkout: checkoutBench };

async function main(): Promise<void> {
  const only = process.argv[2];
  for (const [name, run] of Object.entries(benches)) {
    if (only && only !== name) continue;
    console.log(`\n== ${name}`);
    await run();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
