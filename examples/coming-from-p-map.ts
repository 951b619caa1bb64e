/**
 * p-map's documented examples, written with poolcall. Network calls are
 * replaced by a local stand-in (`head`), so every example runs offline.
 *
 * Run it: `npx tsx examples/coming-from-p-map.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url';
import { alcall, imap } from 'poolcall';

/** A stand-in for `got.head(url)`: resolves `{ requestUrl }` after a tick, rejects for unknown hosts. */
export async function head(site: string): Promise<{ requestUrl: string }> {
  await new Promise((resolve) => setImmediate(resolve));
  if (site.includes('invalid')) throw new Error(`getaddrinfo ENOTFOUND ${site}`);
  return { requestUrl: `https://${site}/` };
}

/** A stand-in for a lookup that resolves later: the input holds its promise. */
async function getWebsiteFromUsername(user: string): Promise<string> {
  await new Promise((resolve) => setImmediate(resolve));
  return `${user}.com`;
}

/**
 * p-map's usage example: `pMap(sites, mapper, { concurrency: 2 })`. An
 * element that is a promise is awaited before the mapper sees it.
 */
export async function usage(): Promise<string[]> {
  const sites = [getWebsiteFromUsername('sindresorhus'), 'avajs.dev', 'github.com'];
  const mapper = async (site: string) => (await head(site)).requestUrl;
  return alcall(sites, mapper, { maxConcurrent: 2 });
}

/**
 * `stopOnError: false` (p-map collects every failure into an AggregateError):
 * `returnExceptions` leaves each failure's Error in its place, and the
 * caller builds the AggregateError if it wants one.
 */
export async function collectFailures(): Promise<{ urls: string[]; errors: string[] }> {
  const sites = ['avajs.dev', 'invalid.site', 'github.com', 'also.invalid'];
  const out = await alcall(sites, async (site: string) => (await head(site)).requestUrl, {
    maxConcurrent: 2,
    returnExceptions: true,
  });
  const errors = out.filter((r): r is Error => r instanceof Error);
  if (errors.length > 0) {
    const aggregate = new AggregateError(errors, `${errors.length} of ${out.length} failed`);
    return {
      urls: out.filter((r): r is string => typeof r === 'string'),
      errors: [aggregate.message, ...aggregate.errors.map((e: Error) => e.message)],
    };
  }
  return { urls: out as string[], errors: [] };
}

/**
 * `pMapSkip`: return `null` (or `undefined`) for an item to leave out, and
 * ask for `dropna`. A failing item can be skipped the same way with
 * `retryDefault: null`.
 */
export async function skipping(): Promise<string[]> {
  const sites = ['avajs.dev', 'skip.me', 'invalid.site', 'github.com'];
  return alcall(
    sites,
    async (site: string) => (site.startsWith('skip') ? null : (await head(site)).requestUrl),
    { retryDefault: null, dropna: true },
  );
}

/**
 * p-map's `signal`: aborting rejects the call with `signal.reason`, and
 * mappers still running see their `ctx.signal` abort.
 */
export async function aborting(): Promise<{ reason: unknown; sawAbort: boolean }> {
  const controller = new AbortController();
  let sawAbort = false;
  const done = alcall(
    ['a.dev', 'b.dev'],
    (_site: string, { signal }) =>
      new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => {
          sawAbort = true;
          reject(signal.reason);
        });
        if (_site === 'b.dev') controller.abort(new Error('User clicked cancel'));
      }),
    { signal: controller.signal },
  );
  const reason = await done.catch((error: unknown) => (error as Error).message);
  return { reason, sawAbort };
}

/** `pMapIterable`: results one by one from a (here async) source, with bounded lookahead. */
export async function iterable(): Promise<string[]> {
  async function* sites() {
    yield 'avajs.dev';
    yield getWebsiteFromUsername('sindresorhus');
    yield 'github.com';
  }
  const out: string[] = [];
  for await (const url of imap(sites(), async (site: string) => (await head(site)).requestUrl, {
    maxConcurrent: 2,
  })) {
    out.push(url);
  }
  return out;
}

const main = process.argv[1];
if (main && pathToFileURL(main).href === import.meta.url) {
  console.log('usage', await usage());
  console.log('stopOnError: false', await collectFailures());
  console.log('pMapSkip', await skipping());
  console.log('signal', await aborting());
  console.log('pMapIterable', await iterable());
}
