/**
 * poolcall: a main-thread scheduler for CPU-bound and blocking work on a
 * piscina worker-thread pool.
 */

export {
  type ALCallResult,
  alcall,
  type ItemValue,
  type TimedValue,
} from './alcall.js';
export { bcall } from './bcall.js';
export { type Clock, ManualClock, realClock } from './clock.js';
export {
  isPoolcallError,
  PoolClosedError,
  PoolcallError,
  type PoolcallErrorCode,
  type PoolcallErrorOptions,
  QueueFullError,
  TaskAbortedError,
  TaskTimeoutError,
  WorkerCrashedError,
} from './errors.js';
export type { Gated } from './gated.js';
export {
  type BatchItemContext,
  type BatchProcessOptions,
  batchProcess,
  type GatherOptions,
  gatherWithConcurrency,
  type WithTimeoutOptions,
  withTimeout,
} from './helpers.js';
export { IMAP_DEFAULT_CONCURRENCY, type IMapOptions, imap } from './imap.js';
export { maxConcurrent, Semaphore } from './limits.js';
export { parallelMap } from './parallel-map.js';
export {
  type ALCallOptions,
  ALCallParams,
  type ALCallParamsOptions,
  type BCallOptions,
  BCallParams,
  type BCallParamsOptions,
  type Callable,
  type CallContext,
  type Progress,
} from './params.js';
export {
  type CloseOptions,
  createPool,
  type HandleOf,
  Pool,
  type PoolOptions,
  type PoolStats,
  type RunOptions,
  type TaskHandle,
  type TaskItem,
  type TaskName,
  type TaskResult,
} from './pool.js';
export { type RateLimitOptions, rateLimit, TokenBucket } from './rate-limit.js';
export {
  type BackoffPolicy,
  nextDelay,
  type RetryContext,
  type RetryOptions,
  retry,
} from './retry.js';
export {
  type AfterOptions,
  CancelScope,
  type CancelScopeOptions,
  failAfter,
  moveOnAfter,
} from './scope.js';
export type { DurationSummary } from './stats.js';
export { TaskGroup, taskGroup } from './task-group.js';
export { Throttle, type ThrottleOptions, throttle } from './throttle.js';
export { type Transferable, transfer } from './transfer.js';
export { createTransform, TaskTransform, type TransformOptions } from './transform.js';
