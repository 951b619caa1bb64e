// @ts-check
// The other JavaScript runtimes poolcall is tested and benchmarked on, each
// installed from its npm package (the package that ships the binary) into
// .runtimes/<name>/ beside the repository's files, once; later runs reuse it.
//
//   node scripts/runtimes.mjs list           the names, one a line
//   node scripts/runtimes.mjs path <name>    installs if missing, prints the binary's path
//   node scripts/runtimes.mjs command <name> the same, then the arguments that run a script
//                                            (tab-separated: binary, then its flags)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(root, '.runtimes');

const platform = process.platform;
const arch = process.arch;
const bunArch = arch === 'arm64' ? 'aarch64' : arch;

/**
 * Each runtime: the npm package shipping its binary for this machine, the
 * version tested, where the binary sits inside the package, and the flags
 * that run a script with the access Node.js gives one.
 * @type {Record<string, { pkg: string, version: string, bin: string, flags: string[] }>}
 */
export const RUNTIMES = {
  node22: { pkg: `node-${platform}-${arch}`, version: '22.23.5', bin: 'bin/node', flags: [] },
  node24: { pkg: `node-${platform}-${arch}`, version: '24.22.3', bin: 'bin/node', flags: [] },
  node26: { pkg: `node-${platform}-${arch}`, version: '26.12.1', bin: 'bin/node', flags: [] },
  bun: {
    pkg: `@oven/bun-${platform}-${bunArch}`,
    version: '1.4.5',
    bin: 'bin/bun',
    flags: ['--bun'],
  },
  deno: {
    pkg: `@deno/${platform}-${arch}${platform === 'linux' ? '-glibc' : ''}`,
    version: '2.9.6',
    bin: 'deno',
    flags: ['run', '-A'],
  },
};

/** Installs runtime `name` into the cache unless it is there; returns its binary's path. */
export function runtimePath(name) {
  const runtime = RUNTIMES[name];
  if (!runtime) {
    throw new Error(
      `Unknown runtime "${name}": expected one of ${Object.keys(RUNTIMES).join(', ')}`,
    );
  }
  const dir = path.join(cache, `${name}-${runtime.version}`);
  const binary = path.join(dir, 'node_modules', runtime.pkg, runtime.bin);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  // The package holds the binary itself: no install script is needed.
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--ignore-scripts',
      '--loglevel=error',
      `${runtime.pkg}@${runtime.version}`,
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!existsSync(binary))
    throw new Error(`${runtime.pkg}@${runtime.version} has no ${runtime.bin}`);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, name] = process.argv.slice(2);
  if (command === 'list') {
    console.log(Object.keys(RUNTIMES).join('\n'));
  } else if ((command === 'path' || command === 'command') && name) {
    const binary = runtimePath(name);
    const flags = command === 'command' ? (RUNTIMES[name]?.flags ?? []) : [];
    console.log([binary, ...flags].join('\t'));
  } else {
    console.error('usage: node scripts/runtimes.mjs list | path <name> | command <name>');
    process.exit(2);
  }
}
