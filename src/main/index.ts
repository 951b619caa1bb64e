/**
 * poolcall: a main-thread scheduler for CPU-bound and blocking work on a
 * piscina worker-thread pool.
 */
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
export type { DurationSummary } from './stats.js';
export { type Transferable, transfer } from './transfer.js';
export {
  type ALCallResult,
  alcall,
  type ItemValue,
  type TimedValue,
} from './alcall.js';
export { bcall } from './bcall.js';
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
