import { build } from 'esbuild';
import { bundleOptions } from '/work/wt-c2/build/functions.ts';
const name = process.argv[2]!;
const filter = process.argv[3] ?? '';
const result = await build({ ...bundleOptions([name]), metafile: true });
const output = Object.values(result.metafile.outputs)[0]!;
const rows = Object.entries(output.inputs).filter(([p]) => p.includes(filter)).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
for (const [p, i] of rows.slice(0, Number(process.argv[4] ?? 40))) console.log(String(i.bytesInOutput).padStart(7), p.replace(/.*node_modules\//, ''));
