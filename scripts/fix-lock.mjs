// Records lock entries for the @biomejs platform binaries of other systems, which npm
// leaves out when the registry does not serve them; without them `npm ci` refuses the lock.
import fs from 'node:fs';
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const biome = lock.packages['node_modules/@biomejs/biome'];
const plat = { 'win32-x64': ['win32','x64'], 'win32-arm64': ['win32','arm64'], 'darwin-x64': ['darwin','x64'], 'darwin-arm64': ['darwin','arm64'], 'linux-x64': ['linux','x64'], 'linux-arm64': ['linux','arm64'], 'linux-x64-musl': ['linux','x64'], 'linux-arm64-musl': ['linux','arm64'], 'android-x64': ['android','x64'], 'android-arm64': ['android','arm64'] };
for (const [name, version] of Object.entries(biome.optionalDependencies)) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu] = plat[name.replace('@biomejs/cli-', '')];
  lock.packages[key] = { version, cpu: [cpu], dev: true, license: 'MIT OR Apache-2.0', optional: true, os: [os], engines: { node: '>=14.21.3' } };
  if (name.endsWith('musl')) lock.packages[key].libc = ['musl'];
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
