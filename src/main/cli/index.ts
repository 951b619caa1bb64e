/** The `poolcall` command line as a library: `main(argv, io)` and its pieces. */
export { UsageError } from './args.js';
export { type CliIO, processIO } from './io.js';
export { main } from './main.js';
export {
  type MeasureOptions,
  measureSizes,
  recommend,
  type SizeReport,
  type SizeRow,
} from './measure.js';
