// Bundles the UI entry points into ../wwwroot/dist (ES modules, minified, with source maps).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  absWorkingDir: here,
  entryPoints: ['src/login.ts', 'src/agent.ts', 'src/wallboard.ts', 'src/caller.ts', 'src/admin.ts', 'src/reports.ts'],
  outdir: path.join(here, '..', 'wwwroot', 'dist'),
  bundle: true,
  format: 'esm',
  splitting: true,
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
