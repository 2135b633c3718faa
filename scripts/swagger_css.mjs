// swagger_css.mjs CSS OUTDIR: writes OUTDIR/swagger-ui.css with each inline
// data: image of CSS moved to its own file (OUTDIR/swagger-img-N.EXT), so
// the API reference works under a Content-Security-Policy of 'self' only.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [css, outDir] = process.argv.slice(2);
if (!css || !outDir) {
  console.error('usage: swagger_css.mjs CSS OUTDIR');
  process.exit(2);
}
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const types = { 'image/svg+xml': 'svg', 'image/png': 'png', 'image/jpeg': 'jpeg' };
let n = 0;
const text = readFileSync(css, 'utf8').replace(/url\((["']?)data:([^;,]+)(;charset=[^;,]+)?(;base64)?,(.*?)\1\)/g,
  (match, quote, type, charset, base64, data) => {
    const ext = types[type];
    if (!ext) throw new Error(`swagger_css: unexpected data: type ${type}`);
    let bytes;
    if (base64) bytes = Buffer.from(data, 'base64');
    else bytes = Buffer.from(decodeURIComponent(data.replace(/\\"/g, '"').replace(/\\'/g, "'")), 'utf8');
    n += 1;
    const name = `swagger-img-${n}.${ext}`;
    writeFileSync(path.join(outDir, name), bytes);
    return `url("${name}")`;
  });
if (text.includes('data:')) throw new Error('swagger_css: a data: URL is left');
writeFileSync(path.join(outDir, 'swagger-ui.css'), text);
