// `npm run bench`: speed targets live here, never in timed tests.
//   npm run bench                              the side-by-side table (every scenario)
//   npm run bench -- side-by-side list detail  some of its scenarios
//   npm run bench -- ladder                    the detail read from bare pg up to this server, layer by layer
//   npm run bench -- catalog-growth            list, search, deep pages and detail at 1k and 1M products
//   npm run bench -- checkout                  the older single bench
import { catalogGrowthBench } from './catalog-growth';
import { checkoutBench } from './checkout';
import { ladderBench } from './ladder';
import { metricsCostBench } from './metrics-cost';
import { sideBySideBench } from './side-by-side';

const benches: Record<string, (args: string[]) => Promise<void>> = {
  'side-by-side': sideBySideBench,
  'catalog-growth': catalogGrowthBench,
  checkout: checkoutBench,
  ladder: ladderBench,
  'metrics-cost': metricsCostBench,
};

async function main(): Promise<void> {
  const [name = 'side-by-side', ...args] = process.argv.slice(2);
  const run = benches[name];
  if (!run) throw new Error(`unknown bench "${name}"; known: ${Object.keys(benches).join(', ')}`);
  console.log(`\n== ${name}`);
  await run(args);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
