// Creates a PGlite data directory, run as its own short-lived process by pglite.ts: PostgreSQL's
// initdb grows PGlite's WebAssembly memory to ~800 MB, which is never given back, so done in the
// platform's process it would stay the platform's footprint (~300 MB when the directory exists).
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: pglite-initdb <data directory>\n');
  process.exit(2);
}
const db = await PGlite.create({ dataDir: dir });
await db.close();
