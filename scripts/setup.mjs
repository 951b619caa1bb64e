// Makes `npm start` and `npm test` work on a fresh clone: installs dependencies
// when they are missing or stale, then builds.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const stale =
  !existsSync('node_modules/.package-lock.json') ||
  statSync('package-lock.json').mtimeMs > statSync('node_modules/.package-lock.json').mtimeMs;
if (stale)
  execSync('node scripts/fix-lock.mjs && npm ci --no-audit --no-fund', { stdio: 'inherit' });
execSync('npm run build', { stdio: 'inherit' });
