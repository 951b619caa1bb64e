/**
 * poolcall: a main-thread scheduler for CPU-bound and blocking work on a
 * piscina worker-thread pool.
 */

export { isStopRetrying, StopRetrying } from '../shared/failure.js';
export { type Transferable, transfer } from '../shared/transfer.js';
export { type Clock, ManualClock, realClock, type SleepOptions } from './common/clock.js';
export {
  ItemCloneError,
  isPoolcallError,
  PoolClosedError,
  PoolcallError,
  type PoolcallErrorCode,
  type PoolcallErrorOptions,
  QueueFullError,
  RemoteJobLostError,
  TaskAbortedError,
  TaskTimeoutError,
  UnsupportedRuntimeError,
  WorkerCrashedError,
} from './common/errors.js';
export type { Gated } from './concurrency/gated.js';
export {
  type BatchItemContext,
  type BatchProcessOptions,
  batchProcess,
  type GatherOptions,
  gatherWithConcurrency,
  type WithTimeoutOptions,
  withTimeout,
} from './concurrency/helpers.js';
export { type LimitControl, type Limited, maxConcurrent, Semaphore } from './concurrency/limits.js';
export { type RateLimitOptions, rateLimit, TokenBucket } from './concurrency/rate-limit.js';
export {
  type BackoffPolicy,
  type FailedAttempt,
  nextDelay,
  type RetryContext,
  type RetryOptions,
  retry,
} from './concurrency/retry.js';
export {
  type AfterOptions,
  CancelScope,
  type CancelScopeOptions,
  failAfter,
  moveOnAfter,
} from './concurrency/scope.js';
export { TaskGroup, taskGroup } from './concurrency/task-group.js';
export { Throttle, type ThrottleOptions, throttle } from './concurrency/throttle.js';
export type { DurationSummary } from './dispatch/stats.js';
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
  type TaskKwargs,
  type TaskName,
  type TaskResult,
} from './pool/pool.js';
export {
  type ALCallResult,
  alcall,
  type ItemValue,
  type TimedValue,
} from './scheduler/alcall.js';
export { bcall } from './scheduler/bcall.js';
export { IMAP_DEFAULT_CONCURRENCY, type IMapOptions, imap } from './scheduler/imap.js';
export type {
  ALCallOptions,
  BCallOptions,
  Callable,
  CallContext,
  ItemFailedAttempt,
  Progress,
} from './scheduler/options.js';
export { parallelMap } from './scheduler/parallel-map.js';
export {
  ALCallParams,
  type ALCallParamsOptions,
  BCallParams,
  type BCallParamsOptions,
  type StoredItem,
  type StoredResult,
} from './scheduler/params.js';
export { createTransform, TaskTransform, type TransformOptions } from './scheduler/transform.js';
export type {
  FlatValue,
  InputElement,
  ItemOf,
  Leaf,
  OptionFlag,
  ShapedValue,
} from './scheduler/types.js';
