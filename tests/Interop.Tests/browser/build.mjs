// Bundles the two stock libraries' test phones for a plain page (IIFE), and copies the page, into dist/.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
await mkdir(dist, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: ['src/jssip-phone.js', 'src/sipjs-phone.js'],
  outdir: dist,
  bundle: true,
  format: 'iife',
  target: ['es2022'],
  sourcemap: true,
  logLevel: 'warning',
});
await copyFile(path.join(here, 'src', 'phone.html'), path.join(dist, 'phone.html'));
