/**
 * poolcall/bullmq: the same task handles over BullMQ on Redis, when one
 * machine is not enough. Each machine `serve`s a pool; producers
 * `connectQueue` and use `remote.task(name)` wherever a pool handle works.
 * `bullmq` and `ioredis` are optional peer dependencies, loaded only here.
 */
export { RemoteJobLostError } from '../common/errors.js';
export {
  type ConnectQueueOptions,
  connectQueue,
  type RemoteCloseOptions,
  type RemoteQueue,
} from './remote.js';
export { type ServablePool, type ServeOptions, type Server, serve } from './serve.js';
