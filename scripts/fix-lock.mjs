// Records lock entries for platform-specific optional binaries of other systems
// (e.g. @biomejs/cli-darwin-arm64), which npm leaves out of the lock when the
// registry does not serve them; without them `npm ci` refuses the lock. They are
// never installed here: their os/cpu fields do not match this machine.
import fs from 'node:fs';

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const platform =
  /(darwin|linux|win32|android|freebsd|openbsd|sunos|aix)-(x64|arm64|arm|ia32|ppc64|s390x|riscv64|loong64)(?:-(musl|gnu|gnueabihf|msvc))?/;
let added = 0;
for (const [key, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const match = platform.exec(name);
    if (!match) continue;
    const base = key === '' ? '' : `${key}/`;
    if (lock.packages[`${base}node_modules/${name}`] || lock.packages[`node_modules/${name}`])
      continue;
    const [, os, cpu, libc] = match;
    lock.packages[`node_modules/${name}`] = {
      version: version.replace(/^[\^~]/, ''),
      cpu: [cpu],
      ...(pkg.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      ...(libc === 'musl' ? { libc: ['musl'] } : {}),
    };
    added++;
  }
}
if (added > 0) fs.writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
